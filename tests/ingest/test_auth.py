"""Credentials, scopes, tenancy and rate limits, through the real API."""

from __future__ import annotations

import asyncio
import base64
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from core.auth import AuthRepository
from core.db.pool import open_pool
from core.settings import Settings
from infra.services import ApiService
from tests.fixtures.images import document_like, encode
from tests.fixtures.pipeline import Harness, free_port

pytestmark = pytest.mark.integration

GOOD = encode(document_like())


def admin(h: Harness, method: str, *args: Any) -> Any:
    async def go() -> Any:
        pool = await open_pool(h.settings.postgres)
        try:
            return await getattr(AuthRepository(pool), method)(*args)
        finally:
            await pool.close()

    return asyncio.run(go())


def submit(c: httpx.Client) -> httpx.Response:
    return c.post(
        "/api/v1/kyc/verify/identity",
        files={"documents": ("d.jpg", GOOD, "image/jpeg")},
        headers={"Prefer": "respond-async"},
    )


def test_no_or_bad_credentials_are_401(harness: Harness) -> None:
    for key in ("", "bk_nope_nope", "not-a-token", harness.api_key + "x"):
        with harness.client(api_key=key) as c:
            resp = c.get("/api/v1/kyc/verifications")
        assert resp.status_code == 401, key
        assert resp.headers["content-type"].startswith("application/problem+json")
        assert resp.json()["code"] == "UNAUTHENTICATED"
        assert resp.headers["www-authenticate"].startswith("Bearer")


def test_public_endpoints_need_no_credentials(harness: Harness) -> None:
    with harness.client(api_key="") as c:
        assert c.get("/health/live").status_code == 200
        assert c.get("/openapi/openapi.json").status_code == 200


def test_oauth2_client_credentials(harness: Harness) -> None:
    issued = admin(harness, "create_client", harness.organisation_id, "backend", ["verify:read"])
    with harness.client(api_key="") as c:
        bad = c.post(
            "/oauth2/token",
            data={
                "grant_type": "client_credentials",
                "client_id": issued.id,
                "client_secret": "wrong",
            },
        )
        assert bad.status_code == 401 and bad.json()["error"] == "invalid_client"
        wrong_grant = c.post("/oauth2/token", data={"grant_type": "password"})
        assert wrong_grant.json()["error"] == "unsupported_grant_type"
        too_much = c.post(
            "/oauth2/token",
            data={
                "grant_type": "client_credentials",
                "client_id": issued.id,
                "client_secret": issued.secret,
                "scope": "verify:write",
            },
        )
        assert too_much.status_code == 400 and too_much.json()["error"] == "invalid_scope"
        basic = base64.b64encode(f"{issued.id}:{issued.secret}".encode()).decode()
        ok = c.post(
            "/oauth2/token",
            data={"grant_type": "client_credentials"},
            headers={"Authorization": f"Basic {basic}"},
        )
    assert ok.status_code == 200, ok.text
    body = ok.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 3600
    assert body["scope"] == "verify:read"
    with harness.client(api_key=body["access_token"]) as c:
        assert c.get("/api/v1/kyc/verifications").status_code == 200
        denied = submit(c)  # a read-only token cannot submit
    assert denied.status_code == 403 and denied.json()["code"] == "FORBIDDEN"


def test_rotated_secret_keeps_the_old_one_for_a_grace_period(harness: Harness) -> None:
    first = admin(harness, "create_client", harness.organisation_id, "rotating", ["verify:read"])
    second = admin(harness, "rotate_client_secret", first.id)
    with harness.client(api_key="") as c:
        for secret in (first.secret, second.secret):
            resp = c.post(
                "/oauth2/token",
                data={
                    "grant_type": "client_credentials",
                    "client_id": first.id,
                    "client_secret": secret,
                },
            )
            assert resp.status_code == 200
    assert admin(harness, "revoke_client", first.id)
    with harness.client(api_key="") as c:
        resp = c.post(
            "/oauth2/token",
            data={
                "grant_type": "client_credentials",
                "client_id": first.id,
                "client_secret": second.secret,
            },
        )
    assert resp.status_code == 401


def test_revoked_api_key_stops_working(harness: Harness) -> None:
    issued = admin(harness, "create_key", harness.organisation_id, "short-lived", ["verify:read"])
    with harness.client(api_key=issued.secret) as c:
        assert c.get("/api/v1/kyc/verifications").status_code == 200
    assert admin(harness, "revoke_key", issued.id)
    # The API trusts a looked-up key for BOTSKYC_AUTH_KEY_CACHE_S (10 s by default).
    import time

    deadline = time.monotonic() + harness.settings.auth.key_cache_s + 5
    status = 200
    while time.monotonic() < deadline and status == 200:
        with harness.client(api_key=issued.secret) as c:
            status = c.get("/api/v1/kyc/verifications").status_code
        time.sleep(0.5)
    assert status == 401


def test_another_organisations_verification_is_a_404_everywhere(harness: Harness) -> None:
    other_org, other_key = (
        admin(harness, "create_organisation", f"other {uuid.uuid4().hex[:6]}", "standard"),
        None,
    )
    other_key = admin(harness, "create_key", other_org, "k", ["verify:read", "verify:write"])
    with harness.client() as mine:
        vid = submit(mine).json()["id"]
        assert mine.get(f"/api/v1/kyc/verifications/{vid}").status_code == 200
    with harness.client(api_key=other_key.secret) as theirs:
        got = theirs.get(f"/api/v1/kyc/verifications/{vid}")
        listed = theirs.get("/api/v1/kyc/verifications").json()["data"]
        # Their own submission lands in their organisation, not ours.
        their_vid = submit(theirs).json()["id"]
    assert got.status_code == 404 and got.json()["code"] == "NOT_FOUND"
    assert all(v["id"] != vid for v in listed)
    with harness.client() as mine:
        assert mine.get(f"/api/v1/kyc/verifications/{their_vid}").status_code == 404
        ids = [
            v["id"]
            for v in mine.get("/api/v1/kyc/verifications", params={"limit": 100}).json()["data"]
        ]
    assert their_vid not in ids
    rows = harness.sql("SELECT organisation_id FROM verifications WHERE id = %s", their_vid)
    assert rows == [(other_org,)]


def test_idempotency_keys_are_per_organisation(harness: Harness) -> None:
    other_org = admin(harness, "create_organisation", "idem other", "standard")
    other_key = admin(harness, "create_key", other_org, "k", ["verify:write"])
    key = str(uuid.uuid4())
    with harness.client() as mine, harness.client(api_key=other_key.secret) as theirs:
        a = mine.post(
            "/api/v1/kyc/verify/identity",
            headers={"Idempotency-Key": key, "Prefer": "respond-async"},
            files={"documents": ("d.jpg", GOOD, "image/jpeg")},
        )
        b = theirs.post(
            "/api/v1/kyc/verify/identity",
            headers={"Idempotency-Key": key, "Prefer": "respond-async"},
            files={"documents": ("d.jpg", GOOD, "image/jpeg")},
        )
    assert a.status_code == b.status_code == 202
    assert a.json()["id"] != b.json()["id"]  # the same key in another organisation is not a replay


@pytest.fixture
def second_api(harness: Harness, tmp_path: Path) -> Iterator[str]:
    """A second API process on the same database: rate limits must hold across both."""
    import copy

    from core.settings import ApiSettings, StackSettings

    s: Settings = copy.copy(harness.settings)
    s.stack = StackSettings(state_dir=tmp_path / "api2", start_timeout_s=60)
    s.api = ApiSettings(port=free_port())
    api = ApiService(s)
    api.start()
    yield f"http://{s.api.host}:{s.api.port}"
    api.stop()


def test_rate_limit_is_shared_across_api_processes(harness: Harness, second_api: str) -> None:
    import time

    org = admin(harness, "create_organisation", "limited", "trial")  # 60 requests/minute
    key = admin(harness, "create_key", org, "k", ["verify:read"]).secret
    auth = {"Authorization": f"Bearer {key}"}
    # Stay inside one fixed minute window: start early in a minute.
    if time.time() % 60 > 40:
        time.sleep(61 - time.time() % 60)
    statuses, remaining = [], []
    with (
        httpx.Client(base_url=harness.base_url, headers=auth) as a,
        httpx.Client(base_url=second_api, headers=auth) as b,
    ):
        for i in range(70):
            resp = (a if i % 2 else b).get("/api/v1/kyc/verifications")  # alternate processes
            statuses.append(resp.status_code)
            remaining.append(int(resp.headers["x-ratelimit-remaining"]))
            assert resp.headers["x-ratelimit-limit"] == "60"
            assert 0 <= int(resp.headers["x-ratelimit-reset"]) <= 60
            if resp.status_code == 429:
                assert int(resp.headers["retry-after"]) >= 1
                assert resp.json()["code"] == "RATE_LIMITED"
    assert statuses == [200] * 60 + [429] * 10
    assert remaining[:60] == list(range(59, -1, -1))
