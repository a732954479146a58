"""``/ws``: live verification status over WebSocket.

Authenticate with ``?access_token=<token or API key>`` (browsers cannot set
headers on a WebSocket) or an ``Authorization`` header. Then send
``{"type": "subscribe", "verificationId": "ver_…"}``, ``{"type": "subscribe",
"batchId": "bat_…"}``, or ``{"type": "subscribe", "all": true}`` for every
verification of the organisation; ``unsubscribe``
likewise. The server sends ``{"type": "verification.status", "id", "status",
"stage", "eventId", …}`` as each stage finishes, ``{"type": "ping"}`` every
``HEARTBEAT_S`` seconds, and closes with 4401 (unauthenticated) or 4408
(client silent for three heartbeats). After a reconnect, ``?lastEventId=…``
replays what the process still holds after that event (the last 1,000 per
organisation); if it cannot, it says ``{"type": "resume.unavailable"}``.

The feed follows the stage topics and the public topic from their end in
every API process (no consumer group), like the synchronous-flow waiter.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
import uuid
from collections import defaultdict, deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from litestar import WebSocket, websocket
from litestar.exceptions import WebSocketDisconnect

from core.auth import AuthenticationFailed, Principal
from core.events import avro
from core.events.bus import TopicFollower
from core.events.topics import LANES, Topics
from core.settings import KafkaSettings
from ingest.auth import authenticate

log = logging.getLogger(__name__)
HEARTBEAT_S = 20.0
BUFFER = 1000
# Messages are decoded only while someone is connected, or was within this
# window (so that a reconnect can still resume): an idle API pays nothing.
RESUME_WINDOW_S = 600.0


def status_of(topic: str, topics: Topics, value: bytes) -> tuple[str, dict[str, Any]] | None:
    """(organisation, status message) for a message of a followed topic, or None."""
    try:
        name, rec = avro.decode(value)
    except avro.SchemaError:
        return None
    if name == "verification_submitted":
        return rec["organisation_id"], {
            "id": rec["verification_id"],
            "status": "received",
            "stage": "ingest",
            "batchId": rec.get("batch_id"),
        }
    if name == "stage_event":
        finished = list(rec.get("stage_timings") or {})
        submission = json.loads(rec["submission_json"])
        return submission["organisation_id"], {
            "id": rec["verification_id"],
            "status": "processing",
            "stage": finished[-1] if finished else rec["stage"],
            "batchId": submission.get("batch_id"),
        }
    if name == "verification_finished":
        return rec["organisation_id"], {
            "id": rec["verification_id"],
            "status": rec["status"],
            "stage": "decision",
            "decision": rec.get("decision"),
            "batchId": rec.get("batch_id"),
        }
    return None


@dataclass(eq=False)
class Subscriber:
    """One connection's interest."""

    organisation_id: str
    queue: asyncio.Queue[dict[str, Any]] = field(default_factory=lambda: asyncio.Queue(1000))
    everything: bool = False
    ids: set[str] = field(default_factory=set)
    batches: set[str] = field(default_factory=set)

    def wants(self, message: dict[str, Any]) -> bool:
        return (
            self.everything or message["id"] in self.ids or message.get("batchId") in self.batches
        )


class StatusFeed(TopicFollower):
    """Kafka → in-process fan-out to WebSocket subscribers, with a resume buffer."""

    def __init__(self, settings: KafkaSettings, topics: Topics, stages: list[str]) -> None:
        super().__init__(settings)
        self.topics = topics
        self.names = [topics.stage(s, lane) for s in stages for lane in LANES] + [topics.public]
        self.boot = uuid.uuid4().hex[:8]
        self.seq = 0
        self.buffers: dict[str, deque[dict[str, Any]]] = defaultdict(lambda: deque(maxlen=BUFFER))
        self.subscribers: set[Subscriber] = set()
        self.last_subscriber_at = float("-inf")

    def add(self, sub: Subscriber) -> None:
        self.subscribers.add(sub)
        self.last_subscriber_at = time.monotonic()

    def remove(self, sub: Subscriber) -> None:
        self.subscribers.discard(sub)
        self.last_subscriber_at = time.monotonic()

    def active(self) -> bool:
        # Decode only while someone listens or may resume; keep our place otherwise.
        return bool(self.subscribers) or (
            time.monotonic() - self.last_subscriber_at < RESUME_WINDOW_S
        )

    def publish(self, org: str, body: dict[str, Any]) -> None:
        self.seq += 1
        message = {"type": "verification.status", "eventId": f"{self.boot}-{self.seq}", **body}
        self.buffers[org].append(message)
        for sub in list(self.subscribers):
            if sub.organisation_id == org and sub.wants(message):
                with contextlib.suppress(asyncio.QueueFull):  # a stalled client loses, not us
                    sub.queue.put_nowait(message)

    def since(self, org: str, last_event_id: str) -> list[dict[str, Any]] | None:
        """Buffered messages after ``last_event_id``; None when that id is not ours."""
        boot, _, seq = last_event_id.partition("-")
        if boot != self.boot or not seq.isdigit():
            return None
        return [m for m in self.buffers[org] if int(m["eventId"].split("-")[1]) > int(seq)]

    def handle(self, topic: str, msg: Any) -> None:
        found = status_of(topic, self.topics, msg.value or b"")
        if found is not None:
            org, body = found
            # When the stage finished: the broker's timestamp of the event.
            at = datetime.fromtimestamp(msg.timestamp / 1000, UTC)
            body["at"] = at.isoformat(timespec="milliseconds").replace("+00:00", "Z")
            self.publish(org, body)


@websocket("/ws")
async def ws(socket: WebSocket[Any, Any, Any]) -> None:
    state = socket.app.state
    token = socket.query_params.get("access_token")
    header = socket.headers.get("authorization") or (f"Bearer {token}" if token else "")
    # Accept first: a close before the handshake can only be an HTTP 403, and
    # clients deserve the reason as a close code.
    await socket.accept()
    try:
        principal: Principal = await authenticate(state, header)
    except AuthenticationFailed as exc:
        await socket.close(code=4401, reason=str(exc)[:120])
        return
    if not principal.allows("verify:read"):
        await socket.close(code=4403, reason="the credential lacks verify:read")
        return
    feed: StatusFeed = state.status_feed
    sub = Subscriber(principal.organisation_id)
    feed.add(sub)
    last = socket.query_params.get("lastEventId")
    if last:
        missed = feed.since(sub.organisation_id, last)
        await socket.send_json(
            {"type": "resume.unavailable"}
            if missed is None
            else {"type": "resume", "replayed": len(missed)}
        )
        for m in missed or []:
            await socket.send_json(m)

    async def outgoing() -> None:
        while True:
            try:
                message = await asyncio.wait_for(sub.queue.get(), HEARTBEAT_S)
            except TimeoutError:
                message = {"type": "ping"}
            await socket.send_json(message)

    sender = asyncio.create_task(outgoing())
    try:
        while True:
            try:
                msg = await asyncio.wait_for(socket.receive_json(), 3 * HEARTBEAT_S)
            except TimeoutError:
                await socket.close(code=4408, reason="no message for three heartbeats")
                return
            kind = msg.get("type") if isinstance(msg, dict) else None
            if kind == "subscribe" and msg.get("all") is True:
                sub.everything = True
            elif kind == "subscribe" and isinstance(msg.get("verificationId"), str):
                sub.ids.add(msg["verificationId"])
            elif kind == "subscribe" and isinstance(msg.get("batchId"), str):
                sub.batches.add(msg["batchId"])
            elif kind == "unsubscribe":
                sub.everything = sub.everything and not msg.get("all")
                sub.ids.discard(str(msg.get("verificationId")))
                sub.batches.discard(str(msg.get("batchId")))
            elif kind in ("pong", "ping"):
                continue
            else:
                await socket.send_json({"type": "error", "detail": "unknown message"})
                continue
            await socket.send_json(
                {
                    "type": "subscribed",
                    "all": sub.everything,
                    "verificationIds": sorted(sub.ids),
                    "batchIds": sorted(sub.batches),
                }
            )
    except WebSocketDisconnect:
        return
    finally:
        sender.cancel()
        feed.remove(sub)
