"""Decision: join the stage results into the verification's status, result and decision.

Pure core: :func:`decide` (no I/O). Adapter: :class:`DecisionStage` writes the
final state and the public event in one transaction (outbox), then publishes.

What this stage can honestly conclude today: a verification whose documents
could not be read fails; one whose every document page is unusable is
DECLINED for quality; anything else goes to REVIEW, because the automated
identity checks (classification, extraction, face, fraud) are not part of
the pipeline yet. It never approves on quality alone.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from core.db.verifications import OutboxEvent
from core.domain import Decision, Status
from core.events import avro
from core.telemetry import current_traceparent
from core.verification_view import render, render_batch
from streams.runtime import StageContext, StageOutput, to_json
from streams.stages.quality import BLOCKING_ISSUES


@dataclass(frozen=True)
class Verdict:
    """The outcome of a verification."""

    status: Status
    decision: Decision | None
    result: dict[str, Any] | None
    error: dict[str, Any] | None
    reasons: list[str]


def decide(event: dict[str, Any]) -> Verdict:
    """Status, decision and public result from the accumulated stage results."""
    submission = json.loads(event["submission_json"])
    files = {f["position"]: f for f in submission["files"]}
    intake_pages = (event.get("intake") or {}).get("pages", [])
    quality = {
        (q["file_position"], q["page"]): q for q in (event.get("quality") or {}).get("pages", [])
    }
    documents: list[dict[str, Any]] = []
    usable_document_pages = 0
    readable_document_pages = 0
    for page in intake_pages:
        f = files[page["file_position"]]
        doc: dict[str, Any] = {
            "position": page["file_position"],
            "page": page["page"],
            "role": page["role"],
            "mediaType": f["media_type"],
            "sha256": f["sha256"],
        }
        if f.get("filename"):
            doc["filename"] = f["filename"]
        checks: list[dict[str, Any]] = []
        if page.get("error"):
            checks.append(
                {"name": "DOCUMENT_READABLE", "status": "fail", "reasons": [page["error"]]}
            )
        else:
            checks.append({"name": "DOCUMENT_READABLE", "status": "pass", "reasons": []})
            doc["image"] = {
                "width": page["width"],
                "height": page["height"],
                "rotationApplied": page["rotation_applied"],
            }
            q = quality.get((page["file_position"], page["page"]))
            if q is not None:
                blocking = [i for i in q["issues"] if i in BLOCKING_ISSUES]
                doc["quality"] = {
                    "score": round(q["score"], 4),
                    "issues": q["issues"],
                    "measurements": json.loads(q["report_json"]),
                }
                checks.append(
                    {
                        "name": "IMAGE_QUALITY",
                        "status": "fail" if blocking else "pass",
                        "reasons": blocking,
                    }
                )
                if page["role"] == "document":
                    readable_document_pages += 1
                    usable_document_pages += 0 if blocking else 1
        doc["checks"] = checks
        documents.append(doc)

    total_documents = sum(1 for f in submission["files"] if f["role"] == "document")
    result = {
        "totalDocuments": total_documents,
        "documentsFound": readable_document_pages,
        "documents": documents,
    }
    if readable_document_pages == 0:
        return Verdict(
            Status.FAILED,
            None,
            result,
            {
                "code": "DOCUMENT_UNREADABLE",
                "detail": "none of the submitted documents could be decoded",
            },
            ["DOCUMENT_UNREADABLE"],
        )
    if usable_document_pages == 0:
        reasons = ["INVALID_DOCUMENT_QUALITY"]
        result["decisionReasons"] = reasons
        return Verdict(Status.COMPLETED, Decision.DECLINED, result, None, reasons)
    reasons = ["AUTOMATED_CHECKS_INCOMPLETE"]
    result["decisionReasons"] = reasons
    return Verdict(Status.COMPLETED, Decision.REVIEW, result, None, reasons)


def finished_event_id(verification_id: str) -> str:
    """Deterministic: a redelivered decision produces the same event id."""
    return f"evt_fin_{verification_id.removeprefix('ver_')}"


def batch_finished_event(ctx: StageContext, batch: dict[str, Any]) -> OutboxEvent:
    """The ``batch.completed`` event of a batch that just closed."""
    counts = {"completed": batch["completed"], "failed": batch["failed"]}
    body = render_batch(batch | {"counts": counts})
    event_id = f"evt_bat_{batch['id'].removeprefix('bat_')}"
    payload = avro.encode(
        "batch_finished",
        {
            "event_id": event_id,
            "event_type": "batch.completed",
            "batch_id": batch["id"],
            "organisation_id": batch["organisation_id"],
            "occurred_at": int(time.time() * 1000),
            "total": batch["total"],
            "completed": batch["completed"],
            "failed": batch["failed"],
            "webhook_url": batch.get("webhook_url"),
            "body_json": to_json(body),
        },
    )
    return OutboxEvent(event_id, ctx.topics.public_batches, batch["id"].encode(), payload)


class DecisionStage:
    """Adapter: final state + outbox in one transaction, then publish."""

    name = "decision"
    input_schema = "stage_event"

    async def process(self, ctx: StageContext, event: dict[str, Any]) -> StageOutput:
        vid = event["verification_id"]
        verdict = decide(event)
        row = await ctx.repo.get(vid)
        if row is None:
            raise LookupError(f"verification {vid} is not in the database")
        stages = {name: {"durationMs": round(ms, 2)} for name, ms in event["stage_timings"].items()}
        for name, ms in event["model_timings"].items():
            stages.setdefault(name, {})["inferenceMs"] = round(ms, 2)
        processing_ms = 1000 * (time.time() - row["created_at"].timestamp())
        metrics = {
            "processingTimeMs": round(processing_ms, 1),
            "totalFiles": row["total_files"],
            "processingMode": "batch" if row["total_files"] > 1 else "single",
            "stages": stages,
        }
        topic = ctx.topics.public
        event_type = (
            "verification.completed"
            if verdict.status is Status.COMPLETED
            else ("verification.failed")
        )
        now = datetime.now(UTC)
        final_row = {
            **row,
            "updated_at": now,
            "completed_at": now,
            "status": verdict.status.value,
            "decision": verdict.decision.value if verdict.decision else None,
            "result": verdict.result,
            "metrics": metrics,
            "error": verdict.error,
        }
        body = render(final_row)
        payload = avro.encode(
            "verification_finished",
            {
                "event_id": finished_event_id(vid),
                "event_type": event_type,
                "verification_id": vid,
                "organisation_id": row["organisation_id"],
                "schema_version": 1,
                "occurred_at": int(time.time() * 1000),
                "traceparent": current_traceparent(),
                "reference": row["reference"],
                "verification_type": row["verification_type"],
                "status": verdict.status.value,
                "decision": verdict.decision.value if verdict.decision else None,
                "processing_time_ms": processing_ms,
                "batch_id": row.get("batch_id"),
                "body_json": to_json(body),
            },
        )
        await ctx.repo.finish(
            vid,
            verdict.status,
            stage=self.name,
            verification_type=row["verification_type"],
            decision=verdict.decision.value if verdict.decision else None,
            result=verdict.result,
            metrics=metrics,
            error=verdict.error,
            event=OutboxEvent(finished_event_id(vid), topic, vid.encode(), payload),
            batch_event=(lambda batch: batch_finished_event(ctx, batch))
            if row.get("batch_id")
            else None,
        )
        # Publish whatever the outbox holds for this verification: the event
        # just written, or one a killed worker wrote but never sent.
        for pending in await ctx.repo.unpublished(vid):
            await ctx.send(pending.topic, pending.key, pending.payload, {})
            await ctx.repo.mark_published(pending.event_id)
        return StageOutput(
            result={
                "status": verdict.status.value,
                "decision": verdict.decision.value if verdict.decision else None,
                "reasons": verdict.reasons,
            },
            terminal=True,
        )
