"""The API sheds new submissions when the pipeline falls behind; reads go on."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.settings import Settings
from tests.fixtures.images import document_like, encode
from tests.fixtures.pipeline import Harness, build_harness, destroy_harness

pytestmark = pytest.mark.integration

GOOD = encode(document_like(600, 400))


@pytest.fixture
def no_worker(stack: Settings, tmp_path: Path) -> Iterator[Harness]:
    h = build_harness(
        stack, tmp_path / "h", worker=False, api={"shed_max_lag": 3, "shed_check_s": 0.3}
    )
    yield h
    destroy_harness(h)


def test_submissions_get_503_when_the_pipeline_lags(no_worker: Harness) -> None:
    files = {"documents": ("d.jpg", GOOD, "image/jpeg")}
    with no_worker.client() as c:
        accepted = [
            c.post(
                "/api/v1/kyc/verify/identity", files=files, headers={"Prefer": "respond-async"}
            ).status_code
            for _ in range(4)
        ]
        # Nothing consumes them: the lag is now 4 > 3. Up to here it never exceeded 3, so
        # all were accepted; from here on any refresh of the lag (every 0.3 s) sheds.
        assert accepted == [202] * 4
        deadline = time.monotonic() + 10
        resp = None
        while time.monotonic() < deadline:
            resp = c.post(
                "/api/v1/kyc/verify/identity", files=files, headers={"Prefer": "respond-async"}
            )
            if resp.status_code == 503:
                break
            time.sleep(0.3)
        assert resp is not None and resp.status_code == 503
        assert resp.json()["code"] == "OVERLOADED" and "waiting" in resp.json()["detail"]
        assert int(resp.headers["retry-after"]) > 0
        assert c.get("/api/v1/kyc/verifications").status_code == 200  # reads are not shed
