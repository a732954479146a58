"""Face: the selfie against the document portrait or a reference photo (Triton ``face_analysis``).

Pure core: :func:`pages_to_analyse` (which pages hold a face worth reading:
the selfie, a reference photo, and document pages of a type that carries a
portrait) and :func:`compare_pages` (from the served analyses to the
comparisons, with reason codes). The document portrait is the largest face
the detector finds on the classified page; its box is reported, so a
reviewer sees which region was compared.

Adapter: :class:`FaceStage` fetches the pages from object storage and sends
each to Triton (one request per image, so that the response cache serves an
image seen before).
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import numpy as np

from core.db.liveness import LivenessRepository
from models.doctypes import DocumentType as D
from models.face.compare import (
    MATCH_THRESHOLD,
    NO_FACE,
    UNDECODABLE_IMAGE,
    FaceSide,
    compare_sides,
    side_reasons,
)
from models.face.detect import Face
from streams.runtime import StageContext, StageOutput

# Document types that print the holder's portrait.
PORTRAIT_TYPES = frozenset(
    {
        D.NATIONAL_ID_FRONT,
        D.PASSPORT,
        D.FOREIGN_PASSPORT,
        D.FOREIGN_ID_CARD,
        D.DRIVERS_LICENCE,
        D.RESIDENCE_PERMIT,
        D.VISA,
    }
)
# A document page may show a ghost image beside the portrait: a few faces.
ANALYSIS_OPTIONS = json.dumps({"maxFaces": 3, "embed": True})
FACE_ROLES = ("selfie", "reference")
# The faces compared with the portraits: the selfie, and the live face of a linked
# liveness session (its reference image; not a file of the verification).
PROBE_ROLES = ("selfie", "liveness")
LIVENESS_POSITION = -1
COMPARISON_KEYS = ("similarity", "match", "distance", "threshold", "reasons")


def pages_to_analyse(event: dict[str, Any]) -> list[dict[str, Any]]:
    """Selfie and reference pages, and document pages classified as a portrait-bearing type."""
    intake = event.get("intake") or {"pages": []}
    portrait_pages = {
        (c["file_position"], c["page"])
        for c in (event.get("classification") or {}).get("pages", [])
        if D(c["document_type"]) in PORTRAIT_TYPES
    }
    return [
        p
        for p in intake["pages"]
        if p.get("object_key")
        and (p["role"] in FACE_ROLES or (p["file_position"], p["page"]) in portrait_pages)
    ]


def side_of(analysis: dict[str, Any], suffix: str) -> FaceSide:
    """One side of a comparison from a served analysis (``models.face.serve``): the
    largest face, the same reason codes as :func:`models.face.compare.prepare_side`."""
    if "error" in analysis:
        return FaceSide(None, None, 0, None, [f"{UNDECODABLE_IMAGE}_{suffix}"])
    faces = analysis.get("faces", [])
    if not faces:
        return FaceSide(None, None, 0, None, [f"{NO_FACE}_{suffix}"])
    best = faces[0]
    face = Face(
        box=(int(best["box"][0]), int(best["box"][1]), int(best["box"][2]), int(best["box"][3])),
        score=float(best["score"]),
        landmarks=np.array(best["landmarks"], dtype=np.float32),
    )
    rotation = int(analysis.get("rotation", 0))
    iod = float(best["interocularDistance"])
    # facesFound counts weak detections (a badge, a pattern); otherFaces only
    # those strong enough to be another person, as compare_faces judges it.
    reasons, comparable = side_reasons(rotation, int(analysis.get("otherFaces", 0)), iod, suffix)
    embedding = None
    if comparable and "embedding" in best:
        embedding = np.array(best["embedding"], dtype=np.float32)
    return FaceSide(face, embedding, rotation, iod, reasons)


def _where(page: dict[str, Any]) -> dict[str, Any]:
    return {"position": page["file_position"], "page": page["page"], "role": page["role"]}


def face_embeddings(
    pages: list[dict[str, Any]], analyses: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The embedding of each page's comparable face, for the fraud stage's repeat-fraud
    search (internal: never part of the public result). Pure."""
    out = []
    for page, analysis in zip(pages, analyses, strict=True):
        side = side_of(analysis, "B" if page["role"] in PROBE_ROLES else "A")
        if side.embedding is not None:
            out.append({**_where(page), "embedding": [round(float(v), 6) for v in side.embedding]})
    return out


def compare_pages(pages: list[dict[str, Any]], analyses: list[dict[str, Any]]) -> dict[str, Any]:
    """The face result of a verification: portraits found and comparisons made.

    Each selfie, and the live face of a linked liveness session (role
    ``liveness``), is compared with every portrait (document pages and
    reference photos); side A is the portrait, side B the selfie or live face,
    so reason codes read ``NO_FACE_A`` (portrait) and ``NO_FACE_B``.
    ``faceMatch`` is the best selfie comparison (highest similarity; the first
    one if none could be scored), or the best live-face one when there is no
    selfie; ``livenessMatch`` is the best live-face comparison. Pure.
    """
    portraits: list[dict[str, Any]] = []
    portrait_sides: list[tuple[dict[str, Any], FaceSide]] = []
    selfie_sides: list[tuple[dict[str, Any], FaceSide]] = []
    for page, analysis in zip(pages, analyses, strict=True):
        if page["role"] in PROBE_ROLES:
            selfie_sides.append((page, side_of(analysis, "B")))
            continue
        side = side_of(analysis, "A")
        portrait_sides.append((page, side))
        portraits.append(
            {
                **_where(page),
                "found": side.face is not None,
                "box": list(side.face.box) if side.face else None,
                "rotation": side.rotation,
                "frameSize": analysis.get("frameSize"),
                "reasons": side.reasons,
            }
        )
    comparisons = []
    for selfie_page, selfie in selfie_sides:
        for portrait_page, portrait in portrait_sides:
            c = compare_sides(portrait, selfie).to_dict()
            comparisons.append(
                {
                    "portrait": _where(portrait_page),
                    "selfie": _where(selfie_page),
                    **{k: c[k] for k in COMPARISON_KEYS},
                }
            )
    out: dict[str, Any] = {"portraits": portraits, "comparisons": comparisons}
    for role, key in (("selfie", "faceMatch"), ("liveness", "livenessMatch")):
        mine = [c for c in comparisons if c["selfie"]["role"] == role]
        if mine:
            scored = [c for c in mine if c["similarity"] is not None]
            out[key] = max(scored, key=lambda c: c["similarity"]) if scored else mine[0]
        elif any(p["role"] == role for p, _ in selfie_sides) and not portrait_sides:
            out[key] = {
                "similarity": None,
                "match": None,
                "threshold": MATCH_THRESHOLD,
                "reasons": ["NO_PORTRAIT_DOCUMENT"],
            }
    if "faceMatch" not in out and "livenessMatch" in out:
        out["faceMatch"] = out["livenessMatch"]
    return out


def liveness_summary(session: dict[str, Any] | None, session_id: str) -> dict[str, Any]:
    """What the decision needs of a linked liveness session (a row of ``liveness_sessions``)."""
    if session is None:
        return {"sessionId": session_id, "status": "NOT_FOUND", "isLive": False, "reasons": []}
    result = session.get("result") or {}
    return {
        "sessionId": session_id,
        "status": session["status"],
        "isLive": bool(session.get("is_live")),
        "confidence": session.get("confidence"),
        "reasons": list(result.get("reasons", [])),
    }


class FaceStage:
    """Adapter: fetch the pages with faces, one Triton call per image."""

    name = "face"
    input_schema = "stage_event"

    async def process(self, ctx: StageContext, event: dict[str, Any]) -> StageOutput:
        pages = pages_to_analyse(event)
        session_id = json.loads(event["submission_json"]).get("liveness_session_id")
        liveness = None
        if session_id:
            session = await LivenessRepository(ctx.repo.pool).get(session_id)
            liveness = liveness_summary(session, session_id)
            if session is not None and session.get("reference_image_key"):
                pages.append(
                    {
                        "file_position": LIVENESS_POSITION,
                        "page": 0,
                        "role": "liveness",
                        "object_key": session["reference_image_key"],
                    }
                )
        analyses: list[dict[str, Any]] = []
        model_ms: float | None = None
        if pages:
            images = await asyncio.gather(
                *(asyncio.to_thread(ctx.store.get_bytes, p["object_key"]) for p in pages)
            )
            started = time.monotonic()
            answers = await asyncio.gather(
                *(
                    asyncio.to_thread(ctx.triton.face_analysis, [img], ANALYSIS_OPTIONS)
                    for img in images
                )
            )
            analyses = [a[0] for a in answers]
            model_ms = 1000 * (time.monotonic() - started)
        result = compare_pages(pages, analyses)
        if liveness is not None:
            result["liveness"] = liveness
        match = result.get("faceMatch") or {}
        return StageOutput(
            result={
                "pages": len(pages),
                "comparisons": len(result["comparisons"]),
                "similarity": match.get("similarity"),
            },
            event_fields={
                "face": {
                    "result_json": json.dumps(result, separators=(",", ":")),
                    "embeddings_json": json.dumps(
                        face_embeddings(pages, analyses), separators=(",", ":")
                    ),
                }
            },
            model_ms=model_ms,
        )
