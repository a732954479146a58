"""Biometric model latency: face detection, landmarks, embeddings, and a liveness clip end to end.

    python -m benchmarks.biometrics [--requests 12] [--clips 3]

1. In-process, per step of ``models.face`` (the code ``face_analysis`` serves)
   on real photos (``tools.facedata``) shrunk to a selfie's 800 px and to a
   document portrait's 200 px: HOG detection, 68 landmarks, the 128-d
   embedding.
2. Through Triton, ``face_analysis`` one request after another: without and
   with the embedding; each request distinct (a run-unique JPEG quality nudge
   and a pixel change), so that the response cache cannot answer.
3. ``liveness_check`` through Triton: a 3 s, 15 fps synthetic genuine clip
   (``tools.livegen``) per request, end to end (decode, observe, decide), and
   the model's own split (observe / decide) from its answer.

Prints its figures and the command that reproduces them. Needs ``make up``.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from collections.abc import Callable
from functools import partial

import cv2
import numpy as np

from benchmarks.common import machine, percentile
from core.inference import TritonGateway
from core.settings import get_settings
from models.face.detect import FaceModels
from models.liveness.challenge import new_challenge
from tools.facedata import real_faces
from tools.livegen import encode_mp4, session

Image = np.ndarray


def _shrink(image: Image, longest: int) -> Image:
    scale = longest / max(image.shape[:2])
    if scale >= 1:
        return image
    h, w = image.shape[:2]
    return cv2.resize(image, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA)


def _timed(fn: Callable[[], object], n: int) -> list[float]:
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        out.append(1000 * (time.perf_counter() - t0))
    return out


def _row(name: str, ms: list[float]) -> None:
    print(
        f"| {name} | {len(ms)} | {percentile(ms, 50):.1f} | {percentile(ms, 95):.1f} |",
        flush=True,
    )


def in_process(photos: list[Image], repeats: int) -> None:
    models = FaceModels.load()
    print("| step (in process, models.face) | n | p50 ms | p95 ms |\n|---|---:|---:|---:|")
    for size in (800, 200):
        imgs = [_shrink(p, size) for p in photos]
        faces = [models.detect(i) for i in imgs]
        pairs = [(i, f[0]) for i, f in zip(imgs, faces, strict=True) if f]
        _row(
            f"detect, {size} px",
            [t for i in imgs for t in _timed(partial(models.detect, i), repeats)],
        )
        landmark_ms: list[float] = []
        embed_ms: list[float] = []
        for image, face in pairs:
            landmark_ms += _timed(partial(models.landmarks, image, face.box), repeats)
            embed_ms += _timed(partial(models.embed, image, face), repeats)
        _row(f"68 landmarks, {size} px", landmark_ms)
        _row(f"embedding, {size} px", embed_ms)


def served(gw: TritonGateway, photos: list[Image], requests: int) -> None:
    rng = random.Random(time.time_ns())  # noqa: S311 - cache-busting, not secrets
    print("\n| face_analysis through Triton | n | p50 ms | p95 ms |\n|---|---:|---:|---:|")
    for embed in (False, True):
        opts = json.dumps({"embed": embed})
        ms = []
        for k in range(requests):
            img = _shrink(photos[k % len(photos)], 800).copy()
            img[0, 0] = rng.randrange(256)  # distinct bytes: no cache hit
            ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, 90])
            assert ok
            t0 = time.perf_counter()
            gw.face_analysis([buf.tobytes()], opts)
            ms.append(1000 * (time.perf_counter() - t0))
        _row(f"800 px selfie, embedding {'on' if embed else 'off'}", ms)


def liveness(gw: TritonGateway, clips: int) -> None:
    print(
        "\n| liveness_check, 3 s 15 fps clip | n | p50 ms | p95 ms |\n|---|---:|---:|---:|",
        flush=True,
    )
    total, observe, decide = [], [], []
    for k in range(clips):
        challenge = new_challenge(random.Random(k))  # noqa: S311 - reproducible clips
        clip = session("genuine", 900_000 + k, challenge)
        mp4 = encode_mp4(clip.images)
        t0 = time.perf_counter()
        answer = gw.liveness_check(mp4, "video", json.dumps(challenge.to_dict()))
        total.append(1000 * (time.perf_counter() - t0))
        timings = answer["assessment"]["timingsMs"]
        observe.append(float(timings["observe"]))
        decide.append(float(timings["decide"]))
        frames = answer["clip"]["frames"]
    _row(f"end to end through Triton ({frames} frames)", total)
    _row("of which observe (faces, landmarks, pose, embeddings)", observe)
    _row("of which decide (challenge, signals)", decide)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=12)
    parser.add_argument("--clips", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    print(f"machine: {machine()}\n")
    photos = [p.image_bgr for p in real_faces()]
    in_process(photos, args.repeats)
    gw = TritonGateway(get_settings().triton)
    served(gw, photos, args.requests)
    liveness(gw, args.clips)
    print(
        "\nreproduce: make up && .venv/bin/python -m benchmarks.biometrics "
        f"--requests {args.requests} --clips {args.clips} --repeats {args.repeats}"
    )


if __name__ == "__main__":
    main()
