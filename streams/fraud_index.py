"""The worker's in-memory mirrors of the repeat-fraud tables (PostgreSQL is the truth).

- :class:`FaceIndexMirror` holds every stored face embedding (``fraud_faces``)
  in a :class:`models.fraud.search.FaceIndex` (usearch HNSW above 20k vectors,
  exact below).
- :class:`DocumentVectorMirror` holds the ink vector of every stored page
  (``fraud_documents``, :func:`models.fraud.reuse.ink_vector`) per organisation
  and document type, and shortlists reuse candidates by a brute-force dot
  product over the organisations searched (576-d,
  about 2.3 KB of memory per stored page; 100,000 pages of a type take ~20 ms),
  with each page's OCR value tokens, so that pages whose values disagree are
  passed over before the full comparison.
  Why a mirror: reading 5,000 vectors from PostgreSQL for every page cost
  0.5-1 s, more than the whole stage's budget.

Both are built from their table when the worker starts
(``FraudStage.warm``; or by the first search, if that failed), and caught up
before a search (at most every
``BOTSKYC_FRAUD_INDEX_SYNC_S``): each fraud-stage event pulls the rows written
since, by any worker. Why a catch-up rather than a broadcast topic: the
workers of one Faust app share a consumer group, so an event reaches one of
them, not all; the table reaches all.

Row ids come from a sequence and concurrent transactions may commit out of
id order, so every catch-up reads the ids (not the vectors) of a window of
:data:`GAP_WINDOW` ids below the highest seen and fetches the ones it lacks: a
row committed late is still found.
"""

from __future__ import annotations

import asyncio
import time
from abc import ABC, abstractmethod
from typing import Any

import numpy as np
import numpy.typing as npt

from core.db.fraud import FraudRepository
from models.fraud.reuse import shortlist, worth_comparing
from models.fraud.search import SAME_PERSON_DISTANCE, FaceIndex

GAP_WINDOW = 1000
SYNC_BATCH = 10_000
SCAN_DEPTH = 20  # ink-ranked pages looked at per candidate wanted, before values filter


class _TableMirror(ABC):
    """The catch-up protocol of the module docstring; subclasses say which table and
    how rows are held. Safe for concurrent coroutines of one worker."""

    def __init__(self, sync_every_s: float) -> None:
        self.sync_every_s = sync_every_s
        self.known: set[int] = set()
        self.high_id = 0
        self._synced_at: float | None = None
        self._lock = asyncio.Lock()

    @abstractmethod
    async def _rows_after(self, after_id: int, limit: int) -> list[dict[str, Any]]:
        """Rows with ``id > after_id``, oldest first."""

    @abstractmethod
    async def _ids_after(self, after_id: int) -> list[int]:
        """Ids of rows with ``id > after_id``."""

    @abstractmethod
    async def _rows_by_id(self, ids: list[int]) -> list[dict[str, Any]]:
        """Rows with these ids."""

    @abstractmethod
    def _hold(self, rows: list[dict[str, Any]], first: bool) -> None:
        """Take the rows in (blocking; runs in a thread). ``first``: the initial build."""

    async def sync(self, force: bool = False) -> int:
        """Add the rows the mirror lacks; returns how many were added. Raises what the
        repository raises (``psycopg.OperationalError``: transient)."""
        async with self._lock:
            now = time.monotonic()
            if (
                not force
                and self._synced_at is not None
                and now - self._synced_at < self.sync_every_s
            ):
                return 0
            fresh: list[dict[str, Any]] = []
            first = self._synced_at is None
            if first:  # the start: every row, in batches
                after = 0
                while True:
                    rows = await self._rows_after(after, SYNC_BATCH)
                    fresh += rows
                    if len(rows) < SYNC_BATCH:
                        break
                    after = int(rows[-1]["id"])
            else:  # ids of the window first, vectors only of those missing
                ids = await self._ids_after(max(0, self.high_id - GAP_WINDOW))
                missing = [i for i in ids if i not in self.known]
                for k in range(0, len(missing), SYNC_BATCH):
                    fresh += await self._rows_by_id(missing[k : k + SYNC_BATCH])
            if fresh:
                await asyncio.to_thread(self._hold, fresh, first)
                self.known.update(int(r["id"]) for r in fresh)
                self.high_id = max(self.high_id, *(int(r["id"]) for r in fresh))
            self._synced_at = time.monotonic()
            return len(fresh)


class FaceIndexMirror(_TableMirror):
    """``fraud_faces`` in an ANN index; see the module docstring."""

    def __init__(self, repo: FraudRepository, sync_every_s: float) -> None:
        super().__init__(sync_every_s)
        self.repo = repo
        self.index = FaceIndex()
        self.org_of: dict[int, str] = {}

    async def _rows_after(self, after_id: int, limit: int) -> list[dict[str, Any]]:
        return await self.repo.faces_after(after_id, limit)

    async def _ids_after(self, after_id: int) -> list[int]:
        return await self.repo.face_ids_after(after_id)

    async def _rows_by_id(self, ids: list[int]) -> list[dict[str, Any]]:
        return await self.repo.faces_by_id(ids)

    def _hold(self, rows: list[dict[str, Any]], first: bool) -> None:
        if first:
            # One bulk build (multi-threaded) instead of one insert per face.
            self.index.rebuild((int(r["id"]), np.asarray(r["embedding"], np.float32)) for r in rows)
        else:
            for r in rows:
                self.index.add(int(r["id"]), np.asarray(r["embedding"], np.float32))
        for r in rows:
            self.org_of[int(r["id"])] = str(r["organisation_id"])

    async def search(
        self, vector: list[float], orgs: set[str], k: int = 20
    ) -> list[tuple[int, float]]:
        """(row id, distance) of stored faces of ``orgs`` within the same-person distance,
        nearest first. Catches up first (see the module docstring)."""
        await self.sync()
        # Other organisations' faces may crowd the nearest: ask for more, then filter.
        hits = await asyncio.to_thread(
            self.index.search, np.asarray(vector, np.float32), k * 5, SAME_PERSON_DISTANCE
        )
        return [(key, d) for key, d in hits if self.org_of.get(key) in orgs][:k]


class _Shelf:
    """The stored pages of one organisation and document type: row ids, verifications,
    value tokens, and the vectors in a matrix that grows by doubling (appending a page
    copies nothing; searching reads a view)."""

    def __init__(self, dim: int) -> None:
        self.ids: list[int] = []
        self.positions: dict[str, list[int]] = {}  # verification -> rows
        self.tokens: list[list[int]] = []  # models.fraud.reuse.text_tokens
        self.buffer = np.zeros((64, dim), np.float32)

    def add(
        self, row_id: int, verification: str, vector: npt.NDArray[np.float32], tokens: list[int]
    ) -> None:
        n = len(self.ids)
        if n == len(self.buffer):
            grown = np.zeros((2 * n, self.buffer.shape[1]), np.float32)
            grown[:n] = self.buffer
            self.buffer = grown
        self.buffer[n] = vector
        self.positions.setdefault(verification, []).append(n)
        self.ids.append(row_id)
        self.tokens.append(tokens)

    def best(
        self, vector: npt.NDArray[np.float32], exclude_verification: str, depth: int
    ) -> list[tuple[float, int, list[int]]]:
        """(similarity, row id, tokens) of the ``depth`` most similar pages, best first."""
        n = len(self.ids)
        allowed = np.ones(n, bool)
        allowed[self.positions.get(exclude_verification, [])] = False
        picked = shortlist(vector, self.buffer[:n], depth, allowed)
        return [(float(self.buffer[i] @ vector), self.ids[i], self.tokens[i]) for i in picked]


class DocumentVectorMirror(_TableMirror):
    """``fraud_documents`` ink vectors per organisation and document type; see the module
    docstring."""

    def __init__(self, repo: FraudRepository, sync_every_s: float) -> None:
        super().__init__(sync_every_s)
        self.repo = repo
        self.shelves: dict[tuple[str, str | None], _Shelf] = {}

    async def _rows_after(self, after_id: int, limit: int) -> list[dict[str, Any]]:
        return await self.repo.document_vectors_after(after_id, limit)

    async def _ids_after(self, after_id: int) -> list[int]:
        return await self.repo.document_ids_after(after_id)

    async def _rows_by_id(self, ids: list[int]) -> list[dict[str, Any]]:
        return await self.repo.document_vectors_by_id(ids)

    def _hold(self, rows: list[dict[str, Any]], first: bool) -> None:
        for r in rows:
            vector = np.asarray(r["ink_vector"], np.float32)
            key = (str(r["organisation_id"]), r["document_type"])
            shelf = self.shelves.get(key)
            if shelf is None:
                shelf = self.shelves[key] = _Shelf(vector.size)
            shelf.add(
                int(r["id"]), str(r["verification_id"]), vector, list(r.get("text_tokens") or [])
            )

    async def shortlist(
        self,
        vector: npt.NDArray[np.float32],
        document_type: str | None,
        orgs: set[str],
        exclude_verification: str,
        k: int,
        tokens: list[int] | None = None,
    ) -> list[int]:
        """Row ids of the ``k`` stored pages of ``document_type`` and ``orgs`` (not of
        ``exclude_verification``) whose ink vectors are most similar, best first; with
        the page's value ``tokens``, pages whose values disagree are passed over
        (``reuse.worth_comparing``: they cannot be the same document). Catches up first
        (see the module docstring)."""
        await self.sync()
        async with self._lock:  # no catch-up is appending meanwhile
            shelves = [
                shelf
                for org in sorted(orgs)
                if (shelf := self.shelves.get((org, document_type))) is not None and shelf.ids
            ]
            ranked = sorted(
                (
                    hit
                    for shelf in shelves
                    for hit in shelf.best(vector, exclude_verification, SCAN_DEPTH * k)
                ),
                key=lambda hit: -hit[0],
            )
        return [i for _, i, theirs in ranked if worth_comparing(tokens or [], theirs)][:k]
