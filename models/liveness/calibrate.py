"""Calibrate the PAD half points on TRAINING seeds: ``python -m models.liveness.calibrate``.

    python -m models.liveness.calibrate [--sessions 12] [--workers 2]

Runs generated sessions of every kind (seeds from ``TRAIN_SEED0``: tuning used seeds 0-99;
the evaluation, :mod:`models.eval.liveness`, starts at ``EVAL_SEED0`` = 3,000,000 and is
never looked at here) through the
full assessment and prints, per signal, the raw measure's distribution for genuine
sessions and for each attack, and a suggested half point: for a measure that is high for
attacks, the midpoint (geometric) between the genuine 95th percentile and the lowest attack
median above it; for one that is high for live faces, the mirror image. The constants in
:mod:`models.liveness.pad` were set from this output by hand (a handful of numbers whose
reasons are readable, rather than a fitted model file). Minutes.
"""

from __future__ import annotations

import argparse
import math
import sys

import numpy as np

from models.eval.liveness import Outcome, run

TRAIN_SEED0 = 0
# Signals whose raw measure is HIGH for live faces (the others are high for attacks).
LIVE_HIGH = frozenset({"flatness", "naturalMotion"})


def suggest(name: str, outcomes: list[Outcome]) -> tuple[str, float | None]:
    genuine = [o.raws[name] for o in outcomes if o.kind == "genuine" and o.raws.get(name)]
    if not genuine:
        return "no genuine values", None
    attacks: dict[str, list[float]] = {}
    for o in outcomes:
        value = o.raws.get(name)
        if o.kind != "genuine" and value is not None:
            attacks.setdefault(o.kind, []).append(float(value))
    medians = {k: float(np.median(v)) for k, v in attacks.items()}
    g = np.array(genuine, float)
    if name in LIVE_HIGH:
        edge = float(np.percentile(g, 5))
        below = [m for m in medians.values() if m < edge]
        if not below:
            return f"genuine p5 {edge:.3f}: no attack median below", None
        return f"genuine p5 {edge:.3f}, highest attack median below {max(below):.3f}", math.sqrt(
            edge * max(below)
        )
    edge = float(np.percentile(g, 95))
    above = [m for m in medians.values() if m > edge]
    if not above:
        return f"genuine p95 {edge:.3f}: no attack median above", None
    return f"genuine p95 {edge:.3f}, lowest attack median above {min(above):.3f}", math.sqrt(
        edge * min(above)
    )


def main(argv: list[str] | None = None) -> int:
    from tools.livegen import KINDS

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=12)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    outcomes = run(KINDS, range(TRAIN_SEED0, TRAIN_SEED0 + args.sessions), args.workers)
    names = sorted({n for o in outcomes for n in o.raws})
    for name in names:
        print(f"\n{name}")
        for kind in KINDS:
            values = [
                o.raws[name] for o in outcomes if o.kind == kind and o.raws.get(name) is not None
            ]
            if values:
                q = np.percentile(np.array(values, float), [5, 25, 50, 75, 95])
                print(
                    f"  {kind:14s} n={len(values):3d} p5..p95 " + " ".join(f"{x:7.3f}" for x in q)
                )
        why, value = suggest(name, outcomes)
        print(f"  suggested half point: {'-' if value is None else f'{value:.3f}'} ({why})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
