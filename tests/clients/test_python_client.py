"""The Python client against the real API."""

from __future__ import annotations

import asyncio
import time

import pytest
from botskyc_client import ApiError, BotsKYC, WebhookSignatureError, verify_webhook

from core.auth import AuthRepository
from core.db.pool import open_pool
from core.webhooks import new_secret, signature_headers
from tests.fixtures.images import document_like, encode
from tests.fixtures.pipeline import Harness
from tests.fixtures.receiver import Receiver

pytestmark = pytest.mark.integration

GOOD = encode(document_like(900, 570))


def test_submit_sync_async_and_list(harness: Harness) -> None:
    with BotsKYC(harness.base_url, api_key=harness.api_key) as kyc:
        sync = kyc.verify("identity", [("front.jpg", GOOD)], reference="client-1", wait=20)
        assert sync["status"] == "completed" and sync["reference"] == "client-1"
        queued = kyc.verify("address", [GOOD], metadata={"k": "v"}, asynchronous=True)
        assert queued["status"] == "processing"
        done = kyc.wait_for(queued["id"], timeout=60)
        assert done["status"] == "completed" and done["metadata"] == {"k": "v"}
        found = [v["id"] for v in kyc.verifications(page_size=1, reference="client-1")]
        assert found == [sync["id"]]
        with pytest.raises(ApiError) as err:
            kyc.verify("identity", [("notes.jpg", b"plain text, not an image")])
    assert err.value.status == 415 and err.value.code == "UNSUPPORTED_MEDIA_TYPE"
    assert err.value.field == "documents[0]"


def test_batches(harness: Harness) -> None:
    with BotsKYC(harness.base_url, api_key=harness.api_key) as kyc:
        batch = kyc.submit_batch(
            [
                {"type": "identity", "reference": "b1", "documents": ["x.jpg"]},
                {"type": "address", "reference": "b2", "documents": ["x.jpg"]},
            ],
            {"x.jpg": GOOD},
            reference="sdk-batch",
        )
        deadline = time.monotonic() + 60
        while kyc.batch(batch["id"])["status"] != "completed" and time.monotonic() < deadline:
            time.sleep(0.3)
        results = kyc.batch_results(batch["id"])
    assert sorted(r["reference"] for r in results) == ["b1", "b2"]
    assert all(r["status"] == "completed" for r in results)


def test_oauth_client_credentials(harness: Harness) -> None:
    async def make_client() -> tuple[str, str]:
        pool = await open_pool(harness.settings.postgres)
        try:
            issued = await AuthRepository(pool).create_client(
                harness.organisation_id, "sdk", ["verify:read"]
            )
            return issued.id, issued.secret
        finally:
            await pool.close()

    cid, secret = asyncio.run(make_client())
    with BotsKYC(harness.base_url, client_id=cid, client_secret=secret) as kyc:
        assert isinstance(list(kyc.verifications(page_size=5)), list)
        with pytest.raises(ApiError) as err:
            kyc.verify("identity", [GOOD])
    assert err.value.status == 403


def test_webhooks_round_trip(harness: Harness, receiver: Receiver) -> None:
    with BotsKYC(harness.base_url, api_key=harness.api_key) as kyc:
        hook = kyc.create_webhook(receiver.url, ["verification.completed"])
        assert any(w["id"] == hook["id"] for w in kyc.webhooks())
        kyc.send_test_webhook(hook["id"])
        deadline = time.monotonic() + 30
        while not receiver.requests and time.monotonic() < deadline:
            time.sleep(0.2)
        got = receiver.requests[0]
        assert verify_webhook(hook["secret"], got.headers, got.body)["type"] == "webhook.test"
        assert kyc.webhook_deliveries(hook["id"])[0]["outcome"] == "succeeded"
        assert kyc.update_webhook(hook["id"], enabled=False)["enabled"] is False
        kyc.delete_webhook(hook["id"])
        with pytest.raises(ApiError):
            kyc.update_webhook(hook["id"], enabled=True)


def test_client_and_server_agree_on_signatures() -> None:
    # The client implements the check on its own; the server signs. Shared vectors:
    secret, body = new_secret(), b'{"type":"verification.completed"}'
    headers = signature_headers([secret], "evt_x", body)
    assert verify_webhook(secret, headers, body)["type"] == "verification.completed"
    with pytest.raises(WebhookSignatureError):
        verify_webhook(secret, headers, body + b" ")
    with pytest.raises(WebhookSignatureError):
        verify_webhook(secret, headers, body, now=time.time() + 600)
