"""Fit the calibration of field confidence on generated pages apart from the evaluation's.

    python -m models.eval.calibrate [--per-cell 1] [--out models/extract/calibration.json]

The fitting set: seeds from ``CALIBRATION_SEED0`` (the evaluation uses
1,000,000 and up, the classifier's training below 600,000), the templates the
evaluation does not hold out, each (type, template) under ``scan``, ``phone``
and two more capture conditions in rotation. Each page is read by the served
OCR (cached like the evaluation's readings), extracted with the raw rule
confidence, and every extracted field compared with the ground truth. The
Platt maps (``models.extract.calibration``) are fitted on those pairs and
written with their provenance; the expected calibration error before and
after, on the fitting set, is printed (the held-out figure is the
evaluation's, ``make eval-documents``).

Needs the stack's Triton (``make up``). Minutes: about 1.5 s per page on 2 cores.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import cv2
import numpy as np

from core.inference import TritonGateway
from core.settings import get_settings
from models.doctype.train import expected_calibration_error
from models.doctypes import DocumentType
from models.eval.documents import EVAL_TODAY, ocr_sources_hash, read_page
from models.extract.calibration import CALIBRATION_FILE, Calibration, fit
from models.extract.document import extract_document
from models.extract.kv import NORMALISERS
from models.extract.lexicon import fields_of
from tools.docgen import CONDITIONS, HELD_OUT_TEMPLATE, TEMPLATES_PER_TYPE, generate

CALIBRATION_SEED0 = 3_000_000

Pair = tuple[str, float, bool]


def calibration_set(per_cell: int) -> list[tuple[int, DocumentType, int, str]]:
    """(seed, type, template, condition) of every fitting page; deterministic."""
    extra = [c for c in CONDITIONS if c not in ("scan", "phone")]
    out: list[tuple[int, DocumentType, int, str]] = []
    k = 0
    for doc_type in DocumentType:
        if doc_type is DocumentType.UNKNOWN or not fields_of(doc_type):
            continue
        for template in range(TEMPLATES_PER_TYPE):
            if template == HELD_OUT_TEMPLATE:
                continue
            conditions = ["scan", "phone", extra[k % len(extra)], extra[(k + 1) % len(extra)]]
            k += 2
            for condition in conditions:
                for i in range(per_cell):
                    out.append((CALIBRATION_SEED0 + 1000 * i + k, doc_type, template, condition))
    return out


def field_pairs(
    gw: TritonGateway, item: tuple[int, DocumentType, int, str], cache: Path | None
) -> list[Pair]:
    """(source, raw confidence, right) for every field extracted from one page."""
    seed, doc_type, template, condition = item
    sample = generate(seed, doc_type, template, condition)
    ok, buf = cv2.imencode(".jpg", sample.image, [cv2.IMWRITE_JPEG_QUALITY, 92])
    assert ok
    key = f"{doc_type.value}-{template}-{condition}-{seed}"
    reading, _ = read_page(gw, buf.tobytes(), key, cache)
    ex = extract_document(
        doc_type,
        reading.get("lines", []),
        EVAL_TODAY,
        calibration=Calibration.identity(),
        barcodes=reading.get("barcodes", []),
    )
    truth = {f.name: f for f in sample.fields}
    pairs: list[Pair] = []
    for spec in fields_of(doc_type):
        got = ex.fields.get(spec.name)
        f = truth.get(spec.name)
        if got is None or f is None or not f.visible:
            continue
        pairs.append(
            (got.source, got.confidence, got.normalized == NORMALISERS[spec.kind](f.value))
        )
    return pairs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--per-cell", type=int, default=1, help="pages per (type, template, condition)"
    )
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--out", type=Path, default=CALIBRATION_FILE)
    parser.add_argument("--readings", type=Path, default=Path("out/ocr-readings"))
    args = parser.parse_args(argv)
    gw = TritonGateway(get_settings().triton)
    if not gw.ready():
        print("Triton is not ready: start the stack with `make up`", file=sys.stderr)
        return 1
    cache = args.readings / ocr_sources_hash(get_settings().triton.config_variant)
    cache.mkdir(parents=True, exist_ok=True)
    items = calibration_set(args.per_cell)
    started = time.monotonic()
    pairs: list[Pair] = []
    with ThreadPoolExecutor(args.concurrency) as pool:
        for n, page in enumerate(pool.map(lambda it: field_pairs(gw, it, cache), items), 1):
            pairs += page
            if n % 50 == 0:
                print(f"{n}/{len(items)} pages", file=sys.stderr, flush=True)
    command = f"python -m models.eval.calibrate --per-cell {args.per_cell}"
    calibration = fit(
        pairs,
        provenance={
            "command": command,
            "pages": len(items),
            "fields": len(pairs),
            "seeds_from": CALIBRATION_SEED0,
            "templates": [t for t in range(TEMPLATES_PER_TYPE) if t != HELD_OUT_TEMPLATE],
            "fitted_on": dt.date.today().isoformat(),
        },
    )
    args.out.write_text(json.dumps(calibration.to_dict(), indent=1) + "\n")
    raw = np.array([r for _, r, _ in pairs])
    right = np.array([c for _, _, c in pairs])
    fitted = np.array([calibration.apply(s, r) for s, r, _ in pairs])
    print(f"{len(items)} pages, {len(pairs)} fields, accuracy {right.mean():.3f}")
    print(f"ECE on the fitting set: raw {expected_calibration_error(raw, right):.3f}, ", end="")
    print(f"calibrated {expected_calibration_error(fitted, right):.3f}")
    print(json.dumps(calibration.to_dict(), indent=1))
    print(f"{time.monotonic() - started:.0f} s; wrote {args.out}; reproduce: {command}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
