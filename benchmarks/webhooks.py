"""Webhook delivery and WebSocket fan-out latency.

    make down && BOTSKYC_WEBHOOK_ALLOW_PRIVATE=true make up
    .venv/bin/python -m benchmarks.webhooks [--count 100]

A receiver on loopback subscribes to ``verification.completed``; verifications
are submitted one after another (asynchronous flow) and, for each delivery, the
receiver's clock minus the verification's ``completedAt`` (set by the decision
stage just before it publishes the completion event) is the latency. Loopback
delivery requires ``BOTSKYC_WEBHOOK_ALLOW_PRIVATE=true`` in the worker and API.
A WebSocket client subscribed to the organisation measures, for each
``completed`` status, its arrival minus the completion event's broker timestamp.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import threading
import time
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import websockets

from benchmarks.common import machine, percentile
from benchmarks.ingest import jpeg_of_about
from core.settings import get_settings
from ingest.admin import provision


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.webhooks")
    parser.add_argument("--count", type=int, default=100)
    args = parser.parse_args()
    settings = get_settings()
    latencies: list[float] = []
    done = threading.Event()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            now = time.time()
            body = json.loads(self.rfile.read(int(self.headers["content-length"])))
            completed = datetime.fromisoformat(body["data"]["completedAt"].replace("Z", "+00:00"))
            latencies.append(1000 * (now - completed.timestamp()))
            self.send_response(204)
            self.end_headers()
            if len(latencies) >= args.count:
                done.set()

        def log_message(self, *_: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    _, key = provision(settings, "webhook benchmark", plan="unmetered")
    base = f"http://{settings.api.host}:{settings.api.port}"
    jpeg = jpeg_of_about(100_000)
    ws_latencies: list[float] = []
    ws_ready = threading.Event()

    def follow_ws() -> None:
        async def run() -> None:
            url = f"ws://{settings.api.host}:{settings.api.port}/ws?access_token={key}"
            async with websockets.connect(url) as ws:
                await ws.send(json.dumps({"type": "subscribe", "all": True}))
                ws_ready.set()
                while len(ws_latencies) < args.count:
                    msg = json.loads(await asyncio.wait_for(ws.recv(), 120))
                    if msg.get("status") == "completed":
                        at = datetime.fromisoformat(msg["at"].replace("Z", "+00:00"))
                        ws_latencies.append(1000 * (time.time() - at.timestamp()))

        asyncio.run(run())

    ws_thread = threading.Thread(target=follow_ws, daemon=True)
    ws_thread.start()
    ws_ready.wait(10)
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {key}"}, timeout=30) as c:
        resp = c.post(
            "/api/v1/webhooks",
            json={
                "url": f"http://127.0.0.1:{server.server_address[1]}/hook",
                "eventTypes": ["verification.completed"],
            },
        )
        if resp.status_code != 201:
            raise SystemExit(
                f"cannot subscribe ({resp.status_code}): {resp.text}\n"
                "start the stack with BOTSKYC_WEBHOOK_ALLOW_PRIVATE=true"
            )
        for _ in range(args.count):
            c.post(
                "/api/v1/kyc/verify/identity",
                files={"documents": ("b.jpg", jpeg, "image/jpeg")},
                headers={"Prefer": "respond-async"},
            )
            time.sleep(0.1)
    done.wait(120)
    ws_thread.join(30)
    server.shutdown()
    print(f"machine: {machine()}")
    print(f"webhook deliveries received: {len(latencies)}/{args.count}")
    print(
        f"completion → receiver latency: p50 {percentile(latencies, 50):.1f} ms, "
        f"p95 {percentile(latencies, 95):.1f} ms, max {max(latencies or [0]):.1f} ms"
    )
    print(
        f"WebSocket fan-out (completion event → client): {len(ws_latencies)} messages, "
        f"p50 {percentile(ws_latencies, 50):.1f} ms, p95 {percentile(ws_latencies, 95):.1f} ms"
    )
    print(
        "reproduce: make down && BOTSKYC_WEBHOOK_ALLOW_PRIVATE=true make up && "
        ".venv/bin/python -m benchmarks.webhooks"
    )


if __name__ == "__main__":
    main()
