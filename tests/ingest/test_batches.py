"""Batches: accepted whole or not at all, tracked, results downloadable, batch.completed sent."""

from __future__ import annotations

import csv
import io
import json
import time
from collections.abc import Mapping

import httpx
import pytest

from core.webhooks import verify
from tests.fixtures.images import document_like, encode
from tests.fixtures.pipeline import Harness
from tests.fixtures.receiver import Receiver

pytestmark = pytest.mark.integration

A = encode(document_like(900, 570, seed=1))
B = encode(document_like(900, 570, seed=2))


def post_batch(
    h: Harness, manifest: Mapping[str, object], files: list[tuple[str, bytes]]
) -> httpx.Response:
    with h.client() as c:
        return c.post(
            "/api/v1/kyc/batches",
            data={"manifest": json.dumps(manifest)},
            files=[("files", (name, data, "image/jpeg")) for name, data in files],
        )


def test_batch_is_processed_tracked_and_downloadable(harness: Harness, receiver: Receiver) -> None:
    with harness.client() as c:
        hook = c.post(
            "/api/v1/webhooks", json={"url": receiver.url, "eventTypes": ["batch.completed"]}
        ).json()
    manifest = {
        "reference": "import-1",
        "items": [
            {"type": "identity", "reference": "c1", "documents": ["a.jpg", "b.jpg"]},
            {"type": "address", "reference": "c2", "documents": ["b.jpg"], "metadata": {"n": 2}},
            {"type": "income", "reference": "c3", "documents": ["a.jpg"]},
        ],
    }
    resp = post_batch(harness, manifest, [("a.jpg", A), ("b.jpg", B)])
    assert resp.status_code == 202, resp.text
    body = resp.json()
    assert body["object"] == "batch" and body["totalItems"] == 3
    ids = [v["id"] for v in body["verifications"]]
    assert [v["reference"] for v in body["verifications"]] == ["c1", "c2", "c3"]
    harness.wait_finished(ids)
    with harness.client() as c:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            batch = c.get(body["links"]["self"]).json()
            if batch["status"] == "completed":
                break
            time.sleep(0.3)
        assert batch["status"] == "completed" and batch["counts"]["completed"] == 3
        jsonl = c.get(body["links"]["results"]).text.splitlines()
        rows = list(
            csv.DictReader(
                io.StringIO(c.get(body["links"]["results"], params={"format": "csv"}).text)
            )
        )
    assert sorted(json.loads(line)["id"] for line in jsonl) == sorted(ids)
    assert {r["reference"] for r in rows} == {"c1", "c2", "c3"}
    assert all(r["status"] == "completed" for r in rows)
    # Batch items travel the batch lane.
    lanes = harness.read_topic(harness.topics.stage("intake", "batch"))
    assert {k.decode() for k, _ in lanes if k} >= set(ids)
    deadline = time.monotonic() + 30
    while not receiver.requests and time.monotonic() < deadline:
        time.sleep(0.2)
    (got,) = [r for r in receiver.requests if r.json["type"] == "batch.completed"]
    verify(hook["secret"], got.headers, got.body)
    assert got.json["data"]["id"] == body["id"] and got.json["data"]["counts"]["completed"] == 3


@pytest.mark.parametrize(
    ("manifest", "files", "field"),
    [
        (
            {"items": [{"type": "identity", "documents": ["missing.jpg"]}]},
            [("a.jpg", A)],
            "manifest.items[0]",
        ),
        (
            {"items": [{"type": "identity", "documents": ["a.jpg"]}]},
            [("a.jpg", A), ("b.jpg", B)],
            "files",
        ),
        ({"items": []}, [("a.jpg", A)], "manifest.items"),
        (
            {"items": [{"type": "horoscope", "documents": ["a.jpg"]}]},
            [("a.jpg", A)],
            "manifest.items[0].type",
        ),
        (
            {"items": [{"type": "identity", "documents": ["a.jpg"]}]},
            [("a.jpg", b"not an image")],
            "files[0]",
        ),
    ],
)
def test_a_bad_batch_is_refused_whole_and_leaves_nothing(
    harness: Harness, manifest: Mapping[str, object], files: list[tuple[str, bytes]], field: str
) -> None:
    rows, objects = harness.count("verifications"), harness.object_count()
    batches = harness.count("batches")
    resp = post_batch(harness, manifest, files)
    assert 400 <= resp.status_code < 500
    assert resp.json()["field"] == field
    assert harness.count("verifications") == rows and harness.object_count() == objects
    assert harness.count("batches") == batches


def test_another_organisations_batch_is_a_404(harness: Harness) -> None:
    from ingest.admin import provision

    resp = post_batch(
        harness, {"items": [{"type": "identity", "documents": ["a.jpg"]}]}, [("a.jpg", A)]
    )
    bid = resp.json()["id"]
    _, other = provision(harness.settings, "other batch org")
    with harness.client(api_key=other) as c:
        assert c.get(f"/api/v1/kyc/batches/{bid}").status_code == 404
        assert c.get(f"/api/v1/kyc/batches/{bid}/results").status_code == 404
