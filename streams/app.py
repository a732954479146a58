"""The Faust application: one agent per stage, one delayed-retry forwarder per stage.

Messages are raw bytes (Avro single-object encoding, decoded by the stage
runner, so that undecodable bytes become dead letters instead of crashing a
deserialiser). Topics are created by the project (core/events/topics.py);
Faust declares none.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Coroutine
from typing import Any

import faust
import httpx
from confluent_kafka import Consumer, KafkaError, KafkaException, TopicPartition
from tenacity import Retrying, retry_if_exception, stop_after_delay, wait_exponential

from core.db.pool import open_pool
from core.db.verifications import VerificationRepository
from core.db.webhooks import WebhookRepository
from core.events.topics import LANES, Topics
from core.inference import TritonGateway
from core.settings import Settings
from core.storage import ObjectStore
from core.telemetry import setup_tracing
from streams.liveness import assess_session
from streams.runtime import LANE_HEADER, NOT_BEFORE_HEADER, Stage, StageContext, StageRunner
from streams.stages.classify import ClassifyStage
from streams.stages.decision import DecisionStage
from streams.stages.extract import ExtractStage
from streams.stages.face import FaceStage
from streams.stages.fraud import FraudStage
from streams.stages.intake import IntakeStage
from streams.stages.ocr import OcrStage
from streams.stages.quality import QualityStage
from streams.webhooks import (
    WebhookContext,
    dead_letter_delivery,
    deliver,
    fan_out,
    fan_out_batch,
    fan_out_liveness,
)

log = logging.getLogger(__name__)

STAGES: tuple[Stage, ...] = (
    IntakeStage(),
    QualityStage(),
    OcrStage(),
    ClassifyStage(),
    ExtractStage(),
    FaceStage(),
    FraudStage(),
    DecisionStage(),
)
# I/O-bound stages overlap several verifications; the decision stays serial per
# worker. OCR is CPU-bound in Triton: two in flight keep it busy without
# queueing requests past their timeout.
CONCURRENCY = {
    "intake": 4,
    "quality": 4,
    "ocr": 2,
    "classify": 4,
    "extract": 2,
    "face": 2,
    "fraud": 2,
    "decision": 2,
}


# A broker that has just started has no group coordinator for a while (its
# offsets topic is being created): the anchor waits for one, this long at most.
COORDINATOR_WAIT_S = 60.0
_COORDINATOR_CODES = frozenset(
    {
        KafkaError.NOT_COORDINATOR,
        KafkaError.COORDINATOR_LOAD_IN_PROGRESS,
        KafkaError.COORDINATOR_NOT_AVAILABLE,
        KafkaError._TIMED_OUT,
    }
)


def _coordinator_not_ready(exc: BaseException) -> bool:
    """Transient group-coordinator errors of a starting broker (anything else re-raises)."""
    return isinstance(exc, KafkaException) and exc.args[0].code() in _COORDINATOR_CODES


class Pipeline:
    """Builds the Faust app and the connections its agents share."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        setup_tracing("botskyc-pipeline", settings.telemetry)
        self.topics = Topics(settings.kafka.topic_prefix)
        self.app = faust.App(
            settings.pipeline.app_id,
            broker=f"kafka://{settings.kafka.bootstrap_servers}",
            value_serializer="raw",
            key_serializer="raw",
            topic_allow_declare=False,
            topic_disable_leader=True,
            web_enabled=False,
            store="memory://",
            autodiscover=False,
            consumer_auto_offset_reset="earliest",
            processing_guarantee="at_least_once",
            broker_commit_every=50,
            broker_commit_interval=1.0,
            producer_acks=-1,
            # A killed worker's partitions move to the others after this long.
            broker_session_timeout=10.0,
            broker_heartbeat_interval=3.0,
            stream_wait_empty=False,
        )
        self._ctx: StageContext | None = None
        self._ctx_lock = asyncio.Lock()
        self._faust_topics: dict[str, faust.TopicT] = {}
        self.runners: dict[str, StageRunner] = {}
        self._webhooks: WebhookContext | None = None
        for stage in STAGES:
            self._register(stage)
        self._register_webhooks()

    def input_topics(self) -> list[str]:
        """Every topic the worker consumes."""
        stage_topics = [
            t
            for stage in STAGES
            for t in (
                *(self.topics.stage(stage.name, lane) for lane in LANES),
                self.topics.retry(stage.name),
            )
        ]
        webhook_retries = [
            self.topics.webhook_retry(i + 1) for i in range(len(self.settings.webhooks.schedule))
        ]
        return [
            *stage_topics,
            self.topics.public,
            self.topics.public_batches,
            self.topics.public_liveness,
            self.topics.liveness_submitted,
            self.topics.webhook_deliveries,
            *webhook_retries,
        ]

    def anchor_offsets(self) -> int:
        """Commit the start of every partition the group has never committed.

        Faust (0.15.3) starts a partition that has no committed offset at its
        end, not at ``consumer_auto_offset_reset``; a message that arrived
        there before any worker committed was then skipped (seen here). Run
        before the worker joins the group. Returns how many were anchored.
        """
        consumer = Consumer(
            {
                "bootstrap.servers": self.settings.kafka.bootstrap_servers,
                "group.id": self.settings.pipeline.app_id,
                "enable.auto.commit": False,
            }
        )
        try:
            meta = consumer.list_topics(timeout=10)
            tps = [
                TopicPartition(t, p)
                for t in self.input_topics()
                if t in meta.topics
                for p in meta.topics[t].partitions
            ]
            for attempt in Retrying(
                retry=retry_if_exception(_coordinator_not_ready),
                stop=stop_after_delay(COORDINATOR_WAIT_S),
                wait=wait_exponential(multiplier=0.2, max=2),
                reraise=True,
            ):
                with attempt:
                    return self._commit_missing(consumer, tps)
            raise AssertionError("unreachable: Retrying re-raises")  # pragma: no cover
        finally:
            consumer.close()

    @staticmethod
    def _commit_missing(consumer: Consumer, tps: list[TopicPartition]) -> int:
        missing = [tp for tp in consumer.committed(tps, timeout=10) if tp.offset < 0]
        for tp in missing:
            low, _ = consumer.get_watermark_offsets(tp, timeout=10)
            tp.offset = low
        if missing:
            consumer.commit(offsets=missing, asynchronous=False)
        return len(missing)

    def topic(self, name: str) -> faust.TopicT:
        if name not in self._faust_topics:
            self._faust_topics[name] = self.app.topic(
                name,
                key_type=bytes,
                value_type=bytes,
                value_serializer="raw",
                key_serializer="raw",
            )
        return self._faust_topics[name]

    async def send(
        self, topic: str, key: bytes | None, value: bytes, headers: dict[str, bytes]
    ) -> None:
        """Produce and wait for the broker's acknowledgement."""
        fut = await self.topic(topic).send(key=key, value=value, headers=headers or None)
        await fut

    async def context(self) -> StageContext:
        """Connections, opened on first use (inside the worker's event loop)."""
        async with self._ctx_lock:
            if self._ctx is None:
                pool = await open_pool(self.settings.postgres, min_size=2)
                self._ctx = StageContext(
                    settings=self.settings,
                    repo=VerificationRepository(pool),
                    store=ObjectStore(self.settings.storage),
                    triton=TritonGateway(self.settings.triton),
                    topics=self.topics,
                    send=self.send,
                )
            return self._ctx

    def _register(self, stage: Stage) -> None:
        warm = getattr(stage, "warm", None)
        if warm is not None:
            # Memory a stage builds from the database (the fraud stage's face index and
            # page vectors) is built when the worker starts, not by the first event.
            async def warm_up() -> None:
                try:
                    await warm(await self.context())
                except Exception:  # the first event builds it instead
                    log.exception("warming stage %s failed", stage.name)

            self.app.task(warm_up)
        for lane in LANES:
            # The batch lane gets one slot per worker; interactive traffic the rest.
            self.app.agent(
                self.topic(self.topics.stage(stage.name, lane)),
                name=f"stage-{stage.name}-{lane}",
                concurrency=CONCURRENCY.get(stage.name, 1) if lane == "interactive" else 1,
            )(self._stage_agent(stage))
        self.app.agent(self.topic(self.topics.retry(stage.name)), name=f"retry-{stage.name}")(
            self._retry_agent(self.topics.stage(stage.name), by_lane=stage.name)
        )

    async def webhook_context(self) -> WebhookContext:
        ctx = await self.context()
        if self._webhooks is None:
            repo = ctx.repo

            async def webhook_url(verification_id: str) -> str | None:
                row = await repo.get(verification_id)
                return str(row["webhook_url"]) if row and row.get("webhook_url") else None

            self._webhooks = WebhookContext(
                settings=self.settings,
                topics=self.topics,
                repo=WebhookRepository(repo.pool),
                send=self.send,
                http=httpx.AsyncClient(follow_redirects=False),
                verification_webhook_url=webhook_url,
            )
        return self._webhooks

    def _fanout_agent(
        self, fan: Callable[[WebhookContext, bytes], Coroutine[Any, Any, int]], what: str
    ) -> Callable[[faust.StreamT[Any]], Coroutine[Any, Any, None]]:
        """An agent that queues the webhook deliveries of each finished ``what``."""

        async def agent(stream: faust.StreamT[Any]) -> None:
            ctx = await self.webhook_context()
            async for event in stream.events():
                n = await fan(ctx, event.message.value or b"")
                log.info("webhooks: %s %s deliveries queued for %s", n, what, event.message.key)

        return agent

    def _register_webhooks(self) -> None:
        fanout_agent = self._fanout_agent(fan_out, "verification")
        batch_fanout_agent = self._fanout_agent(fan_out_batch, "batch")
        liveness_fanout_agent = self._fanout_agent(fan_out_liveness, "liveness")

        async def deliver_agent(stream: faust.StreamT[Any]) -> None:
            ctx = await self.webhook_context()
            async for event in stream.events():
                try:
                    outcome = await deliver(ctx, event.message.value or b"")
                except Exception as exc:  # a bug or a dead database: park it, keep going
                    log.exception("webhook delivery %s crashed", event.message.key)
                    await dead_letter_delivery(ctx, event.message.value or b"", exc)
                    outcome = "dead-lettered (crash)"
                log.info("webhook delivery %s: %s", event.message.key, outcome)

        async def liveness_agent(stream: faust.StreamT[Any]) -> None:
            ctx = await self.context()
            async for event in stream.events():
                outcome = await assess_session(ctx, event.message.value or b"")
                log.info("liveness %s: %s", event.message.key, outcome)

        self.app.agent(self.topic(self.topics.liveness_submitted), name="liveness")(liveness_agent)
        self.app.agent(self.topic(self.topics.public_liveness), name="webhook-liveness-fanout")(
            liveness_fanout_agent
        )
        self.app.agent(self.topic(self.topics.public), name="webhook-fanout")(fanout_agent)
        self.app.agent(self.topic(self.topics.public_batches), name="webhook-batch-fanout")(
            batch_fanout_agent
        )
        self.app.agent(
            self.topic(self.topics.webhook_deliveries), name="webhook-deliver", concurrency=8
        )(deliver_agent)
        for i in range(len(self.settings.webhooks.schedule)):
            self.app.agent(
                self.topic(self.topics.webhook_retry(i + 1)), name=f"webhook-retry-{i + 1}"
            )(self._retry_agent(self.topics.webhook_deliveries))

    def _stage_agent(
        self, stage: Stage
    ) -> Callable[[faust.StreamT[Any]], Coroutine[Any, Any, None]]:
        async def agent(stream: faust.StreamT[Any]) -> None:
            ctx = await self.context()
            runner = self.runners.setdefault(stage.name, StageRunner(stage, ctx))
            async for event in stream.events():
                msg = event.message
                outcome = await runner.handle(
                    msg.key,
                    msg.value or b"",
                    _headers(msg.headers),
                    topic=msg.topic,
                    partition=msg.partition,
                    offset=msg.offset,
                )
                log.info("%s %s offset %s: %s", stage.name, msg.key, msg.offset, outcome)

        agent.__name__ = f"stage_{stage.name}"
        return agent

    def _retry_agent(
        self, target: str, by_lane: str | None = None
    ) -> Callable[[faust.StreamT[Any]], Coroutine[Any, Any, None]]:
        """Holds each message until its not-before time, then puts it on ``target``
        (for a stage, on the lane topic its ``x-botskyc-lane`` header names)."""

        async def agent(stream: faust.StreamT[Any]) -> None:
            async for event in stream.events():
                msg = event.message
                headers = _headers(msg.headers)
                not_before = float(headers.get(NOT_BEFORE_HEADER, b"0") or 0)
                delay = not_before - time.time()
                if delay > 0:
                    await asyncio.sleep(delay)
                destination = target
                if by_lane is not None:
                    lane = headers.get(LANE_HEADER, b"interactive").decode()
                    destination = self.topics.stage(
                        by_lane, lane if lane in LANES else "interactive"
                    )
                await self.send(destination, msg.key, msg.value or b"", headers)

        agent.__name__ = "forward_to_" + target.replace(".", "_").replace("-", "_")
        return agent


def _headers(raw: Any) -> dict[str, bytes]:
    if not raw:
        return {}
    items = raw.items() if hasattr(raw, "items") else raw
    return {str(k): bytes(v) if v is not None else b"" for k, v in items}
