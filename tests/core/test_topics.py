"""Topics are created by the project and carry messages, on the real Kafka."""

from __future__ import annotations

import time
import uuid

import pytest
from confluent_kafka import Consumer, Producer
from confluent_kafka.admin import AdminClient, ConfigResource, ResourceType

from core.events import avro
from core.events.topics import Topics, catalogue, ensure_topics
from core.settings import Settings

pytestmark = pytest.mark.integration


def test_catalogue_topics_exist_with_their_partitions_and_retention(
    isolated_settings: Settings,
) -> None:
    admin = AdminClient({"bootstrap.servers": isolated_settings.kafka.bootstrap_servers})
    meta = admin.list_topics(timeout=10)
    for spec in catalogue(isolated_settings):
        assert spec.name in meta.topics, spec.name
        assert len(meta.topics[spec.name].partitions) == spec.partitions
    dlq = Topics(isolated_settings.kafka.topic_prefix).dead_letter("intake")
    res = ConfigResource(ResourceType.TOPIC, dlq)
    configs = admin.describe_configs([res])[res].result(timeout=10)
    assert configs["retention.ms"].value == str(90 * 24 * 3600 * 1000)
    assert ensure_topics(isolated_settings) == []  # idempotent


def test_avro_event_produced_and_consumed(isolated_settings: Settings) -> None:
    topic = Topics(isolated_settings.kafka.topic_prefix).smoke
    bootstrap = isolated_settings.kafka.bootstrap_servers
    event_id = str(uuid.uuid4())
    producer = Producer({"bootstrap.servers": bootstrap})
    producer.produce(
        topic,
        key=b"k",
        value=avro.encode(
            "smoke_ping", {"event_id": event_id, "sent_at": 1, "object_key": "o", "sha256": "s"}
        ),
    )
    assert producer.flush(10) == 0
    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": f"t-{event_id}",
            "auto.offset.reset": "earliest",
            "enable.auto.commit": False,
        }
    )
    consumer.subscribe([topic])
    got = None
    deadline = time.monotonic() + 30
    while got is None and time.monotonic() < deadline:
        msg = consumer.poll(1.0)
        if msg is not None and not msg.error():
            got = avro.decode(bytes(msg.value() or b""), "smoke_ping")[1]
    consumer.close()
    assert got is not None and got["event_id"] == event_id
