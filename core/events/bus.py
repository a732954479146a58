"""Asynchronous Kafka access for the API (aiokafka): publish, and wait for completions.

The stream processors talk to Kafka through Faust; the API needs two small
things only: publish an accepted verification (acknowledged by the broker
before the client hears 202/200), and learn when a verification finishes, to
answer synchronous callers.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.errors import KafkaError

from core.errors import ServiceUnavailable
from core.events import avro
from core.settings import KafkaSettings

log = logging.getLogger(__name__)


class EventPublisher:
    """An idempotent producer (acks=all). ``start``/``stop`` around its use."""

    def __init__(self, settings: KafkaSettings) -> None:
        self.producer = AIOKafkaProducer(
            bootstrap_servers=settings.bootstrap_servers,
            acks="all",
            enable_idempotence=True,
            linger_ms=2,
            request_timeout_ms=10_000,
        )

    async def start(self) -> None:
        await self.producer.start()

    async def stop(self) -> None:
        await self.producer.stop()

    async def publish(self, topic: str, key: str, value: bytes, timeout_s: float = 10.0) -> None:
        """Send and wait for the broker's acknowledgement.

        Raises:
            ServiceUnavailable: not acknowledged within ``timeout_s`` (the
                caller must treat the event as not sent).
        """
        try:
            await asyncio.wait_for(
                self.producer.send_and_wait(topic, value=value, key=key.encode()), timeout_s
            )
        except (KafkaError, TimeoutError) as exc:
            raise ServiceUnavailable(f"event bus unavailable: {type(exc).__name__}") from exc


async def follow_from_end(settings: KafkaSettings, topics: list[str]) -> AIOKafkaConsumer:
    """A started consumer on every partition of ``topics``, at their end, with no group.

    For per-process views of a topic (every API process sees every message).

    Raises:
        ServiceUnavailable: one of the topics does not exist.
    """
    consumer = AIOKafkaConsumer(
        bootstrap_servers=settings.bootstrap_servers, enable_auto_commit=False, group_id=None
    )
    await consumer.start()
    # aiokafka only learns a topic's partitions by subscribing; ask the cluster
    # directly, since this consumer assigns partitions itself.
    cluster = await consumer._client.fetch_all_metadata()
    missing = [t for t in topics if not cluster.partitions_for_topic(t)]
    if missing:
        await consumer.stop()
        raise ServiceUnavailable(f"topic(s) {missing} do not exist")
    tps = [TopicPartition(t, p) for t in topics for p in sorted(cluster.partitions_for_topic(t))]
    consumer.assign(tps)
    await consumer.seek_to_end(*tps)
    return consumer


class TopicFollower:
    """A per-process view of some topics: read from their end in a background task.

    Subclasses set ``names`` and implement :meth:`handle`; a broker error is
    logged and the loop goes on (the broker may come back).
    """

    names: list[str]

    def __init__(self, settings: KafkaSettings) -> None:
        self.settings = settings
        self._consumer: AIOKafkaConsumer | None = None
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Position at the end of every partition, then follow.

        Raises:
            ServiceUnavailable: a topic does not exist.
        """
        self._consumer = await follow_from_end(self.settings, self.names)
        self._task = asyncio.create_task(self._run(), name=type(self).__name__)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._consumer is not None:
            await self._consumer.stop()

    def handle(self, topic: str, msg: Any) -> None:
        """One message (never blocks; must not raise)."""
        raise NotImplementedError

    def active(self) -> bool:
        """False to skip handling (the position still advances)."""
        return True

    async def _run(self) -> None:
        assert self._consumer is not None
        while True:
            try:
                batch = await self._consumer.getmany(timeout_ms=500)
            except KafkaError as exc:
                log.warning("%s: %s", type(self).__name__, exc)
                await asyncio.sleep(1)
                continue
            if not self.active():
                continue
            for tp, messages in batch.items():
                for msg in messages:
                    self.handle(tp.topic, msg)


class CompletionWaiter(TopicFollower):
    """Follows the public topic and wakes whoever waits for a verification.

    Every API process reads every partition from the end (no consumer group):
    completions are small, and any process may hold the waiting request.
    """

    def __init__(self, settings: KafkaSettings, topic: str) -> None:
        super().__init__(settings)
        self.names = [topic]
        self._waiters: dict[str, list[asyncio.Future[str]]] = defaultdict(list)
        self.ready = asyncio.Event()

    async def start(self) -> None:
        await super().start()
        self.ready.set()

    def register(self, verification_id: str) -> asyncio.Future[str]:
        """A future resolved with the event type when the verification finishes."""
        fut: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self._waiters[verification_id].append(fut)
        return fut

    def forget(self, verification_id: str, fut: asyncio.Future[str]) -> None:
        """Stop waiting (deadline passed)."""
        waiters = self._waiters.get(verification_id)
        if waiters and fut in waiters:
            waiters.remove(fut)
            if not waiters:
                del self._waiters[verification_id]

    def handle(self, topic: str, msg: Any) -> None:
        if msg.key is None:
            return
        waiters = self._waiters.pop(msg.key.decode(), None)
        if not waiters:
            return
        try:
            _, event = avro.decode(msg.value or b"", "verification_finished")
            kind = str(event["event_type"])
        except avro.SchemaError:
            kind = "unknown"
        for fut in waiters:
            if not fut.done():
                fut.set_result(kind)
