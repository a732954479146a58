"""1:N face search: the usearch index contract, and real embeddings of a real face."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt
import pytest

from models.fraud.search import SAME_PERSON_DISTANCE, FaceIndex, HashIndex, face_reuse_signal


def _unit(rng: np.random.Generator, n: int) -> npt.NDArray[np.float32]:
    v = rng.normal(size=(n, 128)).astype(np.float32)
    return np.asarray(v / np.linalg.norm(v, axis=1, keepdims=True), np.float32)


def test_add_search_remove_rebuild() -> None:
    rng = np.random.default_rng(0)
    data = _unit(rng, 2000)
    ix = FaceIndex(dim=128)
    ix.rebuild((i, data[i]) for i in range(2000))
    assert len(ix) == 2000
    q = data[17] + 0.01
    hits = ix.search(q, k=3, max_distance=0.5)
    assert hits[0][0] == 17 and hits[0][1] < 0.2
    assert all(d <= 0.5 for _, d in hits)
    ix.add(17, data[18])  # replace
    assert ix.search(data[18], k=2, max_distance=0.01)[0][1] == pytest.approx(0.0, abs=1e-3)
    assert ix.remove(17) and not ix.remove(17)
    assert 17 not in ix and len(ix) == 1999
    with pytest.raises(ValueError):
        ix.add(1, np.zeros(64, np.float32))
    with pytest.raises(ValueError):
        ix.search(np.full(128, np.nan, np.float32))
    assert FaceIndex().search(data[0]) == []


def test_concurrent_writers_and_readers() -> None:
    rng = np.random.default_rng(1)
    data = _unit(rng, 800)
    ix = FaceIndex()

    def write(lo: int) -> None:
        for i in range(lo, lo + 200):
            ix.add(i, data[i])

    def read() -> None:
        for i in range(200):
            ix.search(data[i], k=5)

    threads = [threading.Thread(target=write, args=(k * 200,)) for k in range(4)]
    threads += [threading.Thread(target=read) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(ix) == 800
    assert ix.search(data[799], k=1, max_distance=0.01)[0][0] == 799


def test_real_face_is_found_again_after_recapture() -> None:
    from skimage import data

    from models.face.detect import FaceModels

    models = FaceModels.load()
    load: Callable[[], Any] = data.astronaut
    img = np.asarray(cv2.cvtColor(np.asarray(load(), np.uint8), cv2.COLOR_RGB2BGR), np.uint8)
    face = models.detect(img)[0]
    enrolled = models.embed(img, face)
    rng = np.random.default_rng(2)
    ix = FaceIndex()
    ix.rebuild([(0, enrolled), *((i, v) for i, v in enumerate(_unit(rng, 5000), 1))])
    _ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, 40])
    again = np.asarray(cv2.imdecode(buf, cv2.IMREAD_COLOR), np.uint8)
    q = models.embed(again, models.detect(again)[0])
    hits = ix.search(q, k=5)
    assert [k for k, _ in hits] == [0]
    sig = face_reuse_signal(hits)
    assert sig.triggered and sig.details["nearestDistance"] < SAME_PERSON_DISTANCE
    assert not face_reuse_signal([]).triggered


def test_hash_index_hamming() -> None:
    ix = HashIndex(8)
    a = np.zeros(8, np.uint8)
    b = a.copy()
    b[0] = 0b111
    ix.add(1, a)
    ix.add(2, b)
    assert ix.search(a, k=5, max_distance=2) == [(1, 0)]
    assert ix.search(a, k=5, max_distance=3) == [(1, 0), (2, 3)]
    assert ix.remove(1) and len(ix) == 1
