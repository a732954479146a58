"""Accepting a verification: validate, store, record, publish, and (sync flow) wait.

The order makes "nothing accepted is lost, nothing rejected is left behind"
hold: every check runs before the first byte is stored; objects are stored
before the database row; the row before the event; and the client hears 2xx
only after the broker acknowledged the event. Any failure on the way undoes
what was done.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

from core.db.liveness import LivenessRepository
from core.db.verifications import FileRecord, NewVerification, VerificationRepository
from core.domain import Category, new_id
from core.errors import (
    Conflict,
    Gone,
    InvalidDocument,
    InvalidRequest,
    NotFound,
    ServiceUnavailable,
)
from core.events import avro
from core.events.bus import CompletionWaiter, EventPublisher
from core.events.topics import Topics
from core.media import inspect_file
from core.settings import Settings
from core.storage import ObjectNotFound, ObjectStore
from core.verification_view import location, render
from core.webhooks import UnsafeDestination, check_destination
from ingest.uploads import ParsedForm, UploadedFile
from models.doctypes import DocumentType

log = logging.getLogger(__name__)

EXTENSIONS = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/webp": "webp",
    "image/tiff": "tiff",
    "application/pdf": "pdf",
}


@dataclass(frozen=True)
class Prefer:
    """What the client asked for in the ``Prefer`` header (RFC 7240)."""

    respond_async: bool = False
    wait_s: float | None = None

    @classmethod
    def parse(cls, header: str | None, max_wait_s: float) -> Prefer:
        """Parse ``respond-async`` and ``wait=N``; unknown preferences are ignored.

        Raises:
            InvalidRequest: ``wait`` is not a number.
        """
        respond_async, wait = False, None
        for raw in (header or "").split(","):
            pref = raw.strip().lower()
            if pref == "respond-async":
                respond_async = True
            elif pref.startswith("wait="):
                try:
                    wait = float(pref[5:])
                except ValueError:
                    raise InvalidRequest(
                        "Prefer: wait must be a number of seconds", field="Prefer"
                    ) from None
                if wait < 0:
                    raise InvalidRequest("Prefer: wait must not be negative", field="Prefer")
                wait = min(wait, max_wait_s)
        return cls(respond_async, wait)


@dataclass(frozen=True)
class Outcome:
    """What the route answers: HTTP status and body."""

    status_code: int
    body: dict[str, Any]
    verification_id: str


def submitted_event(v: NewVerification, traceparent: str, priority: str) -> tuple[str, bytes]:
    """(event id, Avro bytes) of the VerificationSubmitted event for ``v``."""
    event_id = new_id("evt")
    return event_id, avro.encode(
        "verification_submitted",
        {
            "event_id": event_id,
            "verification_id": v.id,
            "organisation_id": v.organisation_id,
            "schema_version": 4,
            "occurred_at": int(time.time() * 1000),
            "traceparent": traceparent,
            "batch_id": v.batch_id,
            "declared_document_type": v.declared_document_type,
            "liveness_session_id": v.liveness_session_id,
            "requested_type": v.requested_type,
            "verification_type": v.verification_type,
            "reference": v.reference,
            "metadata_json": json.dumps(v.metadata),
            "webhook_url": v.webhook_url,
            "priority": priority,
            "files": [r.__dict__ for r in v.files],
        },
    )


def _declared_type(category: Category, value: str) -> str:
    """The ``documentType`` form field: a known type that the route accepts, or 400."""
    try:
        doc_type = DocumentType(value.strip().lower())
    except ValueError:
        known = ", ".join(t.value for t in DocumentType if t is not DocumentType.UNKNOWN)
        raise InvalidRequest(
            f"unknown documentType {value!r}; one of {known}", field="documentType"
        ) from None
    if doc_type is DocumentType.UNKNOWN:
        raise InvalidRequest("documentType 'unknown' cannot be declared", field="documentType")
    if category is not Category.AUTO and category.value not in doc_type.categories:
        raise InvalidRequest(
            f"a {doc_type.value} is not a {category.value} document", field="documentType"
        )
    return str(doc_type.value)


def _accepted_body(verification_id: str) -> dict[str, Any]:
    return {
        "id": verification_id,
        "object": "verification",
        "status": "processing",
        "links": {"self": location(verification_id)},
    }


# Form field of an upload → the role of the stored file.
FILE_ROLES = {"documents": "document", "selfie": "selfie", "image": "reference"}


class VerificationService:
    """The use cases of the verification routes."""

    def __init__(
        self,
        settings: Settings,
        repo: VerificationRepository,
        store: ObjectStore,
        publisher: EventPublisher,
        waiter: CompletionWaiter,
    ) -> None:
        self.settings = settings
        self.repo = repo
        self.store = store
        self.publisher = publisher
        self.waiter = waiter
        self.topics = Topics(settings.kafka.topic_prefix)

    def _validate_fields(self, category: Category, form: ParsedForm) -> dict[str, Any]:
        docs = [f for f in form.files if f.field == "documents"]
        selfies = [f for f in form.files if f.field == "selfie"]
        if category is Category.FACE:
            if len([f for f in form.files if f.field == "image"]) != 1 or len(selfies) != 1:
                raise InvalidRequest(
                    "one file in 'image' (the reference: a document or a portrait) and one "
                    "in 'selfie'",
                    field="image",
                )
        elif not docs:
            raise InvalidRequest("at least one file in the 'documents' field", field="documents")
        if len(selfies) > 1:
            raise InvalidRequest("at most one selfie", field="selfie")
        if selfies and category not in (Category.IDENTITY, Category.AUTO, Category.FACE):
            raise InvalidRequest("a selfie is only taken for identity verification", field="selfie")
        reference = form.fields.get("reference")
        if reference is not None and not (1 <= len(reference) <= 128):
            raise InvalidRequest("reference must be 1 to 128 characters", field="reference")
        metadata: dict[str, Any] = {}
        if "metadata" in form.fields:
            try:
                metadata = json.loads(form.fields["metadata"])
            except json.JSONDecodeError:
                raise InvalidRequest("metadata must be a JSON object", field="metadata") from None
            if not isinstance(metadata, dict):
                raise InvalidRequest("metadata must be a JSON object", field="metadata")
        webhook = form.fields.get("webhookUrl")
        if webhook is not None:
            url = urlparse(webhook)
            if url.scheme not in ("http", "https") or not url.netloc or len(webhook) > 2048:
                raise InvalidRequest("webhookUrl must be an http(s) URL", field="webhookUrl")
            self.check_webhook_url(webhook)
        declared = form.fields.get("documentType")
        if declared is not None:
            declared = _declared_type(category, declared)
        liveness = form.fields.get("livenessSessionId")
        if liveness is not None:
            if category not in (Category.IDENTITY, Category.AUTO):
                raise InvalidRequest(
                    "a liveness session is only linked to identity verification",
                    field="livenessSessionId",
                )
            if not liveness.startswith("lvs_") or len(liveness) > 64:
                raise InvalidRequest(
                    "livenessSessionId is not a session id", field="livenessSessionId"
                )
        return {
            "reference": reference,
            "metadata": metadata,
            "webhook_url": webhook,
            "declared_document_type": declared,
            "liveness_session_id": liveness,
        }

    async def check_liveness_session(self, session_id: str, organisation_id: str) -> None:
        """The linked session must be this organisation's and finished.

        Raises:
            InvalidRequest: no such session for this organisation (400).
            Conflict: the session is not finished yet (409): link it once its result is in.
            Gone: it expired without an upload (410).
        """
        row = await LivenessRepository(self.repo.pool).get(session_id, organisation_id)
        if row is None:
            raise InvalidRequest("no such liveness session", field="livenessSessionId")
        if row["status"] == "EXPIRED":
            raise Gone("the liveness session expired without an upload", code="SESSION_EXPIRED")
        if row["status"] not in ("SUCCEEDED", "FAILED"):
            raise Conflict(
                f"the liveness session is {row['status']}: link it once it has finished",
                code="LIVENESS_NOT_FINISHED",
            )

    def check_webhook_url(self, url: str) -> None:
        """Raises InvalidRequest (WEBHOOK_URL_NOT_ALLOWED) for an unsafe destination."""
        try:
            check_destination(url, allow_private=self.settings.webhooks.allow_private)
        except UnsafeDestination as exc:
            raise InvalidRequest(
                str(exc), field="webhookUrl", code="WEBHOOK_URL_NOT_ALLOWED"
            ) from None

    def inspect(self, files: list[UploadedFile]) -> list[str]:
        """Media types of uploads, after the cheap checks (blocking).

        Raises:
            InvalidDocument, UnsupportedMediaType: the first file that fails.
        """
        api = self.settings.api
        types = []
        for f in files:
            name = f.field if f.field in ("selfie", "image") else f"{f.field}[{f.index}]"
            if f.size == 0:
                raise InvalidDocument("file is empty", field=name, code="EMPTY_FILE")
            info = inspect_file(
                f.spool,
                f.head,
                f.tail,
                max_pixels=api.max_pixels,
                max_pages=api.max_pdf_pages,
                field=name,
            )
            types.append(info.media_type)
        return types

    async def submit(
        self,
        category: Category,
        form: ParsedForm,
        *,
        organisation_id: str,
        idempotency_key: str | None,
        prefer: Prefer,
        traceparent: str,
        received_at: float | None = None,
    ) -> Outcome:
        """Accept a verification request; see the module docstring for the guarantees.

        Blocks at most until the synchronous deadline, counted from ``received_at``
        (when the request arrived); on the deadline it answers 202 and the
        verification carries on.

        Raises:
            DomainError subclasses for every client error (mapped to 4xx), and
            ServiceUnavailable (503) when storage, database or bus refuse.
        """
        started = received_at if received_at is not None else time.monotonic()
        fields = self._validate_fields(category, form)
        if fields["liveness_session_id"] is not None:
            await self.check_liveness_session(fields["liveness_session_id"], organisation_id)
        files = [f for f in form.files if f.field in ("documents", "image")] + [
            f for f in form.files if f.field == "selfie"
        ]
        media_types = await asyncio.to_thread(self.inspect, files)
        request_hash = form.content_hash(category.value)

        if idempotency_key is not None:
            seen = await self.repo.idempotency(organisation_id, idempotency_key)
            if seen is not None:
                return await self._replay(seen, request_hash)

        vid = new_id("ver")
        records = []
        for pos, (f, mtype) in enumerate(zip(files, media_types, strict=True)):
            role = FILE_ROLES[f.field]
            key = f"verifications/{organisation_id}/{vid}/{pos:02d}-{role}.{EXTENSIONS[mtype]}"
            records.append(FileRecord(pos, role, key, f.sha256, f.size, mtype, f.filename))

        stored: list[str] = []
        try:
            await asyncio.gather(
                *(self.put_file(f, r, stored) for f, r in zip(files, records, strict=True))
            )
        except Exception as exc:
            await self.delete_objects(stored)
            raise ServiceUnavailable(f"object storage unavailable: {type(exc).__name__}") from exc

        new = NewVerification(
            id=vid,
            organisation_id=organisation_id,
            requested_type=category.value,
            verification_type=category.verification_type,
            reference=fields["reference"],
            metadata=fields["metadata"],
            webhook_url=fields["webhook_url"],
            files=records,
            declared_document_type=fields["declared_document_type"],
            liveness_session_id=fields["liveness_session_id"],
        )
        try:
            existing = await self.repo.create(
                new, (idempotency_key, request_hash) if idempotency_key else None
            )
        except Exception as exc:
            await self.delete_objects(stored)
            raise ServiceUnavailable(f"database unavailable: {type(exc).__name__}") from exc
        if existing is not None:  # lost a race on the same Idempotency-Key
            await self.delete_objects(stored)
            return await self._replay(existing, request_hash)

        wants_async = prefer.respond_async or fields["webhook_url"] is not None
        deadline = started + (
            prefer.wait_s if prefer.wait_s is not None else self.settings.api.sync_wait_s
        )
        fut = None if wants_async else self.waiter.register(vid)
        _, event = submitted_event(new, traceparent, "interactive")
        try:
            await self.publisher.publish(self.topics.stage("intake"), vid, event)
        except ServiceUnavailable:
            if fut is not None:
                self.waiter.forget(vid, fut)
            await self.repo.delete(vid)
            await self.delete_objects(stored)
            raise

        outcome = Outcome(202, _accepted_body(vid), vid)
        if fut is not None:
            outcome = await self._wait(vid, fut, deadline, organisation_id) or outcome
        if idempotency_key is not None:
            await self.repo.store_response(
                organisation_id, idempotency_key, outcome.status_code, outcome.body
            )
        return outcome

    async def _wait(
        self, vid: str, fut: asyncio.Future[str], deadline: float, org: str
    ) -> Outcome | None:
        # Leave a little of the budget for rendering and sending the answer.
        budget = deadline - time.monotonic() - 0.05
        try:
            if budget > 0:
                await asyncio.wait_for(asyncio.shield(fut), budget)
        except TimeoutError:
            pass
        finally:
            self.waiter.forget(vid, fut)
        if not fut.done():
            return None
        row = await self.repo.get(vid, org)
        if row is not None and row["status"] in ("completed", "failed"):
            return Outcome(200, render(row), vid)
        return None

    async def _replay(self, seen: Any, request_hash: str) -> Outcome:
        if seen.request_hash != request_hash:
            raise Conflict(
                "this Idempotency-Key was used with another request", field="Idempotency-Key"
            )
        if seen.response_status is not None and seen.response_body is not None:
            return Outcome(seen.response_status, seen.response_body, seen.verification_id)
        # The first request is still in flight: point at the same verification.
        return Outcome(202, _accepted_body(seen.verification_id), seen.verification_id)

    async def put_file(self, f: UploadedFile, r: FileRecord, stored: list[str]) -> None:
        """Upload one file under its record's key; append the key to ``stored``."""
        f.spool.seek(0)
        await asyncio.to_thread(
            self.store.put_stream, r.object_key, f.spool, r.size_bytes, r.media_type
        )
        stored.append(r.object_key)

    async def delete_objects(self, keys: list[str]) -> None:
        """Best-effort removal of objects stored for a request that was not accepted."""
        for key in keys:
            with contextlib.suppress(Exception):
                await asyncio.to_thread(self.store.delete, key)

    async def get(self, verification_id: str, organisation_id: str) -> dict[str, Any]:
        """The public body. Raises NotFound (also for another organisation's id)."""
        row = await self.repo.get(verification_id, organisation_id)
        if row is None:
            raise NotFound(f"no verification {verification_id}")
        return render(row)

    async def fraud_heatmap(
        self, verification_id: str, organisation_id: str, position: int, page: int, signal: str
    ) -> bytes:
        """The PNG heat map the fraud stage stored for a triggered signal of one page.
        Raises NotFound: no such verification for this organisation, no such page or
        signal, or the signal did not trigger (only triggered signals have a map)."""
        row = await self.repo.get(verification_id, organisation_id)
        fraud = ((row or {}).get("result") or {}).get("fraud") or {}
        key = next(
            (
                s.get("heatmapKey")
                for d in fraud.get("documents", [])
                if d.get("position") == position and d.get("page") == page
                for s in d.get("signals", [])
                if s.get("name") == signal
            ),
            None,
        )
        if not key:
            raise NotFound(
                f"no fraud heat map {signal!r} for page {position}/{page} of {verification_id}"
            )
        try:
            return await asyncio.to_thread(self.store.get_bytes, key)
        except ObjectNotFound:
            raise NotFound(f"heat map of {verification_id} no longer stored") from None
