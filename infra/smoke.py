"""The stack's smoke round trip: one real call through every service, printed.

1. PostgreSQL: the migrations are applied; a row is written and read back.
2. MinIO: a generated test image is put, listed, read back and compared.
3. Kafka: an Avro event naming that object is produced to the project's
   smoke topic and consumed back by a fresh consumer group.
4. Triton: the object's bytes go through the ``image_quality`` model.
"""

from __future__ import annotations

import hashlib
import time
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

import cv2
import numpy as np
import psycopg
from confluent_kafka import Consumer, Producer

from core.events import avro
from core.events.topics import Topics
from core.inference import TritonGateway
from core.settings import Settings
from core.storage import ObjectStore

T = TypeVar("T")


def _step(label: str, fn: Callable[[], T]) -> T:
    start = time.perf_counter()
    out = fn()
    print(f"  {label:<10} ok  {1000 * (time.perf_counter() - start):7.1f} ms  {out}")
    return out


def test_card_image() -> bytes:
    """A synthetic, printed-looking card (PNG): text lines on a light background."""
    img = np.full((640, 1010, 3), 235, np.uint8)
    cv2.rectangle(img, (20, 20), (990, 620), (90, 60, 30), 3)
    for i, text in enumerate(["REPUBLIC OF BOTSWANA", "SMOKE TEST CARD", "NOT A REAL DOCUMENT"]):
        cv2.putText(img, text, (60, 140 + 120 * i), cv2.FONT_HERSHEY_SIMPLEX, 1.6, (20, 20, 20), 3)
    ok, png = cv2.imencode(".png", img)
    assert ok
    return bytes(png.tobytes())


def run_smoke(settings: Settings) -> dict[str, Any]:
    """Run the round trip; raise on the first failure. Returns what each step saw."""
    run_id = uuid.uuid4().hex[:12]
    image = test_card_image()
    digest = hashlib.sha256(image).hexdigest()
    key = f"smoke/{run_id}.png"
    print(f"smoke round trip {run_id}")

    def postgres() -> str:
        with psycopg.connect(settings.postgres.dsn(), connect_timeout=5) as conn:
            version = conn.execute("SHOW server_version").fetchone()
            migrations = conn.execute("SELECT count(*) FROM schema_migrations").fetchone()
            conn.execute("CREATE TEMP TABLE smoke (id text, sha text)")
            conn.execute("INSERT INTO smoke VALUES (%s, %s)", (run_id, digest))
            row = conn.execute("SELECT sha FROM smoke WHERE id = %s", (run_id,)).fetchone()
        assert row is not None and row[0] == digest, "row read back differs"
        assert version is not None and migrations is not None
        return f"PostgreSQL {version[0]}, {migrations[0]} migration(s) applied, row round-tripped"

    def minio() -> str:
        store = ObjectStore(settings.storage)
        store.put_bytes(key, image, "image/png")
        listed = list(store.list_keys("smoke/"))
        back = store.get_bytes(key)
        assert hashlib.sha256(back).hexdigest() == digest, "object read back differs"
        assert key in listed
        return f"put/list/get s3://{store.bucket}/{key} ({len(image)} bytes, sha256 {digest[:12]}…)"

    def kafka() -> str:
        topic = Topics(settings.kafka.topic_prefix).smoke
        event_id = str(uuid.uuid4())
        payload = avro.encode(
            "smoke_ping",
            {
                "event_id": event_id,
                "sent_at": int(time.time() * 1000),
                "object_key": key,
                "sha256": digest,
            },
        )
        producer = Producer({"bootstrap.servers": settings.kafka.bootstrap_servers})
        producer.produce(topic, key=run_id.encode(), value=payload)
        producer.flush(10)
        consumer = Consumer(
            {
                "bootstrap.servers": settings.kafka.bootstrap_servers,
                "group.id": f"smoke-{run_id}",
                "auto.offset.reset": "earliest",
                "enable.auto.commit": False,
            }
        )
        consumer.subscribe([topic])
        deadline = time.monotonic() + 30
        try:
            while time.monotonic() < deadline:
                msg = consumer.poll(1.0)
                if msg is None or msg.error() or msg.value() is None:
                    continue
                try:
                    _, record = avro.decode(bytes(msg.value() or b""), "smoke_ping")
                except avro.SchemaError:
                    continue  # an older round trip's message in another format
                if record["event_id"] == event_id:
                    return (
                        f"Avro event produced to {topic} and consumed back ({len(payload)} bytes)"
                    )
        finally:
            consumer.close()
        raise AssertionError(f"event not consumed back from {topic} within 30 s")

    def triton() -> str:
        gateway = TritonGateway(settings.triton)
        data = ObjectStore(settings.storage).get_bytes(key)
        (result,) = gateway.image_quality([data])
        r = result.report
        return (
            f"image_quality: score {result.score:.2f}, {r['width']}x{r['height']}, "
            f"sharpness {r['sharpness']:.0f}, issues {r['issues'] or 'none'}"
        )

    seen = {
        "postgres": _step("postgres", postgres),
        "minio": _step("minio", minio),
        "kafka": _step("kafka", kafka),
        "triton": _step("triton", triton),
    }
    ObjectStore(settings.storage).delete(key)
    print("smoke round trip passed")
    return seen
