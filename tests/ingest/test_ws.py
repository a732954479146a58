"""``/ws``: live status messages, authentication, resumption."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest
import websockets

from tests.fixtures.images import document_like, encode
from tests.fixtures.pipeline import Harness

pytestmark = pytest.mark.integration

GOOD = encode(document_like(900, 570))


def ws_url(h: Harness, **params: str) -> str:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return f"ws://{h.settings.api.host}:{h.settings.api.port}/ws?{query}"


async def submit(h: Harness) -> str:
    async with httpx.AsyncClient(
        base_url=h.base_url, headers={"Authorization": f"Bearer {h.api_key}"}
    ) as c:
        resp = await c.post(
            "/api/v1/kyc/verify/identity",
            files={"documents": ("d.jpg", GOOD, "image/jpeg")},
            headers={"Prefer": "respond-async"},
        )
        return str(resp.json()["id"])


async def collect_until_done(ws: Any, vid: str) -> list[dict[str, Any]]:
    seen: list[dict[str, Any]] = []
    async with asyncio.timeout(60):
        while True:
            msg = json.loads(await ws.recv())
            if msg.get("type") == "verification.status" and msg["id"] == vid:
                seen.append(msg)
                if msg["status"] in ("completed", "failed"):
                    return seen


async def test_status_messages_follow_each_stage(harness: Harness) -> None:
    async with websockets.connect(ws_url(harness, access_token=harness.api_key)) as ws:
        await ws.send(json.dumps({"type": "subscribe", "all": True}))
        assert json.loads(await ws.recv())["type"] == "subscribed"
        vid = await submit(harness)
        seen = await collect_until_done(ws, vid)
    stages = [(m["status"], m["stage"]) for m in seen]
    assert stages[0] == ("received", "ingest")
    assert ("processing", "intake") in stages and ("processing", "quality") in stages
    assert stages[-1] == ("completed", "decision") and seen[-1]["decision"] == "REVIEW"
    assert len({m["eventId"] for m in seen}) == len(seen)


async def test_subscription_to_one_verification_and_resumption(harness: Harness) -> None:
    async with websockets.connect(ws_url(harness, access_token=harness.api_key)) as ws:
        vid = await submit(harness)
        await ws.send(json.dumps({"type": "subscribe", "verificationId": vid}))
        assert json.loads(await ws.recv())["verificationIds"] == [vid]
        first = json.loads(await ws.recv())
        assert first["id"] == vid
    # Reconnect after the first message: the rest is replayed from the process's buffer.
    await asyncio.sleep(3)
    async with websockets.connect(
        ws_url(harness, access_token=harness.api_key, lastEventId=first["eventId"])
    ) as ws:
        hello = json.loads(await ws.recv())
        assert hello["type"] == "resume" and hello["replayed"] >= 1
        replayed = [json.loads(await ws.recv()) for _ in range(hello["replayed"])]
    mine = [m for m in replayed if m["id"] == vid]
    assert mine and mine[-1]["status"] == "completed"


async def test_unauthenticated_or_other_organisation(harness: Harness) -> None:
    with pytest.raises(websockets.exceptions.ConnectionClosedError) as err:
        async with websockets.connect(ws_url(harness, access_token="bk_bad_bad")) as ws:
            await ws.recv()
    assert err.value.rcvd is not None and err.value.rcvd.code == 4401


async def test_subscription_to_a_batch(harness: Harness) -> None:
    async with websockets.connect(ws_url(harness, access_token=harness.api_key)) as ws:
        async with httpx.AsyncClient(
            base_url=harness.base_url, headers={"Authorization": f"Bearer {harness.api_key}"}
        ) as c:
            manifest = {
                "items": [
                    {"type": "identity", "documents": ["a.jpg"]},
                    {"type": "address", "documents": ["a.jpg"]},
                ]
            }
            # Subscribe before the batch exists would need its id: submit, then subscribe
            # quickly; the pipeline's first stage takes longer than the round trip.
            resp = await c.post(
                "/api/v1/kyc/batches",
                data={"manifest": json.dumps(manifest)},
                files=[("files", ("a.jpg", GOOD, "image/jpeg"))],
            )
        batch = resp.json()
        await ws.send(json.dumps({"type": "subscribe", "batchId": batch["id"]}))
        assert json.loads(await ws.recv())["batchIds"] == [batch["id"]]
        done: set[str] = set()
        async with asyncio.timeout(60):
            while len(done) < 2:
                msg = json.loads(await ws.recv())
                if msg.get("type") == "verification.status":
                    assert msg["batchId"] == batch["id"]
                    if msg["status"] == "completed":
                        done.add(msg["id"])
    assert done == {v["id"] for v in batch["verifications"]}
