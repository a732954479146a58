"""The worker's face index against the real PostgreSQL (``fraud_faces``): rebuilt at the
first search, caught up afterwards, late commits found, organisations kept apart."""

from __future__ import annotations

import asyncio
import uuid

import numpy as np
import pytest

from core.db.fraud import FaceRecord, FraudRepository
from core.db.pool import open_pool
from streams.fraud_index import FaceIndexMirror
from tests.fixtures.pipeline import Harness

pytestmark = pytest.mark.integration


def _unit(rng: np.random.Generator) -> list[float]:
    v = rng.normal(size=128)
    return [float(x) for x in v / np.linalg.norm(v) * 0.5]


def _face(vid: str, org: str, vector: list[float]) -> FaceRecord:
    return FaceRecord(vid, org, None, 0, 0, "selfie", None, None, vector)


def test_the_index_mirrors_the_table(harness: Harness) -> None:
    async def go() -> None:
        pool = await open_pool(harness.settings.postgres)
        try:
            repo = FraudRepository(pool)
            rng = np.random.default_rng(7)
            org, other = f"org_{uuid.uuid4().hex[:8]}", f"org_{uuid.uuid4().hex[:8]}"
            faces = [_unit(rng) for _ in range(30)]
            await repo.add_faces([_face(f"ver_a{i}", org, f) for i, f in enumerate(faces)])
            await repo.add_faces([_face("ver_other", other, faces[0])])
            mirror = FaceIndexMirror(repo, sync_every_s=0)
            # Rebuilt from the table at the first search; other organisations filtered out.
            hits = await mirror.search(faces[3], {org})
            assert hits and hits[0][1] < 1e-3
            (row,) = await repo.faces_by_id([hits[0][0]])
            assert row["verification_id"] == "ver_a3"
            everyone = await mirror.search(faces[0], {org, other})
            assert len([h for h in everyone if h[1] < 1e-3]) == 2
            # Caught up: a face stored after the build is found by the next search.
            late = _unit(rng)
            await repo.add_faces([_face("ver_late", org, late)])
            assert (await mirror.search(late, {org}))[0][1] < 1e-3
            # A row committed late, with an id below one already seen, is still found.
            slow = await pool.getconn()
            try:
                async with slow.transaction():
                    await slow.execute(
                        "INSERT INTO fraud_faces (verification_id, organisation_id,"
                        " file_position, page, role, embedding)"
                        " VALUES ('ver_slow', %s, 0, 0, 'selfie', %s)",
                        (org, faces[5]),
                    )
                    quick = _unit(rng)
                    await repo.add_faces([_face("ver_quick", org, quick)])
                    assert (await mirror.search(quick, {org}))[0][1] < 1e-3
            finally:
                await pool.putconn(slow)
            assert await mirror.sync(force=True) == 1
            found = await mirror.search(faces[5], {org})
            rows = await repo.faces_by_id([k for k, d in found if d < 1e-3])
            assert {r["verification_id"] for r in rows} == {"ver_a5", "ver_slow"}
        finally:
            await pool.close()

    asyncio.run(go())
