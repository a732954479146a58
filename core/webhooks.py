"""Webhooks: Standard Webhooks signatures and where deliveries may go.

Signing follows the Standard Webhooks specification, so receivers can use
any of its libraries: ``webhook-id``, ``webhook-timestamp`` (Unix seconds) and
``webhook-signature`` = ``v1,<base64 HMAC-SHA256(key, "<id>.<timestamp>.<body>")>``,
where the key is the base64 part of the ``whsec_…`` secret. During a secret
rotation both secrets sign, separated by a space.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import json
import secrets
import socket
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlparse

EVENT_TYPES = frozenset(
    {
        "verification.completed",
        "verification.failed",
        "verification.needs_review",
        "liveness.completed",
        "batch.completed",
    }
)
TEST_EVENT = "webhook.test"
DEFAULT_TOLERANCE_S = 300


@dataclass(frozen=True)
class Target:
    """Where one event goes and which secrets sign it."""

    subscription_id: str | None  # None: the per-request webhookUrl
    url: str
    secrets: list[str]


class SignatureError(ValueError):
    """The webhook is not authentic or too old/new."""


class UnsafeDestination(ValueError):
    """The URL points where webhooks must not go (SSRF protection)."""


def new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


def _key(secret: str) -> bytes:
    return base64.b64decode(secret.removeprefix("whsec_"))


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """One ``v1,<signature>`` entry."""
    mac = hmac.new(_key(secret), f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256)
    return "v1," + base64.b64encode(mac.digest()).decode()


def signature_headers(
    secrets_: list[str], msg_id: str, body: bytes, now: int | None = None
) -> dict[str, str]:
    """The three Standard Webhooks headers, signed with every given secret."""
    ts = int(now if now is not None else time.time())
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(ts),
        "webhook-signature": " ".join(sign(s, msg_id, ts, body) for s in secrets_),
    }


def verify(
    secret: str,
    headers: Mapping[str, str],
    body: bytes,
    tolerance_s: int = DEFAULT_TOLERANCE_S,
    now: float | None = None,
) -> None:
    """Check a received webhook (for receivers; the Python client re-exports it).

    Raises:
        SignatureError: missing headers, timestamp outside ``tolerance_s`` (replay),
            or no matching signature (tampered body, wrong secret).
    """
    lower = {k.lower(): v for k, v in headers.items()}
    try:
        msg_id, ts_raw, sigs = (
            lower["webhook-id"],
            lower["webhook-timestamp"],
            lower["webhook-signature"],
        )
        ts = int(ts_raw)
    except (KeyError, ValueError):
        raise SignatureError("missing or malformed webhook headers") from None
    current = time.time() if now is None else now
    if abs(current - ts) > tolerance_s:
        raise SignatureError("timestamp outside the tolerance (possible replay)")
    expected = sign(secret, msg_id, ts, body)
    if not any(hmac.compare_digest(expected, s) for s in sigs.split()):
        raise SignatureError("no valid signature")


def check_destination(url: str, *, allow_private: bool) -> None:
    """Refuse URLs that would make us call inside a private network.

    Resolves the host now: call it again right before each delivery, since a
    name can be re-pointed after the subscription was created.

    Raises:
        UnsafeDestination: not http(s), unresolvable, or a private, loopback,
            link-local, multicast or reserved address (unless ``allow_private``).
    """
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise UnsafeDestination("webhook URL must be http(s)://host/…")
    if parsed.username or parsed.password:
        raise UnsafeDestination("webhook URL must not carry credentials")
    try:
        infos = socket.getaddrinfo(parsed.hostname, parsed.port or 443, type=socket.SOCK_STREAM)
    except socket.gaierror:
        raise UnsafeDestination(f"cannot resolve {parsed.hostname}") from None
    if allow_private:
        return
    for info in infos:
        addr = ipaddress.ip_address(info[4][0])
        if (
            addr.is_private
            or addr.is_loopback
            or addr.is_link_local
            or addr.is_multicast
            or addr.is_reserved
            or addr.is_unspecified
        ):
            raise UnsafeDestination(f"{parsed.hostname} resolves to a non-public address")


def events_for(finished: dict[str, Any]) -> list[str]:
    """Webhook event types raised by one VerificationFinished event."""
    types = [str(finished["event_type"])]
    if finished.get("decision") == "REVIEW":
        types.append("verification.needs_review")
    return types


def message_id(finished_event_id: str, event_type: str) -> str:
    """The ``webhook-id``: stable for one event type of one verification."""
    if event_type == "verification.needs_review":
        return f"{finished_event_id}.review"
    return finished_event_id


def delivery_id(msg_id: str, target: Target) -> str:
    """Deterministic per (message, target), so a redelivered fan-out creates no new delivery."""
    raw = f"{msg_id}|{target.subscription_id or target.url}".encode()
    return "dlv_" + hashlib.sha256(raw).hexdigest()[:24]


def build_body(event_type: str, data: dict[str, Any], at: datetime | None = None) -> str:
    """The JSON a receiver gets: ``{"type", "timestamp", "data"}``."""
    when = (at or datetime.now(UTC)).isoformat().replace("+00:00", "Z")
    return json.dumps({"type": event_type, "timestamp": when, "data": data}, separators=(",", ":"))


def delivery_record(
    org: str, target: Target, msg_id: str, event_type: str, body: str, traceparent: str = ""
) -> dict[str, Any]:
    return {
        "delivery_id": delivery_id(msg_id, target),
        "organisation_id": org,
        "subscription_id": target.subscription_id,
        "url": target.url,
        "message_id": msg_id,
        "event_type": event_type,
        "payload_json": body,
        "attempt": 1,
        "not_before": int(time.time() * 1000),
        "traceparent": traceparent,
    }
