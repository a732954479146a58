"""The topics the project owns, with explicit partitions and retention.

Topic names are derived from ``BOTSKYC_KAFKA_TOPIC_PREFIX`` so that tests can
run against their own topics on the shared broker.
"""

from __future__ import annotations

from dataclasses import dataclass

from confluent_kafka import KafkaException
from confluent_kafka.admin import AdminClient, NewTopic

from core.settings import Settings

DAY_MS = 24 * 3600 * 1000

# The pipeline's stages in order. Each stage consumes its own topic and
# produces to the next one's; later features insert stages into this list.
PIPELINE_STAGES: tuple[str, ...] = (
    "intake",
    "quality",
    "ocr",
    "classify",
    "extract",
    "face",
    "fraud",
    "decision",
)
LANES: tuple[str, ...] = ("interactive", "batch")


@dataclass(frozen=True)
class TopicSpec:
    """A topic the project creates."""

    name: str
    partitions: int
    retention_ms: int
    cleanup_policy: str = "delete"

    def config(self) -> dict[str, str]:
        return {"retention.ms": str(self.retention_ms), "cleanup.policy": self.cleanup_policy}


@dataclass(frozen=True)
class Topics:
    """Topic names for one prefix."""

    prefix: str

    def stage(self, stage: str, lane: str = "interactive") -> str:
        """Input topic of a pipeline stage, in a priority lane (``interactive`` or ``batch``).

        Batch work has topics of its own, consumed with less concurrency, so that
        a large batch never queues in front of interactive verifications.
        """
        base = f"{self.prefix}.stage.{stage}"
        return base if lane == "interactive" else f"{base}.{lane}"

    def retry(self, stage: str) -> str:
        """Delayed-retry topic of a stage."""
        return f"{self.prefix}.stage.{stage}.retry"

    def dead_letter(self, stage: str) -> str:
        """Dead-letter topic of a stage."""
        return f"{self.prefix}.stage.{stage}.dlq"

    @property
    def public(self) -> str:
        """Public topic of finished verifications (``verification.completed`` / ``.failed``)."""
        return f"{self.prefix}.public.verifications"

    @property
    def public_batches(self) -> str:
        """Public topic of finished batches (``batch.completed``)."""
        return f"{self.prefix}.public.batches"

    @property
    def public_liveness(self) -> str:
        """Public topic of finished liveness sessions (``liveness.completed``)."""
        return f"{self.prefix}.public.liveness"

    @property
    def liveness_submitted(self) -> str:
        """Liveness clips waiting for assessment."""
        return f"{self.prefix}.liveness.submitted"

    @property
    def liveness_dead_letter(self) -> str:
        """Liveness submissions that could not be assessed (poison): for a human."""
        return f"{self.prefix}.liveness.dlq"

    @property
    def webhook_deliveries(self) -> str:
        """Webhook deliveries ready to be attempted."""
        return f"{self.prefix}.webhooks.deliveries"

    def webhook_retry(self, step: int) -> str:
        """Deliveries waiting for retry ``step`` (one topic per delay, so FIFO = due order)."""
        return f"{self.prefix}.webhooks.retry.{step}"

    @property
    def webhook_dead_letter(self) -> str:
        """Deliveries that failed every retry."""
        return f"{self.prefix}.webhooks.dlq"

    @property
    def smoke(self) -> str:
        """Topic of the stack's smoke round trip."""
        return f"{self.prefix}.ops.smoke"


def catalogue(settings: Settings) -> list[TopicSpec]:
    """Every topic of the project, as it must exist on the broker."""
    t = Topics(settings.kafka.topic_prefix)
    n = settings.kafka.default_partitions
    specs = [
        TopicSpec(t.public, n, 30 * DAY_MS),
        TopicSpec(t.public_batches, n, 30 * DAY_MS),
        TopicSpec(t.public_liveness, n, 30 * DAY_MS),
        TopicSpec(t.liveness_submitted, n, 7 * DAY_MS),
        TopicSpec(t.liveness_dead_letter, 1, 90 * DAY_MS),
        TopicSpec(t.smoke, 1, DAY_MS),
    ]
    for stage in PIPELINE_STAGES:
        specs += [
            TopicSpec(t.stage(stage), n, 7 * DAY_MS),
            TopicSpec(t.stage(stage, "batch"), n, 7 * DAY_MS),
            TopicSpec(t.retry(stage), n, 7 * DAY_MS),
            # Dead letters wait for a human: keep them long.
            TopicSpec(t.dead_letter(stage), 1, 90 * DAY_MS),
        ]
    specs.append(TopicSpec(t.webhook_deliveries, n, 7 * DAY_MS))
    specs += [
        TopicSpec(t.webhook_retry(i + 1), n, 7 * DAY_MS)
        for i in range(len(settings.webhooks.schedule))
    ]
    specs.append(TopicSpec(t.webhook_dead_letter, 1, 90 * DAY_MS))
    return specs


def ensure_topics(settings: Settings, timeout_s: float = 30.0) -> list[str]:
    """Create the missing topics of the catalogue; return the names created.

    Existing topics are left as they are (idempotent).

    Raises:
        KafkaException: the broker refused a creation for another reason than
            "already exists".
    """
    admin = AdminClient({"bootstrap.servers": settings.kafka.bootstrap_servers})
    existing = set(admin.list_topics(timeout=timeout_s).topics)
    wanted = [s for s in catalogue(settings) if s.name not in existing]
    if not wanted:
        return []
    futures = admin.create_topics(
        [NewTopic(s.name, s.partitions, 1, config=s.config()) for s in wanted],
        request_timeout=timeout_s,
    )
    created = []
    for name, fut in futures.items():
        try:
            fut.result()
            created.append(name)
        except KafkaException as exc:
            if exc.args[0].name() != "TOPIC_ALREADY_EXISTS":
                raise
    return created


def main() -> int:
    """``python -m core.events.topics``: create the catalogue's missing topics."""
    from core.settings import get_settings

    created = ensure_topics(get_settings())
    print(f"created {len(created)} topic(s): {', '.join(created) or 'none missing'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
