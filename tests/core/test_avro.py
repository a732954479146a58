"""Avro single-object encoding and schema evolution of every committed schema."""

from __future__ import annotations

import io

import fastavro
import pytest
from fastavro.utils import generate_many

from core.events import avro


def test_round_trip() -> None:
    record = {"event_id": "e1", "sent_at": 1_700_000_000_000, "object_key": "k", "sha256": "ab"}
    data = avro.encode("smoke_ping", record)
    assert data[:2] == b"\xc3\x01"
    name, back = avro.decode(data)
    assert name == "smoke_ping"
    assert back["event_id"] == "e1" and back["object_key"] == "k"


def test_record_not_matching_schema_is_refused() -> None:
    with pytest.raises(avro.SchemaError, match="does not match"):
        avro.encode("smoke_ping", {"event_id": 3})


@pytest.mark.parametrize(
    "data",
    [b"", b"not avro at all", b"\xc3\x01" + b"\x00" * 8 + b"x", b"\xc3\x01" + b"\xff" * 12],
)
def test_garbage_is_a_schema_error(data: bytes) -> None:
    with pytest.raises(avro.SchemaError):
        avro.decode(data)


def test_truncated_body_is_a_schema_error() -> None:
    data = avro.encode(
        "smoke_ping", {"event_id": "e" * 40, "sent_at": 1, "object_key": "k" * 40, "sha256": "x"}
    )
    with pytest.raises(avro.SchemaError, match="corrupt"):
        avro.decode(data[:20])


def test_fingerprint_is_the_avro_spec_crc64() -> None:
    # Avro's single-object encoding: 8-byte little-endian CRC-64-AVRO of the
    # canonical form. Recompute it independently from the spec's algorithm.
    schema = avro.latest("smoke_ping")
    canonical = fastavro.schema.to_parsing_canonical_form(
        fastavro.schema.load_schema(str(schema.path), _write_hint=False)
    )
    empty = 0xC15D213AA4D7A795
    table = []
    for i in range(256):
        fp = i
        for _ in range(8):
            fp = (fp >> 1) ^ (empty & -(fp & 1))
        table.append(fp)
    fp = empty
    for byte in canonical.encode():
        fp = (fp >> 8) ^ table[(fp ^ byte) & 0xFF]
    data = avro.encode("smoke_ping", {"event_id": "", "sent_at": 0, "object_key": "", "sha256": ""})
    assert data[2:10] == fp.to_bytes(8, "little")


@pytest.mark.parametrize("name", sorted(avro.registry()))
def test_every_schema_version_is_readable_by_the_latest(name: str) -> None:
    """Backward compatibility: data written with any committed version decodes with the latest."""
    versions = avro.registry()[name]
    latest = versions[-1]
    for old in versions:
        for record in generate_many(old.parsed, 20):
            buf = io.BytesIO()
            fastavro.schemaless_writer(buf, old.parsed, record)
            buf.seek(0)
            fastavro.schemaless_reader(buf, old.parsed, latest.parsed)
