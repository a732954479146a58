"""Nothing accepted is lost or finished twice: killed workers, a stopped Triton, poison events."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from confluent_kafka import Producer

from core.events import avro
from core.settings import REPO_ROOT, Settings, to_env
from infra.services import TritonService
from tests.fixtures.images import document_like, encode
from tests.fixtures.pipeline import Harness, build_harness, destroy_harness

pytestmark = [pytest.mark.integration, pytest.mark.slow]

GOOD = encode(document_like(900, 570))


@pytest.fixture
def private(stack: Settings, tmp_path: Path) -> Iterator[Harness]:
    h = build_harness(stack, tmp_path / "h")
    yield h
    destroy_harness(h)


def submit_many(h: Harness, n: int) -> list[str]:
    def one(i: int) -> str:
        with h.client() as c:
            resp = c.post(
                "/api/v1/kyc/verify/identity",
                files={"documents": (f"{i}.jpg", GOOD, "image/jpeg")},
                data={"reference": f"batch-{i}"},
                headers={"Prefer": "respond-async"},
            )
            assert resp.status_code == 202, resp.text
            return str(resp.json()["id"])

    with ThreadPoolExecutor(8) as pool:
        return list(pool.map(one, range(n)))


def assert_each_finished_once(h: Harness, ids: list[str]) -> None:
    terminal = dict(
        h.sql(
            "SELECT verification_id, count(*) FROM verification_transitions"
            " WHERE verification_id = ANY(%s) AND to_status IN ('completed', 'failed')"
            " GROUP BY verification_id",
            ids,
        )
    )
    assert set(terminal) == set(ids)
    assert set(terminal.values()) == {1}, "a verification finished twice in the database"
    events = [e for e in h.finished_events() if e["verification_id"] in set(ids)]
    per_verification = Counter(e["verification_id"] for e in events)
    distinct_ids = {(e["verification_id"], e["event_id"]) for e in events}
    assert set(per_verification) == set(ids), "a completion event is missing"
    assert len(distinct_ids) == len(ids), "a verification has two different completion events"
    redelivered = len(events) - len(distinct_ids)
    print(f"{len(ids)} finished; {redelivered} completion event(s) redelivered with the same id")


@pytest.mark.timeout(600)  # above the hang guard below, so that the guard is what speaks
def test_worker_killed_mid_batch_loses_nothing_and_finishes_nothing_twice(
    private: Harness,
) -> None:
    ids = submit_many(private, 200)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        done = private.sql(
            "SELECT count(*) FROM verifications WHERE id = ANY(%s) AND status = 'completed'", ids
        )[0][0]
        if done >= 20:
            break
        time.sleep(0.05)
    pid = private.worker.read_pid()
    assert pid is not None
    os.killpg(pid, signal.SIGKILL)  # no goodbye: offsets, producer buffers, all dropped
    # SIGKILL is delivered, not done: a worker still tearing down its memory looks alive
    # and the consumer group still lists it, so start() would see "already running" and
    # start nothing (one CI run waited out its timeout so).
    gone_by = time.monotonic() + 30
    while private.worker.read_pid() is not None and time.monotonic() < gone_by:
        time.sleep(0.05)
    assert private.worker.read_pid() is None, "the killed worker did not exit in 30 s"
    done_at_kill = private.sql(
        "SELECT count(*) FROM verifications WHERE id = ANY(%s)"
        " AND status IN ('completed', 'failed')",
        ids,
    )[0][0]
    assert done_at_kill < 200, "the batch finished before the kill; the test proved nothing"
    private.worker.start()
    # A hang guard, not a speed test: 180 verifications through eight stages on two
    # cores that other work may share (throughput is measured in benchmarks/).
    statuses = private.wait_finished(ids, timeout_s=480)
    assert set(statuses.values()) == {"completed"}
    assert_each_finished_once(private, ids)


def test_triton_down_then_back_events_retry_and_complete(private: Harness, stack: Settings) -> None:
    triton = TritonService(stack)
    triton.stop()
    try:
        ids = submit_many(private, 20)
        time.sleep(6)
        finished = private.sql(
            "SELECT count(*) FROM verifications WHERE id = ANY(%s)"
            " AND status IN ('completed', 'failed')",
            ids,
        )[0][0]
        assert finished == 0, "verifications finished without Triton"
    finally:
        triton.start()
    statuses = private.wait_finished(ids, timeout_s=180)
    assert set(statuses.values()) == {"completed"}
    retried = private.read_topic(private.topics.retry("quality"))
    assert len(retried) > 0, "no event went through the delayed-retry topic"
    assert private.dead_letters("quality") == []
    assert_each_finished_once(private, ids)


def test_poison_goes_to_dead_letters_worker_keeps_going_and_replay_completes(
    private: Harness,
) -> None:
    s = private.settings
    producer = Producer({"bootstrap.servers": s.kafka.bootstrap_servers})
    # 1. Undecodable bytes.
    producer.produce(private.topics.stage("intake"), key=b"garbage", value=b"\x00not avro")
    # 2. A well-formed event whose document is missing from storage (not transient).
    vid = f"ver_poison{uuid.uuid4().hex[:12]}"
    key = f"verifications/{private.organisation_id}/{vid}/00-document.jpg"
    private.sql(
        "INSERT INTO verifications (id, organisation_id, requested_type, verification_type,"
        " status, total_files) VALUES (%s, %s, 'identity', 'IDENTITY', 'received', 1)",
        vid,
        private.organisation_id,
    )
    private.sql(
        "INSERT INTO verification_files (verification_id, position, role, object_key, sha256,"
        " size_bytes, media_type) VALUES (%s, 0, 'document', %s, 'x', %s, 'image/jpeg')",
        vid,
        key,
        len(GOOD),
    )
    event = avro.encode(
        "verification_submitted",
        {
            "event_id": f"evt_{uuid.uuid4().hex}",
            "verification_id": vid,
            "organisation_id": private.organisation_id,
            "occurred_at": int(time.time() * 1000),
            "requested_type": "identity",
            "verification_type": "IDENTITY",
            "files": [
                {
                    "position": 0,
                    "role": "document",
                    "object_key": key,
                    "sha256": "x",
                    "size_bytes": len(GOOD),
                    "media_type": "image/jpeg",
                }
            ],
        },
    )
    producer.produce(private.topics.stage("intake"), key=vid.encode(), value=event)
    assert producer.flush(10) == 0

    deadline = time.monotonic() + 60
    letters: list[dict[str, object]] = []
    while time.monotonic() < deadline and len(letters) < 2:
        letters = private.dead_letters("intake")
        time.sleep(0.5)
    by_type = {str(dl["error_type"]): dl for dl in letters}
    assert set(by_type) == {"SchemaError", "ObjectNotFound"}, by_type.keys()
    missing = by_type["ObjectNotFound"]
    assert missing["poison"] and missing["verification_id"] == vid
    assert missing["payload"] == event and missing["stage"] == "intake"

    # The worker is still alive and processing.
    ok = submit_many(private, 1)
    private.wait_finished(ok, timeout_s=60)

    # The fix: the document is restored. Then replay, first as a dry run.
    private.store.put_bytes(key, GOOD, "image/jpeg")
    env = {**os.environ, **to_env(s), "PYTHONPATH": str(REPO_ROOT)}

    def replay(*args: str) -> str:
        return subprocess.run(
            [sys.executable, "-m", "streams.ops.replay", *args],
            env=env,
            check=True,
            capture_output=True,
            text=True,
            timeout=60,
        ).stdout

    dry = replay("replay", "--stage", "intake", "--verification-id", vid, "--dry-run")
    assert "would replay 1" in dry
    assert private.sql("SELECT status FROM verifications WHERE id = %s", vid)[0][0] != "completed"
    out = replay("replay", "--stage", "intake", "--verification-id", vid)
    assert "replayed 1" in out
    assert private.wait_finished([vid], timeout_s=60) == {vid: "completed"}
    assert "replayed 0" in replay("replay", "--stage", "intake", "--verification-id", vid)
    shown = [json.loads(line) for line in replay("show", "--stage", "intake").splitlines()]
    assert {d["error"].split(":")[0] for d in shown} == {"SchemaError", "ObjectNotFound"}
