"""Evaluate document classification and OCR on a held-out generated set, through Triton.

    python -m models.eval.documents [--per-cell 1] [--conditions-per-template 4] [--out DIR]

The set: seeds from ``EVAL_SEED0`` (training uses others), every real type
with every template including ``HELD_OUT_TEMPLATE`` (never trained on), each
(type, template) under ``scan``, ``phone`` and further capture conditions in
rotation; ``unknown`` pages (web pages, menus, blank pages, natural photos).
Each image goes through the served models (``document_ocr`` then
``document_classifier``) exactly as the pipeline sends it.

Reported (printed as Markdown, and ``results.json`` in ``--out``):

- classification accuracy overall, by condition and seen vs held-out
  template; the confusions; how many ``unknown`` pages were given a real type;
- OCR character error rate on the ground-truth field values: for each
  visible field, the edit distance to the best-matching span of the page's
  OCR text (lines joined by spaces, so that a value wrapped over two lines
  counts; Sellers' approximate substring match), summed over fields and
  divided by their total length; also without spaces (the recogniser's word spacing is
  reconstructed, see ``models.ocr.engine.insert_word_spaces``).

Needs the stack's Triton (``make up``). Minutes: about 1.5 s per page on 2 cores.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import sys
import time
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from core.inference import TritonGateway
from core.settings import get_settings
from models.doctype.train import expected_calibration_error
from models.doctypes import DocumentType
from models.extract.document import MRZ_TYPES, extract_document
from models.extract.kv import NORMALISERS
from models.extract.lexicon import fields_of
from tools.docgen import (
    CONDITIONS,
    HELD_OUT_TEMPLATE,
    TEMPLATES_PER_TYPE,
    UNKNOWN_TEMPLATES,
    Sample,
    generate,
)

EVAL_SEED0 = 1_000_000
# Expiry and recency checks are judged against a fixed day, for reproducible figures.
EVAL_TODAY = dt.date(2026, 11, 26)
PHONE_LIKE = frozenset(CONDITIONS) - {"scan"}


@dataclass
class Outcome:
    doc_type: str
    template: int
    condition: str
    predicted: str
    probability: float
    reason: str | None
    field_edits: int
    field_edits_nospace: int
    field_chars: int
    field_chars_nospace: int
    lines: int
    ocr_ms: float
    # Extraction (with the true type, to measure it apart from classification):
    # (field, found, correct, confidence) per ground-truth field the type extracts.
    fields: list[tuple[str, bool, bool, float]] = dataclasses.field(default_factory=list)
    mrz_expected: bool = False
    mrz_found: bool = False
    mrz_valid: bool = False
    mrz_exact: bool = False


def substring_distance(pattern: str, text: str) -> int:
    """Edit distance from ``pattern`` to its best-matching substring of ``text`` (Sellers)."""
    if not pattern:
        return 0
    codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    idx = np.arange(len(text) + 1)
    prev = np.zeros(len(text) + 1, dtype=np.int64)  # free start anywhere in text
    for i, pc in enumerate(pattern, 1):
        cost = (codes != ord(pc)).astype(np.int64)
        tmp = np.empty_like(prev)
        tmp[0] = i
        tmp[1:] = np.minimum(prev[1:] + 1, prev[:-1] + cost)
        # cur[j] = min(tmp[j], cur[j-1] + 1) = j + running min of (tmp[k] - k)
        prev = np.minimum.accumulate(tmp - idx) + idx
    return int(prev.min())  # free end anywhere in text


def field_errors(sample: Sample, lines: list[str]) -> tuple[int, int, int, int]:
    """(edits, edits without spaces, chars, chars without spaces) over the visible fields."""
    edits = edits_ns = chars = chars_ns = 0
    # Values wrapped over two lines in a paragraph read as one span of the page text.
    page = " ".join(lines)
    page_ns = page.replace(" ", "")
    for f in sample.fields:
        value = " ".join(f.value.split())
        if not f.visible or not value:
            continue
        ns = value.replace(" ", "")
        chars += len(value)
        chars_ns += len(ns)
        edits += substring_distance(value, page)
        edits_ns += substring_distance(ns, page_ns)
    return edits, edits_ns, chars, chars_ns


def evaluation_set(
    per_cell: int, conditions_per_template: int
) -> list[tuple[int, DocumentType, int, str]]:
    """(seed, type, template, condition) for every evaluated image; deterministic."""
    extra = [c for c in CONDITIONS if c not in ("scan", "phone")]
    out = []
    k = 0
    for doc_type in DocumentType:
        templates = UNKNOWN_TEMPLATES if doc_type is DocumentType.UNKNOWN else TEMPLATES_PER_TYPE
        for template in range(templates):
            conditions = ["scan", "phone"]
            for _ in range(max(0, conditions_per_template - 2)):
                conditions.append(extra[k % len(extra)])
                k += 1
            for condition in conditions:
                for i in range(per_cell):
                    seed = EVAL_SEED0 + 1000 * i + k
                    out.append((seed, doc_type, template, condition))
    return out


def evaluate_one(
    gw: TritonGateway, seed: int, doc_type: DocumentType, template: int, condition: str
) -> Outcome:
    sample = generate(seed, doc_type, template, condition)
    ok, buf = cv2.imencode(".jpg", sample.image, [cv2.IMWRITE_JPEG_QUALITY, 92])
    assert ok
    started = time.monotonic()
    (reading,) = gw.document_ocr([buf.tobytes()])
    ocr_ms = 1000 * (time.monotonic() - started)
    lines = [ln["text"] for ln in reading.get("lines", [])]
    (pred,) = gw.classify_documents(["\n".join(lines)])
    e, ens, c, cns = field_errors(sample, lines)
    out = Outcome(
        doc_type.value,
        template,
        condition,
        pred["documentType"],
        float(pred["probability"]),
        pred.get("reason"),
        e,
        ens,
        c,
        cns,
        len(lines),
        ocr_ms,
    )
    if doc_type is not DocumentType.UNKNOWN:
        _score_extraction(out, sample, reading.get("lines", []))
    return out


def _score_extraction(out: Outcome, sample: Sample, lines: list[dict[str, Any]]) -> None:
    ex = extract_document(sample.doc_type, lines, EVAL_TODAY)
    truth = {f.name: f for f in sample.fields}
    for spec in fields_of(sample.doc_type):
        f = truth.get(spec.name)
        if f is None or not f.visible:
            continue
        want = NORMALISERS[spec.kind](f.value)
        got = ex.fields.get(spec.name)
        out.fields.append(
            (
                spec.name,
                got is not None,
                got is not None and got.normalized == want,
                got.confidence if got else 0.0,
            )
        )
    if sample.mrz and sample.doc_type in MRZ_TYPES:
        out.mrz_expected = True
        out.mrz_found = ex.mrz is not None
        out.mrz_valid = bool(ex.mrz and ex.mrz["valid"])
        out.mrz_exact = bool(ex.mrz and tuple(ex.mrz["lines"]) == tuple(sample.mrz))


def _rate(num: int, den: int) -> str:
    return f"{100 * num / den:.2f}%" if den else "n/a"


def _accuracy(group: list[Outcome]) -> str:
    return _rate(sum(o.predicted == o.doc_type for o in group), len(group))


def report(outcomes: list[Outcome]) -> tuple[str, dict[str, Any]]:
    """Markdown tables and the same figures as a dict."""
    real = [o for o in outcomes if o.doc_type != "unknown"]
    unknown = [o for o in outcomes if o.doc_type == "unknown"]
    correct = sum(o.predicted == o.doc_type for o in real)
    md = ["### Classification", ""]
    md.append(
        f"Real documents: **{_rate(correct, len(real))}** correct ({correct}/{len(real)}); "
        f"`unknown` pages given a real type: **{sum(o.predicted != 'unknown' for o in unknown)}"
        f"/{len(unknown)}**."
    )
    md += ["", "| slice | pages | accuracy |", "|---|---:|---:|"]
    seen = [o for o in real if o.template != HELD_OUT_TEMPLATE]
    held = [o for o in real if o.template == HELD_OUT_TEMPLATE]
    for name, group in (("templates seen in training", seen), ("held-out template", held)):
        md.append(f"| {name} | {len(group)} | {_accuracy(group)} |")
    by_cond: dict[str, list[Outcome]] = defaultdict(list)
    for o in real:
        by_cond[o.condition].append(o)
    for cond in CONDITIONS:
        g = by_cond.get(cond, [])
        if g:
            md.append(f"| condition `{cond}` | {len(g)} | {_accuracy(g)} |")
    confusions = Counter((o.doc_type, o.predicted) for o in outcomes if o.predicted != o.doc_type)
    md += ["", "Confusions (true → predicted: count; everything else on the diagonal):", ""]
    md += [
        f"- {t} → {p} ({o_reason(outcomes, t, p)}): {n}" for (t, p), n in confusions.most_common()
    ] or ["- none"]
    md += ["", "### OCR character error rate on field values", ""]
    md += ["| slice | fields' characters | CER | CER ignoring spaces |", "|---|---:|---:|---:|"]

    def cer_row(name: str, group: list[Outcome]) -> str:
        e = sum(o.field_edits for o in group)
        c = sum(o.field_chars for o in group)
        ens = sum(o.field_edits_nospace for o in group)
        cns = sum(o.field_chars_nospace for o in group)
        return f"| {name} | {c} | {_rate(e, c)} | {_rate(ens, cns)} |"

    md.append(cer_row("clean scans (`scan`)", [o for o in real if o.condition == "scan"]))
    md.append(cer_row("phone photos (`phone`)", [o for o in real if o.condition == "phone"]))
    md.append(
        cer_row("all other conditions", [o for o in real if o.condition not in ("scan", "phone")])
    )
    for cond in CONDITIONS:
        if cond not in ("scan", "phone") and by_cond.get(cond):
            md.append(cer_row(f"condition `{cond}`", by_cond[cond]))
    md += ["", *extraction_report(real)]
    ocr_ms = sorted(o.ocr_ms for o in outcomes)
    md += [
        "",
        f"OCR through Triton per page: median {ocr_ms[len(ocr_ms) // 2]:.0f} ms, "
        f"p95 {ocr_ms[int(0.95 * (len(ocr_ms) - 1))]:.0f} ms ({len(ocr_ms)} pages).",
    ]
    figures = {
        "pages": len(outcomes),
        "classification_accuracy": correct / len(real) if real else None,
        "unknown_given_real_type": sum(o.predicted != "unknown" for o in unknown),
        "unknown_pages": len(unknown),
        "confusions": [{"true": t, "predicted": p, "count": n} for (t, p), n in confusions.items()],
        "outcomes": [o.__dict__ for o in outcomes],
    }
    return "\n".join(md), figures


def extraction_report(real: list[Outcome]) -> list[str]:
    """Field exact match (normalised values), MRZ rates, calibration of field confidence."""
    md = ["### Field extraction (normalised exact match)", ""]
    md += ["| slice | fields | found | exact match |", "|---|---:|---:|---:|"]

    def row(name: str, rows: list[tuple[str, bool, bool, float]]) -> str:
        n = len(rows)
        return (
            f"| {name} | {n} | {_rate(sum(r[1] for r in rows), n)} | "
            f"{_rate(sum(r[2] for r in rows), n)} |"
        )

    for cond in ("scan", "phone"):
        sel = [o for o in real if o.condition == cond]
        md.append(row(f"`{cond}`, all fields", [f for o in sel for f in o.fields]))
        md.append(
            row(
                f"`{cond}`, held-out template",
                [f for o in sel if o.template == HELD_OUT_TEMPLATE for f in o.fields],
            )
        )
    md.append(
        row(
            "all other conditions",
            [f for o in real if o.condition not in ("scan", "phone") for f in o.fields],
        )
    )
    md += [
        "",
        "| type | fields | exact match (scan) | exact match (phone) |",
        "|---|---:|---:|---:|",
    ]
    for t in sorted({o.doc_type for o in real if o.fields}):
        scan = [f for o in real if o.doc_type == t and o.condition == "scan" for f in o.fields]
        phone = [f for o in real if o.doc_type == t and o.condition == "phone" for f in o.fields]
        md.append(
            f"| {t} | {len(scan) + len(phone)} | "
            f"{_rate(sum(f[2] for f in scan), len(scan))} | "
            f"{_rate(sum(f[2] for f in phone), len(phone))} |"
        )
    mrz = [o for o in real if o.mrz_expected]
    md += [
        "",
        "| MRZ (documents that carry one) | pages | found and parsed | check digits valid "
        "| all characters exact |",
        "|---|---:|---:|---:|---:|",
    ]
    for cond in ("scan", "phone"):
        sel = [o for o in mrz if o.condition == cond]
        md.append(
            f"| `{cond}` | {len(sel)} | {_rate(sum(o.mrz_found for o in sel), len(sel))} | "
            f"{_rate(sum(o.mrz_valid for o in sel), len(sel))} | "
            f"{_rate(sum(o.mrz_exact for o in sel), len(sel))} |"
        )
    found = [f for o in real for f in o.fields if f[1]]
    if found:
        conf = np.array([f[3] for f in found])
        ok = np.array([f[2] for f in found])
        md += [
            "",
            f"Calibration of field confidence: expected calibration error "
            f"**{expected_calibration_error(conf, ok):.3f}** over {len(found)} extracted fields "
            f"(mean confidence {conf.mean():.3f}, accuracy {ok.mean():.3f}).",
        ]
    return md


def o_reason(outcomes: list[Outcome], true: str, predicted: str) -> str:
    reasons = Counter(
        o.reason or "best class"
        for o in outcomes
        if o.doc_type == true and o.predicted == predicted
    )
    conds = Counter(
        o.condition for o in outcomes if o.doc_type == true and o.predicted == predicted
    )
    return ", ".join(f"{c}" for c in conds) + "; " + ", ".join(reasons)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--per-cell", type=int, default=1, help="images per (type, template, condition)"
    )
    parser.add_argument("--conditions-per-template", type=int, default=4)
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--out", type=Path, default=Path("out/eval-documents"))
    args = parser.parse_args(argv)
    gw = TritonGateway(get_settings().triton)
    if not gw.ready():
        print("Triton is not ready: start the stack with `make up`", file=sys.stderr)
        return 1
    items = evaluation_set(args.per_cell, args.conditions_per_template)
    started = time.monotonic()
    with ThreadPoolExecutor(args.concurrency) as pool:
        outcomes = list(pool.map(lambda it: evaluate_one(gw, *it), items))
    md, figures = report(outcomes)
    figures["seconds"] = round(time.monotonic() - started, 1)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "results.json").write_text(json.dumps(figures, indent=1) + "\n")
    (args.out / "report.md").write_text(md + "\n")
    print(md)
    print(
        f"\n{len(outcomes)} pages in {figures['seconds']} s; "
        f"reproduce: python -m models.eval.documents --per-cell {args.per_cell} "
        f"--conditions-per-template {args.conditions_per_template}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
