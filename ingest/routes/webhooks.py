"""``/api/v1/webhooks``: subscriptions, their secrets, test events, the delivery log, redelivery."""

from __future__ import annotations

import time
from typing import Any

from litestar import Request, Response, delete, get, patch, post
from litestar.datastructures import State
from litestar.di import Provide

from core.db.webhooks import WebhookRepository
from core.errors import InvalidRequest, NotFound
from core.events import avro
from core.events.topics import Topics
from core.timefmt import iso_z
from core.webhooks import (
    EVENT_TYPES,
    TEST_EVENT,
    Target,
    UnsafeDestination,
    build_body,
    check_destination,
    delivery_record,
)
from ingest.auth import requires
from ingest.deps import organisation_id

GUARDS = [requires("webhooks:manage")]


def repo(state: State) -> WebhookRepository:
    return WebhookRepository(state.pool)


DEPS = {
    "org": Provide(organisation_id, sync_to_thread=False),
    "webhooks": Provide(repo, sync_to_thread=False),
}


def _public(row: dict[str, Any]) -> dict[str, Any]:
    out = {
        "id": row["id"],
        "object": "webhook",
        "url": row["url"],
        "eventTypes": row["event_types"],
        "description": row.get("description"),
        "enabled": row["enabled"],
        "disabledReason": row.get("disabled_reason"),
        "consecutiveFailures": row["consecutive_failures"],
        "createdAt": iso_z(row["created_at"]),
        "updatedAt": iso_z(row["updated_at"]),
    }
    if "secret" in row:
        out["secret"] = row["secret"]  # only when created: shown once
    return out


def _check(state: State, url: Any, event_types: Any) -> None:
    if url is not None:
        if not isinstance(url, str):
            raise InvalidRequest("url must be a string", field="url")
        try:
            check_destination(url, allow_private=state.settings.webhooks.allow_private)
        except UnsafeDestination as exc:
            raise InvalidRequest(str(exc), field="url", code="WEBHOOK_URL_NOT_ALLOWED") from None
    if event_types is not None:
        if (
            not isinstance(event_types, list)
            or not event_types
            or not all(isinstance(t, str) for t in event_types)
        ):
            raise InvalidRequest("eventTypes must be a non-empty list", field="eventTypes")
        unknown = set(event_types) - EVENT_TYPES
        if unknown:
            raise InvalidRequest(
                f"unknown event types {sorted(unknown)}; known: {sorted(EVENT_TYPES)}",
                field="eventTypes",
            )


@post("/api/v1/webhooks", dependencies=DEPS, guards=GUARDS, tags=["webhooks"], status_code=201)
async def create_webhook(
    data: dict[str, Any], org: str, webhooks: WebhookRepository, state: State
) -> dict[str, Any]:
    if "url" not in data:
        raise InvalidRequest("url is required", field="url")
    event_types = data.get("eventTypes", sorted(EVENT_TYPES))
    _check(state, data["url"], event_types)
    return _public(await webhooks.create(org, data["url"], event_types, data.get("description")))


@get("/api/v1/webhooks", dependencies=DEPS, guards=GUARDS, tags=["webhooks"])
async def list_webhooks(org: str, webhooks: WebhookRepository) -> dict[str, Any]:
    return {"object": "list", "data": [_public(r) for r in await webhooks.for_organisation(org)]}


@get(
    "/api/v1/webhooks/request-secret",
    dependencies=DEPS,
    guards=GUARDS,
    tags=["webhooks"],
    summary="The secret that signs deliveries to a per-request webhookUrl",
)
async def request_secret(org: str, webhooks: WebhookRepository) -> dict[str, Any]:
    return {"secret": await webhooks.request_secret(org)}


async def _get(webhooks: WebhookRepository, org: str, webhook_id: str) -> dict[str, Any]:
    row = await webhooks.get(org, webhook_id)
    if row is None:
        raise NotFound(f"no webhook {webhook_id}")
    return row


@get("/api/v1/webhooks/{webhook_id:str}", dependencies=DEPS, guards=GUARDS, tags=["webhooks"])
async def get_webhook(webhook_id: str, org: str, webhooks: WebhookRepository) -> dict[str, Any]:
    return _public(await _get(webhooks, org, webhook_id))


@patch("/api/v1/webhooks/{webhook_id:str}", dependencies=DEPS, guards=GUARDS, tags=["webhooks"])
async def update_webhook(
    webhook_id: str, data: dict[str, Any], org: str, webhooks: WebhookRepository, state: State
) -> dict[str, Any]:
    _check(state, data.get("url"), data.get("eventTypes"))
    enabled = data.get("enabled")
    if enabled is not None and not isinstance(enabled, bool):
        raise InvalidRequest("enabled must be true or false", field="enabled")
    row = await webhooks.update(
        org,
        webhook_id,
        url=data.get("url"),
        event_types=data.get("eventTypes"),
        enabled=enabled,
        description=data.get("description"),
    )
    if row is None:
        raise NotFound(f"no webhook {webhook_id}")
    return _public(row)


@delete(
    "/api/v1/webhooks/{webhook_id:str}",
    dependencies=DEPS,
    guards=GUARDS,
    tags=["webhooks"],
    status_code=204,
)
async def delete_webhook(webhook_id: str, org: str, webhooks: WebhookRepository) -> None:
    if not await webhooks.delete(org, webhook_id):
        raise NotFound(f"no webhook {webhook_id}")


@post(
    "/api/v1/webhooks/{webhook_id:str}/rotate-secret",
    dependencies=DEPS,
    guards=GUARDS,
    tags=["webhooks"],
    status_code=200,
)
async def rotate_secret(webhook_id: str, org: str, webhooks: WebhookRepository) -> dict[str, Any]:
    secret = await webhooks.rotate_secret(org, webhook_id)
    if secret is None:
        raise NotFound(f"no webhook {webhook_id}")
    return {
        "id": webhook_id,
        "secret": secret,
        "note": "deliveries carry signatures of both secrets for the next 24 hours",
    }


async def _queue(
    state: State, org: str, row: dict[str, Any], msg_id: str, event_type: str, body: str
) -> str:
    target = Target(row["id"], row["url"], [])
    rec = delivery_record(org, target, msg_id, event_type, body)
    topics = Topics(state.settings.kafka.topic_prefix)
    await state.publisher.publish(
        topics.webhook_deliveries, row["id"], avro.encode("webhook_delivery", rec)
    )
    return str(rec["delivery_id"])


@post(
    "/api/v1/webhooks/{webhook_id:str}/test",
    dependencies=DEPS,
    guards=GUARDS,
    tags=["webhooks"],
    status_code=202,
)
async def send_test(
    webhook_id: str, org: str, webhooks: WebhookRepository, state: State
) -> dict[str, Any]:
    row = await _get(webhooks, org, webhook_id)
    msg_id = f"evt_test_{int(time.time() * 1000)}"
    body = build_body(TEST_EVENT, {"webhookId": webhook_id, "message": "test event"})
    return {
        "deliveryId": await _queue(state, org, row, msg_id, TEST_EVENT, body),
        "eventId": msg_id,
    }


@get(
    "/api/v1/webhooks/{webhook_id:str}/deliveries",
    dependencies=DEPS,
    guards=GUARDS,
    tags=["webhooks"],
    summary="The delivery log: one entry per attempt, newest first",
)
async def list_deliveries(
    webhook_id: str, org: str, webhooks: WebhookRepository, limit: int = 50
) -> dict[str, Any]:
    await _get(webhooks, org, webhook_id)
    rows = await webhooks.deliveries(org, webhook_id, min(max(limit, 1), 200))
    return {
        "object": "list",
        "data": [
            {
                "deliveryId": r["delivery_id"],
                "eventId": r["event_id"],
                "eventType": r["event_type"],
                "attempt": r["attempt"],
                "outcome": r["outcome"],
                "statusCode": r["status_code"],
                "latencyMs": r["latency_ms"],
                "responseExcerpt": r["response_excerpt"],
                "error": r["error"],
                "at": iso_z(r["at"]),
            }
            for r in rows
        ],
    }


@post(
    "/api/v1/webhooks/{webhook_id:str}/redeliver",
    dependencies=DEPS,
    guards=GUARDS,
    tags=["webhooks"],
    status_code=202,
    summary='Redeliver one event ({"eventId": …}) or every event whose delivery failed',
)
async def redeliver(
    webhook_id: str,
    org: str,
    webhooks: WebhookRepository,
    state: State,
    request: Request[Any, Any, Any],
) -> Response[dict[str, Any]]:
    row = await _get(webhooks, org, webhook_id)
    raw = await request.body()
    data = (await request.json()) if raw else {}
    event_id = data.get("eventId") if isinstance(data, dict) else None
    payloads = await webhooks.payloads_to_redeliver(org, webhook_id, event_id)
    if event_id and not payloads:
        raise NotFound(f"no delivery of event {event_id} to this webhook")
    for p in payloads:
        await _queue(state, org, row, p["event_id"], p["event_type"], p["payload"])
    return Response({"queued": len(payloads)}, status_code=202)


ROUTES = [
    create_webhook,
    list_webhooks,
    request_secret,
    get_webhook,
    update_webhook,
    delete_webhook,
    rotate_secret,
    send_test,
    list_deliveries,
    redeliver,
]
