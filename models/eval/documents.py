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
  reconstructed, see ``models.ocr.engine.insert_word_spaces``);
- the page outline the served OCR cropped to, against the truth: the pages on
  which it left a visible field outside (a crop that cuts off what should be
  read: session 15 found shadows taken for the page's edge this way).

Needs the stack's Triton (``make up``). Minutes: about 1.5 s per page on 2 cores.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import hashlib
import itertools
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
from tenacity import Retrying, retry_if_exception_type, stop_after_attempt, wait_exponential

from core.inference import InferenceUnavailable, TritonGateway
from core.settings import get_settings
from models import mrz as mrzlib
from models.doctype.train import expected_calibration_error
from models.doctypes import DocumentType
from models.extract.document import MRZ_TYPES, extract_document
from models.extract.kv import NORMALISERS
from models.extract.lexicon import fields_of
from models.extract.normalise import substring_distance
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


FieldOutcome = tuple[str, bool, bool, float, str, str | None, str | None]


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
    # (field, found, correct, confidence, source, got, wanted) per ground-truth
    # field the type extracts (got and wanted normalised).
    fields: list[FieldOutcome] = dataclasses.field(default_factory=list)
    mrz_expected: bool = False
    mrz_found: bool = False
    mrz_valid: bool = False
    mrz_exact: bool = False
    # Extra MRZ documents (``--mrz-per-cell``): counted in the MRZ figures only,
    # so that the other tables keep one page per cell.
    mrz_extra: bool = False
    # MRZ fields (every slot of the format, check digits included) read exactly.
    mrz_fields: int = 0
    mrz_fields_exact: int = 0
    # The page outline the OCR cropped to (None: the whole image), and how many
    # visible fields it left outside.
    page_found: bool = False
    fields_cut: int = 0


def fields_cut(sample: Sample, quad: list[list[float]] | None, tolerance: float = 4.0) -> int:
    """How many of ``sample``'s visible fields have a corner more than ``tolerance`` px
    outside the page outline ``quad`` (upload pixels; None, the whole image, cuts none)."""
    if quad is None:
        return 0
    outline = np.asarray(quad, np.float32).reshape(-1, 1, 2)
    return sum(
        1
        for f in sample.fields
        if f.visible
        and any(
            cv2.pointPolygonTest(outline, (float(x), float(y)), True) < -tolerance
            for x, y in f.quad
        )
    )


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


EvalItem = tuple[int, DocumentType, int, str, bool]
# Seeds of the extra MRZ documents, apart from the main set's.
MRZ_SEED0 = EVAL_SEED0 + 500_000


def evaluation_set(
    per_cell: int, conditions_per_template: int, mrz_per_cell: int = 0
) -> list[EvalItem]:
    """(seed, type, template, condition, MRZ extra) for every evaluated image; deterministic."""
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
                    out.append((seed, doc_type, template, condition, False))
    for doc_type in sorted(MRZ_TYPES, key=lambda d: d.value):
        for template in range(TEMPLATES_PER_TYPE):
            for condition in ("scan", "phone"):
                for i in range(mrz_per_cell):
                    seed = MRZ_SEED0 + 1000 * i + 10 * template
                    out.append((seed, doc_type, template, condition, True))
    return out


def ocr_sources_hash(config_variant: str = "") -> str:
    """A hash of the OCR code, its served adapter and the served configuration (the
    ``config_variant`` Triton was started with: a variant such as ``cpu_fixed_shapes``
    reads differently): cached readings are only reused while all are unchanged (the
    ONNX files are pinned by version in install.sh)."""
    root = Path(__file__).resolve().parents[2]
    ocr = root / "triton-repo" / "document_ocr"
    files = sorted((root / "models" / "ocr").glob("*.py"))
    files.append(ocr / "1" / "model.py")
    variant = ocr / "configs" / f"{config_variant}.pbtxt"
    files.append(variant if config_variant and variant.is_file() else ocr / "config.pbtxt")
    h = hashlib.sha256()
    for f in files:
        h.update(f.read_bytes())
    return h.hexdigest()[:12]


def read_page(
    gw: TritonGateway, image: bytes, key: str, cache: Path | None
) -> tuple[dict[str, Any], float]:
    """The served OCR reading of ``image`` and its milliseconds; cached under ``key``.

    A cached reading keeps the milliseconds of the call that made it.
    """
    file = cache / f"{key}.json" if cache else None
    if file is not None and file.exists():
        saved = json.loads(file.read_text())
        return saved["reading"], float(saved["ms"])
    started = time.monotonic()
    # A busy machine can time a request out; the evaluation waits rather than dies.
    for attempt in Retrying(
        retry=retry_if_exception_type(InferenceUnavailable),
        stop=stop_after_attempt(4),
        wait=wait_exponential(multiplier=2, max=30),
        reraise=True,
    ):
        with attempt:
            (reading,) = gw.document_ocr([image])
    ms = 1000 * (time.monotonic() - started)
    if file is not None:
        file.write_text(json.dumps({"reading": reading, "ms": ms}))
    return reading, ms


def evaluate_one(gw: TritonGateway, item: EvalItem, cache: Path | None = None) -> Outcome:
    seed, doc_type, template, condition, mrz_extra = item
    sample = generate(seed, doc_type, template, condition)
    ok, buf = cv2.imencode(".jpg", sample.image, [cv2.IMWRITE_JPEG_QUALITY, 92])
    assert ok
    key = f"{doc_type.value}-{template}-{condition}-{seed}"
    reading, ocr_ms = read_page(gw, buf.tobytes(), key, cache)
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
        mrz_extra=mrz_extra,
    )
    quad = (reading.get("geometry") or {}).get("quad")
    out.page_found, out.fields_cut = quad is not None, fields_cut(sample, quad)
    if doc_type is not DocumentType.UNKNOWN:
        _score_extraction(out, sample, reading.get("lines", []), reading.get("barcodes", []))
    return out


def _score_extraction(
    out: Outcome, sample: Sample, lines: list[dict[str, Any]], barcodes: list[dict[str, Any]]
) -> None:
    ex = extract_document(sample.doc_type, lines, EVAL_TODAY, barcodes=barcodes)
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
                got.source if got else "",
                got.normalized if got else None,
                want,
            )
        )
    if sample.mrz and sample.doc_type in MRZ_TYPES:
        out.mrz_expected = True
        out.mrz_found = ex.mrz is not None
        out.mrz_valid = bool(ex.mrz and ex.mrz["valid"])
        out.mrz_exact = bool(ex.mrz and tuple(ex.mrz["lines"]) == tuple(sample.mrz))
        out.mrz_fields, out.mrz_fields_exact = mrz_field_matches(
            sample.mrz, ex.mrz["lines"] if ex.mrz else None
        )


def mrz_field_matches(truth: tuple[str, ...], read: list[str] | None) -> tuple[int, int]:
    """(MRZ fields of the true format, how many of them were read exactly).

    A field counts with its check digit: a field read right beside a wrong check
    digit is not exact. Nothing read: every field missed.
    """
    fmt = next(
        f
        for f, layout in mrzlib.LAYOUTS.items()
        if layout.lines == len(truth)
        and layout.width == len(truth[0])
        and (f is not mrzlib.MrzFormat.MRVA) == (truth[0][0] != "V")
        and (f is not mrzlib.MrzFormat.TD3 or truth[0][0] == "P")
    )
    slots = mrzlib.LAYOUTS[fmt].slots
    if read is None or len(read) != len(truth) or len(read[0]) != len(truth[0]):
        return len(slots), 0
    exact = 0
    for slot in slots:
        same = mrzlib.slice_field(read, slot) == mrzlib.slice_field(truth, slot)
        if slot.check is not None:
            same = same and read[slot.line][slot.check] == truth[slot.line][slot.check]
        exact += same
    return len(slots), exact


def _rate(num: int, den: int) -> str:
    return f"{100 * num / den:.2f}%" if den else "n/a"


def _accuracy(group: list[Outcome]) -> str:
    return _rate(sum(o.predicted == o.doc_type for o in group), len(group))


def report(outcomes: list[Outcome]) -> tuple[str, dict[str, Any]]:
    """Markdown tables and the same figures as a dict."""
    mrz_docs = [o for o in outcomes if o.mrz_expected]
    outcomes = [o for o in outcomes if not o.mrz_extra]
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
    cut = [o for o in real if o.fields_cut]
    md += [
        "",
        f"Page outline (the crop the OCR reads): found on {sum(o.page_found for o in real)} of "
        f"{len(real)} pages; **{len(cut)}** left visible fields outside it "
        f"({sum(o.fields_cut for o in cut)} fields"
        + "".join(f"; `{c}` {n}" for c, n in sorted(Counter(o.condition for o in cut).items()))
        + ").",
    ]
    md += ["", *extraction_report(real, mrz_docs)]
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


def extraction_report(real: list[Outcome], mrz_docs: list[Outcome]) -> list[str]:
    """Field exact match (normalised values), MRZ rates, calibration of field confidence."""
    md = ["### Field extraction (normalised exact match)", ""]
    md += ["| slice | fields | found | exact match |", "|---|---:|---:|---:|"]

    def row(name: str, rows: list[FieldOutcome]) -> str:
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
    md += [
        "",
        "| MRZ (documents that carry one) | pages | found and parsed | check digits valid "
        "| all characters exact | MRZ fields exact |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for cond in sorted({o.condition for o in mrz_docs}, key=CONDITIONS.index):
        for label, sel in (
            (f"`{cond}`", [o for o in mrz_docs if o.condition == cond]),
            (
                f"`{cond}`, passports",
                [o for o in mrz_docs if o.condition == cond and o.doc_type.endswith("passport")],
            ),
        ):
            if not sel or (cond not in ("scan", "phone") and "passports" in label):
                continue
            md.append(
                f"| {label} | {len(sel)} | {_rate(sum(o.mrz_found for o in sel), len(sel))} | "
                f"{_rate(sum(o.mrz_valid for o in sel), len(sel))} | "
                f"{_rate(sum(o.mrz_exact for o in sel), len(sel))} | "
                f"{_rate(sum(o.mrz_fields_exact for o in sel), sum(o.mrz_fields for o in sel))} |"
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
            "",
            "Reliability (fields by confidence bin):",
            "",
            "| confidence | fields | mean confidence | accuracy |",
            "|---|---:|---:|---:|",
        ]
        edges = (0.0, 0.5, 0.7, 0.8, 0.9, 0.95, 0.99, 1.0)
        for lo, hi in itertools.pairwise(edges):
            in_bin = (conf > lo) & (conf <= hi)
            if in_bin.any():
                md.append(
                    f"| ({lo:.2f}, {hi:.2f}] | {int(in_bin.sum())} | {conf[in_bin].mean():.3f} "
                    f"| {ok[in_bin].mean():.3f} |"
                )
        by_source: dict[str, list[FieldOutcome]] = defaultdict(list)
        for f in found:
            by_source[f[4]].append(f)
        md += [
            "",
            "| source | fields | mean confidence | accuracy | ECE |",
            "|---|---:|---:|---:|---:|",
        ]
        for source, rows in sorted(by_source.items()):
            c = np.array([f[3] for f in rows])
            k = np.array([f[2] for f in rows])
            md.append(
                f"| {source} | {len(rows)} | {c.mean():.3f} | {k.mean():.3f} "
                f"| {expected_calibration_error(c, k):.3f} |"
            )
    md += ["", *field_table(real)]
    return md


def field_table(real: list[Outcome]) -> list[str]:
    """Exact match per type and field, by capture condition (a collapsible section)."""
    cells: dict[tuple[str, str], dict[str, list[bool]]] = defaultdict(lambda: defaultdict(list))
    for o in real:
        group = o.condition if o.condition in ("scan", "phone") else "other"
        for f in o.fields:
            cells[(o.doc_type, f[0])][group].append(f[2])
    md = [
        "<details><summary>Exact match per type and field</summary>",
        "",
        "| type | field | scan | phone | other conditions |",
        "|---|---|---:|---:|---:|",
    ]
    for (doc_type, name), groups in sorted(cells.items()):
        md.append(
            f"| {doc_type} | {name} | "
            + " | ".join(
                f"{sum(groups[g])}/{len(groups[g])}" if groups[g] else "—"
                for g in ("scan", "phone", "other")
            )
            + " |"
        )
    return [*md, "", "</details>"]


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
    parser.add_argument(
        "--mrz-per-cell",
        type=int,
        default=4,
        help="extra documents per (MRZ type, template) under scan and phone, for the MRZ figures",
    )
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--out", type=Path, default=Path("out/eval-documents"))
    parser.add_argument(
        "--readings",
        type=Path,
        default=Path("out/ocr-readings"),
        help="cache of OCR readings, reused while the OCR code is unchanged ('' for none)",
    )
    args = parser.parse_args(argv)
    cache: Path | None = None
    if str(args.readings):
        cache = args.readings / ocr_sources_hash(get_settings().triton.config_variant)
        cache.mkdir(parents=True, exist_ok=True)
    gw = TritonGateway(get_settings().triton)
    if not gw.ready():
        print("Triton is not ready: start the stack with `make up`", file=sys.stderr)
        return 1
    items = evaluation_set(args.per_cell, args.conditions_per_template, args.mrz_per_cell)
    started = time.monotonic()
    outcomes: list[Outcome] = []
    with ThreadPoolExecutor(args.concurrency) as pool:
        for outcome in pool.map(lambda it: evaluate_one(gw, it, cache), items):
            outcomes.append(outcome)
            if len(outcomes) % 50 == 0:
                print(f"{len(outcomes)}/{len(items)} pages", file=sys.stderr, flush=True)
    md, figures = report(outcomes)
    figures["seconds"] = round(time.monotonic() - started, 1)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "results.json").write_text(json.dumps(figures, indent=1) + "\n")
    (args.out / "report.md").write_text(md + "\n")
    print(md)
    print(
        f"\n{len(outcomes)} pages in {figures['seconds']} s; "
        f"reproduce: python -m models.eval.documents --per-cell {args.per_cell} "
        f"--conditions-per-template {args.conditions_per_template} "
        f"--mrz-per-cell {args.mrz_per_cell}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
