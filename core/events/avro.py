"""Avro encoding of events, in Avro's *single-object encoding*.

Each message is ``C3 01`` + the writer schema's CRC-64-AVRO fingerprint
(8 bytes, little-endian) + the Avro binary body. A reader looks the
fingerprint up among the schema versions committed under ``schemas/`` and
resolves the writer schema to its own (reader) schema, so consumers keep
working while producers move to a newer, backward-compatible version.

Schemas are files ``schemas/<area>/<name>.v<N>.avsc``; the highest N is the
one producers write.
"""

from __future__ import annotations

import io
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import fastavro
from fastavro.schema import fingerprint, parse_schema, to_parsing_canonical_form

from core.settings import REPO_ROOT

SCHEMAS_DIR = REPO_ROOT / "schemas"
MAGIC = b"\xc3\x01"
_FILE = re.compile(r"^(?P<name>[a-z0-9_]+)\.v(?P<version>\d+)\.avsc$")


class SchemaError(ValueError):
    """A message cannot be decoded: unknown fingerprint, bad header or body.

    Poison for a consumer: never retried, sent to the dead-letter topic.
    """


@dataclass(frozen=True)
class SchemaVersion:
    """One committed version of one schema."""

    name: str
    version: int
    path: Path
    parsed: Any
    fingerprint: bytes


def _load(path: Path, name: str, version: int) -> SchemaVersion:
    raw = json.loads(path.read_text())
    parsed = parse_schema(raw, _write_hint=False)
    canonical = to_parsing_canonical_form(raw)
    # fastavro gives the 8 bytes in the little-endian order the spec puts on the wire.
    fp = bytes.fromhex(fingerprint(canonical, "CRC-64-AVRO"))
    return SchemaVersion(name, version, path, parsed, fp)


@lru_cache(maxsize=1)
def registry() -> dict[str, list[SchemaVersion]]:
    """Every schema under ``schemas/`` by name, versions ascending."""
    out: dict[str, list[SchemaVersion]] = {}
    for path in sorted(SCHEMAS_DIR.rglob("*.avsc")):
        m = _FILE.match(path.name)
        if not m:
            raise SchemaError(f"schema file name must look like name.vN.avsc: {path}")
        out.setdefault(m["name"], []).append(_load(path, m["name"], int(m["version"])))
    for versions in out.values():
        versions.sort(key=lambda v: v.version)
    return out


@lru_cache(maxsize=1)
def _by_fingerprint() -> dict[bytes, SchemaVersion]:
    return {v.fingerprint: v for vs in registry().values() for v in vs}


def latest(name: str) -> SchemaVersion:
    """The version producers write."""
    try:
        return registry()[name][-1]
    except KeyError:
        raise SchemaError(f"no schema named {name!r} under {SCHEMAS_DIR}") from None


def encode(name: str, record: dict[str, Any]) -> bytes:
    """Serialise ``record`` with the latest version of schema ``name``.

    Raises:
        SchemaError: the record does not match the schema.
    """
    schema = latest(name)
    buf = io.BytesIO()
    buf.write(MAGIC + schema.fingerprint)
    try:
        fastavro.schemaless_writer(buf, schema.parsed, record, strict_allow_default=True)
    except (ValueError, TypeError, KeyError) as exc:
        raise SchemaError(f"record does not match {name} v{schema.version}: {exc}") from exc
    return buf.getvalue()


def decode(data: bytes, name: str | None = None) -> tuple[str, dict[str, Any]]:
    """Decode a message; return (schema name, record in the latest version's shape).

    If ``name`` is given, a message written with another schema is refused.

    Raises:
        SchemaError: bad magic, unknown fingerprint, wrong schema, corrupt body.
    """
    if len(data) < 10 or data[:2] != MAGIC:
        raise SchemaError("not an Avro single-object message (bad header)")
    writer = _by_fingerprint().get(data[2:10])
    if writer is None:
        raise SchemaError(f"unknown schema fingerprint {data[2:10].hex()}")
    if name is not None and writer.name != name:
        raise SchemaError(f"expected a {name} message, got {writer.name}")
    reader = latest(writer.name)
    try:
        record = fastavro.schemaless_reader(io.BytesIO(data[10:]), writer.parsed, reader.parsed)
    except Exception as exc:  # fastavro raises a variety of errors on corrupt bodies
        raise SchemaError(f"corrupt {writer.name} body: {type(exc).__name__}: {exc}") from exc
    if not isinstance(record, dict):
        raise SchemaError(f"{writer.name} body is not a record")
    return writer.name, record


def fingerprint_hex(name: str) -> str:
    """Fingerprint of the latest version, for documentation and debugging."""
    return latest(name).fingerprint.hex()


__all__ = ["SchemaError", "decode", "encode", "fingerprint_hex", "latest", "registry"]
