"""Write generated liveness sessions as MP4 clips with their ground truth.

    python -m tools.livegen --out DIR [--seed 1] [--sessions 2] [--kinds genuine,print_attack]

For each seed and kind: ``<kind>-<seed>.mp4`` (MPEG-4 Part 2 at 15 fps) and
``<kind>-<seed>.json`` (the challenge as the device gets it, what was performed, the
identities, per-frame head-model truth where there is one).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

from models.liveness.challenge import new_challenge
from tools.livegen import KINDS, encode_mp4, session


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--sessions", type=int, default=1, help="seeds per kind")
    parser.add_argument("--kinds", default=",".join(KINDS))
    args = parser.parse_args(argv)
    kinds = [k for k in args.kinds.split(",") if k]
    unknown = set(kinds) - set(KINDS)
    if unknown:
        parser.error(f"unknown kinds {sorted(unknown)}; known: {', '.join(KINDS)}")
    args.out.mkdir(parents=True, exist_ok=True)
    for seed in range(args.seed, args.seed + args.sessions):
        challenge = new_challenge(random.Random(seed))  # noqa: S311 - reproducible test data
        for kind in kinds:
            s = session(kind, seed, challenge)
            stem = args.out / f"{kind}-{seed}"
            stem.with_suffix(".mp4").write_bytes(encode_mp4(s.images))
            truth = {
                "kind": s.kind,
                "seed": seed,
                "challenge": challenge.to_dict(),
                "performed": [p.value for p in s.performed],
                "identities": list(s.identities),
                "photoIds": list(s.photo_ids),
                "frameTimesMs": [round(f.t_ms, 1) for f in s.frames],
                "truth": [
                    {
                        "yaw": p.yaw,
                        "pitch": p.pitch,
                        "distanceMm": p.distance_mm,
                        "closure": p.closure,
                    }
                    for p in s.truth
                ],
                "notes": s.notes,
            }
            stem.with_suffix(".json").write_text(json.dumps(truth, indent=1))
            print(f"{stem}.mp4  {len(s.frames)} frames  {s.identities}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
