"""botsKYC API client (typed, synchronous, httpx).

Standalone on purpose: it shares no code with the server. The webhook
signature check implements the Standard Webhooks scheme; the server's tests
check both sides against each other.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import httpx

__all__ = ["ApiError", "BotsKYC", "WebhookSignatureError", "verify_webhook"]

Document = str | Path | bytes | tuple[str, bytes]


class ApiError(Exception):
    """A non-2xx answer, with the problem document's fields."""

    def __init__(self, status: int, body: Mapping[str, Any]) -> None:
        self.status = status
        self.code = str(body.get("code") or body.get("error") or "HTTP_ERROR")
        self.detail = str(body.get("detail") or body.get("error_description") or "")
        self.field = body.get("field")
        self.body = dict(body)
        super().__init__(f"{status} {self.code}: {self.detail}")


class WebhookSignatureError(ValueError):
    """The webhook is not authentic, or too old or too new."""


def verify_webhook(
    secret: str,
    headers: Mapping[str, str],
    body: bytes,
    tolerance_s: int = 300,
    now: float | None = None,
) -> dict[str, Any]:
    """Check a received webhook and return its parsed body.

    Raises:
        WebhookSignatureError: missing headers, timestamp outside ``tolerance_s``
            (replay), or no valid signature (tampered body or wrong secret).
    """
    h = {k.lower(): v for k, v in headers.items()}
    try:
        msg_id, ts = h["webhook-id"], int(h["webhook-timestamp"])
        signatures = h["webhook-signature"].split()
    except (KeyError, ValueError):
        raise WebhookSignatureError("missing or malformed webhook headers") from None
    if abs((time.time() if now is None else now) - ts) > tolerance_s:
        raise WebhookSignatureError("timestamp outside the tolerance")
    key = base64.b64decode(secret.removeprefix("whsec_"))
    mac = hmac.new(key, f"{msg_id}.{ts}.".encode() + body, hashlib.sha256).digest()
    expected = "v1," + base64.b64encode(mac).decode()
    if not any(hmac.compare_digest(expected, s) for s in signatures):
        raise WebhookSignatureError("no valid signature")
    parsed: dict[str, Any] = json.loads(body)
    return parsed


class BotsKYC:
    """A connection to the API. Use as a context manager, or call ``close()``."""

    def __init__(
        self,
        base_url: str,
        *,
        api_key: str | None = None,
        client_id: str | None = None,
        client_secret: str | None = None,
        timeout: float = 40.0,
        retries: int = 3,
    ) -> None:
        if not api_key and not (client_id and client_secret):
            raise ValueError("give api_key, or client_id and client_secret")
        self._http = httpx.Client(base_url=base_url.rstrip("/"), timeout=timeout)
        self._api_key = api_key
        self._client = (client_id, client_secret)
        self._token: tuple[str, float] | None = None
        self.retries = retries

    def __enter__(self) -> BotsKYC:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    # ---- plumbing ---------------------------------------------------------
    def _auth(self) -> dict[str, str]:
        if self._api_key:
            return {"Authorization": f"Bearer {self._api_key}"}
        if self._token is None or self._token[1] < time.time() + 60:
            resp = self._http.post(
                "/oauth2/token",
                data={
                    "grant_type": "client_credentials",
                    "client_id": self._client[0],
                    "client_secret": self._client[1],
                },
            )
            if resp.status_code != 200:
                raise ApiError(resp.status_code, resp.json())
            body = resp.json()
            self._token = (body["access_token"], time.time() + float(body["expires_in"]))
        return {"Authorization": f"Bearer {self._token[0]}"}

    def _request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = dict(kwargs.pop("headers", {}) or {})
        for attempt in range(self.retries + 1):
            resp = self._http.request(method, path, headers=headers | self._auth(), **kwargs)
            if resp.status_code in (429, 503) and attempt < self.retries:
                time.sleep(min(float(resp.headers.get("retry-after", "1")), 30.0))
                continue
            if resp.status_code >= 400:
                try:
                    body = resp.json()
                except ValueError:
                    body = {"detail": resp.text[:500]}
                raise ApiError(resp.status_code, body)
            return resp
        raise AssertionError("unreachable")

    # ---- verifications ------------------------------------------------------
    def verify(
        self,
        category: str,
        documents: Sequence[Document],
        *,
        selfie: Document | None = None,
        reference: str | None = None,
        metadata: Mapping[str, Any] | None = None,
        webhook_url: str | None = None,
        wait: float | None = None,
        asynchronous: bool = False,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """Submit documents. Synchronous by default (the finished verification, or
        ``status: processing`` when the deadline passed); ``asynchronous=True`` returns at once."""
        files = [("documents", _file(d)) for d in documents]
        if selfie is not None:
            files.append(("selfie", _file(selfie)))
        data: dict[str, str] = {}
        if reference is not None:
            data["reference"] = reference
        if metadata is not None:
            data["metadata"] = json.dumps(metadata)
        if webhook_url is not None:
            data["webhookUrl"] = webhook_url
        prefer = "respond-async" if asynchronous else (f"wait={wait:g}" if wait else "")
        headers = {"Idempotency-Key": idempotency_key or str(uuid.uuid4())}
        if prefer:
            headers["Prefer"] = prefer
        resp = self._request(
            "POST", f"/api/v1/kyc/verify/{category}", files=files, data=data, headers=headers
        )
        out: dict[str, Any] = resp.json()
        return out

    def get(self, verification_id: str) -> dict[str, Any]:
        out: dict[str, Any] = self._request(
            "GET", f"/api/v1/kyc/verifications/{verification_id}"
        ).json()
        return out

    def wait_for(
        self, verification_id: str, timeout: float = 60.0, poll: float = 0.5
    ) -> dict[str, Any]:
        """Poll until completed or failed. Raises TimeoutError."""
        deadline = time.monotonic() + timeout
        while True:
            v = self.get(verification_id)
            if v["status"] in ("completed", "failed"):
                return v
            if time.monotonic() > deadline:
                raise TimeoutError(f"{verification_id} still {v['status']} after {timeout} s")
            time.sleep(poll)

    def verifications(self, page_size: int = 50, **filters: str) -> Iterator[dict[str, Any]]:
        """Every verification matching the filters, newest first (pages followed lazily)."""
        params: dict[str, Any] = {"limit": page_size, **filters}
        while True:
            page = self._request("GET", "/api/v1/kyc/verifications", params=params).json()
            yield from page["data"]
            if not page.get("nextCursor"):
                return
            params["cursor"] = page["nextCursor"]

    # ---- batches ----------------------------------------------------------------
    def submit_batch(
        self,
        items: Sequence[Mapping[str, Any]],
        files: Mapping[str, bytes | str | Path],
        *,
        reference: str | None = None,
        webhook_url: str | None = None,
    ) -> dict[str, Any]:
        """Many verifications at once. ``items`` name their files, e.g.
        ``{"type": "identity", "reference": "c1", "documents": ["c1-front.jpg"]}``;
        ``files`` maps those names to bytes or paths. Accepted whole or refused whole."""
        manifest: dict[str, Any] = {"items": list(items)}
        if reference is not None:
            manifest["reference"] = reference
        if webhook_url is not None:
            manifest["webhookUrl"] = webhook_url
        parts = [
            ("files", (name, data if isinstance(data, bytes) else Path(data).read_bytes()))
            for name, data in files.items()
        ]
        out: dict[str, Any] = self._request(
            "POST",
            "/api/v1/kyc/batches",
            data={"manifest": json.dumps(manifest)},
            files=parts,
        ).json()
        return out

    def batch(self, batch_id: str) -> dict[str, Any]:
        out: dict[str, Any] = self._request("GET", f"/api/v1/kyc/batches/{batch_id}").json()
        return out

    def batch_results(self, batch_id: str) -> list[dict[str, Any]]:
        """Every verification of the batch (from the JSON Lines download)."""
        text = self._request("GET", f"/api/v1/kyc/batches/{batch_id}/results").text
        return [json.loads(line) for line in text.splitlines() if line]

    # ---- webhooks -------------------------------------------------------------
    def create_webhook(
        self, url: str, event_types: Sequence[str] | None = None, description: str | None = None
    ) -> dict[str, Any]:
        """A subscription; its ``secret`` is in this answer only."""
        body: dict[str, Any] = {"url": url}
        if event_types is not None:
            body["eventTypes"] = list(event_types)
        if description is not None:
            body["description"] = description
        out: dict[str, Any] = self._request("POST", "/api/v1/webhooks", json=body).json()
        return out

    def webhooks(self) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = self._request("GET", "/api/v1/webhooks").json()["data"]
        return out

    def update_webhook(self, webhook_id: str, **changes: Any) -> dict[str, Any]:
        out: dict[str, Any] = self._request(
            "PATCH", f"/api/v1/webhooks/{webhook_id}", json=changes
        ).json()
        return out

    def delete_webhook(self, webhook_id: str) -> None:
        self._request("DELETE", f"/api/v1/webhooks/{webhook_id}")

    def rotate_webhook_secret(self, webhook_id: str) -> str:
        return str(
            self._request("POST", f"/api/v1/webhooks/{webhook_id}/rotate-secret").json()["secret"]
        )

    def send_test_webhook(self, webhook_id: str) -> dict[str, Any]:
        out: dict[str, Any] = self._request("POST", f"/api/v1/webhooks/{webhook_id}/test").json()
        return out

    def webhook_deliveries(self, webhook_id: str) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = self._request(
            "GET", f"/api/v1/webhooks/{webhook_id}/deliveries"
        ).json()["data"]
        return out

    def redeliver(self, webhook_id: str, event_id: str | None = None) -> int:
        """Queue one event again, or every event whose delivery failed; returns how many."""
        body = {"eventId": event_id} if event_id else None
        return int(
            self._request("POST", f"/api/v1/webhooks/{webhook_id}/redeliver", json=body).json()[
                "queued"
            ]
        )


def _file(doc: Document) -> tuple[str, bytes]:
    if isinstance(doc, tuple):
        return doc
    if isinstance(doc, bytes):
        return ("document", doc)
    path = Path(doc)
    return (path.name, path.read_bytes())
