"""The worker's face index against the real PostgreSQL (``fraud_faces``): rebuilt at the
first search, caught up afterwards, late commits found, organisations kept apart; and
the page-vector mirror that shortlists document reuse."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid

import numpy as np
import pytest

from core.db.fraud import DocumentRecord, FaceRecord, FraudRepository
from core.db.pool import open_pool
from streams.fraud_index import DocumentVectorMirror, FaceIndexMirror, _Shelf
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


def _page(vid: str, org: str, doc_type: str, vector: list[float]) -> DocumentRecord:
    return DocumentRecord(vid, org, None, 0, 0, doc_type, None, None, b"\0" * 8, "00", vector)


def test_the_page_mirror_shortlists_by_type_organisation_and_verification(
    harness: Harness,
) -> None:
    async def go() -> None:
        pool = await open_pool(harness.settings.postgres)
        try:
            repo = FraudRepository(pool)
            rng = np.random.default_rng(11)
            org, other = f"org_{uuid.uuid4().hex[:8]}", f"org_{uuid.uuid4().hex[:8]}"
            pages = [_unit(rng) for _ in range(12)]
            await repo.add_documents(
                [_page(f"ver_p{i}", org, "payslip", v) for i, v in enumerate(pages)]
            )
            await repo.add_documents([_page("ver_bill", org, "electricity_bill", pages[2])])
            await repo.add_documents([_page("ver_theirs", other, "payslip", pages[4])])
            mirror = DocumentVectorMirror(repo, sync_every_s=0)
            probe = np.asarray(pages[4], np.float32)
            (best, *_) = await mirror.shortlist(probe, "payslip", {org}, "ver_new", 3)
            (row,) = await repo.documents_by_id([best])
            assert row["verification_id"] == "ver_p4"
            # Another organisation's copy only when opted in; its own verification never.
            both = await mirror.shortlist(probe, "payslip", {org, other}, "ver_new", 2)
            rows = await repo.documents_by_id(both)
            assert {r["verification_id"] for r in rows} == {"ver_p4", "ver_theirs"}
            mine = await mirror.shortlist(probe, "payslip", {org}, "ver_p4", 1)
            assert (await repo.documents_by_id(mine))[0]["verification_id"] != "ver_p4"
            # Other types are not candidates; a page stored later is found at the next search.
            bills = await mirror.shortlist(probe, "electricity_bill", {org}, "ver_new", 5)
            assert [r["verification_id"] for r in await repo.documents_by_id(bills)] == ["ver_bill"]
            late = _unit(rng)
            await repo.add_documents([_page("ver_late", org, "payslip", late)])
            found = await mirror.shortlist(
                np.asarray(late, np.float32), "payslip", {org}, "ver_new", 1
            )
            assert (await repo.documents_by_id(found))[0]["verification_id"] == "ver_late"
            assert await mirror.shortlist(probe, "passport", {org}, "ver_new", 3) == []
            # A page whose values disagree with the probe's is not worth comparing.
            valued = _unit(rng)
            await repo.add_documents(
                [
                    DocumentRecord(
                        "ver_valued",
                        org,
                        None,
                        0,
                        0,
                        "payslip",
                        None,
                        None,
                        b"\0" * 8,
                        "00",
                        valued,
                        [1, 2, 3, 4],
                    )
                ]
            )
            near = np.asarray(valued, np.float32)
            (hit,) = await mirror.shortlist(near, "payslip", {org}, "ver_new", 1, [1, 2, 3, 9])
            assert (await repo.documents_by_id([hit]))[0]["verification_id"] == "ver_valued"
            others = await mirror.shortlist(near, "payslip", {org}, "ver_new", 1, [6, 7, 8, 9])
            assert (await repo.documents_by_id(others))[0]["verification_id"] != "ver_valued"
        finally:
            await pool.close()

    asyncio.run(go())


def test_a_shelf_keeps_every_page_when_it_grows() -> None:
    rng = np.random.default_rng(5)
    vectors = rng.normal(size=(300, 16)).astype(np.float32)  # past 64, 128 and 256 rows
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)  # ink vectors are unit length
    shelf = _Shelf(16)
    for i, v in enumerate(vectors):
        shelf.add(1000 + i, f"ver_{i % 150}", v, [])
    for i in (0, 63, 64, 200, 299):
        (sim, row_id, _), *_ = shelf.best(vectors[i], "ver_none", 3)
        assert row_id == 1000 + i and sim == pytest.approx(1.0, abs=1e-5)
    # A verification's own pages are never its candidates (rows 7 and 157 here).
    assert {h[1] for h in shelf.best(vectors[7], "ver_7", 300)}.isdisjoint({1007, 1157})


def test_document_velocity_counts_this_verification_once(harness: Harness) -> None:
    """The stage writes a verification's pages while its velocity is counted (and a
    redelivered event finds them written): the count is the same either way."""

    async def go() -> None:
        pool = await open_pool(harness.settings.postgres)
        try:
            repo = FraudRepository(pool)
            org = f"org_{uuid.uuid4().hex[:8]}"
            number = uuid.uuid4().hex[:9]

            def page(vid: str) -> DocumentRecord:
                return DocumentRecord(
                    vid,
                    org,
                    None,
                    0,
                    0,
                    "national_id_front",
                    number,
                    None,
                    b"\0" * 8,
                    "00",
                    [0.0] * 128,
                )

            async def count(vid: str) -> int:
                got = await repo.velocity(
                    org,
                    dt.timedelta(hours=1),
                    reference=None,
                    id_numbers=[number],
                    device_id=None,
                    ip_address=None,
                    verification_id=vid,
                )
                return got["document"]

            await repo.add_documents([page("ver_earlier")])
            before = await count("ver_now")
            await repo.add_documents([page("ver_now")])
            assert before == await count("ver_now") == 2
            assert await count("ver_next") == 3
        finally:
            await pool.close()

    asyncio.run(go())
