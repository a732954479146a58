"""Does the quality stage's ``CROPPED`` flag mean "cut off by the frame"?

``python -m models.eval.cropping [--n 660] [--seed0 4200000]`` (about 3 minutes of CPU,
no services). Genuine generated uploads (``tools.tampergen``, development seeds, every
capture condition): for each, whether :func:`models.quality.assess` flags ``CROPPED``,
grouped by what the generator knows: a card (an identity document) or a page, cut by the
frame (condition ``partial_crop``) or not, and whether the cut lost a field. A flag on an
upload nothing cut is a false alarm; on a cut upload, a detection. Pure measurement.
"""

from __future__ import annotations

import argparse
import time
from collections import Counter

from models import quality
from models.fraud import tamper
from tools.tampergen import iter_set


def run(n: int, seed0: int) -> Counter[tuple[str, str, str, bool]]:
    """Uploads per (card or page, capture, field lost or whole, flagged). Blocking, CPU."""
    counts: Counter[tuple[str, str, str, bool]] = Counter()
    for _, sample, upload in iter_set(n, seed0, ("genuine",)):
        report = quality.assess(tamper.load_image(upload.image_bytes).bgr)
        shape = "card" if "identity" in sample.doc_type.categories else "page"
        capture = sample.condition if sample.condition in ("partial_crop", "phone") else "other"
        lost = "field lost" if any(not f.visible for f in sample.fields) else "whole"
        counts[(shape, capture, lost, "CROPPED" in report.issues)] += 1
    return counts


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--n", type=int, default=660, help="genuine uploads")
    ap.add_argument("--seed0", type=int, default=4_200_000)
    args = ap.parse_args(argv)
    t0 = time.time()
    counts = run(args.n, args.seed0)
    print(f"python -m models.eval.cropping --n {args.n} --seed0 {args.seed0}", end="")
    print(f"  ({time.time() - t0:.0f} s)")
    print("| document | capture | fields | uploads | flagged CROPPED |")
    print("|---|---|---|---:|---:|")
    for group in sorted({k[:3] for k in counts}):
        flagged, total = counts[(*group, True)], counts[(*group, True)] + counts[(*group, False)]
        print(f"| {group[0]} | {group[1]} | {group[2]} | {total} | {flagged} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
