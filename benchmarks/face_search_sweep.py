"""HNSW parameters of the face index at 1M stored faces: recall and latency per beam.

    python -m benchmarks.face_search_sweep [--size 1000000] [--queries 300]

Random unit 128-d vectors (the hardest case), queries are stored vectors plus
noise (sigma 0.05 per component, renormalised: a re-capture). For each graph
(connectivity, expansion at build) the index is built once, then searched
with beams 96, 256, 512 and 1024; recall@1 is against exact search (a matrix
product: on the GPU with PyTorch when there is one, else NumPy in chunks).
Run on the lent GPU machine on 2026-11-26 (16 cores; figures in
docs/benchmarks.md). Needs usearch; minutes at 1M on 16 cores, far longer on 2.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import numpy.typing as npt

import models.fraud.search as search
from benchmarks.common import machine, percentile

GRAPHS = ((16, 64), (32, 128))
BEAMS = (96, 256, 512, 1024)


def exact_nearest(data: npt.NDArray[np.float32], queries: npt.NDArray[np.float32]) -> list[int]:
    try:
        import torch  # type: ignore[import-not-found]  # the GPU machine has it; we do not

        if torch.cuda.is_available():
            d = torch.from_numpy(data).cuda()
            q = torch.from_numpy(queries).cuda()
            return [int(i) for i in torch.cdist(q, d).argmin(dim=1).cpu().numpy()]
    except ImportError:
        pass
    best = []
    for row in queries:
        dist = ((data - row) ** 2).sum(axis=1)
        best.append(int(np.argmin(dist)))
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--size", type=int, default=1_000_000)
    ap.add_argument("--queries", type=int, default=300)
    args = ap.parse_args()
    print(f"machine: {machine()}")
    rng = np.random.default_rng(1)
    data = rng.normal(size=(args.size, 128)).astype(np.float32)
    data /= np.linalg.norm(data, axis=1, keepdims=True)
    picks = rng.choice(args.size, args.queries, replace=False)
    q = data[picks] + rng.normal(0, 0.05, (args.queries, 128)).astype(np.float32)
    q /= np.linalg.norm(q, axis=1, keepdims=True)
    exact = exact_nearest(data, q)
    for conn, add in GRAPHS:
        search.CONNECTIVITY, search.EXPANSION_ADD = conn, add
        index = search.FaceIndex(dim=128)
        t = time.perf_counter()
        index.rebuild((i, data[i]) for i in range(args.size))
        build = time.perf_counter() - t
        for beam in BEAMS:
            index.set_expansion_search(beam)
            lat, hits = [], 0
            for j in range(args.queries):
                t = time.perf_counter()
                found = index.search(q[j], k=10, max_distance=10.0)
                lat.append(1000 * (time.perf_counter() - t))
                hits += bool(found) and found[0][0] == exact[j]
            print(
                f"conn {conn} add {add} build {build:.1f}s search {beam}: "
                f"p50 {percentile(lat, 50):.3f} ms p95 {percentile(lat, 95):.3f} ms "
                f"recall@1 {hits / args.queries:.3f}",
                flush=True,
            )
    print(
        "reproduce: python -m benchmarks.face_search_sweep"
        f" --size {args.size} --queries {args.queries}"
    )


if __name__ == "__main__":
    main()
