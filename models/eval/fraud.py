"""Evaluate the fraud signals on the generated tampering set, document reuse and face reuse.

Every figure of the report comes from one command (about 25 minutes on 2 shared cores)::

    python -m models.eval.fraud --out out/eval-fraud

which prints the report (Markdown) and writes ``report.md`` and ``results.json`` (every
score of every upload) to ``--out``. Options: ``--per-kind N`` (default 60, since
session 11: with 20 the AUCs' 95% intervals were ±0.05 to ±0.1) uploads of every attack,
``--genuine N`` (default 4 x per-kind) camera uploads, ``--recompressed N`` (default
half of ``--genuine``) re-encoded ones,
``--reuse-per-type``, ``--distractors``, ``--latency-docs N`` (default 20, 0: skip).
Everything is deterministic in the seeds.

Seeds: the set is ``tools.tampergen.iter_set`` from :data:`EVAL_SEED0` (5,000,000+), which
was never used to develop or tune a signal; thresholds and constants in
``models.fraud.tamper`` were set on the dev range 4,000,000+ (and the recapture evidence
on 4,000,000-4,007,999 only). Each upload goes through
:func:`models.fraud.tamper.analyse_image` (with the portrait box when the geometry is
unchanged: the face detector's box of the largest face on the upload, as the face stage
passes it to the fraud stage; see :func:`portrait_box`) and
:func:`models.fraud.forensics.image_metadata`, then the default
:func:`models.fraud.score.score`.

Reported:

- per attack: ROC AUC against the genuine uploads of the relevant signals (their
  maximum, :data:`RELEVANT`), of those with the extraction's agreement checks on the
  served OCR (:data:`CHECKS`, :func:`check_signals`: what the pipeline adds for a
  field edit; needs ``make up``, else not measured) and of the combined risk score,
  and the detection rate at the score that flags 1% of genuine uploads, with 95%
  bootstrap intervals of the AUCs of the learned detector and the risk score
  (:func:`auc_interval`: with 20 attacks a kind they are wide); the share the
  risk score does not approve, and the share the pipeline does not approve (the decision
  stage's rule: a risk outside the approve band, or any failed extraction check such as
  an MRZ check digit or an Omang number that cannot be, each of which goes to review;
  the checks of a document's age, :data:`AGE_REASONS`, are left out and their share on
  genuine uploads reported apart);
- genuine uploads: false-positive rate of every reason code, overall, on phone photos
  (condition ``phone``) and on every photo-like condition
  (``tools.tampergen.PHOTO_CONDITIONS``); per capture condition the share with any
  reason code and the share the policy does not approve;
- document reuse: the same document re-captured (scan against phone, jpeg, shadow, low
  light) vs other people's documents of the same type and template, precision and recall
  of ``hashing.same_document`` (ink map alone) and of the pipeline's rule
  ``reuse.same_document`` (ink map and the OCR value tokens; the OCR is the served
  ``document_ocr``, so this part needs ``make up``);
- face reuse: real photos (``tools.facedata.real_faces``: 4 identities, 6 photos) stored
  with generated distractor vectors in ``search.FaceIndex``; queries are re-captures of
  each photo (re-encoded, rescaled, darker, blurred) and the other photos of the same
  person;
- latency: ``load_image`` + ``analyse_image`` + ``image_metadata`` + ``document_hash``
  on ``--latency-docs`` genuine phone photos (seeds :data:`LATENCY_SEED0`), OpenCV on one
  thread, p50/p95 of wall and CPU time, with and without the experimental signals; the
  machine's load average is printed with it (wall time on a shared machine is noisy).

Caveats: generated documents, generated attacks. Genuine documents here are rendered,
not printed, so a genuine laser-printed bill photographed closely (whose own halftone
the print-recapture evidence can see) is not represented.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from core.inference import InferenceUnavailable, TritonGateway
from core.settings import get_settings
from models.doctypes import DocumentType
from models.eval.documents import read_page
from models.extract.document import extract_document
from models.face.detect import FaceModels
from models.face.locate import as_bgr, find_faces
from models.fraud import consistency, edits, forensics, hashing, layout, reuse, tamper
from models.fraud.score import RiskPolicy, RiskResult, score
from models.fraud.search import SAME_PERSON_DISTANCE, FaceIndex
from models.fraud.signal import Signal
from tools.docgen import Sample, generate
from tools.tampergen import KINDS, PHOTO_CONDITIONS, SUBMITTED_AT, UNTOUCHED, genuine, iter_set

EVAL_SEED0 = 5_000_000
LATENCY_SEED0 = EVAL_SEED0 + 9000
GEOMETRY_KEPT = frozenset(KINDS) - {"screen_recapture", "print_recapture"}
# The learned detector (models.fraud.edits), also reported alone: the maximum of
# differently calibrated signals lets the hand-built ones' false alarms mask it.
LEARNED = "local_edits"
RELEVANT: dict[str, tuple[str, ...]] = {
    "retype": (
        "double_compression",
        "error_level",
        "noise_inconsistency",
        "font_inconsistency",
        LEARNED,
    ),
    "copy_move": ("copy_move", LEARNED),
    "portrait_swap": ("portrait_substitution", LEARNED),
    "splice": ("splice", "noise_inconsistency", "double_compression", "error_level", LEARNED),
    "screen_recapture": ("screen_recapture",),
    "print_recapture": ("print_recapture",),
    "metadata": ("exif_software", "exif_dates"),
    "retouch": (
        "double_compression",
        "error_level",
        "noise_inconsistency",
        "font_inconsistency",
        LEARNED,
    ),
    "resampled_paste": (
        "splice",
        "noise_inconsistency",
        "double_compression",
        "error_level",
        LEARNED,
    ),
}
# The extraction's agreement checks (models.fraud.consistency), with the served OCR.
CHECKS: tuple[str, ...] = ("mrz_viz_mismatch", "barcode_viz_mismatch", "arithmetic_mismatch")
FPR_TARGET = 0.01
BOOTSTRAP_DRAWS = 2000
BOOTSTRAP_SEED = 20261127
REUSE_TYPES = (
    DocumentType.NATIONAL_ID_FRONT,
    DocumentType.PASSPORT,
    DocumentType.DRIVERS_LICENCE,
    DocumentType.PAYSLIP,
    DocumentType.ELECTRICITY_BILL,
    DocumentType.BANK_STATEMENT,
    DocumentType.TAX_CERTIFICATE,
    DocumentType.LEASE_AGREEMENT,
)
RECAPTURES = ("phone", "jpeg", "shadow", "low_light")


def auc(pos: list[float], neg: list[float]) -> float:
    """ROC AUC (ties count half)."""
    if not pos or not neg:
        return float("nan")
    p, n = np.asarray(pos)[:, None], np.asarray(neg)[None, :]
    return float(((p > n).sum() + 0.5 * (p == n).sum()) / (p.size * n.size))


def auc_interval(
    pos: list[float], neg: list[float], level: float = 0.95, draws: int = BOOTSTRAP_DRAWS
) -> tuple[float, float] | None:
    """A ``level`` percentile-bootstrap interval of :func:`auc`: attacks and negatives
    resampled apart (each set keeps its size), fixed seed, so a report is reproducible.
    None without both sets. With 20 attacks an interval is typically ±0.03 to ±0.08:
    the figure to read before comparing two runs."""
    if not pos or not neg:
        return None
    rng = np.random.default_rng(BOOTSTRAP_SEED)
    p, n = np.asarray(pos, np.float64), np.asarray(neg, np.float64)
    values = np.unique(np.concatenate([p, n]))
    pi, ni = np.searchsorted(values, p), np.searchsorted(values, n)
    out = [
        auc_of_counts(
            np.bincount(rng.choice(pi, pi.size), minlength=values.size),
            np.bincount(rng.choice(ni, ni.size), minlength=values.size),
        )
        for _ in range(draws)
    ]
    lo, hi = np.quantile(out, [(1 - level) / 2, (1 + level) / 2])
    return float(lo), float(hi)


def auc_of_counts(pc: np.ndarray[Any, Any], nc: np.ndarray[Any, Any]) -> float:
    """:func:`auc` from counts of attacks ``pc`` and negatives ``nc`` per distinct score
    (ascending): each attack beats the negatives below its value, ties count half. Linear
    in the number of values, where :func:`auc` is quadratic: the bootstrap's inner loop."""
    below = np.concatenate([[0], np.cumsum(nc)[:-1]])
    return float((pc * (below + 0.5 * nc)).sum()) / float(pc.sum() * nc.sum())


def detection_at_fpr(pos: list[float], neg: list[float], fpr: float = FPR_TARGET) -> float:
    """Share of ``pos`` strictly above the score that flags ``fpr`` of ``neg``."""
    if not pos or not neg:
        return float("nan")
    cut = float(np.quantile(np.asarray(neg), 1 - fpr, method="higher"))
    return float(np.mean(np.asarray(pos) > cut))


@functools.cache
def _edit_model() -> edits.EditModel:
    return edits.load_installed()


def analyse(
    data: bytes, portrait_box: tuple[int, int, int, int] | None, photo: bool
) -> tuple[list[Signal], dict[str, float]]:
    """All signals of one upload and the seconds each took."""
    times: dict[str, float] = {}
    t = time.perf_counter()
    img = tamper.load_image(data)
    times["decode"] = time.perf_counter() - t
    signals: list[Signal] = []
    steps: list[tuple[str, Any]] = [
        ("error_level", lambda: [tamper.error_level(img)]),
        ("double_compression", lambda: [tamper.double_compression(img)]),
        ("noise_inconsistency", lambda: [tamper.noise_inconsistency(img, portrait_box)]),
        ("copy_move", lambda: [tamper.copy_move(img)]),
        ("splice", lambda: [tamper.splice(img)]),
        (
            LEARNED,
            lambda: [tamper.local_edits_of(img, _edit_model())],
        ),
        ("font_inconsistency", lambda: [tamper.font_inconsistency(img)]),
        ("portrait_substitution", lambda: [tamper.portrait_substitution(img, portrait_box)]),
        ("recapture", lambda: list(tamper.recapture(img))),
        ("metadata", lambda: forensics.image_metadata(data, SUBMITTED_AT, photo)),
    ]
    for name, fn in steps:
        t = time.perf_counter()
        signals.extend(fn())
        times[name] = time.perf_counter() - t
    return signals, times


def portrait_box(faces: FaceModels, data: bytes) -> tuple[int, int, int, int] | None:
    """The box production passes as ``portraitBox``: the face detector's box of the largest
    face (as :mod:`models.face.serve` and the face stage pick it); none when no face is
    found or only on a turned page, as in the pipeline (the portrait signal is then not
    applicable and scores 0)."""
    image = as_bgr(data)
    search = find_faces(faces, image) if image is not None else None
    if search is None or not search.faces or search.rotation:
        return None
    x, y, w, h = search.unpadded(search.faces[0]).box
    return (int(x), int(y), int(w), int(h))


#: Failed checks about a document's age, not its integrity: the generator dates its
#: documents without regard to the evaluation's submission date, so a genuine bill is
#: often "older than 3 months" here. The decision stage does act on them (review, and
#: decline for an expired document); the pipeline column leaves them out so that it
#: measures tampering, and the genuine uploads report their share apart.
AGE_REASONS = frozenset({"DOCUMENT_EXPIRED", "BILL_OLDER_THAN_3_MONTHS"})


def not_approved_pipeline(rows: list[dict[str, Any]]) -> float | None:
    """Share of ``rows`` the decision stage would not approve for their integrity (a risk
    outside the approve band, or a failed extraction check other than
    :data:`AGE_REASONS`); None without the served OCR."""
    if not rows or any(r.get("failedChecks") is None for r in rows):
        return None
    # The decision stage's rule for one document: approved only when the risk is in the
    # approve band and no extraction check failed (the document's age left out).
    return float(
        np.mean(
            [
                r["decision"] != "approve" or any(c not in AGE_REASONS for c in r["failedChecks"])
                for r in rows
            ]
        )
    )


def upload_row(
    kind: str, sample: Sample, signals: list[Signal], risk: RiskResult
) -> dict[str, Any]:
    """What every evaluation row holds: the upload's kind and capture, each signal's
    score, the reason codes the policy reports (``triggered``: a client sees these;
    signals it weighs 0 are left out), the codes of every triggered signal (``raised``,
    the experimental ones too), the policy's risk and decision, and every signal as the
    pipeline stores it (``signals``: what :mod:`models.fraud.whatif` re-scores under
    another policy, ``make eval-fraud-policy``)."""
    return {
        "kind": kind,
        "condition": sample.condition,
        "docType": sample.doc_type.value,
        "scores": {s.name: s.score for s in signals},
        "signals": [s.to_dict() for s in signals],
        "triggered": sorted(risk.reason_codes),
        "raised": sorted({s.reason_code.value for s in signals if s.triggered}),
        "risk": risk.score,
        "decision": risk.decision,
    }


def tampering(
    per_kind: int,
    genuine: int,
    recompressed: int,
    gw: TritonGateway | None,
    seed0: int = EVAL_SEED0,
) -> dict[str, Any]:
    """Every upload of the tampering set from ``seed0`` analysed and scored under the
    default policy (with the extraction's checks when ``gw`` serves OCR); the
    :func:`summarise` figures and the per-upload ``rows``. Blocks: about a second an
    upload on two cores."""
    rows: list[dict[str, Any]] = []
    plan = [("genuine", genuine), ("recompressed", recompressed)]
    plan += [(k, per_kind) for k in KINDS if k not in UNTOUCHED]
    policy = RiskPolicy()
    faces = FaceModels.load()
    for kind, n in plan:
        for i, (_, sample, upload) in enumerate(iter_set(n, seed0, (kind,))):
            pb = None
            if kind in GEOMETRY_KEPT and sample.portrait_box is not None:
                pb = portrait_box(faces, upload.image_bytes)
            photo = sample.condition in PHOTO_CONDITIONS or "recapture" in kind
            signals, times = analyse(upload.image_bytes, pb, photo)
            failed: list[str] | None = None
            if gw is not None:
                t = time.perf_counter()
                extra, failed = check_signals(gw, upload.image_bytes, sample.doc_type)
                signals += extra
                times["ocrAndChecks"] = time.perf_counter() - t
            risk = score(signals, policy)
            rows.append(
                {**upload_row(kind, sample, signals, risk), "failedChecks": failed, "times": times}
            )
            print(
                f"  {kind:17s} {i + 1}/{n} {sample.condition:12s} risk {risk.score:5.1f}",
                file=sys.stderr,
                flush=True,
            )
    return summarise(rows)


def _learned_and_risk(
    learned: bool,
    learned_p: list[float],
    learned_n: list[float],
    risk_p: list[float],
    risk_n: list[float],
) -> dict[str, float | tuple[float, float] | None]:
    """AUC and detection at 1% FPR of the learned detector (None when not measured) and
    of the risk score, attacks ``_p`` against negatives ``_n``."""
    return {
        "aucLearned": auc(learned_p, learned_n) if learned else None,
        "aucLearnedInterval": auc_interval(learned_p, learned_n) if learned else None,
        "detectionAt1pctFprLearned": detection_at_fpr(learned_p, learned_n) if learned else None,
        "aucRisk": auc(risk_p, risk_n),
        "aucRiskInterval": auc_interval(risk_p, risk_n),
        "detectionAt1pctFprRisk": detection_at_fpr(risk_p, risk_n),
    }


def summarise(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The tampering figures of the report from the per-upload ``rows`` of
    :func:`tampering` (also of a stored ``results.json``: ``--from-results``)."""
    measured = bool(rows) and all(r.get("failedChecks") is not None for r in rows)
    gen = [r for r in rows if r["kind"] == "genuine"]
    # Re-encoded genuine uploads (cropped, scaled, saved again): untouched as well, and
    # compressed twice like every forgery; reported apart so that the figures against
    # camera uploads stay comparable with earlier runs.
    rec = [r for r in rows if r["kind"] == "recompressed"]
    untouched = gen + rec
    per_attack: dict[str, Any] = {}
    for kind, names in RELEVANT.items():
        pos = [r for r in rows if r["kind"] == kind]
        if not pos:  # a kind this run did not make (an older results.json)
            continue
        rel_p = [max(r["scores"].get(n, 0.0) for n in names) for r in pos]
        rel_n = [max(r["scores"].get(n, 0.0) for n in names) for r in gen]
        with_checks = names + CHECKS
        chk_p = [max(r["scores"].get(n, 0.0) for n in with_checks) for r in pos]
        chk_n = [max(r["scores"].get(n, 0.0) for n in with_checks) for r in gen]
        risk_p, risk_n = [r["risk"] for r in pos], [r["risk"] for r in gen]
        learned = LEARNED in names and all(LEARNED in r["scores"] for r in pos + untouched)
        learned_p = [r["scores"][LEARNED] for r in pos] if learned else []
        learned_n = [r["scores"][LEARNED] for r in gen] if learned else []
        per_attack[kind] = {
            "n": len(pos),
            "signals": list(names),
            "aucSignal": auc(rel_p, rel_n),
            "aucSignalWithChecks": auc(chk_p, chk_n) if measured else None,
            "detectionAt1pctFprWithChecks": detection_at_fpr(chk_p, chk_n) if measured else None,
            **_learned_and_risk(learned, learned_p, learned_n, risk_p, risk_n),
            "detectionAt1pctFprSignal": detection_at_fpr(rel_p, rel_n),
            "notApproved": float(np.mean([r["decision"] != "approve" for r in pos])),
            "notApprovedPipeline": not_approved_pipeline(pos),
        }
        if rec:
            learned_u = [r["scores"][LEARNED] for r in untouched] if learned else []
            risk_u = [r["risk"] for r in untouched]
            per_attack[kind]["vsUntouched"] = _learned_and_risk(
                learned, learned_p, learned_u, risk_p, risk_u
            )
    codes = sorted({c for r in rows for c in r["triggered"]})
    phone = [r for r in gen if r["condition"] == "phone"]
    photos = [r for r in gen if r["condition"] in PHOTO_CONDITIONS]

    def share(code: str, group: list[dict[str, Any]]) -> float | None:
        return float(np.mean([code in r["triggered"] for r in group])) if group else None

    fp = {
        c: {"all": share(c, gen), "phone": share(c, phone), "photo": share(c, photos)}
        for c in codes
    }
    by_cond: dict[str, list[bool]] = defaultdict(list)
    any_code: dict[str, list[bool]] = defaultdict(list)
    for r in gen:
        by_cond[r["condition"]].append(r["decision"] != "approve")
        any_code[r["condition"]].append(bool(r["triggered"]))
    timing = defaultdict(list)
    for r in rows:
        for k, v in r["times"].items():
            timing[k].append(v * 1000)
    recompressed = None
    if rec:
        recompressed = {
            "n": len(rec),
            "falsePositiveByReason": {
                c: share(c, rec) for c in sorted({c for r in rec for c in r["triggered"]})
            },
            "anyReason": float(np.mean([bool(r["triggered"]) for r in rec])),
            "notApproved": float(np.mean([r["decision"] != "approve" for r in rec])),
            "notApprovedPipeline": not_approved_pipeline(rec),
        }
    return {
        "perAttack": per_attack,
        "recompressed": recompressed,
        "genuine": {
            "n": len(gen),
            "phone": len(phone),
            "photo": len(photos),
            "falsePositiveByReason": fp,
            "anyReasonByCondition": {
                c: {"n": len(v), "share": float(np.mean(v))} for c, v in sorted(any_code.items())
            },
            "anyReasonPhoto": float(np.mean([bool(r["triggered"]) for r in photos]))
            if photos
            else None,
            "notApprovedByCondition": {c: float(np.mean(v)) for c, v in sorted(by_cond.items())},
            "notApproved": float(np.mean([r["decision"] != "approve" for r in gen])),
            "notApprovedPipeline": not_approved_pipeline(gen),
            "outOfDate": float(
                np.mean([bool(AGE_REASONS & set(r["failedChecks"] or [])) for r in gen])
            ),
            "failedCheckShare": {
                code: float(np.mean([code in (r["failedChecks"] or []) for r in gen]))
                for code in sorted({c for r in gen for c in r["failedChecks"] or []})
            },
        },
        "msPerDocument": {k: float(np.median(v)) for k, v in timing.items()},
        "msPerDocumentTotalMedian": float(
            np.median([sum(r["times"].values()) * 1000 for r in rows])
        ),
        "rows": rows,
    }


def _reading_tokens(gw: TritonGateway | None, image: np.ndarray[Any, Any]) -> list[int]:
    """The page's value tokens as the pipeline computes them: OCR by the served
    ``document_ocr`` (as the OCR stage would read the upload), then ``text_tokens``."""
    if gw is None:
        return []
    ok, buf = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 92])
    if not ok:  # pragma: no cover - OpenCV encodes any BGR image
        return []
    reading, _ = read_page(gw, bytes(buf.tobytes()), "", None)
    return reuse.text_tokens(line["text"] for line in reading.get("lines", []))


def check_signals(
    gw: TritonGateway, data: bytes, doc_type: DocumentType, reading: dict[str, Any] | None = None
) -> tuple[list[Signal], list[str]]:
    """What the pipeline adds to the pixel signals for a field edit: the served OCR, the
    extraction's agreement checks (MRZ and barcode against the visual zone, payslip and
    statement arithmetic) as :mod:`models.fraud.consistency` signals, and the page's
    template layout (:mod:`models.fraud.layout`); and the reason codes
    of every failed extraction check (Omang number, dates, expiry, the MRZ's own check
    digits, ...), each of which the decision stage sends to review on its own. The document
    type is the true one (the classifier's, in the pipeline, is right on ~99% of pages).
    ``reading``: the served OCR's reading of ``data`` when the caller has it already."""
    if reading is None:
        reading, _ = read_page(gw, data, "", None)
    extraction = extract_document(
        doc_type,
        reading.get("lines", []),
        SUBMITTED_AT.date(),
        barcodes=reading.get("barcodes", []),
    )
    checks = [c.to_dict() for c in extraction.checks]
    failed = sorted(
        {r for c in checks if c["status"] == "fail" for r in (c.get("reasons") or [c["name"]])}
    )
    # the template layout, as the fraud stage checks it from the same reading (a pixel
    # edit keeps the layout: here it can only add false alarms, which is what to count)
    page_layout = layout.check(
        layout.page_from_reading(reading), layout.load_profiles().get(doc_type.value, ())
    )
    return [*consistency.signals(checks), page_layout], failed


def document_reuse(per_type: int, gw: TritonGateway | None) -> dict[str, Any]:
    """Pairs per type: the same document (scan) against its re-capture, and against another
    person's document of the same template under the same re-capture. Decided by the ink
    map alone (``hashing.same_document``) and by the pipeline's rule, ink map and value
    tokens together (``reuse.same_document``; needs Triton for the OCR, else skipped)."""
    pos: list[float] = []
    neg: list[float] = []
    pos_both: list[bool] = []
    neg_both: list[bool] = []
    t_hash: list[float] = []
    t_cmp: list[float] = []
    for ti, doc_type in enumerate(REUSE_TYPES):
        for k in range(per_type):
            template = k % 3
            seed_a, seed_b = EVAL_SEED0 + 7000 + 10 * ti + k, EVAL_SEED0 + 8000 + 10 * ti + k
            cond = RECAPTURES[(ti + k) % len(RECAPTURES)]
            images = [
                generate(seed_a, doc_type, template, "scan").image,
                generate(seed_a, doc_type, template, cond).image,
                generate(seed_b, doc_type, template, cond).image,
            ]
            t = time.perf_counter()
            base, again, other = (hashing.document_hash(i) for i in images)
            t_hash.append((time.perf_counter() - t) / 3)
            tb, ta, to = (_reading_tokens(gw, i) for i in images)
            t = time.perf_counter()
            pos.append(hashing.hash_distance(base, again))
            t_cmp.append(time.perf_counter() - t)
            neg.append(hashing.hash_distance(base, other))
            pos_both.append(reuse.same_document(pos[-1], reuse.text_overlap(tb, ta)))
            neg_both.append(reuse.same_document(neg[-1], reuse.text_overlap(tb, to)))
            print(
                f"  reuse {doc_type.value} t{template} {cond}: same {pos[-1]:.3f} "
                f"overlap {reuse.text_overlap(tb, ta)} -> {pos_both[-1]}; other {neg[-1]:.3f} "
                f"overlap {reuse.text_overlap(tb, to)} -> {neg_both[-1]}",
                file=sys.stderr,
                flush=True,
            )
    thr = hashing.SAME_DOCUMENT_DISTANCE
    tp = sum(d <= thr for d in pos)
    fp = sum(d <= thr for d in neg)
    tp_both, fp_both = sum(pos_both), sum(neg_both)
    return {
        "pairs": len(pos),
        "threshold": thr,
        "recall": tp / len(pos) if pos else None,
        "precision": tp / (tp + fp) if tp + fp else None,
        "withValues": None
        if gw is None
        else {
            "recall": tp_both / len(pos) if pos else None,
            "precision": tp_both / (tp_both + fp_both) if tp_both + fp_both else None,
            "textConfirms": reuse.TEXT_CONFIRMS,
            "textAlone": reuse.TEXT_ALONE,
        },
        "maxSameDistance": max(pos) if pos else None,
        "minOtherDistance": min(neg) if neg else None,
        "msHash": float(np.median(t_hash) * 1000),
        "msCompare": float(np.median(t_cmp) * 1000),
    }


def _variants(img: np.ndarray[Any, Any]) -> list[tuple[str, np.ndarray[Any, Any]]]:
    out = []
    ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, 40])
    if ok:
        out.append(("jpeg40", np.asarray(cv2.imdecode(buf, cv2.IMREAD_COLOR))))
    h, w = img.shape[:2]
    out.append(
        ("half", np.asarray(cv2.resize(img, (w // 2, h // 2), interpolation=cv2.INTER_AREA)))
    )
    out.append(("darker", np.clip(img.astype(np.float32) * 0.6, 0, 255).astype(np.uint8)))
    out.append(("blur", np.asarray(cv2.GaussianBlur(img, (0, 0), 1.2))))
    rot = cv2.getRotationMatrix2D((w / 2, h / 2), 5, 1.0)
    out.append(
        ("rot5", np.asarray(cv2.warpAffine(img, rot, (w, h), borderMode=cv2.BORDER_REFLECT)))
    )
    return out


def face_reuse(distractors: int) -> dict[str, Any]:
    try:
        from models.face.detect import FaceModels
        from tools.facedata import real_faces

        photos = real_faces()
        models = FaceModels.load()
    except Exception as exc:  # the photos come from PyPI sdists; offline machines skip
        return {"skipped": f"real faces unavailable: {exc}"}

    def embed(img: np.ndarray[Any, Any]) -> np.ndarray[Any, Any] | None:
        faces = models.detect(img)
        if not faces:
            return None
        return models.embed(img, faces[0])

    index = FaceIndex()
    rng = np.random.default_rng(EVAL_SEED0)
    vecs = rng.normal(size=(distractors, 128)).astype(np.float32)
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    items: list[tuple[int, Any]] = [(1000 + i, v) for i, v in enumerate(vecs)]
    identity_of: dict[int, str] = {}
    stored: list[int] = []
    for k, p in enumerate(photos):
        e = embed(p.image_bgr)
        if e is None:
            continue
        items.append((k, e))
        identity_of[k] = p.identity
        stored.append(k)
    index.rebuild(items)
    queries: list[tuple[str, str, Any]] = []
    for k in stored:
        for label, img in _variants(photos[k].image_bgr):
            queries.append((photos[k].identity, f"{photos[k].photo_id}/{label}", img))
    tp = fp = fn = 0
    details: list[list[Any]] = []
    for identity, label, img in queries:
        e = embed(img)
        if e is None:
            fn += 1
            details.append([label, "no face"])
            continue
        hits = index.search(e, k=5, max_distance=SAME_PERSON_DISTANCE)
        right = [h for h in hits if identity_of.get(h[0]) == identity]
        wrong = [h for h in hits if identity_of.get(h[0]) != identity]
        tp += bool(right)
        fn += not right
        fp += len(wrong)
        details.append([label, [[identity_of.get(k, "distractor"), round(d, 3)] for k, d in hits]])
    return {
        "photos": len(stored),
        "identities": len(set(identity_of.values())),
        "distractors": distractors,
        "queries": len(queries),
        "recall": tp / (tp + fn) if tp + fn else None,
        "precision": tp / (tp + fp) if tp + fp else None,
        "details": details,
    }


def latency(n: int) -> dict[str, Any]:
    """Per-document time of the fraud stage's pure work on genuine phone photos, one thread."""
    real = [t for t in DocumentType if t is not DocumentType.UNKNOWN]
    docs: list[tuple[bytes, tuple[int, int, int, int] | None, str]] = []
    for i in range(n):
        sample = generate(LATENCY_SEED0 + i, real[i % len(real)], i % 3, "phone")
        upload = genuine(sample, np.random.default_rng([LATENCY_SEED0, i]))
        pb = None
        if sample.portrait_box is not None:
            x0, y0, x1, y1 = sample.portrait_box
            pb = (x0, y0, x1 - x0, y1 - y0)
        docs.append((upload.image_bytes, pb, sample.doc_type.value))
    threads = cv2.getNumThreads()
    cv2.setNumThreads(1)
    out: dict[str, Any] = {"documents": n, "loadAverage": list(os.getloadavg())}
    try:
        for label, experimental in (("all", True), ("withoutExperimental", False)):
            wall: list[float] = []
            cpu: list[float] = []
            for k, (data, pb, _) in enumerate([docs[0], *docs]):  # the first one warms up
                t, c = time.perf_counter(), time.process_time()
                img = tamper.load_image(data)
                tamper.analyse_image(img, pb, experimental=experimental, edit_model=_edit_model())
                forensics.image_metadata(data, SUBMITTED_AT, True)
                hashing.document_hash(img.bgr)
                if k:
                    wall.append((time.perf_counter() - t) * 1000)
                    cpu.append((time.process_time() - c) * 1000)
            out[label] = {
                "wallMsP50": float(np.percentile(wall, 50)),
                "wallMsP95": float(np.percentile(wall, 95)),
                "cpuMsP50": float(np.percentile(cpu, 50)),
                "cpuMsP95": float(np.percentile(cpu, 95)),
            }
    finally:
        cv2.setNumThreads(threads)
    sizes = sorted({tamper.load_image(d).bgr.shape[:2] for d, _, _ in docs})
    out["sizes"] = [f"{w}x{h}" for h, w in sizes]
    return out


def _fmt(x: Any) -> str:
    return "-" if x is None or (isinstance(x, float) and np.isnan(x)) else f"{x:.3f}"


def _fmt_interval(value: float | None, interval: Any) -> str:
    if value is None:
        return "-"
    if not interval:
        return _fmt(value)
    return f"{_fmt(value)} ({interval[0]:.3f}–{interval[1]:.3f})"


def report(res: dict[str, Any], command: str) -> str:
    """The Markdown report of :func:`main`'s results."""
    lines: list[str] = []
    put = lines.append
    tam = res["tampering"]
    put("# Fraud signals: evaluation on held-out generated seeds\n")
    put(f"Reproduce: `{command}` (seeds from {EVAL_SEED0:,}; every figure below).\n")
    put("## Tampering (generated set; AUC vs genuine)\n")
    put(
        '"local_edits": the learned detector alone; "signal": the maximum of the relevant '
        'signals; "+ checks": the relevant pixel signals with the extraction\'s agreement checks '
        f'({", ".join(CHECKS)}) on the served OCR, as the pipeline has them; "risk": '
        "the default policy's 0-100 score over every signal (checks included when measured; "
        "its graded evidence ranks uploads within a band, the triggered signals decide it).\n"
    )
    put(
        "| attack | n | relevant signals | AUC local_edits | det@1%FPR local_edits | "
        "AUC signal | AUC + checks | AUC risk | "
        "det@1%FPR signal | det@1%FPR + checks | det@1%FPR risk | not approved | "
        "not approved, pipeline (risk or a failed integrity check) |"
    )
    put("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for kind, r in tam["perAttack"].items():
        put(
            f"| {kind} | {r['n']} | {', '.join(r['signals'])} | {_fmt(r.get('aucLearned'))} | "
            f"{_fmt(r.get('detectionAt1pctFprLearned'))} | {_fmt(r['aucSignal'])} | "
            f"{_fmt(r.get('aucSignalWithChecks'))} | {_fmt(r['aucRisk'])} | "
            f"{_fmt(r['detectionAt1pctFprSignal'])} | "
            f"{_fmt(r.get('detectionAt1pctFprWithChecks'))} | "
            f"{_fmt(r['detectionAt1pctFprRisk'])} | {_fmt(r['notApproved'])} | "
            f"{_fmt(r.get('notApprovedPipeline'))} |"
        )
    put(
        "\n### 95% bootstrap intervals of the AUCs against genuine uploads\n\n"
        f"{BOOTSTRAP_DRAWS} resamples of the attacks and the genuine uploads apart "
        "(`auc_interval`): read these before comparing two runs.\n\n"
        "| attack | AUC local_edits | AUC risk |\n|---|---|---|"
    )
    for kind, r in tam["perAttack"].items():
        put(
            f"| {kind} | {_fmt_interval(r.get('aucLearned'), r.get('aucLearnedInterval'))} | "
            f"{_fmt_interval(r['aucRisk'], r.get('aucRiskInterval'))} |"
        )
    if any("vsUntouched" in r for r in tam["perAttack"].values()):
        put(
            "\n### Against every untouched upload (camera uploads and re-encoded ones)\n\n"
            "| attack | AUC local_edits | det@1%FPR local_edits | AUC risk | det@1%FPR risk |\n"
            "|---|---|---|---|---|"
        )
        for kind, r in tam["perAttack"].items():
            u = r.get("vsUntouched")
            if u:
                put(
                    f"| {kind} | {_fmt(u['aucLearned'])} | "
                    f"{_fmt(u['detectionAt1pctFprLearned'])} | {_fmt(u['aucRisk'])} | "
                    f"{_fmt(u['detectionAt1pctFprRisk'])} |"
                )
    rc = tam.get("recompressed")
    if rc:
        put(
            f"\n## Re-encoded genuine uploads: {rc['n']} (cropped, scaled, saved again); any "
            f"reason code {_fmt(rc['anyReason'])}; not approved {_fmt(rc['notApproved'])} by "
            f"the risk score, {_fmt(rc.get('notApprovedPipeline'))} by the pipeline\n"
        )
        put("| reason code | FP |\n|---|---|")
        for code, v in rc["falsePositiveByReason"].items():
            put(f"| {code} | {_fmt(v)} |")
    g = tam["genuine"]
    put(
        f"\n## Genuine uploads: {g['n']} ({g['phone']} phone, {g['photo']} photo-like); "
        f"not approved {_fmt(g['notApproved'])} by the risk score, "
        f"{_fmt(g.get('notApprovedPipeline'))} by the pipeline (risk or a failed check, "
        f"the document's age left out; out of date: {_fmt(g.get('outOfDate'))})\n"
    )
    if g.get("failedCheckShare"):
        put(
            "failed extraction checks on genuine uploads (each sends a verification to "
            "review): "
            + ", ".join(f"{k} {_fmt(v)}" for k, v in g["failedCheckShare"].items())
            + "\n"
        )
    put("| reason code | FP all | FP phone | FP photo-like |\n|---|---|---|---|")
    for code, v in g["falsePositiveByReason"].items():
        put(f"| {code} | {_fmt(v['all'])} | {_fmt(v['phone'])} | {_fmt(v['photo'])} |")
    put(f"\nany reason code on photo-like genuine uploads: {_fmt(g['anyReasonPhoto'])}\n")
    put("| condition | n | any reason code | not approved |\n|---|---|---|---|")
    for c, v in g["anyReasonByCondition"].items():
        put(f"| {c} | {v['n']} | {_fmt(v['share'])} | {_fmt(g['notApprovedByCondition'][c])} |")
    put("\n## ms per document in the evaluation (median, machine shared)\n")
    put(
        ", ".join(f"{k} {v:.0f}" for k, v in tam["msPerDocument"].items())
        + f"; total {tam['msPerDocumentTotalMedian']:.0f}"
    )
    d = res["documentReuse"]
    put(
        f"\n## Document reuse: {d['pairs']} pairs, recall {_fmt(d['recall'])}, precision "
        f"{_fmt(d['precision'])} (max same {_fmt(d['maxSameDistance'])}, min other "
        f"{_fmt(d['minOtherDistance'])}); hash {d['msHash']:.0f} ms, "
        f"compare {d['msCompare']:.0f} ms"
    )
    v = d.get("withValues")
    put(
        "\nthe pipeline's rule, ink map and OCR value tokens together: "
        + (
            f"recall {_fmt(v['recall'])}, precision {_fmt(v['precision'])}"
            if v
            else "not measured (Triton not running)"
        )
    )
    f = res["faceReuse"]
    if "skipped" in f:
        put(f"\n## Face reuse: skipped ({f['skipped']})")
    else:
        put(
            f"\n## Face reuse: {f['queries']} queries over {f['photos']} real photos "
            f"({f['identities']} identities) + {f['distractors']} generated vectors: recall "
            f"{_fmt(f['recall'])}, precision {_fmt(f['precision'])}"
        )
    lat = res.get("latency")
    if lat:
        put(
            f"\n## Latency: {lat['documents']} genuine phone photos ({', '.join(lat['sizes'])}), "
            "load + analyse_image + image_metadata + document_hash, one thread; load average "
            + ", ".join(f"{x:.1f}" for x in lat["loadAverage"])
            + "\n"
        )
        put("| signals | wall p50 | wall p95 | CPU p50 | CPU p95 |\n|---|---|---|---|---|")
        for label in ("all", "withoutExperimental"):
            v = lat[label]
            put(
                f"| {label} | {v['wallMsP50']:.0f} ms | {v['wallMsP95']:.0f} ms | "
                f"{v['cpuMsP50']:.0f} ms | {v['cpuMsP95']:.0f} ms |"
            )
    put(f"\n{res['seconds']:.0f} s in all.")
    return "\n".join(lines) + "\n"


def served_ocr() -> TritonGateway | None:
    """The served OCR (document reuse's value tokens, the extraction checks), or None when
    Triton does not answer (the reason is printed)."""
    gw = TritonGateway(get_settings().triton)
    try:
        gw.document_ocr([cv2.imencode(".png", np.full((64, 64, 3), 255, np.uint8))[1].tobytes()])
    except InferenceUnavailable as exc:
        print(
            f"  Triton unavailable ({exc}): no extraction checks, document reuse by ink map only",
            file=sys.stderr,
        )
        return None
    return gw


def _publish(res: dict[str, Any], out: Path | None) -> None:
    """Print the report; with ``out``, also write it and every figure there."""
    text = report(res, res["command"])
    print(text)
    if out:
        out.mkdir(parents=True, exist_ok=True)
        (out / "results.json").write_text(json.dumps(res, indent=1, default=str))
        (out / "report.md").write_text(text)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--out", type=Path, default=None)
    ap.add_argument("--per-kind", type=int, default=60)
    ap.add_argument("--genuine", type=int, default=0, help="default: 4 x per-kind")
    ap.add_argument(
        "--recompressed",
        type=int,
        default=-1,
        help="re-encoded genuine uploads (default: half of --genuine)",
    )
    ap.add_argument("--reuse-per-type", type=int, default=5)
    ap.add_argument("--distractors", type=int, default=10_000)
    ap.add_argument("--latency-docs", type=int, default=20)
    ap.add_argument(
        "--from-results",
        type=Path,
        default=None,
        help="re-summarise a stored results.json (no measuring): print its report",
    )
    args = ap.parse_args(argv)
    if args.from_results is not None:
        stored: dict[str, Any] = json.loads(args.from_results.read_text())
        stored["tampering"] = summarise(stored["tampering"]["rows"])
        _publish(stored, args.out)
        return 0
    n_genuine = args.genuine or 4 * args.per_kind
    n_recompressed = n_genuine // 2 if args.recompressed < 0 else args.recompressed
    command = (
        f"python -m models.eval.fraud --per-kind {args.per_kind} --genuine {n_genuine} "
        f"--recompressed {n_recompressed} "
        f"--reuse-per-type {args.reuse_per_type} --distractors {args.distractors} "
        f"--latency-docs {args.latency_docs}" + (f" --out {args.out}" if args.out else "")
    )
    t0 = time.time()
    gw = served_ocr()
    res: dict[str, Any] = {
        "command": command,
        "tampering": tampering(args.per_kind, n_genuine, n_recompressed, gw),
        "documentReuse": document_reuse(args.reuse_per_type, gw),
        "faceReuse": face_reuse(args.distractors),
    }
    if args.latency_docs > 0:
        res["latency"] = latency(args.latency_docs)
    res["seconds"] = time.time() - t0
    _publish(res, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
