"""Per-model latency and throughput through Triton, and the response cache on repeat traffic.

    python -m benchmarks.triton_models [--requests 24] [--concurrency 4]

For each document model (``image_quality``, ``document_ocr``,
``document_classifier``), on generated documents (every request distinct, so
that the response cache cannot answer):

- batch 1: requests one after another; client latency p50/p95, and Triton's
  own compute time per inference (its statistics, before/after deltas);
- dynamic batching: ``--concurrency`` clients at once; throughput and the
  mean batch size Triton formed (inferences / executions);

then the model cache: a repeat-traffic mix (each request a page already seen
with probability 0.7, as the architecture's 70% target assumes) to
``document_ocr``; the hit rate Triton counted and the latency of hits.
Needs the stack's Triton (``make up``).
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import cv2

from benchmarks.common import machine, percentile, triton_counters
from core.inference import TritonGateway
from core.settings import get_settings
from models.doctypes import DocumentType
from tools.docgen import generate

# Run-unique seeds: the response cache outlives a run, and a page answered
# from it would be timed as if it had been computed.
SEED0 = int(time.time()) % 1_000_000 * 1000
TYPES = [t for t in DocumentType if t is not DocumentType.UNKNOWN]


def _stats(gw: TritonGateway, model: str) -> dict[str, int]:
    return triton_counters(gw.model_stats(model))


def _delta(a: dict[str, int], b: dict[str, int]) -> dict[str, int]:
    return {k: b[k] - a[k] for k in a}


def documents(n: int, condition: str, offset: int = 0) -> list[bytes]:
    """``n`` distinct generated documents (JPEG), cycling through the types."""
    out = []
    for i in range(n):
        sample = generate(SEED0 + offset + i, TYPES[i % len(TYPES)], i % 2, condition)
        ok, buf = cv2.imencode(".jpg", sample.image, [cv2.IMWRITE_JPEG_QUALITY, 92])
        assert ok
        out.append(buf.tobytes())
    return out


def bench(
    gw: TritonGateway, model: str, call: Callable[[Any], object], inputs: list[Any], conc: int
) -> None:
    half = len(inputs) // 2
    before = _stats(gw, model)
    lat = []
    for x in inputs[:half]:
        t = time.perf_counter()
        call(x)
        lat.append(1000 * (time.perf_counter() - t))
    d = _delta(before, _stats(gw, model))
    compute = d["compute_ns"] / max(1, d["executions"]) / 1e6
    print(
        f"  {model:<20} batch 1      n={half:<3} p50 {percentile(lat, 50):7.1f} ms  "
        f"p95 {percentile(lat, 95):7.1f} ms  server compute {compute:7.1f} ms/inference"
    )
    before = _stats(gw, model)
    t = time.perf_counter()
    with ThreadPoolExecutor(conc) as pool:
        list(pool.map(call, inputs[half:]))
    wall = time.perf_counter() - t
    d = _delta(before, _stats(gw, model))
    print(
        f"  {model:<20} {conc} clients    n={len(inputs) - half:<3} "
        f"{(len(inputs) - half) / wall:6.2f} inferences/s  mean batch "
        f"{d['inferences'] / max(1, d['executions']):.2f}"
    )


def cache(gw: TritonGateway, pages: list[bytes], requests: int) -> None:
    rng = random.Random(SEED0)  # noqa: S311 - traffic mix, not secrets
    seen: list[bytes] = []
    fresh = iter(pages)
    before = _stats(gw, "document_ocr")
    hit_lat: list[float] = []
    miss_lat: list[float] = []
    for _ in range(requests):
        repeat = bool(seen) and rng.random() < 0.7
        page = rng.choice(seen) if repeat else next(fresh, None)
        if page is None:
            page, repeat = rng.choice(seen), True
        t = time.perf_counter()
        gw.document_ocr([page])
        (hit_lat if repeat else miss_lat).append(1000 * (time.perf_counter() - t))
        if not repeat:
            seen.append(page)
    d = _delta(before, _stats(gw, "document_ocr"))
    print(
        f"  document_ocr cache: {requests} requests, {len(hit_lat)} repeats; Triton counted "
        f"{d['cache_hits']} hits = {100 * d['cache_hits'] / requests:.0f}% hit rate; "
        f"hit p50 {percentile(hit_lat, 50):.1f} ms, "
        f"computed p50 {percentile(miss_lat, 50):.0f} ms"
    )


def _reader(gw: TritonGateway, texts: list[str]) -> Callable[[bytes], object]:
    """OCR one page, keeping its text for the classifier's run."""

    def ocr(page: bytes) -> object:
        r = gw.document_ocr([page])[0]
        texts.append("\n".join(line["text"] for line in r.get("lines", [])))
        return r

    return ocr


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=24, help="per model and condition")
    parser.add_argument("--concurrency", type=int, default=4)
    args = parser.parse_args()
    gw = TritonGateway(get_settings().triton)
    print(f"machine: {machine()}")
    n = args.requests
    for condition in ("scan", "phone"):
        pages = documents(n, condition)
        print(f"{condition} documents ({n} distinct, generated):")
        bench(gw, "image_quality", lambda p: gw.image_quality([p]), pages, args.concurrency)
        texts: list[str] = []
        bench(gw, "document_ocr", _reader(gw, texts), pages, args.concurrency)
        # Texts read this run are new to the classifier's cache too.
        bench(
            gw,
            "document_classifier",
            lambda t: gw.classify_documents([t]),
            [f"{t}\n{SEED0 + i}" for i, t in enumerate(texts)],
            args.concurrency,
        )
    cache(gw, documents(12, "phone", offset=500), 40)
    print(
        "reproduce: make up && .venv/bin/python -m benchmarks.triton_models "
        f"--requests {n} --concurrency {args.concurrency}"
    )


if __name__ == "__main__":
    main()
