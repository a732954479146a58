"""What every stage shares: decoding, retries, dead letters, and handing on to the next stage.

A stage is a small object with a ``name``, the schema it consumes and an
async ``process(ctx, record) -> StageOutput``; this module wraps it so that
every stage behaves the same way on failure:

1. transient errors are retried in-process (tenacity: a few quick attempts);
2. then the message goes to the stage's delayed-retry topic with an attempt
   counter and a not-before time in its headers (exponential backoff, capped);
3. when those run out, or at once for poison (undecodable, schema-invalid, a
   bug), it goes to the stage's dead-letter topic with the error, attempt
   count and the original bytes — and the worker carries on.

Offsets are committed by Faust only after ``handle`` returns, i.e. after the
result is in PostgreSQL and the next event is acknowledged by the broker:
at-least-once, made safe by idempotent writes keyed by verification and stage.
"""

from __future__ import annotations

import asyncio
import json
import time
import traceback
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from tenacity import AsyncRetrying, retry_if_exception, stop_after_attempt, wait_exponential

from core.db.verifications import VerificationRepository
from core.domain import new_id
from core.events import avro
from core.events.topics import PIPELINE_STAGES, Topics
from core.inference import TritonGateway
from core.settings import Settings
from core.storage import ObjectStore
from core.telemetry import current_traceparent, span
from streams.errors import is_transient

ATTEMPT_HEADER = "x-botskyc-attempt"
NOT_BEFORE_HEADER = "x-botskyc-not-before"
LANE_HEADER = "x-botskyc-lane"
ERROR_HEADER = "x-botskyc-last-error"

Send = Callable[[str, bytes | None, bytes, dict[str, bytes]], Awaitable[None]]


def json_default(value: Any) -> Any:
    """JSON for Avro's logical types (timestamps decode to datetime)."""
    if isinstance(value, datetime):
        return int(value.timestamp() * 1000)
    if isinstance(value, bytes):
        return value.hex()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def to_json(value: Any) -> str:
    return json.dumps(value, default=json_default, separators=(",", ":"))


@dataclass
class StageContext:
    """Connections a stage may use. Built once per worker."""

    settings: Settings
    repo: VerificationRepository
    store: ObjectStore
    triton: TritonGateway
    topics: Topics
    send: Send


@dataclass
class StageOutput:
    """What a stage produced for one verification."""

    result: dict[str, Any]
    event_fields: dict[str, Any] = field(default_factory=dict)
    model_ms: float | None = None
    terminal: bool = False


class Stage(Protocol):
    """A pipeline stage (see module docstring)."""

    name: str
    input_schema: str

    async def process(self, ctx: StageContext, record: dict[str, Any]) -> StageOutput:
        """Do the stage's work for one verification. Raise to fail it (see retries)."""
        ...


def lane_of(record: dict[str, Any]) -> str:
    """The priority lane of a decoded submission or stage event."""
    priority = record.get("priority")
    if priority is None and "submission_json" in record:
        priority = json.loads(record["submission_json"]).get("priority")
    return "batch" if priority == "batch" else "interactive"


def lane_of_bytes(value: bytes) -> str:
    try:
        return lane_of(avro.decode(value)[1])
    except avro.SchemaError:
        return "interactive"


def next_stage(stage: str) -> str | None:
    """The stage after ``stage`` in the pipeline, or None for the last."""
    i = PIPELINE_STAGES.index(stage)
    return PIPELINE_STAGES[i + 1] if i + 1 < len(PIPELINE_STAGES) else None


def retry_delay_s(attempt: int, initial_s: float, max_s: float) -> float:
    """Backoff before delayed retry number ``attempt`` (1-based): doubling, capped."""
    return float(min(max_s, initial_s * 2 ** (attempt - 1)))


class StageRunner:
    """Runs one stage on raw Kafka messages with the failure policy above."""

    def __init__(self, stage: Stage, ctx: StageContext) -> None:
        self.stage = stage
        self.ctx = ctx
        self.processed = 0
        self.dead_lettered = 0
        self.retried = 0

    async def handle(
        self,
        key: bytes | None,
        value: bytes,
        headers: dict[str, bytes],
        *,
        topic: str,
        partition: int,
        offset: int,
    ) -> str:
        """Process one message; never raises for a bad message. Returns what happened."""
        attempt = int(headers.get(ATTEMPT_HEADER, b"0") or 0)
        try:
            _, record = avro.decode(value, self.stage.input_schema)
        except avro.SchemaError as exc:
            await self._dead_letter(key, value, exc, attempt, topic, partition, offset, True)
            return "dead-lettered"
        pipe = self.ctx.settings.pipeline
        try:
            async for trial in AsyncRetrying(
                stop=stop_after_attempt(pipe.inprocess_attempts),
                wait=wait_exponential(multiplier=0.2, max=2.0),
                retry=retry_if_exception(is_transient),
                reraise=True,
            ):
                with trial:
                    await self._process(record)
        except Exception as exc:
            if is_transient(exc) and attempt < pipe.retry_attempts:
                await self._retry_later(key, value, exc, attempt + 1)
                return "retry-scheduled"
            await self._dead_letter(
                key, value, exc, attempt, topic, partition, offset, not is_transient(exc)
            )
            return "dead-lettered"
        self.processed += 1
        return "processed"

    async def _process(self, record: dict[str, Any]) -> None:
        # The stage's span continues the trace of the event that brought it here;
        # the event it emits carries this span's context on.
        with span(
            f"stage.{self.stage.name}",
            record.get("traceparent", ""),
            verification_id=record["verification_id"],
        ):
            await self._process_in_span(record)

    async def _process_in_span(self, record: dict[str, Any]) -> None:
        started = time.monotonic()
        # A hung dependency must not hold the partition forever: time out and retry.
        out = await asyncio.wait_for(
            self.stage.process(self.ctx, record), self.ctx.settings.pipeline.stage_timeout_s
        )
        duration_ms = 1000 * (time.monotonic() - started)
        vid = record["verification_id"]
        await self.ctx.repo.save_stage_result(
            vid, self.stage.name, record["event_id"], out.result, duration_ms, out.model_ms
        )
        following = next_stage(self.stage.name)
        if out.terminal or following is None:
            return
        event = self._next_event(record, out, duration_ms, following)
        await self.ctx.send(
            self.ctx.topics.stage(following, lane_of(record)),
            vid.encode(),
            avro.encode("stage_event", event),
            {},
        )

    def _next_event(
        self, record: dict[str, Any], out: StageOutput, duration_ms: float, following: str
    ) -> dict[str, Any]:
        if self.stage.input_schema == "stage_event":
            event = dict(record)
        else:  # the first stage turns the submission into the pipeline's envelope
            event = {
                "verification_id": record["verification_id"],
                "traceparent": record.get("traceparent", ""),
                "submission_json": to_json(record),
                "stage_timings": {},
                "model_timings": {},
            }
        event.update(out.event_fields)
        event["event_id"] = new_id("evt")
        event["schema_version"] = 1
        event["occurred_at"] = int(time.time() * 1000)
        event["stage"] = following
        event["traceparent"] = current_traceparent()
        event["stage_timings"] = {**event.get("stage_timings", {}), self.stage.name: duration_ms}
        if out.model_ms is not None:
            event["model_timings"] = {
                **event.get("model_timings", {}),
                self.stage.name: out.model_ms,
            }
        return event

    async def _retry_later(
        self, key: bytes | None, value: bytes, exc: BaseException, attempt: int
    ) -> None:
        pipe = self.ctx.settings.pipeline
        delay = retry_delay_s(attempt, pipe.retry_initial_s, pipe.retry_max_s)
        headers = {
            LANE_HEADER: lane_of_bytes(value).encode(),
            ATTEMPT_HEADER: str(attempt).encode(),
            NOT_BEFORE_HEADER: str(time.time() + delay).encode(),
            ERROR_HEADER: f"{type(exc).__name__}: {exc}"[:500].encode(),
        }
        await self.ctx.send(self.ctx.topics.retry(self.stage.name), key, value, headers)
        self.retried += 1

    async def _dead_letter(
        self,
        key: bytes | None,
        value: bytes,
        exc: BaseException,
        attempt: int,
        topic: str,
        partition: int,
        offset: int,
        poison: bool,
    ) -> None:
        record = {
            "event_id": new_id("dlq"),
            "stage": self.stage.name,
            "source_topic": topic,
            "source_partition": partition,
            "source_offset": offset,
            "verification_id": key.decode("utf-8", "replace") if key else None,
            "key": key,
            "payload": value,
            "error_type": type(exc).__name__,
            "error_message": str(exc)[:2000],
            "traceback": "".join(traceback.format_exception(exc))[-8000:],
            "attempt": attempt,
            "poison": poison,
            "failed_at": int(time.time() * 1000),
        }
        await self.ctx.send(
            self.ctx.topics.dead_letter(self.stage.name),
            key,
            avro.encode("dead_letter", record),
            {},
        )
        self.dead_lettered += 1
