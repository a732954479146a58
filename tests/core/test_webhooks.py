"""Standard Webhooks signatures and SSRF checks (pure logic)."""

from __future__ import annotations

import pytest

from core.webhooks import (
    SignatureError,
    Target,
    UnsafeDestination,
    check_destination,
    delivery_id,
    events_for,
    new_secret,
    signature_headers,
    verify,
)

BODY = b'{"type":"verification.completed","data":{"id":"ver_1"}}'


def test_signed_webhook_verifies() -> None:
    secret = new_secret()
    headers = signature_headers([secret], "evt_1", BODY, now=1_700_000_000)
    verify(secret, headers, BODY, now=1_700_000_010)


def test_known_vector_of_the_standard_webhooks_spec() -> None:
    # The example in the Standard Webhooks specification.
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    headers = signature_headers(
        [secret], "msg_p5jXN8AQM9LWM0D4loKWxJek", b'{"test": 2432232314}', now=1614265330
    )
    assert headers["webhook-signature"] == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


@pytest.mark.parametrize("tamper", ["body", "old", "future", "secret", "headers"])
def test_verification_fails(tamper: str) -> None:
    secret = new_secret()
    headers = signature_headers([secret], "evt_1", BODY, now=1_700_000_000)
    body, now, key = BODY, 1_700_000_000.0, secret
    if tamper == "body":
        body = BODY.replace(b"ver_1", b"ver_2")
    elif tamper == "old":
        now += 301
    elif tamper == "future":
        now -= 301
    elif tamper == "secret":
        key = new_secret()
    else:
        headers = {k: v for k, v in headers.items() if k != "webhook-timestamp"}
    with pytest.raises(SignatureError):
        verify(key, headers, body, now=now)


def test_rotation_signs_with_both_secrets() -> None:
    old, new = new_secret(), new_secret()
    headers = signature_headers([new, old], "evt_1", BODY, now=1)
    assert len(headers["webhook-signature"].split()) == 2
    verify(old, headers, BODY, now=1)
    verify(new, headers, BODY, now=1)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/x",
        "http://localhost:8080/",
        "http://10.1.2.3/",
        "http://192.168.0.10/",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/",
        "http://0.0.0.0/",
        "ftp://example.org/",
        "http://user:pw@93.184.216.34/",
    ],
)
def test_private_and_odd_destinations_are_refused(url: str) -> None:
    with pytest.raises(UnsafeDestination):
        check_destination(url, allow_private=False)


def test_public_address_and_dev_loopback_are_allowed() -> None:
    check_destination("https://93.184.216.34/hooks", allow_private=False)
    check_destination("http://127.0.0.1:9/hooks", allow_private=True)


def test_event_types_and_delivery_ids() -> None:
    assert events_for({"event_type": "verification.completed", "decision": "REVIEW"}) == [
        "verification.completed",
        "verification.needs_review",
    ]
    t1, t2 = Target("whk_1", "https://a/", []), Target(None, "https://b/", [])
    assert delivery_id("evt", t1) == delivery_id("evt", t1) != delivery_id("evt", t2)
