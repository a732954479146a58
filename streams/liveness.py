"""Liveness: assess an uploaded session clip (Triton ``liveness_check``) and publish the result.

Flow: the API moves a session to ``IN_PROGRESS`` and emits ``LivenessSubmitted``
→ :func:`assess_session` fetches the clip, calls Triton, stores the reference
and audit images in object storage, records the assessment (``SUCCEEDED`` or
``FAILED``) and publishes ``liveness.completed`` on the public liveness topic,
from which webhooks fan out (``streams/webhooks.py``).

Pure core: :func:`outcome_of` (Triton's answer → session status, stored
result, images to store). Retries: Triton or storage unreachable is retried
with backoff (:data:`RETRY`); an event that cannot be decoded, or a session
that is not ``IN_PROGRESS`` any more, is acknowledged and logged; any other
failure marks the session ``FAILED`` with ``ASSESSMENT_FAILED`` and parks the
event in the liveness dead-letter topic, so nothing accepted is dropped.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import time
from dataclasses import dataclass
from typing import Any

from tenacity import (
    AsyncRetrying,
    retry_if_exception_type,
    stop_after_delay,
    wait_exponential,
)

from core.db.liveness import LivenessRepository
from core.events import avro
from core.inference import InferenceUnavailable
from core.liveness_view import render_results
from streams.runtime import StageContext

log = logging.getLogger(__name__)

# Transient: Triton busy or restarting, storage hiccups. Give up after RETRY_FOR_S.
RETRY_FOR_S = 120.0
TRANSIENT = (InferenceUnavailable, ConnectionError, TimeoutError)


@dataclass(frozen=True)
class Outcome:
    status: str  # SUCCEEDED or FAILED
    confidence: int | None
    is_live: bool | None
    result: dict[str, Any]  # stored in the session row (no image bytes)
    images: dict[str, bytes]  # object key → JPEG
    reference_key: str | None
    audit_keys: list[str]


def outcome_of(answer: dict[str, Any], key_prefix: str) -> Outcome:
    """What to store for Triton's ``liveness_check`` answer. Pure.

    An error answer (undecodable clip, too long, too short) fails the session
    with that code; an assessment stores its images under ``key_prefix``.
    """
    if "error" in answer:
        return Outcome(
            "FAILED",
            0,
            False,
            {"error": answer["error"], "message": answer.get("message", ""), "reasons": []},
            {},
            None,
            [],
        )
    assessment = answer["assessment"]
    images: dict[str, bytes] = {}
    reference_key = None
    if answer.get("referenceImage"):
        reference_key = f"{key_prefix}/reference.jpg"
        images[reference_key] = base64.b64decode(answer["referenceImage"])
    audit_entries = []
    audit_keys = []
    for entry in answer.get("auditImages", []):
        key = f"{key_prefix}/audit-{entry['frame']:04d}.jpg"
        images[key] = base64.b64decode(entry["image"])
        audit_keys.append(key)
        audit_entries.append({"frame": entry["frame"], "tMs": entry["tMs"], "key": key})
    result = {"assessment": assessment, "clip": answer.get("clip"), "auditImages": audit_entries}
    return Outcome(
        str(assessment["status"]),
        int(assessment["confidence"]),
        bool(assessment["isLive"]),
        result,
        images,
        reference_key,
        audit_keys,
    )


def completed_event(row: dict[str, Any]) -> bytes:
    """The ``liveness.completed`` event of a finished session (no images: results by link)."""
    return avro.encode(
        "liveness_completed",
        {
            "event_id": f"evt_lvs_{row['id'].removeprefix('lvs_')}",
            "event_type": "liveness.completed",
            "session_id": row["id"],
            "organisation_id": row["organisation_id"],
            "occurred_at": int(time.time() * 1000),
            "status": row["status"],
            "is_live": row.get("is_live"),
            "confidence": row.get("confidence"),
            "webhook_url": row.get("webhook_url"),
            "body_json": json.dumps(render_results(row), separators=(",", ":")),
        },
    )


async def assess_session(ctx: StageContext, value: bytes) -> str:
    """Handle one ``LivenessSubmitted`` event; returns what happened (for the log).

    Blocking work (Triton, storage) runs in threads. Raises only on a failure
    that should park the event (see the module docstring).
    """
    try:
        _, event = avro.decode(value, "liveness_submitted")
    except avro.SchemaError as exc:
        await ctx.send(
            ctx.topics.liveness_dead_letter, None, value, {"error": str(exc)[:500].encode()}
        )
        return "undecodable: dead-lettered"
    repo = LivenessRepository(ctx.repo.pool)
    sid = event["session_id"]
    row = await repo.get(sid)
    if row is not None and row["status"] in ("SUCCEEDED", "FAILED"):
        # A redelivery after a crash between recording and publishing: publish
        # again (at least once; consumers deduplicate on the event id).
        await ctx.send(ctx.topics.public_liveness, sid.encode(), completed_event(row), {})
        return "already finished: completion republished"
    if row is None or row["status"] != "IN_PROGRESS":
        return f"skipped: session is {row['status'] if row else 'unknown'}"
    options = json.dumps({"auditImagesLimit": event["audit_images_limit"]})
    try:
        async for attempt in AsyncRetrying(
            stop=stop_after_delay(RETRY_FOR_S),
            wait=wait_exponential(multiplier=0.5, max=10),
            retry=retry_if_exception_type(TRANSIENT),
            reraise=True,
        ):
            with attempt:
                media = await asyncio.to_thread(ctx.store.get_bytes, event["media_key"])
                answer = await asyncio.to_thread(
                    ctx.triton.liveness_check,
                    media,
                    event["media_kind"],
                    event["challenge_json"],
                    options,
                )
        outcome = outcome_of(answer, f"liveness/{event['organisation_id']}/{sid}")
        for key, data in outcome.images.items():
            await asyncio.to_thread(ctx.store.put_bytes, key, data, "image/jpeg")
    except Exception as exc:
        log.exception("liveness session %s could not be assessed", sid)
        await ctx.send(
            ctx.topics.liveness_dead_letter,
            sid.encode(),
            value,
            {"error": repr(exc)[:500].encode()},
        )
        outcome = Outcome(
            "FAILED",
            None,
            None,
            {"error": "ASSESSMENT_FAILED", "message": type(exc).__name__, "reasons": []},
            {},
            None,
            [],
        )
    finished = await repo.finish(
        sid,
        outcome.status,
        confidence=outcome.confidence,
        is_live=outcome.is_live,
        result=outcome.result,
        reference_image_key=outcome.reference_key,
        audit_image_keys=outcome.audit_keys,
    )
    if finished is None:
        return "already finished by another delivery"
    await ctx.send(ctx.topics.public_liveness, sid.encode(), completed_event(finished), {})
    return f"{outcome.status} (confidence {outcome.confidence})"
