"""Load shedding: refuse new submissions (503) when the pipeline cannot finish them in time.

Every ``BOTSKYC_API_SHED_CHECK_S`` the API reads two signals in a background
task (never on the request path): the pipeline consumer group's lag on the
intake topic (submissions accepted but not yet picked up), and the average
time requests waited in Triton's queue since the previous reading. Above
either threshold, new submissions are answered 503 with ``Retry-After``;
reads are never shed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from confluent_kafka import Consumer, TopicPartition

from core.events.topics import Topics
from core.inference import TritonGateway
from core.settings import Settings

log = logging.getLogger(__name__)


class LoadMonitor:
    """Holds the latest reading; ``overloaded`` is None or the reason."""

    def __init__(self, settings: Settings, triton: TritonGateway) -> None:
        self.settings = settings
        self.triton = triton
        self.overloaded: str | None = None
        self.lag = 0
        self.queue_ms = 0.0
        self._last_queue: tuple[int, int] | None = None
        self._task: asyncio.Task[None] | None = None
        self._consumer = Consumer(
            {
                "bootstrap.servers": settings.kafka.bootstrap_servers,
                "group.id": settings.pipeline.app_id,  # read its offsets; never joins or commits
                "enable.auto.commit": False,
            }
        )

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="load-monitor")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await asyncio.to_thread(self._consumer.close)

    def _read_lag(self) -> int:
        topic = Topics(self.settings.kafka.topic_prefix).stage("intake")
        meta = self._consumer.list_topics(topic, timeout=5)
        tps = [TopicPartition(topic, p) for p in meta.topics[topic].partitions]
        lag = 0
        for tp in self._consumer.committed(tps, timeout=5):
            low, high = self._consumer.get_watermark_offsets(tp, timeout=5, cached=False)
            lag += high - (tp.offset if tp.offset >= 0 else low)
        return lag

    def _read_queue_ms(self) -> float:
        stats = self.triton.model_stats("image_quality")["model_stats"][0]["inference_stats"]
        now = (int(stats["success"]["count"]), int(stats["queue"]["ns"]))
        before, self._last_queue = self._last_queue, now
        if before is None or now[0] <= before[0]:
            return 0.0
        return (now[1] - before[1]) / (now[0] - before[0]) / 1e6

    async def check(self) -> None:
        """One reading (errors leave the previous verdict: a monitor must not shed on its own
        failure)."""
        api = self.settings.api
        try:
            self.lag = await asyncio.to_thread(self._read_lag)
            self.queue_ms = await asyncio.to_thread(self._read_queue_ms)
        except Exception as exc:
            log.warning("load monitor: %s", exc)
            return
        if self.lag > api.shed_max_lag:
            self.overloaded = f"{self.lag} submissions are waiting for the pipeline"
        elif self.queue_ms > api.shed_max_queue_ms:
            self.overloaded = f"models are queueing {self.queue_ms:.0f} ms per request"
        else:
            self.overloaded = None

    async def _run(self) -> None:
        while True:
            await self.check()
            await asyncio.sleep(self.settings.api.shed_check_s)
