"""Webhook delivery end to end: real receivers on loopback, real pipeline."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from core.settings import Settings
from core.webhooks import verify
from ingest.admin import provision
from tests.fixtures.images import document_like, encode
from tests.fixtures.pipeline import Harness, build_harness, destroy_harness
from tests.fixtures.receiver import Receiver

pytestmark = [pytest.mark.integration, pytest.mark.slow]

GOOD = encode(document_like(900, 570))


@pytest.fixture(scope="module")
def hooks(stack: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Harness]:
    # Short retry schedule, and a subscription is disabled after 2 dead deliveries.
    h = build_harness(
        stack,
        tmp_path_factory.mktemp("hooks"),
        webhooks={"retry_schedule_s": "0.5,0.5,0.5", "disable_after": 2},
    )
    yield h
    destroy_harness(h)


def subscribe(c: httpx.Client, url: str, types: list[str] | None = None) -> dict[str, Any]:
    resp = c.post(
        "/api/v1/webhooks",
        json={"url": url, "eventTypes": types or ["verification.completed", "verification.failed"]},
    )
    assert resp.status_code == 201, resp.text
    return dict(resp.json())


def submit(c: httpx.Client, **data: str) -> str:
    resp = c.post(
        "/api/v1/kyc/verify/identity",
        files={"documents": ("d.jpg", GOOD, "image/jpeg")},
        data=data,
        headers={"Prefer": "respond-async"},
    )
    assert resp.status_code == 202, resp.text
    return str(resp.json()["id"])


def wait_until(check: Callable[[], bool], timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    raise AssertionError("condition not met in time")


def test_receiver_down_for_a_while_gets_every_event_once_after_dedup(
    hooks: Harness, receiver: Receiver
) -> None:
    receiver.respond = lambda n: 503 if n < 3 else 200  # down, then back
    with hooks.client() as c:
        sub = subscribe(c, receiver.url)
        ids = [submit(c) for _ in range(3)]
        hooks.wait_finished(ids)
        wait_until(lambda: {r.json["data"]["id"] for r in receiver.accepted()} >= set(ids))
        log = c.get(f"/api/v1/webhooks/{sub['id']}/deliveries").json()["data"]
    delivered = {r.headers["webhook-id"]: r for r in receiver.accepted()}
    assert {r.json["data"]["id"] for r in delivered.values()} == set(ids)
    assert len(delivered) == 3  # one distinct event per verification
    for r in receiver.requests:
        verify(sub["secret"], r.headers, r.body)  # every attempt is signed
        assert r.json["type"] == "verification.completed"
        assert int(r.headers["x-botskyc-attempt"]) >= 1
    assert sum(1 for e in log if e["outcome"] == "failed") >= 1
    assert sum(1 for e in log if e["outcome"] == "succeeded") == 3
    assert all(e["statusCode"] in (200, 503) for e in log)


def test_receiver_failing_forever_ends_in_dead_letters_and_gets_disabled(
    hooks: Harness, receiver: Receiver
) -> None:
    receiver.respond = lambda n: 500
    with hooks.client() as c:
        sub = subscribe(c, receiver.url)
        ids = [submit(c) for _ in range(2)]
        hooks.wait_finished(ids)

        def disabled() -> bool:
            return c.get(f"/api/v1/webhooks/{sub['id']}").json()["enabled"] is False

        wait_until(disabled, timeout_s=90)
        got = c.get(f"/api/v1/webhooks/{sub['id']}").json()
    assert "disabled automatically" in got["disabledReason"]
    dead = [
        d
        for _, d in [
            (k, v) for k, v in enumerate(hooks.read_topic(hooks.topics.webhook_dead_letter))
        ]
    ]
    assert len(dead) >= 2
    # 1 first attempt + 3 retries per event, every one answered 500.
    per_event: dict[str, int] = {}
    for r in receiver.requests:
        per_event[r.headers["webhook-id"]] = per_event.get(r.headers["webhook-id"], 0) + 1
    assert sorted(per_event.values())[-1] == 4


def test_per_request_webhook_url_and_test_event_and_redelivery(
    hooks: Harness, receiver: Receiver
) -> None:
    with hooks.client() as c:
        vid = submit(c, webhookUrl=receiver.url)
        secret = c.get("/api/v1/webhooks/request-secret").json()["secret"]
        hooks.wait_finished([vid])
        wait_until(lambda: any(r.json["data"].get("id") == vid for r in receiver.requests))
        mine = [r for r in receiver.requests if r.json["data"].get("id") == vid]
        verify(secret, mine[0].headers, mine[0].body)
        # A subscription's test event, then a manual redelivery of it.
        sub = subscribe(c, receiver.url)
        test = c.post(f"/api/v1/webhooks/{sub['id']}/test").json()
        wait_until(lambda: any(r.json["type"] == "webhook.test" for r in receiver.requests))
        # Redelivery reads the delivery log, which the agent writes once the receiver has
        # answered: the receiver can see the event a moment before the log lists it.
        wait_until(
            lambda: any(
                d["eventId"] == test["eventId"]
                for d in c.get(f"/api/v1/webhooks/{sub['id']}/deliveries").json()["data"]
            )
        )
        again = c.post(f"/api/v1/webhooks/{sub['id']}/redeliver", json={"eventId": test["eventId"]})
        assert again.status_code == 202 and again.json() == {"queued": 1}
        wait_until(
            lambda: sum(r.headers["webhook-id"] == test["eventId"] for r in receiver.requests) == 2
        )
        rotated = c.post(f"/api/v1/webhooks/{sub['id']}/rotate-secret").json()["secret"]
        c.post(f"/api/v1/webhooks/{sub['id']}/test")
        wait_until(lambda: sum(r.json["type"] == "webhook.test" for r in receiver.requests) == 3)
    last = [r for r in receiver.requests if r.json["type"] == "webhook.test"][-1]
    verify(rotated, last.headers, last.body)  # new secret…
    verify(sub["secret"], last.headers, last.body)  # …and, during the grace period, the old


def test_webhooks_are_scoped_to_the_organisation(hooks: Harness, receiver: Receiver) -> None:
    with hooks.client() as c:
        sub = subscribe(c, receiver.url)
    _, other_key = provision(hooks.settings, f"other {uuid.uuid4().hex[:6]}")
    with hooks.client(api_key=other_key) as other:
        assert other.get(f"/api/v1/webhooks/{sub['id']}").status_code == 404
        assert (
            other.patch(f"/api/v1/webhooks/{sub['id']}", json={"enabled": False}).status_code == 404
        )
        assert other.delete(f"/api/v1/webhooks/{sub['id']}").status_code == 404
        assert other.post(f"/api/v1/webhooks/{sub['id']}/test").status_code == 404
        assert other.get(f"/api/v1/webhooks/{sub['id']}/deliveries").status_code == 404
        assert all(w["id"] != sub["id"] for w in other.get("/api/v1/webhooks").json()["data"])
    with hooks.client() as c:
        assert c.delete(f"/api/v1/webhooks/{sub['id']}").status_code == 204
        assert c.get(f"/api/v1/webhooks/{sub['id']}").status_code == 404


def test_invalid_subscriptions_are_refused(hooks: Harness) -> None:
    with hooks.client() as c:
        bad_type = c.post(
            "/api/v1/webhooks",
            json={"url": "http://127.0.0.1:9/", "eventTypes": ["verification.exploded"]},
        )
        bad_url = c.post("/api/v1/webhooks", json={"url": "gopher://x/"})
    assert bad_type.status_code == 400 and bad_type.json()["field"] == "eventTypes"
    assert bad_url.status_code == 400 and bad_url.json()["code"] == "WEBHOOK_URL_NOT_ALLOWED"
