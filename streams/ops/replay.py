"""Dead-letter topics: list them, inspect their events, replay them to their stage.

    python -m streams.ops.replay list
    python -m streams.ops.replay show   --stage intake [filters]
    python -m streams.ops.replay replay --stage intake [filters] [--dry-run] [--force]

Filters: ``--verification-id``, ``--error`` (substring of type or message),
``--since``/``--until`` (ISO times), ``--id`` (one dead letter). A replay puts
the original bytes back on the stage's input topic with the attempt counter
reset, and records the dead letter as replayed in PostgreSQL, so replaying
"all" twice does not process anything twice (``--force`` overrides).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import psycopg
from confluent_kafka import Consumer, Producer, TopicPartition

from core.events import avro
from core.events.topics import PIPELINE_STAGES, Topics
from core.settings import Settings, get_settings


@dataclass(frozen=True)
class Filters:
    """Which dead letters an operation applies to."""

    verification_id: str | None = None
    error: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    dead_letter_id: str | None = None

    def match(self, dl: dict[str, Any]) -> bool:
        failed_at: datetime = dl["failed_at"]
        if self.verification_id and dl.get("verification_id") != self.verification_id:
            return False
        if self.error and self.error.lower() not in (
            f"{dl['error_type']}: {dl['error_message']}".lower()
        ):
            return False
        if self.since and failed_at < self.since:
            return False
        if self.until and failed_at >= self.until:
            return False
        return not (self.dead_letter_id and dl["event_id"] != self.dead_letter_id)


def read_dead_letters(
    settings: Settings, stage: str, timeout_s: float = 5.0
) -> Iterator[dict[str, Any]]:
    """Every dead letter of a stage, oldest first per partition (reads, commits nothing)."""
    topic = Topics(settings.kafka.topic_prefix).dead_letter(stage)
    consumer = Consumer(
        {
            "bootstrap.servers": settings.kafka.bootstrap_servers,
            "group.id": "botskyc-ops-replay",
            "enable.auto.commit": False,
            "auto.offset.reset": "earliest",
        }
    )
    try:
        meta = consumer.list_topics(topic, timeout=timeout_s)
        if topic not in meta.topics or meta.topics[topic].error is not None:
            raise SystemExit(f"no dead-letter topic {topic}")
        parts = []
        ends = {}
        for p in meta.topics[topic].partitions:
            low, high = consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=timeout_s)
            if high > low:
                parts.append(TopicPartition(topic, p, low))
                ends[p] = high
        if not parts:
            return
        consumer.assign(parts)
        remaining = dict(ends)
        while remaining:
            msg = consumer.poll(timeout_s)
            if msg is None:
                break
            if msg.error():
                continue
            if (msg.offset() or 0) + 1 >= remaining.get(msg.partition() or 0, 0):
                remaining.pop(msg.partition(), None)
            try:
                _, dl = avro.decode(msg.value() or b"", "dead_letter")
            except avro.SchemaError as exc:
                print(
                    f"skipping unreadable dead letter at {msg.partition()}:{msg.offset()}: {exc}",
                    file=sys.stderr,
                )
                continue
            yield dl
    finally:
        consumer.close()


def replayed_ids(settings: Settings) -> set[str]:
    with psycopg.connect(settings.postgres.dsn()) as conn:
        return {r[0] for r in conn.execute("SELECT dead_letter_id FROM dead_letter_replays")}


def replay(
    settings: Settings, stage: str, filters: Filters, *, dry_run: bool, force: bool
) -> list[dict[str, Any]]:
    """Put matching dead letters back on the stage topic. Returns those (to be) replayed."""
    done = set() if force else replayed_ids(settings)
    chosen = [
        dl
        for dl in read_dead_letters(settings, stage)
        if filters.match(dl) and dl["event_id"] not in done
    ]
    if dry_run or not chosen:
        return chosen
    target = Topics(settings.kafka.topic_prefix).stage(stage)
    producer = Producer(
        {"bootstrap.servers": settings.kafka.bootstrap_servers, "enable.idempotence": True}
    )
    with psycopg.connect(settings.postgres.dsn()) as conn:
        for dl in chosen:
            producer.produce(
                target,
                key=dl["key"],
                value=dl["payload"],
                headers={"x-botskyc-replayed-from": dl["event_id"].encode()},
            )
            if producer.flush(10) != 0:
                raise SystemExit(f"Kafka did not acknowledge the replay of {dl['event_id']}")
            conn.execute(
                "INSERT INTO dead_letter_replays (dead_letter_id, stage, verification_id)"
                " VALUES (%s, %s, %s) ON CONFLICT (dead_letter_id) DO NOTHING",
                (dl["event_id"], stage, dl.get("verification_id")),
            )
            conn.commit()
    return chosen


def _summary(dl: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": dl["event_id"],
        "stage": dl["stage"],
        "verificationId": dl.get("verification_id"),
        "failedAt": dl["failed_at"].isoformat(),
        "attempt": dl["attempt"],
        "poison": dl["poison"],
        "error": f"{dl['error_type']}: {dl['error_message']}",
        "source": f"{dl['source_topic']}[{dl['source_partition']}]@{dl['source_offset']}",
    }


def _time(value: str) -> datetime:
    at = datetime.fromisoformat(value)
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m streams.ops.replay",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("command", choices=["list", "show", "replay"])
    parser.add_argument("--stage", choices=PIPELINE_STAGES)
    parser.add_argument("--verification-id")
    parser.add_argument("--error")
    parser.add_argument("--since", type=_time)
    parser.add_argument("--until", type=_time)
    parser.add_argument("--id", dest="dead_letter_id")
    parser.add_argument("--dry-run", action="store_true")
    parser.add_argument("--force", action="store_true", help="replay already-replayed ones too")
    parser.add_argument("--traceback", action="store_true", help="show: include tracebacks")
    args = parser.parse_args(argv)
    settings = get_settings()
    filters = Filters(args.verification_id, args.error, args.since, args.until, args.dead_letter_id)
    stages = [args.stage] if args.stage else list(PIPELINE_STAGES)
    if args.command == "list":
        done = replayed_ids(settings)
        for stage in stages:
            letters = list(read_dead_letters(settings, stage))
            pending = sum(1 for d in letters if d["event_id"] not in done)
            print(
                f"{Topics(settings.kafka.topic_prefix).dead_letter(stage)}: "
                f"{len(letters)} dead letter(s), {pending} not replayed"
            )
        return 0
    if args.command == "show":
        for stage in stages:
            for dl in read_dead_letters(settings, stage):
                if filters.match(dl):
                    out = _summary(dl)
                    if args.traceback:
                        out["traceback"] = dl["traceback"]
                    print(json.dumps(out))
        return 0
    if not args.stage:
        parser.error("replay needs --stage")
    chosen = replay(settings, args.stage, filters, dry_run=args.dry_run, force=args.force)
    verb = "would replay" if args.dry_run else "replayed"
    for dl in chosen:
        print(json.dumps({"action": verb} | _summary(dl)))
    print(f"{verb} {len(chosen)} dead letter(s) to {args.stage}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
