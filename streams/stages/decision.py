"""Decision: join the stage results into the verification's status, result and decision.

Pure core: :func:`decide` (no I/O). Adapter: :class:`DecisionStage` writes the
final state and the public event in one transaction (outbox), then publishes.

The rules, in order:

1. no document could be decoded: FAILED;
2. every document page unusable: DECLINED for quality (a page flagged by
   the image measurements that OCR nevertheless read confidently is usable:
   reading it is what quality is for);
3. no page is a document the route accepts: DECLINED as a type mismatch;
4. the selfie, or the live face of a linked liveness session, is not the
   document's holder: DECLINED (``FACE_MISMATCH``, ``LIVENESS_FACE_MISMATCH``);
5. the risk score is in the decline band of the organisation's policy:
   DECLINED with the fraud reason codes;
6. a failed check that no reviewer can make pass (``DOCUMENT_EXPIRED``):
   DECLINED;
7. any other failed check, a risk score in the review band, or an automated
   check that did not run (``AUTOMATED_CHECKS_INCOMPLETE``, with
   ``checksIncomplete`` naming it): REVIEW;
8. otherwise APPROVED: every check passed and the risk is low.
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
from models.doctypes import DocumentType
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
    readings = {
        (r["file_position"], r["page"]): json.loads(r["reading_json"])
        for r in (event.get("ocr") or {}).get("pages", [])
    }
    classes = {
        (c["file_position"], c["page"]): c
        for c in (event.get("classification") or {}).get("pages", [])
    }
    extractions = {
        (x["file_position"], x["page"]): x for x in (event.get("extraction") or {}).get("pages", [])
    }
    cross = json.loads((event.get("extraction") or {}).get("cross_checks_json", "[]"))
    face = json.loads((event.get("face") or {}).get("result_json", "null"))
    portraits = {(p["position"], p["page"]): p for p in (face or {}).get("portraits", [])}
    category = str(submission.get("requested_type", "auto"))
    matching_pages = mismatched_pages = 0
    detected: list[dict[str, Any]] = []
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
            key = (page["file_position"], page["page"])
            q = quality.get(key)
            if q is not None:
                blocking = [i for i in q["issues"] if i in BLOCKING_ISSUES]
                doc["quality"] = {
                    "score": round(q["score"], 4),
                    "issues": q["issues"],
                    "measurements": json.loads(q["report_json"]),
                }
                check: dict[str, Any] = {
                    "name": "IMAGE_QUALITY",
                    "status": "fail" if blocking else "pass",
                    "reasons": blocking,
                }
                read_well = blocking and _read_well(readings.get(key))
                if read_well:
                    # The image measurements are a proxy for "can it be read";
                    # the OCR reading it confidently is the real answer.
                    check = {
                        "name": "IMAGE_QUALITY",
                        "status": "pass",
                        "reasons": [],
                        "detail": f"{', '.join(blocking)} measured, yet the page was read: "
                        f"{read_well}",
                    }
                    blocking = []
                checks.append(check)
                if page["role"] == "document":
                    readable_document_pages += 1
                    usable_document_pages += 0 if blocking else 1
            if key in readings:
                doc.update(_ocr_view(readings[key]))
            if key in extractions:
                doc.update(_extraction_view(extractions[key]))
                checks += json.loads(extractions[key]["extraction_json"])["checks"]
            if key in portraits:
                portrait = portraits[key]
                doc["portrait"] = {
                    k: portrait[k] for k in ("found", "box", "rotation", "frameSize", "reasons")
                }
            if key in classes:
                check = _classification(doc, classes[key], category)
                checks.append(check)
                if page["role"] == "document" and check["status"] == "pass":
                    matching_pages += 1
                    detected.append(classes[key])
                if "DOCUMENT_TYPE_MISMATCH" in check["reasons"]:
                    mismatched_pages += 1
        doc["checks"] = checks
        documents.append(doc)

    total_documents = sum(1 for f in submission["files"] if f["role"] == "document")
    confidences = [d["confidence"] for d in documents if "confidence" in d]
    result: dict[str, Any] = {
        "totalDocuments": total_documents,
        "documentsFound": readable_document_pages,
        "averageConfidence": round(sum(confidences) / len(confidences), 4) if confidences else None,
        "documents": documents,
    }
    if cross:
        result["crossDocumentChecks"] = cross
    face_check = _face_check(face)
    liveness_check = _liveness_check(face)
    if liveness_check is not None:
        result["liveness"] = liveness_check
    if face is not None:
        result["face"] = face
    if face_check is not None:
        result["faceMatch"] = face_check
    if category == "face":
        return _face_verdict(result, face_check)
    if category == "auto" and detected:
        best = max(detected, key=lambda c: c["probability"])
        result["detectedVerificationType"] = _category_of(best["document_type"])
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
    if classes and matching_pages == 0 and mismatched_pages > 0:
        # Not one page is a document of the requested kind (a payslip sent to
        # /verify/identity): the submission cannot pass whatever else we find.
        reasons = ["DOCUMENT_TYPE_MISMATCH"]
        result["decisionReasons"] = reasons
        return Verdict(Status.COMPLETED, Decision.DECLINED, result, None, reasons)
    reasons = []
    if classes and matching_pages == 0:
        reasons.append("DOCUMENT_TYPE_UNKNOWN")
    fraud: dict[str, Any] | None = json.loads((event.get("fraud") or {}).get("result_json", "null"))
    risk: dict[str, Any] | None = None
    if fraud is not None:
        risk = fraud["risk"]
        result["fraud"] = fraud
        result["riskScore"] = risk["score"]
        result["riskBand"] = risk["band"]
    # Failed validations are listed for the reviewer.
    for doc in documents:
        for c in doc["checks"]:
            if c["status"] == "fail" and c["name"] not in ("IMAGE_QUALITY", "DOCUMENT_TYPE"):
                reasons += [r for r in c["reasons"] if r not in reasons]
    for c in cross:
        if c["status"] == "fail":
            reasons += [r for r in c["reasons"] if r not in reasons]
    if face_check is not None and face_check["status"] == "fail":
        reasons += [r for r in face_check["reasons"] if r not in reasons]
    if liveness_check is not None and liveness_check["status"] == "fail":
        reasons += [r for r in liveness_check["reasons"] if r not in reasons]
    if (face_check or {}).get("match") is False or (liveness_check or {}).get("match") is False:
        # A selfie or a live person that is not the document's holder: no other
        # finding can save it.
        result["decisionReasons"] = reasons
        return Verdict(Status.COMPLETED, Decision.DECLINED, result, None, reasons)
    if risk is not None:
        # The fraud findings lead: they are why a reviewer looks first.
        reasons = [r for r in _risk_reasons(risk) if r not in reasons] + reasons
        if risk["decision"] == "decline":
            result["decisionReasons"] = reasons
            return Verdict(Status.COMPLETED, Decision.DECLINED, result, None, reasons)
    if any(r in HARD_DECLINE_REASONS for r in reasons):
        result["decisionReasons"] = reasons
        return Verdict(Status.COMPLETED, Decision.DECLINED, result, None, reasons)
    missing = _incomplete(risk, matching_pages, detected, extractions)
    if missing:
        reasons.append("AUTOMATED_CHECKS_INCOMPLETE")
        result["checksIncomplete"] = missing
    elif risk is not None and risk["decision"] == "review" and not reasons:
        reasons.append("FRAUD_RISK_REVIEW")
    result["decisionReasons"] = reasons
    decision = Decision.REVIEW if reasons else Decision.APPROVED
    return Verdict(Status.COMPLETED, decision, result, None, reasons)


def _risk_reasons(risk: dict[str, Any]) -> list[str]:
    """Reason codes of the signals that added to the score, strongest first (a triggered
    signal the policy weighs at 0, an experimental one, informs but decides nothing)."""
    hits = [c for c in risk["contributions"] if c["triggered"] and c["contribution"] > 0]
    hits.sort(key=lambda c: -c["contribution"])
    return list(dict.fromkeys(c["reasonCode"] for c in hits))


# A failed check with one of these declines outright: no reviewer can make it pass.
HARD_DECLINE_REASONS = frozenset({"DOCUMENT_EXPIRED"})


def _incomplete(
    risk: dict[str, Any] | None,
    matching_pages: int,
    detected: list[dict[str, Any]],
    extractions: dict[tuple[int, int], dict[str, Any]],
) -> list[str]:
    """What an approval would lack: a fraud score, a document of the requested kind, and
    the extraction of each such page. Empty when every automated check ran."""
    missing = []
    if risk is None:
        missing.append("FRAUD_SCORE")
    if matching_pages == 0:
        missing.append("MATCHING_DOCUMENT")
    elif any((c["file_position"], c["page"]) not in extractions for c in detected):
        missing.append("EXTRACTION")
    return missing


def _face_check(face: dict[str, Any] | None) -> dict[str, Any] | None:
    """The FACE_MATCH check from the face stage's best comparison (None: nothing compared)."""
    match = (face or {}).get("faceMatch")
    if match is None:
        return None
    check: dict[str, Any] = {
        "name": "FACE_MATCH",
        "similarity": match.get("similarity"),
        "threshold": match.get("threshold"),
        "match": match.get("match"),
    }
    if match.get("match") is True:
        return check | {"status": "pass", "reasons": []}
    if match.get("match") is False:
        return check | {"status": "fail", "reasons": ["FACE_MISMATCH", *match["reasons"]]}
    # Not compared: no face, a face too small, no portrait on the document.
    return check | {"status": "fail", "reasons": ["FACE_NOT_COMPARED", *match["reasons"]]}


def _liveness_check(face: dict[str, Any] | None) -> dict[str, Any] | None:
    """The LIVENESS check of a linked session: live, and the live face is the holder's
    (None: no session linked)."""
    session = (face or {}).get("liveness")
    if session is None:
        return None
    match = (face or {}).get("livenessMatch") or {}
    check: dict[str, Any] = {
        "name": "LIVENESS",
        "sessionId": session["sessionId"],
        "sessionStatus": session["status"],
        "isLive": session["isLive"],
        "confidence": session.get("confidence"),
        "similarity": match.get("similarity"),
        "match": match.get("match"),
    }
    reasons = []
    if not session["isLive"]:
        reasons += ["LIVENESS_FAILED", *session.get("reasons", [])]
    if match.get("match") is False:
        reasons.append("LIVENESS_FACE_MISMATCH")
    elif match.get("match") is None:
        reasons += ["LIVENESS_FACE_NOT_COMPARED", *match.get("reasons", [])]
    return check | {"status": "fail" if reasons else "pass", "reasons": reasons}


def _face_verdict(result: dict[str, Any], check: dict[str, Any] | None) -> Verdict:
    """POST /face/compare: the comparison is the whole job."""
    if check is None or check["match"] is None:
        reasons = check["reasons"] if check else ["FACE_NOT_COMPARED"]
        result["decisionReasons"] = reasons
        return Verdict(
            Status.FAILED,
            None,
            result,
            {"code": "FACE_NOT_COMPARED", "detail": ", ".join(reasons)},
            reasons,
        )
    reasons = [] if check["match"] else check["reasons"]
    result["decisionReasons"] = reasons
    decision = Decision.APPROVED if check["match"] else Decision.DECLINED
    return Verdict(Status.COMPLETED, decision, result, None, reasons)


# A page counts as read when OCR found this many lines at this mean confidence.
READ_MIN_LINES = 5
READ_MIN_CONFIDENCE = 0.85


def _read_well(reading: dict[str, Any] | None) -> str:
    """Why the page counts as read despite its quality flags; empty when it does not."""
    if not reading or "error" in reading:
        return ""
    lines = reading.get("lines", [])
    if len(lines) < READ_MIN_LINES:
        return ""
    mean = sum(float(line["confidence"]) for line in lines) / len(lines)
    if mean < READ_MIN_CONFIDENCE:
        return ""
    return f"{len(lines)} lines at mean confidence {mean:.2f}"


# extractedData keys of the public API (conventions) ← our field names, first found wins.
PUBLIC_FIELDS = {
    "name": (
        "full_name",
        "name",
        "employee_name",
        "customer_name",
        "account_holder",
        "company",
        "company_name",
    ),
    "idNumber": (
        "id_number",
        "passport_number",
        "document_number",
        "card_number",
        "permit_number",
        "licence_number",
        "registration_number",
        "tin",
    ),
    "dateOfBirth": ("birth_date",),
    "nationality": ("nationality",),
    "gender": ("sex",),
    "expiryDate": ("expiry_date", "valid_to", "valid_until"),
    "placeOfBirth": ("birth_place",),
}


def _extraction_view(x: dict[str, Any]) -> dict[str, Any]:
    """``extractedData`` (the customary keys, normalised), every field in detail, the MRZ."""
    ex = json.loads(x["extraction_json"])
    fields = ex["fields"]
    data: dict[str, Any] = {}
    if "surname" in fields:
        given = fields.get("forenames") or fields.get("given_names")
        data["name"] = " ".join(
            p for p in (given["normalized"] if given else "", fields["surname"]["normalized"]) if p
        )
    for key, names in PUBLIC_FIELDS.items():
        if key in data:
            continue
        hit = next((fields[n] for n in names if n in fields), None)
        if hit is not None:
            data[key] = hit["normalized"]
    out: dict[str, Any] = {"extractedData": data, "fields": fields}
    if ex.get("mrz"):
        out["mrz"] = ex["mrz"]
    if ex.get("barcodes"):
        out["barcodes"] = ex["barcodes"]
    return out


def _category_of(document_type: str) -> str:
    cats = DocumentType(document_type).categories
    # A bank statement serves address and income; address is the common use.
    return "ADDRESS" if len(cats) > 1 else next(iter(cats)).upper()


def _ocr_view(reading: dict[str, Any]) -> dict[str, Any]:
    """The OCR part of a document in the public result."""
    if "error" in reading:
        return {"ocr": {"error": reading["error"]}}
    lines = reading.get("lines", [])
    return {
        "rawOCRText": "\n".join(line["text"] for line in lines),
        "ocr": {
            "lines": lines,
            "pageGeometry": reading.get("geometry"),
            "timingsMs": reading.get("timingsMs"),
        },
    }


def _classification(doc: dict[str, Any], cls: dict[str, Any], category: str) -> dict[str, Any]:
    """Fill the document's type fields; return the DOCUMENT_TYPE check."""
    doc_type = DocumentType(cls["document_type"])
    prediction = json.loads(cls["prediction_json"])
    doc["documentType"] = doc_type.public_code
    if doc_type.side:
        doc["documentSide"] = doc_type.side
    doc["confidence"] = round(float(cls["probability"]), 4)
    doc["classification"] = {
        "documentType": doc_type.value,
        "probability": round(float(cls["probability"]), 4),
        "reason": prediction.get("reason"),
        "alternatives": prediction.get("top", [])[1:],
    }
    if doc_type is DocumentType.UNKNOWN:
        return {
            "name": "DOCUMENT_TYPE",
            "status": "fail",
            "reasons": ["DOCUMENT_TYPE_UNKNOWN"],
        }
    if category != "auto" and category not in doc_type.categories:
        return {
            "name": "DOCUMENT_TYPE",
            "status": "fail",
            "reasons": ["DOCUMENT_TYPE_MISMATCH"],
            "detail": f"a {doc_type.value} is not a {category} document "
            f"(it serves: {', '.join(sorted(doc_type.categories))})",
        }
    return {"name": "DOCUMENT_TYPE", "status": "pass", "reasons": []}


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
        # /verify/auto: the type the classifier found replaces AUTO.
        verification_type = row["verification_type"]
        if verdict.result and verdict.result.get("detectedVerificationType"):
            verification_type = verdict.result["detectedVerificationType"]
        final_row = {
            **row,
            "verification_type": verification_type,
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
                "verification_type": verification_type,
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
            verification_type=verification_type,
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
