"""Fraud: tampering, file forensics, repeat fraud and velocity, joined into a risk score.

Pure core (no I/O): :func:`documents_to_examine`, :func:`forensics_options`,
:func:`file_signals` (EXIF, PDF structure, PDF text layer against the OCR),
:func:`document_reuse`, :func:`face_reuse`, :func:`id_number_reuse`,
:func:`velocity_signals`, :func:`consistency_signals` (the extraction stage's
MRZ/barcode/visual-zone agreement, arithmetic and cross-document checks as
signals), :func:`layout_signal` (the page's OCR against its type's template
layouts) and :func:`assess`, which scores every signal under
the organisation's risk policy (``models.fraud.score``) and keeps, per
signal, the strongest page.

Adapter: :class:`FraudStage` sends each document image to Triton's
``document_forensics`` (pixel forensics and the page hash), reads and writes
the repeat-fraud memory in PostgreSQL (``core.db.fraud``), searches faces
through the worker's ANN index (``streams.fraud_index``), and stores the heat
maps of triggered signals in object storage for reviewers.

What a match means: a document or face seen before is fraud only when it
came back under *another identity* (another document number, another name,
or, when neither is known, another client reference). The same person
verifying again is not flagged; the match is listed as a repeat.
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import json
import logging
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from core.db.fraud import DocumentRecord, FaceRecord, FraudRepository
from core.media import IMAGE_TYPES, PDF
from core.settings import FraudSettings
from core.verification_view import location
from models.doctypes import DocumentType
from models.extract.cross import names_match, person_of
from models.fraud import consistency, layout
from models.fraud.forensics import (
    FileTooLarge,
    compare_text_layer,
    image_metadata,
    pdf_structure,
    pdf_text_layer,
)
from models.fraud.hashing import (
    REUSE_THRESHOLD,
    SAME_DOCUMENT_DISTANCE,
    DocumentHash,
    hash_distance,
)
from models.fraud.reuse import (
    TEXT_ALONE,
    TEXT_CONFIRMS,
    ink_vector,
    same_document,
    text_overlap,
    text_tokens,
)
from models.fraud.score import RiskPolicy, score, strongest
from models.fraud.search import FACE_REUSE_THRESHOLD, SAME_PERSON_DISTANCE
from models.fraud.signal import ReasonCode, Signal, signal_from_dict, squash
from models.fraud.tamper import EXPERIMENTAL
from streams.fraud_index import DocumentVectorMirror, FaceIndexMirror
from streams.runtime import StageContext, StageOutput

ID_NUMBER_FIELDS = ("id_number", "passport_number", "document_number", "card_number")
VELOCITY_THRESHOLD = 0.5
ID_REUSE_THRESHOLD = 0.5
# Faces of one person photographed twice sit well inside the same-person distance;
# a face clearly outside it, under the same document number, is another person.
OTHER_PERSON_DISTANCE = SAME_PERSON_DISTANCE


# -- pure core ------------------------------------------------------------------------------
log = logging.getLogger(__name__)


def documents_to_examine(event: dict[str, Any]) -> list[dict[str, Any]]:
    """Document pages that were decoded (selfies and reference photos are not documents)."""
    return [
        p
        for p in (event.get("intake") or {}).get("pages", [])
        if p["role"] == "document" and p.get("object_key") and not p.get("error")
    ]


def _quad_box(quad: list[list[float]]) -> list[int]:
    xs, ys = [pt[0] for pt in quad], [pt[1] for pt in quad]
    return [round(min(xs)), round(min(ys)), round(max(xs) - min(xs)), round(max(ys) - min(ys))]


def forensics_options(
    page: dict[str, Any],
    portrait: dict[str, Any] | None,
    reading: dict[str, Any] | None,
    experimental: bool = False,
) -> str:
    """The ``document_forensics`` options of one page: boxes in the normalised page's frame;
    ``experimental`` when the policy weighs an experimental signal (else it is not run)."""
    opts: dict[str, Any] = {"frameSize": [int(page["width"]), int(page["height"])]}
    if experimental:
        opts["experimental"] = True
    # A portrait found on a turned page is in the turned frame: not usable here.
    if portrait and portrait.get("found") and portrait.get("box") and not portrait.get("rotation"):
        opts["portraitBox"] = [int(v) for v in portrait["box"]]
    lines = (reading or {}).get("lines") or []
    boxes = [_quad_box(line["box"]) for line in lines if line.get("box")]
    boxes = [b for b in boxes if b[2] > 0 and b[3] > 0]
    if boxes:
        opts["textBoxes"] = boxes[:400]
    return json.dumps(opts, separators=(",", ":"))


def file_signals(
    data: bytes, media_type: str, submitted_at: dt.datetime, ocr_texts: dict[int, str]
) -> list[Signal]:
    """File-level forensics of one upload: EXIF for images; structure and the text layer
    against the OCR (``ocr_texts``: page -> OCR text) for PDFs. Blocking, CPU."""
    try:
        if media_type in IMAGE_TYPES:
            return image_metadata(data, submitted_at)
        if media_type == PDF:
            found = pdf_structure(data, submitted_at)
            layers = pdf_text_layer(data)
            for page, text in sorted(ocr_texts.items()):
                if page < len(layers) and layers[page].strip():
                    found.append(compare_text_layer(layers[page], text))
            return found
    except FileTooLarge:
        return []
    return []


def layout_signal(reading: dict[str, Any] | None, doc_type: str | None) -> Signal:
    """The template-layout signal of one page (:func:`models.fraud.layout.check`) from its
    OCR reading and classified type: not applicable without a reading, a type, or a
    profile of that type. In process: about a millisecond."""
    profiles = layout.load_profiles().get(doc_type or "", ())
    page = layout.page_from_reading(reading) if reading else None
    return layout.check(page, profiles)


# Extraction checks whose failure says the document disagrees with itself (or with the
# verification's other documents): the data was changed, or misread.
def consistency_signals(event: dict[str, Any]) -> list[Signal]:
    """The extraction stage's agreement checks as fraud signals
    (:func:`models.fraud.consistency.signals`)."""
    extraction = event.get("extraction") or {}
    checks = [
        c
        for x in extraction.get("pages", [])
        for c in json.loads(x["extraction_json"]).get("checks", [])
    ] + json.loads(extraction.get("cross_checks_json", "[]"))
    return consistency.signals(checks)


@dataclass(frozen=True)
class Identity:
    """Who this verification says the applicant is."""

    reference: str | None
    id_number: str | None
    full_name: str | None


def identity_of(event: dict[str, Any]) -> Identity:
    """The document number and name of the first identity page read, and the reference."""
    submission = json.loads(event["submission_json"])
    id_number = full_name = None
    for x in (event.get("extraction") or {}).get("pages", []):
        doc_type = DocumentType(x["document_type"])
        if "identity" not in doc_type.categories:
            continue
        fields = json.loads(x["extraction_json"])["fields"]
        number = next((fields[k]["normalized"] for k in ID_NUMBER_FIELDS if k in fields), None)
        name, _ = person_of(fields)
        if number or name:
            id_number = str(number) if number else None
            full_name = name
            break
    return Identity(submission.get("reference"), id_number, full_name)


def other_identity(mine: Identity, reference: Any, id_number: Any, full_name: Any) -> bool:
    """Does a stored record belong to someone else? Number, then name, then reference."""
    if mine.id_number and id_number:
        return bool(mine.id_number != id_number)
    if mine.full_name and full_name:
        return not names_match(mine.full_name, str(full_name))
    if mine.reference and reference:
        return bool(mine.reference != reference)
    return False


def differs_in_anything(mine: Identity, reference: Any, id_number: Any, full_name: Any) -> bool:
    """A stored document under another client reference, number or name.

    Stricter than :func:`other_identity`: the same card under another client
    account is the pattern of a stolen or shared document, and a small edit
    of the name leaves the page hash matching.
    """
    if mine.reference and reference and mine.reference != reference:
        return True
    if mine.id_number and id_number and mine.id_number != id_number:
        return True
    return bool(mine.full_name and full_name and not names_match(mine.full_name, str(full_name)))


def _visible(row: dict[str, Any], org: str) -> dict[str, Any]:
    """What a reviewer may see of a matched record: nothing of another organisation's."""
    if row["organisation_id"] != org:
        return {"organisation": "another organisation (opted in)"}
    return {"verificationId": row["verification_id"], "reference": row.get("reference")}


def document_reuse(
    pages: list[tuple[dict[str, Any], DocumentHash, list[int]]],
    candidates: dict[tuple[int, int], list[dict[str, Any]]],
    mine: Identity,
    org: str,
    max_full_comparisons: int,
) -> Signal:
    """``DOCUMENT_REUSED``: a page of this verification seen before under another client
    reference, document number or name (:func:`differs_in_anything`).

    ``pages``: (page, its hash, its value tokens ``models.fraud.reuse.text_tokens``).
    ``candidates``: per page, the shortlisted stored rows of the same document type
    (by ink vector and by shared value tokens), best first; the first
    ``max_full_comparisons`` are compared (``hash_distance`` stopped early for another
    person's page, and ``text_overlap``) and decided by ``reuse.same_document``.
    """
    reused: list[dict[str, Any]] = []
    repeats: list[dict[str, Any]] = []
    nearest = 1.0
    for page, h, tokens in pages:
        rows = candidates.get((page["file_position"], page["page"]), [])
        for row in rows[:max_full_comparisons]:
            other = DocumentHash.from_dict(
                {"layout": bytes(row["layout_hash"]).hex(), "ink": row["ink_hash"]}
            )
            d = hash_distance(h, other, SAME_DOCUMENT_DISTANCE)
            overlap = text_overlap(tokens, row.get("text_tokens") or [])
            if not same_document(d, overlap):
                continue
            entry = {"page": [page["file_position"], page["page"]], "distance": round(d, 4)}
            if overlap is not None:
                entry["valueOverlap"] = round(overlap, 3)
            entry |= _visible(row, org)
            if differs_in_anything(
                mine, row.get("reference"), row.get("id_number"), row.get("full_name")
            ):
                reused.append(entry)
                # Strength: the closer of the two views (values alone count as a match).
                nearest = min(nearest, d, 0.0 if (overlap or 0) >= TEXT_ALONE else 1.0)
            else:
                repeats.append(entry)
    if not reused:
        return Signal(
            "document_reuse",
            0.0,
            REUSE_THRESHOLD,
            ReasonCode.DOCUMENT_REUSED,
            details={"sameIdentityRepeats": repeats[:10]},
        )
    value = squash(-nearest, -SAME_DOCUMENT_DISTANCE, -SAME_DOCUMENT_DISTANCE / 3)
    return Signal(
        "document_reuse",
        max(value, REUSE_THRESHOLD),
        REUSE_THRESHOLD,
        ReasonCode.DOCUMENT_REUSED,
        details={"matches": reused[:10], "sameIdentityRepeats": repeats[:10]},
    )


def face_reuse(hits: list[tuple[dict[str, Any], float]], mine: Identity, org: str) -> Signal:
    """``FACE_REUSED_OTHER_IDENTITY``: this face stored before under another identity.

    ``hits``: stored face rows with their distance to this verification's face.
    """
    others = [
        (row, d)
        for row, d in hits
        if other_identity(mine, row.get("reference"), row.get("id_number"), row.get("full_name"))
    ]
    repeats = [
        _visible(row, org) | {"distance": round(d, 4)} for row, d in hits if (row, d) not in others
    ]
    if not others:
        return Signal(
            "face_reuse",
            0.0,
            FACE_REUSE_THRESHOLD,
            ReasonCode.FACE_REUSED_OTHER_IDENTITY,
            details={"sameIdentityRepeats": repeats[:10]},
        )
    nearest = min(d for _, d in others)
    value = squash(-nearest, -SAME_PERSON_DISTANCE, -SAME_PERSON_DISTANCE * 0.5)
    return Signal(
        "face_reuse",
        max(value, FACE_REUSE_THRESHOLD),
        FACE_REUSE_THRESHOLD,
        ReasonCode.FACE_REUSED_OTHER_IDENTITY,
        details={
            "matches": [_visible(r, org) | {"distance": round(d, 4)} for r, d in others[:10]],
            "sameIdentityRepeats": repeats[:10],
        },
    )


def id_number_reuse(
    earlier: list[dict[str, Any]], face: list[float] | None, mine: Identity, org: str
) -> Signal:
    """``ID_NUMBER_REUSED``: this document number stored before with another face or name."""
    conflicts: list[dict[str, Any]] = []
    for row in earlier:
        why = []
        if face is not None and row.get("embedding") is not None:
            d = float(
                np.linalg.norm(
                    np.asarray(face, np.float32) - np.asarray(row["embedding"], np.float32)
                )
            )
            if d > OTHER_PERSON_DISTANCE:
                why.append(f"another face (distance {d:.2f})")
        if (
            mine.full_name
            and row.get("full_name")
            and not names_match(mine.full_name, row["full_name"])
        ):
            why.append("another name")
        if why:
            conflicts.append(_visible(row, org) | {"why": why})
    return Signal(
        "id_number_reuse",
        0.9 if conflicts else 0.0,
        ID_REUSE_THRESHOLD,
        ReasonCode.ID_NUMBER_REUSED,
        applicable=mine.id_number is not None,
        details={"conflicts": conflicts[:10]} if conflicts else {},
    )


def velocity_signals(counts: dict[str, int], settings: FraudSettings) -> list[Signal]:
    """``VELOCITY_EXCEEDED`` per key the client gave: count in the window against its limit.

    Score 0.5 exactly at one over the limit, rising with the excess.
    """
    limits = {
        "reference": settings.velocity_max_per_reference,
        "document": settings.velocity_max_per_document,
        "device": settings.velocity_max_per_device,
        "ip": settings.velocity_max_per_ip,
    }
    out = []
    for key, limit in limits.items():
        if key not in counts:
            out.append(
                Signal(
                    f"velocity_{key}",
                    0.0,
                    VELOCITY_THRESHOLD,
                    ReasonCode.VELOCITY_EXCEEDED,
                    applicable=False,
                    details={"notApplicable": "no such key in the request"},
                )
            )
            continue
        n = counts[key]
        value = 0.0 if n <= limit else squash(float(n), limit + 1.0, limit * 2.0 + 1.0)
        value = max(value, VELOCITY_THRESHOLD) if n > limit else min(value, 0.49)
        out.append(
            Signal(
                f"velocity_{key}",
                value,
                VELOCITY_THRESHOLD,
                ReasonCode.VELOCITY_EXCEEDED,
                details={"count": n, "limit": limit, "windowS": settings.velocity_window_s},
            )
        )
    return out


def assess(
    documents: list[dict[str, Any]],
    file_level: dict[int, list[Signal]],
    repeat: list[Signal],
    velocity: list[Signal],
    policy: RiskPolicy,
    consistency: list[Signal] | None = None,
    *,
    verification_id: str | None = None,
) -> dict[str, Any]:
    """The fraud result of a verification.

    ``documents``: per page ``{"position", "page", "signals": [Signal], "heatmaps":
    {name: key}, "error"?}``; ``file_level``: per file position. Every signal is
    listed where it was measured; the risk score counts each signal name once,
    at its strongest. With ``verification_id``, a signal with a heat map also
    gets the API path that serves it (``heatmapUrl``).
    """
    everything: list[Signal] = []
    out_docs = []
    for doc in documents:
        sigs = list(doc["signals"]) + list(file_level.get(doc["position"], []))
        everything += sigs
        entry: dict[str, Any] = {"position": doc["position"], "page": doc["page"]}
        if doc.get("error"):
            entry["error"] = doc["error"]
        entry["signals"] = []
        for s in sigs:
            key = doc.get("heatmaps", {}).get(s.name)
            shown = s.to_dict() | {"heatmapKey": key}
            if key and verification_id:
                shown["heatmapUrl"] = (
                    f"{location(verification_id)}/fraud/heatmaps/"
                    f"{doc['position']}/{doc['page']}/{s.name}"
                )
            entry["signals"].append(shown)
        out_docs.append(entry)
    consistency = consistency or []
    everything += repeat + velocity + consistency
    risk = score(strongest(everything), policy)
    return {
        "documents": out_docs,
        "repeatFraud": [s.to_dict() for s in repeat],
        "velocity": [s.to_dict() for s in velocity],
        "consistency": [s.to_dict() for s in consistency],
        "risk": risk.to_dict(),
    }


def policy_of(stored: dict[str, Any] | None, org: str, version: int | None) -> RiskPolicy:
    """The organisation's policy in force, or the default; versions name their owner."""
    if stored is None or version is None:
        return RiskPolicy()
    return RiskPolicy.from_dict(stored | {"version": f"{org}/v{version}"})


# -- adapter --------------------------------------------------------------------------------
class FraudStage:
    """Adapter: Triton, PostgreSQL, object storage (see the module docstring)."""

    name = "fraud"
    input_schema = "stage_event"

    def __init__(self) -> None:
        self._repo: FraudRepository | None = None
        self._faces: FaceIndexMirror | None = None
        self._pages: DocumentVectorMirror | None = None

    def _memory(
        self, ctx: StageContext
    ) -> tuple[FraudRepository, FaceIndexMirror, DocumentVectorMirror]:
        if self._repo is None or self._faces is None or self._pages is None:
            self._repo = FraudRepository(ctx.repo.pool)
            self._faces = FaceIndexMirror(self._repo, ctx.settings.fraud.index_sync_s)
            self._pages = DocumentVectorMirror(self._repo, ctx.settings.fraud.index_sync_s)
        return self._repo, self._faces, self._pages

    async def warm(self, ctx: StageContext) -> None:
        """Build the face index and the page-vector mirror from PostgreSQL (at worker start:
        a large history takes seconds). Raises what the repository raises."""
        _, faces, stored_pages = self._memory(ctx)
        started = time.monotonic()
        added = await faces.sync(force=True) + await stored_pages.sync(force=True)
        log.info("fraud memory: %d rows in %.1f s", added, time.monotonic() - started)

    async def process(self, ctx: StageContext, event: dict[str, Any]) -> StageOutput:
        repo, faces, stored_pages = self._memory(ctx)
        submission = json.loads(event["submission_json"])
        org = submission["organisation_id"]
        vid = event["verification_id"]
        submitted_at = dt.datetime.fromtimestamp(submission["occurred_at"] / 1000, dt.UTC)
        files = {f["position"]: f for f in submission["files"]}
        pages = documents_to_examine(event)
        readings = {
            (r["file_position"], r["page"]): json.loads(r["reading_json"])
            for r in (event.get("ocr") or {}).get("pages", [])
        }
        face = json.loads((event.get("face") or {}).get("result_json", "null")) or {}
        portraits = {(p["position"], p["page"]): p for p in face.get("portraits", [])}

        marks = [("start", time.monotonic())]
        # 1. Bytes: each original once; the page image for PDFs.
        positions = sorted({p["file_position"] for p in pages})
        originals: dict[int, bytes] = dict(
            zip(
                positions,
                await asyncio.gather(
                    *(
                        asyncio.to_thread(ctx.store.get_bytes, files[i]["object_key"])
                        for i in positions
                    )
                ),
                strict=True,
            )
        )

        async def image_of(page: dict[str, Any]) -> bytes:
            if files[page["file_position"]]["media_type"] in IMAGE_TYPES:
                return originals[page["file_position"]]
            return await asyncio.to_thread(ctx.store.get_bytes, page["object_key"])

        images = await asyncio.gather(*(image_of(p) for p in pages))

        marks.append(("fetch", time.monotonic()))
        # 2. Pixel forensics and page hashes in Triton; file forensics here. The
        # experimental signals cost ~40% of the model's time: run only if weighed.
        # What needs no page hash (faces, document numbers, velocity) runs meanwhile.
        stored = await repo.current_policy(org)
        policy = policy_of(
            stored.policy if stored else None, org, stored.version if stored else None
        )
        experimental = any(policy.weights.get(name, 0.0) > 0 for name in EXPERIMENTAL)
        orgs = {org}
        if stored is not None and stored.share_signals:
            orgs |= await repo.sharing_organisations()
        mine = identity_of(event)
        started = time.monotonic()
        answers_task = asyncio.gather(
            *(
                asyncio.to_thread(
                    ctx.triton.document_forensics,
                    img,
                    forensics_options(
                        p,
                        portraits.get((p["file_position"], p["page"])),
                        readings.get((p["file_position"], p["page"])),
                        experimental,
                    ),
                )
                for p, img in zip(pages, images, strict=True)
            )
        )
        people_task = asyncio.ensure_future(
            self._people(ctx, repo, faces, event, submission, mine, orgs, org, vid)
        )
        # The reuse lookups that need no page hash run during the forensics call too:
        # the page-vector mirror's catch-up, and stored pages sharing this page's values.
        doc_types = {
            (c["file_position"], c["page"]): c["document_type"]
            for c in (event.get("classification") or {}).get("pages", [])
        }
        tokens = {
            key: text_tokens(line["text"] for line in reading.get("lines", []))
            for key, reading in readings.items()
        }
        page_keys = [(p["file_position"], p["page"]) for p in pages]
        catch_up = asyncio.ensure_future(stored_pages.sync())
        sharing_task = asyncio.gather(
            *(
                repo.documents_sharing_values(
                    sorted(orgs), doc_types.get(key), tokens.get(key, []), vid
                )
                for key in page_keys
            )
        )
        try:
            answers = await answers_task
            sharing = await sharing_task
            await catch_up
        except BaseException:
            for task in (people_task, sharing_task, catch_up):
                task.cancel()
            raise
        sharing_values = dict(zip(page_keys, sharing, strict=True))
        model_ms = 1000 * (time.monotonic() - started) if pages else None
        file_level: dict[int, list[Signal]] = {}
        for pos in positions:
            texts = {
                p["page"]: "\n".join(
                    line["text"] for line in readings.get((pos, p["page"]), {}).get("lines", [])
                )
                for p in pages
                if p["file_position"] == pos
            }
            file_level[pos] = await asyncio.to_thread(
                file_signals,
                originals[pos],
                files[pos]["media_type"],
                submitted_at.replace(tzinfo=None),
                texts,
            )

        marks.append(("forensics", time.monotonic()))
        # 3. Heat maps of triggered signals, for reviewers.
        documents: list[dict[str, Any]] = []
        hashes: list[tuple[dict[str, Any], DocumentHash]] = []
        raw_hashes: dict[tuple[int, int], dict[str, str]] = {}  # as served: no re-compression
        uploads = []
        for p, answer in zip(pages, answers, strict=True):
            doc: dict[str, Any] = {
                "position": p["file_position"],
                "page": p["page"],
                "signals": [],
                "heatmaps": {},
            }
            if "error" in answer:
                doc["error"] = answer["error"]
                documents.append(doc)
                continue
            for s in answer["signals"]:
                doc["signals"].append(signal_from_dict(s))
                if s.get("heatmapPng"):
                    key = p["object_key"].rsplit(".", 1)[0] + f"-fraud-{s['name']}.png"
                    uploads.append(
                        asyncio.to_thread(
                            ctx.store.put_bytes,
                            key,
                            base64.b64decode(s["heatmapPng"]),
                            "image/png",
                        )
                    )
                    doc["heatmaps"][s["name"]] = key
            key = (p["file_position"], p["page"])
            doc["signals"].append(layout_signal(readings.get(key), doc_types.get(key)))
            if answer.get("documentHash"):
                hashes.append((p, DocumentHash.from_dict(answer["documentHash"])))
                raw_hashes[(p["file_position"], p["page"])] = answer["documentHash"]
            documents.append(doc)
        await asyncio.gather(*uploads)

        marks.append(("heatmaps", time.monotonic()))
        # 4. Document reuse, within the organisation (and opted-in others, if this one is).
        candidates = {}
        settings = ctx.settings.fraud
        for p, h in hashes:
            key = (p["file_position"], p["page"])
            mine_tokens = tokens.get(key, [])
            by_ink = await stored_pages.shortlist(
                ink_vector(h),
                doc_types.get(key),
                orgs,
                vid,
                settings.reuse_candidates,
                mine_tokens,
            )
            # By values too: a re-capture whose page outline was not found ranks low by ink.
            by_text = sharing_values[key]
            agreeing = [
                (overlap, i)
                for i, theirs in by_text
                if (overlap := text_overlap(mine_tokens, theirs)) is not None
                and overlap >= TEXT_CONFIRMS
                and i not in by_ink
            ]
            by_values = [i for _, i in sorted(agreeing, reverse=True)]
            ids = by_ink + by_values[: settings.reuse_candidates]
            rows = {r["id"]: r for r in await repo.documents_by_id(ids)}
            candidates[key] = [rows[i] for i in ids if i in rows]
        marks.append(("shortlist", time.monotonic()))
        # 5. Remember this verification for the ones to come (idempotent per page). The
        # candidates are read, so the writes overlap the comparisons and the decision.
        embeddings = json.loads((event.get("face") or {}).get("embeddings_json", "[]"))
        remember_pages = repo.add_documents(
            [
                DocumentRecord(
                    vid,
                    org,
                    mine.reference,
                    p["file_position"],
                    p["page"],
                    doc_types.get((p["file_position"], p["page"])),
                    mine.id_number,
                    mine.full_name,
                    bytes(h.layout.tobytes()),
                    raw_hashes[(p["file_position"], p["page"])]["ink"],
                    [float(v) for v in ink_vector(h)],
                    tokens.get((p["file_position"], p["page"]), []),
                )
                for p, h in hashes
            ]
        )
        remember_faces = repo.add_faces(
            [
                FaceRecord(
                    vid,
                    org,
                    mine.reference,
                    e["position"],
                    e["page"],
                    e["role"],
                    mine.id_number,
                    mine.full_name,
                    [float(v) for v in e["embedding"]],
                )
                for e in embeddings
            ]
        )
        remembering = asyncio.gather(remember_pages, remember_faces)
        try:
            doc_reuse = await asyncio.to_thread(
                document_reuse,
                [(p, h, tokens.get((p["file_position"], p["page"]), [])) for p, h in hashes],
                candidates,
                mine,
                org,
                2 * settings.reuse_candidates,
            )
            marks.append(("compare", time.monotonic()))
            people, velocity = await people_task
            marks.append(("people", time.monotonic()))
        except BaseException:
            # The event is processed again (the writes are idempotent): nothing left behind.
            people_task.cancel()
            remembering.cancel()
            raise
        repeat = [doc_reuse, *people]

        result = assess(
            documents,
            file_level,
            repeat,
            velocity,
            policy,
            consistency_signals(event),
            verification_id=vid,
        )

        await remembering
        marks.append(("remember", time.monotonic()))
        # Where a slow stage spent its time (the pipeline's metrics have the total only).
        log.info(
            "fraud %s: %s",
            vid,
            ", ".join(
                f"{name} {1000 * (t - marks[i][1]):.0f} ms" for i, (name, t) in enumerate(marks[1:])
            ),
        )
        risk = result["risk"]
        return StageOutput(
            result={
                "score": risk["score"],
                "decision": risk["decision"],
                "reasonCodes": risk["reasonCodes"],
                "policyVersion": risk["policyVersion"],
            },
            event_fields={"fraud": {"result_json": json.dumps(result, separators=(",", ":"))}},
            model_ms=model_ms,
        )

    async def _people(
        self,
        ctx: StageContext,
        repo: FraudRepository,
        faces: FaceIndexMirror,
        event: dict[str, Any],
        submission: dict[str, Any],
        mine: Identity,
        orgs: set[str],
        org: str,
        vid: str,
    ) -> tuple[list[Signal], list[Signal]]:
        """Face reuse, document-number reuse and velocity: everything of the stage that
        needs no page hash (runs while the forensics model works). Raises what the
        repository raises."""
        embeddings = json.loads((event.get("face") or {}).get("embeddings_json", "[]"))
        probe = next((e for e in embeddings if e["role"] == "selfie"), None) or next(
            iter(embeddings), None
        )
        face_hits: list[tuple[dict[str, Any], float]] = []
        if probe is not None:
            found = await faces.search(probe["embedding"], orgs)
            rows = {r["id"]: r for r in await repo.faces_by_id([k for k, _ in found])}
            face_hits = [
                (rows[k], d) for k, d in found if k in rows and rows[k]["verification_id"] != vid
            ]
        earlier = (
            await repo.faces_with_number(sorted(orgs), mine.id_number, vid)
            if mine.id_number
            else []
        )
        people = [
            face_reuse(face_hits, mine, org),
            id_number_reuse(earlier, probe["embedding"] if probe else None, mine, org),
        ]
        metadata = json.loads(submission.get("metadata_json") or "{}")
        counts = await repo.velocity(
            org,
            dt.timedelta(seconds=ctx.settings.fraud.velocity_window_s),
            reference=submission.get("reference"),
            id_numbers=[mine.id_number] if mine.id_number else [],
            device_id=_text(metadata.get("deviceId")),
            ip_address=_text(metadata.get("ipAddress")),
            verification_id=vid,
        )
        return people, velocity_signals(counts, ctx.settings.fraud)


def _text(value: Any) -> str | None:
    return str(value)[:200] if isinstance(value, str | int) and str(value) else None
