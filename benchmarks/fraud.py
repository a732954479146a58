"""Fraud-stage latency: the forensics model through Triton, the in-worker parts, and the stage.

    python -m benchmarks.fraud [--documents 12] [--verifications 8] [--history 5000]
        [--clients 4]

1. ``document_forensics`` through Triton, one request after another, on
   generated phone photos of Omang fronts and electricity bills (each request a
   distinct document, so the response cache cannot answer), with the model's
   own split (decode / signals / hash) from its answer; then ``--clients``
   clients at once on 3 x ``--documents`` further documents: documents/s.
2. In process, what the stage does beside the model: EXIF forensics of the
   upload, the reuse shortlist (brute force over 5,000 stored ink vectors) and
   one full page comparison (``hash_distance``).
3. The whole fraud stage as the pipeline measures it (``metrics.stages.fraud``
   of finished verifications): identity verifications of distinct Omang phone
   photos through the API, in a new organisation that already stored
   ``--history`` Omang pages (random vectors), so that the reuse shortlist
   searches a realistic history.

Prints its figures and the command that reproduces them. Needs ``make up``.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import cv2
import httpx
import numpy as np

from benchmarks.common import CpuMeter, machine, percentile
from core.db.fraud import DocumentRecord, FraudRepository
from core.db.pool import open_pool
from core.inference import TritonGateway
from core.settings import get_settings
from ingest.admin import provision
from models.doctypes import DocumentType
from models.fraud.edits import load_installed
from models.fraud.forensics import image_metadata
from models.fraud.hashing import document_hash, hash_distance
from models.fraud.reuse import INK_SIDE, ink_vector, shortlist
from models.fraud.serve import analyse
from tools.docgen import generate

SEED = 8_800_000
TYPES = (DocumentType.NATIONAL_ID_FRONT, DocumentType.ELECTRICITY_BILL)


def _jpeg(image: np.ndarray) -> bytes:
    ok, buf = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 90])
    assert ok
    return bytes(buf.tobytes())


def _row(name: str, ms: list[float]) -> None:
    print(f"| {name} | {len(ms)} | {percentile(ms, 50):.1f} | {percentile(ms, 95):.1f} |")


def _timed(fn: Callable[[], object], n: int) -> list[float]:
    out = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        out.append(1000 * (time.perf_counter() - t))
    return out


def _once(fn: Callable[[], object]) -> float:
    return _timed(fn, 1)[0]


def served(gw: TritonGateway, documents: int, seed: int) -> list[bytes]:
    uploads = [
        _jpeg(generate(seed + i, TYPES[i % len(TYPES)], 0, "phone").image) for i in range(documents)
    ]
    gw.document_forensics(uploads[0])  # warm-up: first call loads nothing new, but pays imports
    wall: list[float] = []
    split: dict[str, list[float]] = {"decode": [], "signals": [], "hash": []}
    for data in uploads[1:]:
        t = time.perf_counter()
        answer = gw.document_forensics(data)
        wall.append(1000 * (time.perf_counter() - t))
        for k in split:
            split[k].append(float(answer["timingsMs"][k]))
    print("| document_forensics through Triton | n | p50 ms | p95 ms |\n|---|---:|---:|---:|")
    _row("request, end to end", wall)
    for k, v in split.items():
        _row(f"  of which {k} (model's own timing)", v)
    return uploads


def throughput(documents: int, seed: int, clients: int) -> None:
    """``documents`` fresh phone photos (none in Triton's response cache) sent by
    ``clients`` threads at once, each with its own gateway: documents per second while
    the model is never idle (the thread pool inside it against the requests queueing)."""
    uploads = [
        _jpeg(generate(seed + 500 + i, TYPES[i % len(TYPES)], 0, "phone").image)
        for i in range(documents)
    ]
    gateways = [TritonGateway(get_settings().triton) for _ in range(clients)]
    t = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        list(
            pool.map(
                lambda ix: gateways[ix[0] % clients].document_forensics(ix[1]),
                enumerate(uploads),
            )
        )
    seconds = time.perf_counter() - t
    print(
        f"\nthroughput, {clients} clients at once: {documents} documents in {seconds:.1f} s, "
        f"{documents / seconds:.1f} documents/s"
    )


def in_process(uploads: list[bytes]) -> None:
    now = dt.datetime.now()
    print("\n| in the worker, per page | n | p50 ms | p95 ms |\n|---|---:|---:|---:|")
    _row(
        "EXIF forensics (image_metadata)",
        [_once(lambda d=d: image_metadata(d, now)) for d in uploads],  # type: ignore[misc]
    )
    hashes = [
        document_hash(np.asarray(cv2.imdecode(np.frombuffer(d, np.uint8), 1), np.uint8))
        for d in uploads
    ]
    # The served model's work in this process, alone and on a 2-thread pool as Triton runs
    # it (config.pbtxt "threads"), interleaved so that both see the same machine.
    alone: list[float] = []
    pooled: list[float] = []
    model = load_installed()
    with ThreadPoolExecutor(max_workers=2) as pool:
        for d in uploads:
            alone.append(_once(lambda d=d: analyse(d, None, None, model)))  # type: ignore[misc]
            pooled.append(_once(lambda d=d: analyse(d, None, pool, model)))  # type: ignore[misc]
    _row("forensics + hash in process, one thread (serve.analyse)", alone)
    _row("forensics + hash in process, 2-thread pool (as served)", pooled)
    rng = np.random.default_rng(0)
    stored = rng.normal(size=(5000, 576)).astype(np.float32)
    query = ink_vector(hashes[0])
    _row("reuse shortlist over 5,000 stored pages", _timed(lambda: shortlist(query, stored, 5), 20))
    _row(
        "one full page comparison (hash_distance)",
        _timed(lambda: hash_distance(hashes[0], hashes[1]), 10),
    )


def _history(org: str, pages: int) -> None:
    """``pages`` stored Omang fronts of earlier verifications of ``org`` (random ink
    vectors and hashes), so that the stage shortlists over a realistic history."""

    async def go() -> None:
        pool = await open_pool(get_settings().postgres)
        try:
            repo = FraudRepository(pool)
            rng = np.random.default_rng(1)
            layout = bytes(8)
            ink = document_hash(np.full((64, 64, 3), 255, np.uint8)).to_dict()["ink"]
            for start in range(0, pages, 1000):
                batch = []
                for i in range(start, min(pages, start + 1000)):
                    v = rng.normal(size=INK_SIDE * INK_SIDE)
                    batch.append(
                        DocumentRecord(
                            f"ver_history_{org}_{i}",
                            org,
                            f"history-{i}",
                            0,
                            0,
                            DocumentType.NATIONAL_ID_FRONT.value,
                            None,
                            None,
                            layout,
                            ink,
                            [float(x) for x in v / np.linalg.norm(v)],
                        )
                    )
                await repo.add_documents(batch)
        finally:
            await pool.close()

    asyncio.run(go())


def stage(verifications: int, history: int, seed: int) -> None:
    settings = get_settings()
    org, key = provision(settings, "fraud benchmark")
    _history(org, history)
    base = f"http://{settings.api.host}:{settings.api.port}"
    durations: list[float] = []
    inference: list[float] = []
    with httpx.Client(base_url=base, timeout=90, headers={"Authorization": f"Bearer {key}"}) as c:
        # Verification 0 is not counted: it pays the worker's catch-up of the history
        # just stored (printed apart), which a live organisation spreads over its days.
        for i in range(verifications + 1):
            card = _jpeg(
                generate(seed + 1000 + i, DocumentType.NATIONAL_ID_FRONT, 0, "phone").image
            )
            resp = c.post(
                "/api/v1/kyc/verify/identity",
                files={"documents": ("card.jpg", card, "image/jpeg")},
                data={"reference": f"bench-{i}"},
                headers={"Prefer": "wait=30"},
            )
            body = resp.json()
            deadline = time.monotonic() + 90
            while body.get("status") not in ("completed", "failed") and time.monotonic() < deadline:
                time.sleep(0.5)
                body = c.get(f"/api/v1/kyc/verifications/{body['id']}").json()
            fraud = body.get("metrics", {}).get("stages", {}).get("fraud")
            if fraud and i == 0:
                print(f"first verification after the history: {fraud['durationMs']:.0f} ms")
            elif fraud:
                durations.append(float(fraud["durationMs"]))
                inference.append(float(fraud.get("inferenceMs", 0.0)))
    print(
        f"\n| fraud stage in the pipeline (identity, 1 page; {history:,} pages stored before)"
        " | n | p50 ms | p95 ms |"
    )
    print("|---|---:|---:|---:|")
    _row("stage duration (metrics.stages.fraud.durationMs)", durations)
    _row("  of which Triton document_forensics (inferenceMs)", inference)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--documents", type=int, default=12)
    parser.add_argument("--verifications", type=int, default=8)
    parser.add_argument(
        "--seed",
        type=int,
        default=SEED,
        help="first document; another seed gives documents Triton's response cache has not seen",
    )
    parser.add_argument(
        "--history", type=int, default=5000, help="pages the organisation stored before"
    )
    parser.add_argument(
        "--clients",
        type=int,
        default=4,
        help="concurrent clients of the throughput part (0: skip it)",
    )
    args = parser.parse_args()
    print(f"machine: {machine()}\n")
    gw = TritonGateway(get_settings().triton)
    with CpuMeter() as cpu:
        uploads = served(gw, args.documents, args.seed)
        if args.clients:
            throughput(3 * args.documents, args.seed, args.clients)
        in_process(uploads)
        if args.verifications:
            stage(args.verifications, args.history, args.seed)
    print(f"\n{cpu.summary()}")
    print(
        f"\nreproduce: python -m benchmarks.fraud --documents {args.documents} "
        f"--verifications {args.verifications} --history {args.history} --seed {args.seed} "
        f"--clients {args.clients}"
    )


if __name__ == "__main__":
    main()
