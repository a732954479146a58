"""Webhook delivery: from finished verifications to signed HTTPS POSTs, with retries.

1. **Fan-out** (agent on the public topic): for each finished verification,
   one ``WebhookDelivery`` per target — every enabled subscription of the
   organisation that wants the event type, plus the per-request ``webhookUrl``.
2. **Delivery** (agent on ``webhooks.deliveries``): POST the JSON body, signed
   per Standard Webhooks, 5 s timeout; a quick in-process retry on transport
   errors (tenacity); every attempt is logged in ``webhook_deliveries``.
3. **Retry**: a failed attempt n goes to ``webhooks.retry.<n>`` whose forwarder
   holds it for the n-th delay of ``BOTSKYC_WEBHOOK_RETRY_SCHEDULE_S`` — one
   topic per delay, so each is in due order and nothing waits behind a longer
   delay. After the last, the ``webhooks.dlq``; a subscription whose deliveries
   keep dying is disabled with the reason.

Pure core (shared with the API's test and redelivery routes): ``core/webhooks.py``.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

import httpx
from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_attempt, wait_fixed

from core.db.webhooks import WebhookRepository
from core.domain import new_id
from core.events import avro
from core.events.topics import Topics
from core.settings import Settings
from core.webhooks import (
    UnsafeDestination,
    build_body,
    check_destination,
    delivery_record,
    events_for,
    message_id,
    signature_headers,
)
from streams.runtime import NOT_BEFORE_HEADER, Send

USER_AGENT = "botsKYC-Webhooks/1"


@dataclass
class WebhookContext:
    """What the webhook agents share."""

    settings: Settings
    topics: Topics
    repo: WebhookRepository
    send: Send
    http: httpx.AsyncClient
    verification_webhook_url: Any  # async (verification id) -> str | None


async def fan_out(ctx: WebhookContext, value: bytes) -> int:
    """Queue the deliveries of one finished verification; returns how many."""
    try:
        _, finished = avro.decode(value, "verification_finished")
    except avro.SchemaError:
        return 0  # not ours to judge: the public topic's own consumers see it too
    org = finished["organisation_id"]
    request_url = await ctx.verification_webhook_url(finished["verification_id"])
    data = json.loads(finished["body_json"])
    count = 0
    for event_type in events_for(finished):
        msg_id = message_id(finished["event_id"], event_type)
        body = build_body(event_type, data)
        count += await _queue(
            ctx, org, msg_id, event_type, body, request_url, finished.get("traceparent", "")
        )
    return count


async def fan_out_batch(ctx: WebhookContext, value: bytes) -> int:
    """Queue the ``batch.completed`` deliveries of one finished batch."""
    try:
        _, finished = avro.decode(value, "batch_finished")
    except avro.SchemaError:
        return 0
    org = finished["organisation_id"]
    body = build_body("batch.completed", json.loads(finished["body_json"]))
    return await _queue(
        ctx, org, finished["event_id"], "batch.completed", body, finished.get("webhook_url")
    )


async def fan_out_liveness(ctx: WebhookContext, value: bytes) -> int:
    """Queue the ``liveness.completed`` deliveries of one finished liveness session."""
    try:
        _, finished = avro.decode(value, "liveness_completed")
    except avro.SchemaError:
        return 0
    body = build_body("liveness.completed", json.loads(finished["body_json"]))
    return await _queue(
        ctx,
        finished["organisation_id"],
        finished["event_id"],
        "liveness.completed",
        body,
        finished.get("webhook_url"),
    )


async def _queue(
    ctx: WebhookContext,
    org: str,
    msg_id: str,
    event_type: str,
    body: str,
    request_url: str | None,
    traceparent: str = "",
) -> int:
    """One delivery per target of ``event_type``; returns how many were queued."""
    targets = await ctx.repo.targets(org, event_type, request_url)
    for target in targets:
        rec = delivery_record(org, target, msg_id, event_type, body, traceparent)
        await ctx.send(
            ctx.topics.webhook_deliveries,
            (target.subscription_id or org).encode(),
            avro.encode("webhook_delivery", rec),
            {},
        )
    return len(targets)


async def deliver(ctx: WebhookContext, value: bytes) -> str:
    """One attempt (with a quick in-process retry on transport errors). Never raises."""
    try:
        _, rec = avro.decode(value, "webhook_delivery")
    except avro.SchemaError:
        return "undecodable"
    settings = ctx.settings.webhooks
    secrets_ = await ctx.repo.secrets_of(rec["subscription_id"], rec["organisation_id"])
    if not secrets_:
        await _log(ctx, rec, "failed", None, None, None, "subscription disabled or deleted")
        return "skipped"
    body = rec["payload_json"].encode()
    status: int | None = None
    excerpt: str | None = None
    error: str | None = None
    started = time.perf_counter()
    try:
        check_destination(rec["url"], allow_private=settings.allow_private)
        async for trial in AsyncRetrying(
            stop=stop_after_attempt(2),
            wait=wait_fixed(1.0),
            retry=retry_if_exception_type(httpx.TransportError),
            reraise=True,
        ):
            with trial:
                headers = signature_headers(secrets_, rec["message_id"], body) | {
                    "content-type": "application/json",
                    "user-agent": USER_AGENT,
                    "x-botskyc-event-id": rec["message_id"],
                    "x-botskyc-delivery-id": rec["delivery_id"],
                    "x-botskyc-attempt": str(rec["attempt"]),
                }
                resp = await ctx.http.post(
                    rec["url"], content=body, headers=headers, timeout=settings.timeout_s
                )
                status, excerpt = resp.status_code, resp.text[:500]
    except UnsafeDestination as exc:
        error = f"refused destination: {exc}"
    except httpx.HTTPError as exc:
        error = f"{type(exc).__name__}: {exc}"[:500]
    latency = 1000 * (time.perf_counter() - started)
    if status is not None and 200 <= status < 300:
        await _log(ctx, rec, "succeeded", status, latency, excerpt, None)
        if rec["subscription_id"]:
            await ctx.repo.succeeded(rec["subscription_id"])
        return "succeeded"
    schedule = settings.schedule
    attempt = int(rec["attempt"])
    if attempt <= len(schedule) and not (error or "").startswith("refused destination"):
        await _log(ctx, rec, "failed", status, latency, excerpt, error)
        nxt = dict(rec) | {
            "attempt": attempt + 1,
            "not_before": int((time.time() + schedule[attempt - 1]) * 1000),
        }
        await ctx.send(
            ctx.topics.webhook_retry(attempt),
            _key(rec),
            avro.encode("webhook_delivery", nxt),
            {NOT_BEFORE_HEADER: str(nxt["not_before"] / 1000).encode()},
        )
        return "retry-scheduled"
    await _log(ctx, rec, "dead-lettered", status, latency, excerpt, error)
    await _park(
        ctx,
        value,
        _key(rec),
        "WebhookDeliveryFailed",
        f"{rec['url']}: last status {status}, error {error}",
        attempt,
    )
    if rec["subscription_id"]:
        await ctx.repo.dead_lettered(rec["subscription_id"], settings.disable_after)
    return "dead-lettered"


async def _park(
    ctx: WebhookContext,
    value: bytes,
    key: bytes | None,
    error_type: str,
    message: str,
    attempt: int,
) -> None:
    dead = {
        "event_id": new_id("dlq"),
        "stage": "webhooks",
        "source_topic": ctx.topics.webhook_deliveries,
        "source_partition": -1,
        "source_offset": -1,
        "verification_id": None,
        "key": key,
        "payload": value,
        "error_type": error_type,
        "error_message": message[:2000],
        "traceback": "",
        "attempt": attempt,
        "poison": False,
        "failed_at": int(time.time() * 1000),
    }
    await ctx.send(ctx.topics.webhook_dead_letter, key, avro.encode("dead_letter", dead), {})


async def dead_letter_delivery(ctx: WebhookContext, value: bytes, exc: BaseException) -> None:
    """Park a delivery whose handling crashed (poison), so the agent keeps going."""
    await _park(ctx, value, None, type(exc).__name__, str(exc), 0)


def _key(rec: dict[str, Any]) -> bytes:
    return str(rec["subscription_id"] or rec["organisation_id"]).encode()


async def _log(
    ctx: WebhookContext,
    rec: dict[str, Any],
    outcome: str,
    status: int | None,
    latency: float | None,
    excerpt: str | None,
    error: str | None,
) -> None:
    await ctx.repo.record(
        delivery_id=rec["delivery_id"],
        subscription_id=rec["subscription_id"],
        org=rec["organisation_id"],
        event_id=rec["message_id"],
        event_type=rec["event_type"],
        url=rec["url"],
        attempt=int(rec["attempt"]),
        outcome=outcome,
        status_code=status,
        latency_ms=latency,
        excerpt=excerpt,
        error=error,
        payload=rec["payload_json"],
    )
