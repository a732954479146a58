"""Ingest throughput and latency, end-to-end latency of the synchronous flow, pipeline overhead.

    python -m benchmarks.ingest [--seconds 15] [--concurrency 1 16 64]

Needs the stack, the API and a worker running (``make up``). The load
generator is a minimal keep-alive HTTP/1.1 client on asyncio (pre-built
request bytes), so that the measuring costs the 2-core machine as little CPU
as possible; it still shares the machine with everything it measures.

1. Ingest: asynchronous submissions (``Prefer: respond-async``) of a 300 KB
   JPEG for ``--seconds`` at each concurrency: requests/min, p50/p95/p99.
2. End to end: sequential synchronous submissions; p50/p95 of the answer time.
3. Pipeline overhead: the synchronous end-to-end time minus the model time
   Triton itself reports for the same requests (its statistics: queue +
   compute, averaged over the requests of step 2).
"""

from __future__ import annotations

import argparse
import asyncio
import time
import uuid
from datetime import UTC, datetime

import cv2
import httpx
import numpy as np
import psycopg

from benchmarks.common import machine, percentile
from core.inference import TritonGateway
from core.settings import Settings, get_settings
from ingest.admin import provision


def jpeg_of_about(target_bytes: int = 300_000, seed: int = 1) -> bytes:
    """A document-like photo with camera noise, JPEG-encoded to about ``target_bytes``."""
    rng = np.random.default_rng(seed)
    img = np.full((1200, 1800, 3), 215, np.uint8)
    for i in range(14):
        cv2.putText(
            img,
            f"LINE {i} MOGAPI NALEDI 1234567",
            (60, 90 + 80 * i),
            cv2.FONT_HERSHEY_SIMPLEX,
            1.6,
            (30, 30, 30),
            3,
        )
    quality = 90
    while True:
        noisy = np.clip(img + rng.normal(0, 9, img.shape), 0, 255).astype(np.uint8)
        ok, buf = cv2.imencode(".jpg", noisy, [cv2.IMWRITE_JPEG_QUALITY, quality])
        assert ok
        if len(buf) <= target_bytes * 1.1 or quality <= 30:
            return bytes(buf.tobytes())
        quality -= 5


def multipart_request(
    host: str, port: int, path: str, jpeg: bytes, prefer: str, api_key: str
) -> bytes:
    boundary = uuid.uuid4().hex
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="documents"; '
            f'filename="bench.jpg"\r\nContent-Type: image/jpeg\r\n\r\n'
        ).encode()
        + jpeg
        + f"\r\n--{boundary}--\r\n".encode()
    )
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\n"
        f"Content-Type: multipart/form-data; boundary={boundary}\r\n"
        f"Content-Length: {len(body)}\r\nPrefer: {prefer}\r\n"
        f"Authorization: Bearer {api_key}\r\n\r\n"
    ).encode()
    return head + body


async def _exchange(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes
) -> int:
    writer.write(request)
    await writer.drain()
    status_line = await reader.readline()
    status = int(status_line.split()[1])
    length = 0
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b""):
            break
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    await reader.readexactly(length)
    return status


async def load(
    host: str, port: int, request: bytes, concurrency: int, seconds: float
) -> tuple[list[float], int, float]:
    """Latencies (ms) of successful requests, error count, and the wall time."""
    latencies: list[float] = []
    errors = 0
    stop_at = time.monotonic() + seconds

    async def client() -> None:
        nonlocal errors
        reader, writer = await asyncio.open_connection(host, port)
        try:
            while time.monotonic() < stop_at:
                t0 = time.perf_counter()
                status = await _exchange(reader, writer, request)
                if status == 202:
                    latencies.append(1000 * (time.perf_counter() - t0))
                else:
                    errors += 1
        finally:
            writer.close()

    started = time.monotonic()
    await asyncio.gather(*(client() for _ in range(concurrency)))
    return latencies, errors, time.monotonic() - started


def wait_for_drain(
    settings: Settings, since: datetime, timeout_s: float = 900.0
) -> tuple[int, float]:
    """Wait until no verification created since ``since`` is unfinished;
    (how many there were, seconds it took)."""
    started = time.monotonic()
    with psycopg.connect(settings.postgres.dsn()) as conn:

        def unfinished() -> int:
            row = conn.execute(
                "SELECT count(*) FROM verifications WHERE created_at >= %s"
                " AND status IN ('received', 'processing')",
                (since,),
            ).fetchone()
            conn.commit()
            return int(row[0]) if row else 0

        first = unfinished()
        while unfinished() > 0 and time.monotonic() - started < timeout_s:
            time.sleep(1)
    return first, time.monotonic() - started


def triton_model_ns(gateway: TritonGateway) -> tuple[int, int]:
    """(requests, queue+compute nanoseconds) Triton reports for image_quality so far."""
    stats = gateway.model_stats("image_quality")["model_stats"][0]["inference_stats"]
    total = sum(
        int(stats[k]["ns"]) for k in ("queue", "compute_input", "compute_infer", "compute_output")
    )
    return int(stats["success"]["count"]), total


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.ingest")
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 16, 64])
    parser.add_argument("--sync-requests", type=int, default=100)
    args = parser.parse_args()
    settings = get_settings()
    host, port = settings.api.host, settings.api.port
    jpeg = jpeg_of_about()
    print(f"machine: {machine()}")
    print(
        f"payload: one JPEG of {len(jpeg) / 1000:.0f} KB per request; API workers: "
        f"{settings.api.workers}"
    )
    path = "/api/v1/kyc/verify/identity"
    bench_started = datetime.now(UTC)
    # Benchmarks run as an organisation on the unmetered plan: we measure the
    # platform, not the rate limiter's refusals (its cost is in every request).
    _, api_key = provision(settings, "benchmark", plan="unmetered")
    request = multipart_request(host, port, path, jpeg, "respond-async", api_key)
    print("\ningest (asynchronous submissions: stored, recorded, published, answered 202)")
    print(f"{'clients':>8} {'req/min':>9} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>7}")
    for c in args.concurrency:
        lat, errors, wall = asyncio.run(load(host, port, request, c, args.seconds))
        rpm = 60 * len(lat) / wall
        print(
            f"{c:>8} {rpm:>9.0f} {percentile(lat, 50):>8.1f} {percentile(lat, 95):>8.1f} "
            f"{percentile(lat, 99):>8.1f} {errors:>7}"
        )
        time.sleep(3)  # let the pipeline drain a little between rounds

    # The ingest rounds left a backlog: measure how fast the pipeline drains
    # it, and start the synchronous measurements on an idle pipeline.
    backlog, drain_s = wait_for_drain(settings, bench_started)
    if backlog:
        print(
            f"\npipeline drained a backlog of {backlog} verifications in {drain_s:.0f} s: "
            f"{60 * backlog / drain_s:.0f} verifications/min"
        )
    gateway = TritonGateway(settings.triton)
    print(
        f"\nend to end (synchronous, sequential, {args.sync_requests} requests, each image "
        "unique so that no cache answers)"
    )
    before = triton_model_ns(gateway)
    e2e: list[float] = []
    other: dict[int, int] = {}
    auth = {"Authorization": f"Bearer {api_key}"}
    with httpx.Client(base_url=f"http://{host}:{port}", timeout=40, headers=auth) as client:
        run_seed = int(time.time())  # new images every run: Triton's cache must not answer
        for i in range(args.sync_requests):
            unique = jpeg_of_about(seed=run_seed * 1000 + i)
            t0 = time.perf_counter()
            resp = client.post(
                path,
                files={"documents": ("b.jpg", unique, "image/jpeg")},
                headers={"Prefer": "wait=30"},
            )
            if resp.status_code == 200:
                e2e.append(1000 * (time.perf_counter() - t0))
            else:
                other[resp.status_code] = other.get(resp.status_code, 0) + 1
    after = triton_model_ns(gateway)
    n = after[0] - before[0]
    model_ms = (after[1] - before[1]) / max(n, 1) / 1e6
    print(
        f"  answered with the result: {len(e2e)}/{args.sync_requests} (others: {other}); "
        f"p50 {percentile(e2e, 50):.1f} ms, p95 {percentile(e2e, 95):.1f} ms"
    )
    print(f"  Triton model time per request (its statistics, {n} requests): {model_ms:.1f} ms")
    print(
        f"  pipeline overhead (p50 end to end − model time): "
        f"{percentile(e2e, 50) - model_ms:.1f} ms"
    )
    print(
        f"\nreproduce: make up && .venv/bin/python -m benchmarks.ingest --seconds {args.seconds:g}"
    )


if __name__ == "__main__":
    main()
