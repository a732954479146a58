"""1:N search for repeat fraud: the same face (or document) behind several applications.

:class:`FaceIndex` keeps 128-d face embeddings (dlib's ResNet, Euclidean; the
same person is closer than :data:`SAME_PERSON_DISTANCE`) in an approximate
nearest-neighbour index, an HNSW graph from ``usearch`` (PyPI ``usearch``,
pinned at 2.26.6). Keys are the caller's integers (e.g. a verification's
row id). Recall of the ANN against exact search is measured by
``benchmarks/face_search.py``.

Contracts:

- ``add(key, vector)``: a key already present is replaced;
- ``remove(key)``: a missing key is a no-op; returns whether it was present;
- ``search(vector, k, max_distance)``: at most ``k`` (key, Euclidean
  distance) pairs within ``max_distance``, nearest first;
- ``rebuild(items)``: a fresh index from an iterable of (key, vector) (use it
  to load from the database at start, or to compact after many removals);
- vectors must be finite and have ``dim`` components (``ValueError``).

Thread safety: every public method takes one re-entrant lock, so an index
may be shared between threads (stream workers, an API); searches are
serialised with writes. Memory: about ``dim * 4 + 200`` bytes per vector.

:func:`face_reuse_signal` turns search hits into a ``FACE_REUSED`` signal;
:class:`HashIndex` is the same idea for document hashes
(``models.fraud.hashing``), exact on the packed bits for the sizes a
document store holds (linear scan, vectorised).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable

import numpy as np
import numpy.typing as npt
from usearch.index import Index

from models.fraud.signal import ReasonCode, Signal, squash

SAME_PERSON_DISTANCE = 0.6  # dlib face embeddings, Euclidean
FACE_REUSE_THRESHOLD = 0.5
# HNSW parameters: connectivity (graph degree) and beam widths. Measured at 1M random
# unit vectors (the hardest case: no clusters) on a 16-core machine, queries being
# stored vectors plus noise (docs/device/face-search-1m-sweep-2026-11-26.txt):
# search beam 96 found the true nearest 47% of the time, 256: 79%, 512: 93%,
# 1024: 98.3% at 7 ms p50. A wider graph (32/128) reaches 99.3% at beam 256 but
# builds 3.5x slower, and a worker rebuilds the index from PostgreSQL at start.
CONNECTIVITY = 16
EXPANSION_ADD = 64
EXPANSION_SEARCH = 1024
# Below this size a search is exact (brute force, still sub-millisecond): HNSW can
# miss a vector far from all others (one enrolled face among unrelated ones).
EXACT_BELOW = 20_000

Vector = npt.NDArray[np.float32] | list[float] | tuple[float, ...]


class FaceIndex:
    """Approximate nearest-neighbour index of face embeddings (see the module docstring)."""

    def __init__(self, dim: int = 128, expansion_search: int = EXPANSION_SEARCH) -> None:
        if dim <= 0:
            raise ValueError("dim must be positive")
        self.dim = dim
        self._expansion_search = expansion_search
        self._lock = threading.RLock()
        self._index = self._new()

    def _new(self) -> Index:
        return Index(
            ndim=self.dim,
            metric="l2sq",
            dtype="f32",
            connectivity=CONNECTIVITY,
            expansion_add=EXPANSION_ADD,
            expansion_search=self._expansion_search,
        )

    def set_expansion_search(self, beam: int) -> None:
        """Change the search beam of the live index (wider: better recall, slower)."""
        if beam <= 0:
            raise ValueError("beam must be positive")
        with self._lock:
            self._expansion_search = beam
            # The stub calls it read-only; usearch's Index has a setter (2.26).
            self._index.expansion_search = beam  # type: ignore[misc]

    def _vector(self, vector: Vector) -> npt.NDArray[np.float32]:
        arr = np.asarray(vector, dtype=np.float32).reshape(-1)
        if arr.shape[0] != self.dim:
            raise ValueError(f"expected {self.dim} components, got {arr.shape[0]}")
        if not np.isfinite(arr).all():
            raise ValueError("vector has non-finite components")
        return arr

    def add(self, key: int, vector: Vector) -> None:
        """Store ``vector`` under ``key`` (replacing an earlier vector of that key)."""
        arr = self._vector(vector)
        with self._lock:
            if self._index.contains(int(key)):
                self._index.remove(int(key))
            self._index.add(int(key), arr)

    def remove(self, key: int) -> bool:
        """Forget ``key``; False if it was not there."""
        with self._lock:
            if not self._index.contains(int(key)):
                return False
            self._index.remove(int(key))
            return True

    def __contains__(self, key: object) -> bool:
        if not isinstance(key, int | np.integer):
            return False
        with self._lock:
            return bool(self._index.contains(int(key)))

    def __len__(self) -> int:
        with self._lock:
            return len(self._index)

    def search(
        self, vector: Vector, k: int = 10, max_distance: float = SAME_PERSON_DISTANCE
    ) -> list[tuple[int, float]]:
        """Up to ``k`` (key, Euclidean distance) within ``max_distance``, nearest first."""
        arr = self._vector(vector)
        if k <= 0:
            return []
        with self._lock:
            if len(self._index) == 0:
                return []
            n = len(self._index)
            found = self._index.search(arr, min(k, n), exact=n < EXACT_BELOW)
            keys = np.asarray(found.keys).reshape(-1)
            dist = np.sqrt(np.maximum(np.asarray(found.distances, np.float64).reshape(-1), 0.0))
        out = [(int(a), float(d)) for a, d in zip(keys, dist, strict=True) if d <= max_distance]
        return sorted(out, key=lambda t: t[1])

    def rebuild(self, items: Iterable[tuple[int, Vector]]) -> None:
        """Replace the whole index with ``items`` (built aside, then swapped in)."""
        keys: list[int] = []
        vecs: list[npt.NDArray[np.float32]] = []
        for key, vec in items:
            keys.append(int(key))
            vecs.append(self._vector(vec))
        fresh = self._new()
        if keys:
            if len(set(keys)) != len(keys):
                raise ValueError("duplicate keys in rebuild")
            fresh.add(np.asarray(keys, np.uint64), np.stack(vecs), threads=0)
        with self._lock:
            self._index = fresh


def face_reuse_signal(
    hits: list[tuple[int, float]], same_person: float = SAME_PERSON_DISTANCE
) -> Signal:
    """``FACE_REUSED`` from :meth:`FaceIndex.search` hits on *other* applications.

    Score 0.5 at the same-person distance, rising as the nearest hit gets closer
    (a re-used photo of the same face is far closer than a new photo of it).
    """
    if not hits:
        return Signal("face_reuse", 0.0, FACE_REUSE_THRESHOLD, ReasonCode.FACE_REUSED)
    nearest = min(d for _, d in hits)
    score = squash(-nearest, -same_person, -same_person * 0.5)
    return Signal(
        "face_reuse",
        score,
        FACE_REUSE_THRESHOLD,
        ReasonCode.FACE_REUSED,
        details={"matches": [[k, d] for k, d in hits[:10]], "nearestDistance": nearest},
    )


class HashIndex:
    """Exact Hamming search over fixed-length bit hashes (packed ``uint8``), thread-safe."""

    def __init__(self, nbytes: int) -> None:
        self.nbytes = nbytes
        self._lock = threading.RLock()
        self._keys: list[int] = []
        self._rows: list[npt.NDArray[np.uint8]] = []
        self._matrix: npt.NDArray[np.uint8] | None = None

    def add(self, key: int, bits: npt.NDArray[np.uint8]) -> None:
        row = np.asarray(bits, np.uint8).reshape(-1)
        if row.shape[0] != self.nbytes:
            raise ValueError(f"expected {self.nbytes} bytes, got {row.shape[0]}")
        with self._lock:
            self.remove(key)
            self._keys.append(int(key))
            self._rows.append(row)
            self._matrix = None

    def remove(self, key: int) -> bool:
        with self._lock:
            if int(key) not in self._keys:
                return False
            i = self._keys.index(int(key))
            del self._keys[i]
            del self._rows[i]
            self._matrix = None
            return True

    def __len__(self) -> int:
        with self._lock:
            return len(self._keys)

    def search(
        self, bits: npt.NDArray[np.uint8], k: int, max_distance: int
    ) -> list[tuple[int, int]]:
        """Up to ``k`` (key, Hamming distance) within ``max_distance`` bits, nearest first."""
        row = np.asarray(bits, np.uint8).reshape(-1)
        with self._lock:
            if not self._keys:
                return []
            if self._matrix is None:
                self._matrix = np.stack(self._rows)
            dist = np.unpackbits(self._matrix ^ row[None, :], axis=1).sum(axis=1)
            order = np.argsort(dist, kind="stable")[:k]
            return [
                (self._keys[int(i)], int(dist[int(i)]))
                for i in order
                if dist[int(i)] <= max_distance
            ]
