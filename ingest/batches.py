"""Batches: many verifications in one multipart request, on the batch priority lane.

``manifest`` (a JSON form field) groups the uploaded ``files`` by name::

    {"reference": "import-2026-11", "webhookUrl": "https://…",
     "items": [{"type": "identity", "reference": "cust-1",
                "documents": ["cust1-front.jpg", "cust1-back.jpg"], "selfie": "cust1-face.jpg"},
               {"type": "address", "reference": "cust-1", "documents": ["cust1-bill.pdf"]}]}

Every file is checked before anything is stored; then the batch, its
verifications and their submitted events are written in one transaction (the
events through the submission outbox), so a batch is accepted whole or not at
all. Events are published right away; the relay republishes any that Kafka
did not acknowledge.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from core.db.batches import BatchRepository, Submission
from core.db.verifications import FileRecord, NewVerification
from core.domain import Category, new_id
from core.errors import InvalidRequest, ServiceUnavailable
from core.verification_view import render_batch
from ingest.service import EXTENSIONS, VerificationService, submitted_event
from ingest.uploads import ParsedForm, UploadedFile

log = logging.getLogger(__name__)


class BatchService:
    """The use cases of ``/api/v1/kyc/batches``."""

    def __init__(self, verifications: VerificationService, batches: BatchRepository) -> None:
        self.v = verifications
        self.batches = batches

    def _manifest(self, form: ParsedForm) -> tuple[dict[str, Any], dict[str, UploadedFile]]:
        api = self.v.settings.api
        try:
            manifest = json.loads(form.fields["manifest"])
        except KeyError:
            raise InvalidRequest("a 'manifest' field is required", field="manifest") from None
        except json.JSONDecodeError:
            raise InvalidRequest("manifest must be JSON", field="manifest") from None
        items = manifest.get("items") if isinstance(manifest, dict) else None
        if not isinstance(items, list) or not 1 <= len(items) <= api.max_batch_items:
            raise InvalidRequest(
                f"manifest.items must list 1 to {api.max_batch_items} items", field="manifest.items"
            )
        files: dict[str, UploadedFile] = {}
        for f in form.files:
            if not f.filename or f.filename in files:
                raise InvalidRequest(
                    "every file needs a unique filename", field=f"files[{f.index}]"
                )
            files[f.filename] = f
        used: set[str] = set()
        for i, item in enumerate(items):
            where = f"manifest.items[{i}]"
            if not isinstance(item, dict):
                raise InvalidRequest("each item must be an object", field=where)
            try:
                Category(str(item.get("type", "auto")))
            except ValueError:
                raise InvalidRequest("unknown type", field=f"{where}.type") from None
            docs = item.get("documents")
            if not isinstance(docs, list) or not 1 <= len(docs) <= api.max_files:
                raise InvalidRequest(
                    f"documents must list 1 to {api.max_files} file names",
                    field=f"{where}.documents",
                )
            names = [*docs, *([item["selfie"]] if item.get("selfie") else [])]
            for name in names:
                if name not in files:
                    raise InvalidRequest(f"no uploaded file named {name!r}", field=where)
            used.update(names)
            if item.get("metadata") is not None and not isinstance(item["metadata"], dict):
                raise InvalidRequest("metadata must be an object", field=f"{where}.metadata")
        unused = sorted(set(files) - used)
        if unused:
            # Nothing is silently ignored: a file the manifest forgot is an error.
            raise InvalidRequest(f"files not named by any item: {unused}", field="files")
        return manifest, files

    async def submit(
        self, form: ParsedForm, *, organisation_id: str, traceparent: str
    ) -> dict[str, Any]:
        """Accept a whole batch or nothing (see the module docstring)."""
        manifest, files = self._manifest(form)
        ordered = list(files.values())
        types = dict(
            zip(
                [f.filename for f in ordered],
                await asyncio.to_thread(self.v.inspect, ordered),
                strict=True,
            )
        )
        webhook = manifest.get("webhookUrl")
        if webhook is not None:
            self.v.check_webhook_url(str(webhook))
        batch_id = new_id("bat")
        items: list[NewVerification] = []
        uploads: list[tuple[UploadedFile, FileRecord]] = []
        for item in manifest["items"]:
            vid = new_id("ver")
            category = Category(str(item.get("type", "auto")))
            names = [(n, "document") for n in item["documents"]]
            if item.get("selfie"):
                names.append((item["selfie"], "selfie"))
            records = []
            for pos, (name, role) in enumerate(names):
                f, mtype = files[name], types[name]
                key = f"verifications/{organisation_id}/{vid}/{pos:02d}-{role}.{EXTENSIONS[mtype]}"
                rec = FileRecord(pos, role, key, f.sha256, f.size, mtype, f.filename)
                records.append(rec)
                uploads.append((f, rec))
            items.append(
                NewVerification(
                    id=vid,
                    organisation_id=organisation_id,
                    requested_type=category.value,
                    verification_type=category.verification_type,
                    reference=item.get("reference"),
                    metadata=item.get("metadata") or {},
                    webhook_url=None,
                    files=records,
                    batch_id=batch_id,
                )
            )
        stored: list[str] = []
        try:
            # One file may serve several items: upload sequentially from its spool.
            for f, rec in uploads:
                await self.v.put_file(f, rec, stored)
        except Exception as exc:
            await self.v.delete_objects(stored)
            raise ServiceUnavailable(f"object storage unavailable: {type(exc).__name__}") from exc
        topic = self.v.topics.stage("intake", "batch")
        submissions = []
        for v in items:
            event_id, payload = submitted_event(v, traceparent, "batch")
            submissions.append(Submission(event_id, v.id, topic, payload))
        try:
            await self.batches.create(
                batch_id, organisation_id, manifest.get("reference"), webhook, items, submissions
            )
        except Exception as exc:
            await self.v.delete_objects(stored)
            raise ServiceUnavailable(f"database unavailable: {type(exc).__name__}") from exc
        for s in submissions:
            try:
                await self.v.publisher.publish(s.topic, s.verification_id, s.payload)
                await self.batches.mark_published(s.event_id)
            except ServiceUnavailable:
                log.warning("batch %s: %s left to the outbox relay", batch_id, s.event_id)
        batch = await self.batches.get(organisation_id, batch_id)
        assert batch is not None
        body = render_batch(batch)
        body["verifications"] = [{"id": v.id, "reference": v.reference} for v in items]
        return body


async def relay_submissions(
    batches: BatchRepository, verifications: VerificationService, every_s: float = 5.0
) -> None:
    """Publish submitted events that Kafka has not acknowledged (runs forever)."""
    while True:
        await asyncio.sleep(every_s)
        try:
            for s in await batches.unpublished(older_than_s=10.0):
                await verifications.publisher.publish(s.topic, s.verification_id, s.payload)
                await batches.mark_published(s.event_id)
        except Exception as exc:  # try again next round
            log.warning("submission relay: %s", exc)
