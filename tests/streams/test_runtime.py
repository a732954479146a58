"""The stage runner's failure policy (pure logic, with an in-memory send)."""

from __future__ import annotations

import time
from typing import Any

import pytest

from core.events import avro
from core.events.topics import Topics
from core.inference import InferenceUnavailable
from core.settings import PipelineSettings, TelemetrySettings, get_settings
from core.storage import ObjectNotFound
from core.telemetry import setup_tracing
from streams.errors import is_transient
from streams.runtime import (
    ATTEMPT_HEADER,
    NOT_BEFORE_HEADER,
    StageContext,
    StageOutput,
    StageRunner,
    next_stage,
    retry_delay_s,
)


class FakeRepo:
    def __init__(self) -> None:
        self.saved: list[tuple[str, str]] = []

    async def save_stage_result(self, vid: str, stage: str, *args: Any) -> bool:
        self.saved.append((vid, stage))
        return True


class Stage:
    name = "intake"
    input_schema = "verification_submitted"

    def __init__(self, error: BaseException | None = None, fail_times: int = 10**6) -> None:
        self.error = error
        self.fail_times = fail_times
        self.calls = 0

    async def process(self, ctx: StageContext, record: dict[str, Any]) -> StageOutput:
        self.calls += 1
        if self.error is not None and self.calls <= self.fail_times:
            raise self.error
        return StageOutput(result={"ok": True}, event_fields={"intake": {"pages": []}})


TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"


def submission() -> bytes:
    return avro.encode(
        "verification_submitted",
        {
            "traceparent": f"00-{TRACE_ID}-00f067aa0ba902b7-01",
            "event_id": "evt_1",
            "verification_id": "ver_1",
            "organisation_id": "o",
            "occurred_at": int(time.time() * 1000),
            "requested_type": "identity",
            "verification_type": "IDENTITY",
            "files": [],
        },
    )


def make_runner(stage: Stage, **pipeline: Any) -> tuple[StageRunner, list[tuple[str, Any]]]:
    setup_tracing("test", TelemetrySettings())  # what the worker does at start
    sent: list[tuple[str, Any]] = []

    async def send(topic: str, key: bytes | None, value: bytes, headers: dict[str, bytes]) -> None:
        sent.append((topic, (key, value, headers)))

    settings = get_settings()
    ctx = StageContext.__new__(StageContext)
    ctx.settings = type(settings).__new__(type(settings))
    ctx.settings.__dict__.update(settings.__dict__)
    ctx.settings.pipeline = PipelineSettings(
        inprocess_attempts=2, retry_attempts=3, retry_initial_s=1, retry_max_s=4, **pipeline
    )
    ctx.repo = FakeRepo()  # type: ignore[assignment]
    ctx.topics = Topics("t")
    ctx.send = send
    return StageRunner(stage, ctx), sent


async def handle(runner: StageRunner, value: bytes, attempt: int = 0) -> str:
    headers = {ATTEMPT_HEADER: str(attempt).encode()} if attempt else {}
    return await runner.handle(
        b"ver_1", value, headers, topic="t.stage.intake", partition=0, offset=7
    )


async def test_success_hands_on_to_the_next_stage() -> None:
    runner, sent = make_runner(Stage())
    assert await handle(runner, submission()) == "processed"
    ((topic, (key, value, _)),) = sent
    assert topic == "t.stage.quality" and key == b"ver_1"
    _, event = avro.decode(value, "stage_event")
    assert event["stage"] == "quality" and "intake" in event["stage_timings"]
    # The trace goes on: same trace id, the intake span as parent.
    _, trace_id, parent, _ = event["traceparent"].split("-")
    assert trace_id == TRACE_ID and parent != "00f067aa0ba902b7"


async def test_transient_error_is_retried_in_process_first() -> None:
    stage = Stage(InferenceUnavailable("down"), fail_times=1)
    runner, sent = make_runner(stage)
    assert await handle(runner, submission()) == "processed"
    assert stage.calls == 2 and sent[0][0] == "t.stage.quality"


async def test_persistent_transient_error_goes_to_the_retry_topic_with_backoff() -> None:
    runner, sent = make_runner(Stage(InferenceUnavailable("down")))
    before = time.time()
    assert await handle(runner, submission(), attempt=1) == "retry-scheduled"
    ((topic, (_, value, headers)),) = sent
    assert topic == "t.stage.intake.retry" and value == submission()[:0] + value
    assert headers[ATTEMPT_HEADER] == b"2"
    assert float(headers[NOT_BEFORE_HEADER]) >= before + 2  # second delayed retry: 2 s


async def test_retries_run_out_into_the_dead_letter_topic() -> None:
    runner, sent = make_runner(Stage(InferenceUnavailable("down")))
    assert await handle(runner, submission(), attempt=3) == "dead-lettered"
    ((topic, (_, value, _)),) = sent
    assert topic == "t.stage.intake.dlq"
    _, dl = avro.decode(value, "dead_letter")
    assert dl["attempt"] == 3 and dl["poison"] is False
    assert dl["error_type"] == "InferenceUnavailable" and dl["source_offset"] == 7


@pytest.mark.parametrize("error", [ObjectNotFound("k"), KeyError("bug"), ValueError("bad")])
async def test_poison_goes_straight_to_dead_letters(error: BaseException) -> None:
    stage = Stage(error)
    runner, sent = make_runner(stage)
    assert await handle(runner, submission()) == "dead-lettered"
    assert stage.calls == 1
    _, dl = avro.decode(sent[0][1][1], "dead_letter")
    assert dl["poison"] is True and dl["payload"] == submission()[:0] + dl["payload"]


async def test_undecodable_bytes_are_dead_lettered_with_the_original_payload() -> None:
    stage = Stage()
    runner, sent = make_runner(stage)
    assert await handle(runner, b"\x00garbage") == "dead-lettered"
    _, dl = avro.decode(sent[0][1][1], "dead_letter")
    assert dl["payload"] == b"\x00garbage" and dl["error_type"] == "SchemaError"
    assert stage.calls == 0


def test_backoff_doubles_and_is_capped() -> None:
    assert [retry_delay_s(a, 1, 10) for a in range(1, 7)] == [1, 2, 4, 8, 10, 10]


def test_stage_order() -> None:
    assert next_stage("intake") == "quality" and next_stage("quality") == "ocr"
    assert next_stage("ocr") == "classify" and next_stage("classify") == "extract"
    assert next_stage("extract") == "face" and next_stage("face") == "fraud"
    assert next_stage("fraud") == "decision"
    assert next_stage("decision") is None


def test_transient_classification() -> None:
    assert is_transient(InferenceUnavailable("x")) and is_transient(TimeoutError())
    assert not is_transient(ObjectNotFound("k")) and not is_transient(ValueError())


def test_a_starting_brokers_coordinator_errors_are_waited_out() -> None:
    from confluent_kafka import KafkaError, KafkaException

    from streams.app import _coordinator_not_ready

    assert _coordinator_not_ready(KafkaException(KafkaError(KafkaError.NOT_COORDINATOR)))
    assert _coordinator_not_ready(
        KafkaException(KafkaError(KafkaError.COORDINATOR_LOAD_IN_PROGRESS))
    )
    assert not _coordinator_not_ready(
        KafkaException(KafkaError(KafkaError.TOPIC_AUTHORIZATION_FAILED))
    )
    assert not _coordinator_not_ready(ValueError("x"))
