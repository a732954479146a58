"""Command line: write synthetic documents, their truth and a manifest.

``python -m tools.docgen --out DIR --seed 1 --per-type 2 [--types passport,payslip]
[--templates 0,1] [--conditions scan,phone]``

For every type, template, condition and each of ``--per-type`` seeds (``seed``,
``seed + 1``, ...) it writes ``DIR/<type>-t<template>-<condition>-<seed>.png``
(``scan``) or ``.jpg`` (other conditions), the same name with ``.json`` (the
truth), and appends one line per image to ``DIR/manifest.jsonl``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import cv2

from models.doctypes import DocumentType
from tools.docgen import CONDITIONS, generate, templates_of


def _csv(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m tools.docgen",
        description="Write synthetic Botswana KYC document images with ground truth.",
    )
    p.add_argument("--out", required=True, type=Path, help="output directory")
    p.add_argument("--seed", type=int, default=1, help="first seed (default 1)")
    p.add_argument("--per-type", type=int, default=1, help="seeds per type/template/condition")
    p.add_argument("--types", default="", help="comma-separated document types (default all)")
    p.add_argument("--templates", default="", help="comma-separated template numbers")
    p.add_argument("--conditions", default="scan", help="comma-separated capture conditions")
    p.add_argument("--jpeg-quality", type=int, default=92, help="quality of .jpg outputs")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    known = {t.value: t for t in DocumentType}
    names = _csv(args.types) or list(known)
    bad = [n for n in names if n not in known]
    if bad:
        parser.error(f"unknown document type(s): {', '.join(bad)}; known: {', '.join(known)}")
    conditions = _csv(args.conditions)
    bad = [c for c in conditions if c not in CONDITIONS]
    if bad or not conditions:
        parser.error(f"unknown condition(s): {', '.join(bad)}; known: {', '.join(CONDITIONS)}")
    try:
        templates = [int(t) for t in _csv(args.templates)] if args.templates else None
    except ValueError:
        parser.error(f"--templates must be comma-separated integers, not {args.templates!r}")
    if args.per_type < 1:
        parser.error("--per-type must be at least 1")
    if not 1 <= args.jpeg_quality <= 100:
        parser.error("--jpeg-quality must be between 1 and 100")
    for t in templates or []:
        if not 0 <= t < max(templates_of(known[n]) for n in names):
            parser.error(f"template {t} does not exist for the selected types")

    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    count = 0
    with (out / "manifest.jsonl").open("a", encoding="utf-8") as manifest:
        for name in names:
            doc_type = known[name]
            wanted = templates if templates is not None else range(templates_of(doc_type))
            for template in [t for t in wanted if t < templates_of(doc_type)]:
                for condition in conditions:
                    for seed in range(args.seed, args.seed + args.per_type):
                        sample = generate(seed, doc_type, template, condition)
                        ext = ".png" if condition == "scan" else ".jpg"
                        stem = f"{name}-t{template}-{condition}-{seed}"
                        params = (
                            [] if ext == ".png" else [cv2.IMWRITE_JPEG_QUALITY, args.jpeg_quality]
                        )
                        ok, buf = cv2.imencode(ext, sample.image, params)
                        if not ok:
                            raise RuntimeError(f"could not encode {stem}{ext}")
                        (out / f"{stem}{ext}").write_bytes(buf.tobytes())
                        truth = sample.truth()
                        (out / f"{stem}.json").write_text(
                            json.dumps(truth, ensure_ascii=False, indent=1), encoding="utf-8"
                        )
                        manifest.write(
                            json.dumps(
                                {
                                    "image": f"{stem}{ext}",
                                    "truth": f"{stem}.json",
                                    "doc_type": name,
                                    "template": template,
                                    "condition": condition,
                                    "seed": seed,
                                    "width": truth["width"],
                                    "height": truth["height"],
                                }
                            )
                            + "\n"
                        )
                        count += 1
    elapsed = time.perf_counter() - started
    print(f"docgen: wrote {count} samples of {len(names)} type(s) to {out} in {elapsed:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
