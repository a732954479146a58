"""The worker's face index: an ANN mirror of ``fraud_faces`` (PostgreSQL is the truth).

:class:`FaceIndexMirror` holds every stored face embedding in a
:class:`models.fraud.search.FaceIndex` (usearch HNSW above 20k vectors, exact
below). It is rebuilt from the table on the first search after the worker
starts, and caught up before a search (at most every
``BOTSKYC_FRAUD_INDEX_SYNC_S``): each fraud-stage event pulls the rows
written since, by any worker. Why a catch-up rather than a broadcast topic:
the workers of one Faust app share a consumer group, so an event reaches one
of them, not all; the table reaches all.

Row ids come from a sequence and concurrent transactions may commit out of
id order, so every catch-up reads the ids (not the embeddings) of a window of
:data:`GAP_WINDOW` ids below the highest seen and fetches the ones it lacks: a
face committed late is still found.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import numpy as np

from core.db.fraud import FraudRepository
from models.fraud.search import SAME_PERSON_DISTANCE, FaceIndex

GAP_WINDOW = 1000
SYNC_BATCH = 10_000


class FaceIndexMirror:
    """See the module docstring. Safe for concurrent coroutines of one worker."""

    def __init__(self, repo: FraudRepository, sync_every_s: float) -> None:
        self.repo = repo
        self.sync_every_s = sync_every_s
        self.index = FaceIndex()
        self.org_of: dict[int, str] = {}
        self.high_id = 0
        self._synced_at: float | None = None
        self._lock = asyncio.Lock()

    async def sync(self, force: bool = False) -> int:
        """Add the rows the index lacks; returns how many were added."""
        async with self._lock:
            now = time.monotonic()
            if (
                not force
                and self._synced_at is not None
                and now - self._synced_at < self.sync_every_s
            ):
                return 0
            fresh: list[dict[str, Any]] = []
            if not self.org_of:  # the start: every row, in batches
                after = 0
                while True:
                    rows = await self.repo.faces_after(after, SYNC_BATCH)
                    fresh += rows
                    if len(rows) < SYNC_BATCH:
                        break
                    after = int(rows[-1]["id"])
            else:  # ids of the window first, embeddings only of those missing
                ids = await self.repo.face_ids_after(max(0, self.high_id - GAP_WINDOW))
                missing = [i for i in ids if i not in self.org_of]
                for k in range(0, len(missing), SYNC_BATCH):
                    fresh += await self.repo.faces_by_id(missing[k : k + SYNC_BATCH])
            if fresh:
                await asyncio.to_thread(self._add, fresh)
            self._synced_at = time.monotonic()
            return len(fresh)

    def _add(self, rows: list[dict[str, Any]]) -> None:
        if not self.org_of:
            # The start: one bulk build (multi-threaded) instead of one insert per face.
            self.index.rebuild((int(r["id"]), np.asarray(r["embedding"], np.float32)) for r in rows)
        else:
            for r in rows:
                self.index.add(int(r["id"]), np.asarray(r["embedding"], np.float32))
        for r in rows:
            self.org_of[int(r["id"])] = str(r["organisation_id"])
            self.high_id = max(self.high_id, int(r["id"]))

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
