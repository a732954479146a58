"""Fit the template-layout profiles: ``python -m models.fraud.train_layout``.

Data, all generated here (``tools.docgen`` through ``tools.tampergen.genuine``, the
camera's JPEG with or without EXIF; no download): ``--per-template`` genuine
uploads of every template of each type in :data:`TYPES` (the identity documents),
seeds from :data:`SEED0`
(disjoint from the development range of the layout check, :data:`DEV_SEED0`, and
from ``models.eval.layout``'s evaluation range), capture conditions cycling
through all of them (turned and cropped pages included: the profiles must hold
for what the OCR makes of them). Each upload is read by the production OCR in
process (:mod:`models.fraud.layout_data`; readings cached in ``--readings``), and
:func:`models.fraud.layout.fit_profile` fits one profile per template.

Writes ``models/fraud/layout_profiles.json`` (``--out``), which ships with the
code. Deterministic for given arguments; one to two seconds of rendering and OCR
per upload on 2 cores (480 uploads for the defaults: 15 minutes alone, 29 beside
another OCR job), seconds with a warm ``--readings`` cache.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from models.doctypes import DocumentType
from models.fraud.layout import PROFILES_FILE, Page, fit_profile, profiles_to_json
from models.fraud.layout_data import Job, read_uploads
from tools.docgen import CONDITIONS, TEMPLATES_PER_TYPE, generate
from tools.tampergen import REAL_TYPES
from tools.tampergen import genuine as genuine_upload

# Types printed from a fixed template: identity documents. A bill, letter or statement
# flows with its content (a longer address or table moves everything under it), so where
# its words stand says little about whether it is genuine; those types get no profile.
TYPES: tuple[DocumentType, ...] = tuple(t for t in REAL_TYPES if "identity" in t.categories)
SEED0 = 3_700_000
DEV_SEED0 = 4_700_000
PER_TEMPLATE = 20


def genuine_jobs(
    seed0: int,
    per_template: int,
    types: tuple[DocumentType, ...] = TYPES,
    condition: str | None = None,
) -> Iterator[Job]:
    """``per_template`` genuine uploads of every template of ``types``: upload ``i`` of type
    number ``k``, template ``t`` is seed ``seed0 + 1000 * k + 10 * i + t`` under condition
    ``CONDITIONS[(i + k + t) % len(CONDITIONS)]``, or all under ``condition`` when it is
    given. Deterministic."""
    for k, doc_type in enumerate(types):
        for t in range(TEMPLATES_PER_TYPE):
            for i in range(per_template):
                seed = seed0 + 1000 * k + 10 * i + t
                cond = condition or CONDITIONS[(i + k + t) % len(CONDITIONS)]

                def make(
                    seed: int = seed,
                    doc_type: DocumentType = doc_type,
                    t: int = t,
                    cond: str = cond,
                ) -> bytes:
                    sample = generate(seed, doc_type, t, cond)
                    rng = np.random.default_rng([seed, 0])
                    return genuine_upload(sample, rng).image_bytes

                yield Job(
                    f"genuine/{doc_type.value}/{t}/{seed}/{cond}",
                    doc_type,
                    t,
                    cond,
                    "genuine",
                    make,
                )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-template", type=int, default=PER_TEMPLATE)
    parser.add_argument("--seed0", type=int, default=SEED0)
    parser.add_argument("--readings", type=Path, default=Path("out/layout/train-readings.jsonl"))
    parser.add_argument("--out", type=Path, default=PROFILES_FILE)
    args = parser.parse_args(argv)
    args.readings.parent.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    reads = list(read_uploads(genuine_jobs(args.seed0, args.per_template), args.readings))
    groups: dict[tuple[str, int], list[Page | None]] = {}
    for r in reads:
        groups.setdefault((r.doc_type.value, r.template), []).append(r.page)
    profiles = [
        fit_profile(doc_type, f"t{template}", pages)
        for (doc_type, template), pages in sorted(groups.items())
    ]
    meta = {
        "command": "python -m models.fraud.train_layout "
        + " ".join(argv if argv is not None else sys.argv[1:]),
        "seed0": args.seed0,
        "perTemplate": args.per_template,
        "uploads": len(reads),
        "fittedOn": dt.date.today().isoformat(),
    }
    args.out.write_text(profiles_to_json(profiles, meta) + "\n")
    sizes = [len(p.anchors) for p in profiles]
    print(
        f"{len(profiles)} profiles from {len(reads)} uploads; anchors per profile "
        f"min {min(sizes)}, median {sorted(sizes)[len(sizes) // 2]}, max {max(sizes)}; "
        f"{time.perf_counter() - t0:.0f} s -> {args.out}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
