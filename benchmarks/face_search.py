"""1:N face search: latency, build time, memory and ANN recall at 10k / 100k / 1M faces.

    python -m benchmarks.face_search [--sizes 10000,100000,1000000] [--queries 500]

Stored vectors are random unit-norm 128-d vectors (generated; the scale is
what is measured, not face statistics). Queries are stored vectors plus
small noise (a re-capture of an enrolled face) and fresh random vectors (a
new person). Reported per size: build time (``FaceIndex.rebuild``), index
memory (process RSS growth), p50/p95 per-query latency of
``FaceIndex.search(k=10)``, and recall@1 of the ANN against exact search
(brute force with numpy) on the noisy queries.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

import numpy as np

from benchmarks.common import CpuMeter, machine, percentile
from models.fraud.search import FaceIndex

DIM = 128
QUERY_NOISE = 0.05  # per-component sigma before renormalising: a close re-capture


def _rss_mib() -> float:
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * resource.getpagesize() / 1024 / 1024


def run(size: int, queries: int, rng: np.random.Generator) -> dict[str, float]:
    data = rng.normal(size=(size, DIM)).astype(np.float32)
    data /= np.linalg.norm(data, axis=1, keepdims=True)
    before = _rss_mib()
    index = FaceIndex(dim=DIM)
    t = time.perf_counter()
    index.rebuild((i, data[i]) for i in range(size))
    build = time.perf_counter() - t
    memory = _rss_mib() - before
    picks = rng.choice(size, queries, replace=False)
    noisy = data[picks] + rng.normal(0, QUERY_NOISE, (queries, DIM)).astype(np.float32)
    noisy /= np.linalg.norm(noisy, axis=1, keepdims=True)
    latencies: list[float] = []
    hits = 0
    for q in range(queries):
        t = time.perf_counter()
        found = index.search(noisy[q], k=10, max_distance=10.0)
        latencies.append((time.perf_counter() - t) * 1000)
        exact = int(np.argmin(((data - noisy[q]) ** 2).sum(axis=1)))
        hits += bool(found) and found[0][0] == exact
    fresh = rng.normal(size=(queries, DIM)).astype(np.float32)
    fresh /= np.linalg.norm(fresh, axis=1, keepdims=True)
    new_lat = []
    for q in range(queries):
        t = time.perf_counter()
        index.search(fresh[q], k=10)
        new_lat.append((time.perf_counter() - t) * 1000)
    return {
        "size": size,
        "build_s": build,
        "memory_mib": memory,
        "p50_ms": percentile(latencies, 50),
        "p95_ms": percentile(latencies, 95),
        "new_p50_ms": percentile(new_lat, 50),
        "new_p95_ms": percentile(new_lat, 95),
        "recall_at_1": hits / queries,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--sizes", default="10000,100000,1000000")
    ap.add_argument("--queries", type=int, default=500)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    rng = np.random.default_rng(args.seed)
    print(f"machine: {machine()}")
    print("| stored | build s | index MiB | p50 ms | p95 ms | new face p50/p95 ms | recall@1 |")
    print("|---|---|---|---|---|---|---|")
    for size in (int(s) for s in args.sizes.split(",") if s):
        with CpuMeter() as cpu:
            r = run(size, args.queries, rng)
        print(
            f"| {size:,} | {r['build_s']:.1f} | {r['memory_mib']:.0f} | {r['p50_ms']:.2f} | "
            f"{r['p95_ms']:.2f} | {r['new_p50_ms']:.2f}/{r['new_p95_ms']:.2f} | "
            f"{r['recall_at_1']:.3f} |",
            flush=True,
        )
        print(f"  ({cpu.summary()})", flush=True)
    print(
        f"reproduce: python -m benchmarks.face_search --sizes {args.sizes} "
        f"--queries {args.queries} --seed {args.seed}",
        file=sys.stdout,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
