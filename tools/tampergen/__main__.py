"""Write the tampering set to a folder: ``python -m tools.tampergen --out DIR --per-kind N``.

One JPEG per upload under ``DIR/<kind>/`` and ``DIR/truth.jsonl`` with, per
upload: the file, the kind, the tampered regions (x, y, w, h), the source
document (type, template, condition, seed), its portrait box when the
geometry is unchanged (not for recaptures), and what the attack did.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from tools.tampergen import KINDS, iter_set

GEOMETRY_KEPT = frozenset(KINDS) - {"screen_recapture", "print_recapture"}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--per-kind", type=int, default=4)
    ap.add_argument("--seed", type=int, default=3_000_000)
    ap.add_argument("--kinds", default=",".join(KINDS), help="comma-separated subset")
    args = ap.parse_args(argv)
    kinds = tuple(k for k in args.kinds.split(",") if k)
    unknown = set(kinds) - set(KINDS)
    if unknown:
        ap.error(f"unknown kinds {sorted(unknown)}; known: {', '.join(KINDS)}")
    args.out.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    with (args.out / "truth.jsonl").open("w") as truth:
        for kind, sample, upload in iter_set(args.per_kind, args.seed, kinds):
            i = counts.get(kind, 0)
            counts[kind] = i + 1
            rel = Path(kind) / f"{i:04d}.jpg"
            (args.out / kind).mkdir(exist_ok=True)
            (args.out / rel).write_bytes(upload.image_bytes)
            pbox = sample.portrait_box if kind in GEOMETRY_KEPT else None
            row = {
                "file": str(rel),
                "kind": kind,
                "regions": [list(r) for r in upload.regions],
                "docType": sample.doc_type.value,
                "template": sample.template,
                "condition": sample.condition,
                "seed": sample.seed,
                "portraitBox": None
                if pbox is None
                else [pbox[0], pbox[1], pbox[2] - pbox[0], pbox[3] - pbox[1]],
                "details": upload.details,
            }
            truth.write(json.dumps(row) + "\n")
            print(f"{rel}  {sample.doc_type.value} {sample.condition}", file=sys.stderr)
    print(json.dumps(counts))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
