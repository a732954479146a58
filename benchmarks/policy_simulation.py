"""Risk-policy simulation: the in-process cost of re-scoring stored fraud results.

    python -m benchmarks.policy_simulation [--pages 12] [--sizes 500,2000] [--repeats 5]

``POST /api/v1/kyc/risk-policy/simulate`` reads the organisation's newest fraud
results from PostgreSQL and re-scores them (``models.fraud.whatif.simulate``)
in a worker thread. This measures that second part on this CPU: ``--pages``
real pages of the development tampering set are analysed once (every pixel and
file signal, as the pipeline stores them), each stored result combines one page
with repeat-fraud and velocity signals of random scores, and the time to parse
the stored JSON and re-score every result under a candidate policy is timed
(median and worst of ``--repeats`` runs). The database read is not included.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import sys
import time
from typing import Any

import numpy as np

from benchmarks.common import CpuMeter, machine
from models.eval.fraud import analyse
from models.fraud.score import DEFAULT_WEIGHTS, RiskPolicy, score, strongest
from models.fraud.signal import ReasonCode, Signal
from models.fraud.whatif import StoredFraud, simulate
from tools.tampergen import iter_set

DEV_SEED0 = 4_000_000
REPEAT = (
    ("document_reuse", ReasonCode.DOCUMENT_REUSED),
    ("face_reuse", ReasonCode.FACE_REUSED_OTHER_IDENTITY),
    ("id_number_reuse", ReasonCode.ID_NUMBER_REUSED),
)
VELOCITY = ("velocity_reference", "velocity_document", "velocity_device", "velocity_ip")


def stored_results(pages: int, size: int, rng: np.random.Generator) -> list[str]:
    """``size`` fraud results as the pipeline stores them (JSON text)."""
    kinds = ("genuine", "retype", "splice")
    analysed = [
        analyse(up.image_bytes, None, True)[0]
        for _, _, up in iter_set(max(1, pages // len(kinds)), DEV_SEED0, kinds)
    ]
    out = []
    for i in range(size):
        page = analysed[i % len(analysed)]
        repeat = [Signal(n, float(rng.uniform(0, 0.6)), 0.5, code) for n, code in REPEAT]
        velocity = [
            Signal(n, float(rng.uniform(0, 0.6)), 0.5, ReasonCode.VELOCITY_EXCEEDED)
            for n in VELOCITY
        ]
        fraud: dict[str, Any] = {
            "documents": [{"position": 0, "page": 0, "signals": [s.to_dict() for s in page]}],
            "repeatFraud": [s.to_dict() for s in repeat],
            "velocity": [s.to_dict() for s in velocity],
            "consistency": [],
            "risk": score(strongest(page + repeat + velocity)).to_dict(),
        }
        out.append(json.dumps(fraud))
    return out


def run(texts: list[str], policy: RiskPolicy) -> float:
    """Seconds to parse and re-score ``texts`` once."""
    at = dt.datetime.now(dt.UTC)
    t = time.perf_counter()
    records = [StoredFraud(f"ver_{i}", at, json.loads(x)) for i, x in enumerate(texts)]
    simulate(records, policy)
    return time.perf_counter() - t


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--pages", type=int, default=12)
    ap.add_argument("--sizes", default="500,2000")
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args(argv)
    given = sys.argv[1:] if argv is None else argv
    print("reproduce: " + " ".join(["python -m benchmarks.policy_simulation", *given]))
    print(f"machine: {machine()}")
    candidate = RiskPolicy(version="candidate", weights={**DEFAULT_WEIGHTS, "exif_software": 100})
    rng = np.random.default_rng(DEV_SEED0)
    print("| stored results | median ms | worst ms | per result ms |")
    print("|---:|---:|---:|---:|")
    for size in (int(s) for s in args.sizes.split(",")):
        texts = stored_results(args.pages, size, rng)
        with CpuMeter() as cpu:
            times = [run(texts, candidate) for _ in range(args.repeats)]
        med = statistics.median(times) * 1000
        print(f"| {size} | {med:.0f} | {max(times) * 1000:.0f} | {med / size:.3f} |")
        print(f"  ({cpu.summary()})", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
