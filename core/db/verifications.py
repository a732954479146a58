"""Verifications in PostgreSQL: the lifecycle, stage results, outbox, idempotency keys.

Every write that can be repeated by an at-least-once consumer is idempotent:
stage results are keyed by (verification, stage), the final transition only
happens from a non-terminal status, and outbox events have deterministic ids.
All methods are coroutines on a shared pool; each runs in one transaction.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from psycopg.types.json import Jsonb

from core.db.pool import Pool
from core.domain import Status


@dataclass(frozen=True)
class FileRecord:
    """One stored upload."""

    position: int
    role: str
    object_key: str
    sha256: str
    size_bytes: int
    media_type: str
    filename: str | None


@dataclass(frozen=True)
class NewVerification:
    """What the API knows when it accepts a request."""

    id: str
    organisation_id: str
    requested_type: str
    verification_type: str
    reference: str | None
    metadata: dict[str, Any]
    webhook_url: str | None
    files: list[FileRecord]
    batch_id: str | None = None
    # Declared by the client (form field ``documentType``): classification is skipped.
    declared_document_type: str | None = None
    # A finished liveness session linked by the client (form field ``livenessSessionId``).
    liveness_session_id: str | None = None


@dataclass(frozen=True)
class OutboxEvent:
    """An event to publish after the transaction that produced it commits."""

    event_id: str
    topic: str
    key: bytes | None
    payload: bytes


@dataclass(frozen=True)
class IdempotencyRecord:
    """The first request seen with an Idempotency-Key."""

    request_hash: str
    verification_id: str | None
    response_status: int | None
    response_body: dict[str, Any] | None


class VerificationRepository:
    """Data access for verifications."""

    def __init__(self, pool: Pool) -> None:
        self.pool = pool

    async def create(
        self, v: NewVerification, idempotency: tuple[str, str] | None = None
    ) -> IdempotencyRecord | None:
        """Insert a received verification, its files and its first transition.

        With ``idempotency=(key, request_hash)`` the key is claimed in the same
        transaction. If the key is already taken, nothing is written and the
        existing record is returned (the caller answers from it).
        """
        async with self.pool.connection() as conn, conn.transaction():
            if idempotency is not None:
                key, request_hash = idempotency
                cur = await conn.execute(
                    "INSERT INTO idempotency_keys (organisation_id, key, request_hash,"
                    " verification_id) VALUES (%s, %s, %s, %s)"
                    " ON CONFLICT (organisation_id, key) DO NOTHING RETURNING key",
                    (v.organisation_id, key, request_hash, v.id),
                )
                if await cur.fetchone() is None:
                    return await self._idempotency(conn, v.organisation_id, key)
            await self.insert(conn, v)
        return None

    @staticmethod
    async def insert(conn: Any, v: NewVerification) -> None:
        """Rows of a new verification (its files and first transition), inside the caller's
        transaction."""
        await conn.execute(
            "INSERT INTO verifications (id, organisation_id, requested_type,"
            " verification_type, status, reference, metadata, webhook_url, total_files,"
            " batch_id) VALUES (%s, %s, %s, %s, 'received', %s, %s, %s, %s, %s)",
            (
                v.id,
                v.organisation_id,
                v.requested_type,
                v.verification_type,
                v.reference,
                Jsonb(v.metadata),
                v.webhook_url,
                len(v.files),
                v.batch_id,
            ),
        )
        async with conn.cursor() as cur:
            await cur.executemany(
                "INSERT INTO verification_files (verification_id, position, role, object_key,"
                " sha256, size_bytes, media_type, filename)"
                " VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
                [
                    (
                        v.id,
                        f.position,
                        f.role,
                        f.object_key,
                        f.sha256,
                        f.size_bytes,
                        f.media_type,
                        f.filename,
                    )
                    for f in v.files
                ],
            )
        await conn.execute(
            "INSERT INTO verification_transitions (verification_id, from_status, to_status,"
            " stage) VALUES (%s, NULL, 'received', 'ingest')",
            (v.id,),
        )

    async def delete(self, verification_id: str) -> None:
        """Remove a verification that could not be handed to the pipeline."""
        async with self.pool.connection() as conn:
            await conn.execute("DELETE FROM verifications WHERE id = %s", (verification_id,))
            await conn.execute(
                "DELETE FROM idempotency_keys WHERE verification_id = %s", (verification_id,)
            )

    @staticmethod
    async def _idempotency(conn: Any, org: str, key: str) -> IdempotencyRecord | None:
        cur = await conn.execute(
            "SELECT request_hash, verification_id, response_status, response_body"
            " FROM idempotency_keys WHERE organisation_id = %s AND key = %s",
            (org, key),
        )
        row = await cur.fetchone()
        return IdempotencyRecord(**row) if row else None

    async def idempotency(self, org: str, key: str) -> IdempotencyRecord | None:
        """The record of an Idempotency-Key, if any."""
        async with self.pool.connection() as conn:
            return await self._idempotency(conn, org, key)

    async def store_response(self, org: str, key: str, status: int, body: dict[str, Any]) -> None:
        """Remember the first answer given for an Idempotency-Key (first write wins)."""
        async with self.pool.connection() as conn:
            await conn.execute(
                "UPDATE idempotency_keys SET response_status = %s, response_body = %s"
                " WHERE organisation_id = %s AND key = %s AND response_status IS NULL",
                (status, Jsonb(body), org, key),
            )

    async def get(self, verification_id: str, org: str | None = None) -> dict[str, Any] | None:
        """The verification row (plus its files), or None. ``org`` scopes the lookup."""
        async with self.pool.connection() as conn:
            cur = await conn.execute(
                "SELECT * FROM verifications WHERE id = %s"
                + (" AND organisation_id = %s" if org is not None else ""),
                (verification_id, org) if org is not None else (verification_id,),
            )
            row = await cur.fetchone()
            if row is None:
                return None
            cur = await conn.execute(
                "SELECT position, role, sha256, size_bytes, media_type, filename"
                " FROM verification_files WHERE verification_id = %s ORDER BY position",
                (verification_id,),
            )
            row["files"] = await cur.fetchall()
            return dict(row)

    async def search(
        self,
        org: str,
        *,
        status: str | None = None,
        verification_type: str | None = None,
        reference: str | None = None,
        created_from: datetime | None = None,
        created_to: datetime | None = None,
        limit: int = 20,
        cursor: str | None = None,
    ) -> tuple[list[dict[str, Any]], str | None]:
        """A page of verifications, newest first, and the cursor of the next page (or None)."""
        where = ["organisation_id = %s"]
        args: list[Any] = [org]
        for column, value in (
            ("status", status),
            ("verification_type", verification_type),
            ("reference", reference),
        ):
            if value is not None:
                where.append(f"{column} = %s")
                args.append(value)
        if created_from is not None:
            where.append("created_at >= %s")
            args.append(created_from)
        if created_to is not None:
            where.append("created_at < %s")
            args.append(created_to)
        if cursor is not None:
            at, last_id = decode_cursor(cursor)
            where.append("(created_at, id) < (%s, %s)")
            args += [at, last_id]
        args.append(limit + 1)
        query = (
            "SELECT * FROM verifications WHERE "
            + " AND ".join(where)  # fixed fragments only; values are bound parameters
            + " ORDER BY created_at DESC, id DESC LIMIT %s"
        )
        async with self.pool.connection() as conn:
            rows = await (await conn.execute(query, args)).fetchall()
        page = [dict(r) for r in rows[:limit]]
        more = len(rows) > limit
        next_cursor = encode_cursor(page[-1]["created_at"], page[-1]["id"]) if more else None
        return page, next_cursor

    async def start_processing(self, verification_id: str, stage: str) -> bool:
        """received → processing (no-op if already past it). True when it moved."""
        async with self.pool.connection() as conn, conn.transaction():
            cur = await conn.execute(
                "UPDATE verifications SET status = 'processing', updated_at = now()"
                " WHERE id = %s AND status = 'received' RETURNING id",
                (verification_id,),
            )
            if await cur.fetchone() is None:
                return False
            await conn.execute(
                "INSERT INTO verification_transitions (verification_id, from_status, to_status,"
                " stage) VALUES (%s, 'received', 'processing', %s)",
                (verification_id, stage),
            )
            return True

    async def save_stage_result(
        self,
        verification_id: str,
        stage: str,
        event_id: str,
        result: dict[str, Any],
        duration_ms: float,
        model_ms: float | None = None,
    ) -> bool:
        """Record a stage's result once; a redelivered event changes nothing. True if new."""
        async with self.pool.connection() as conn:
            cur = await conn.execute(
                "INSERT INTO stage_results (verification_id, stage, event_id, result,"
                " duration_ms, model_ms) VALUES (%s, %s, %s, %s, %s, %s)"
                " ON CONFLICT (verification_id, stage) DO NOTHING RETURNING stage",
                (verification_id, stage, event_id, Jsonb(result), duration_ms, model_ms),
            )
            return await cur.fetchone() is not None

    async def finish(
        self,
        verification_id: str,
        status: Status,
        *,
        stage: str,
        verification_type: str,
        decision: str | None,
        result: dict[str, Any] | None,
        metrics: dict[str, Any],
        error: dict[str, Any] | None,
        event: OutboxEvent,
        batch_event: Callable[[dict[str, Any]], OutboxEvent] | None = None,
    ) -> bool:
        """Move to a terminal status and queue the public event, in one transaction.

        Returns False (and writes nothing) when the verification already ended:
        the caller then only publishes what the outbox still holds. When this was
        the last unfinished verification of its batch, the batch is closed in the
        same transaction and ``batch_event(batch)`` is queued too.
        """
        assert status.terminal
        async with self.pool.connection() as conn, conn.transaction():
            cur = await conn.execute(
                "SELECT status FROM verifications WHERE id = %s FOR UPDATE", (verification_id,)
            )
            row = await cur.fetchone()
            if row is None or Status(row["status"]).terminal:
                return False
            await conn.execute(
                "UPDATE verifications SET status = %s, decision = %s, result = %s, metrics = %s,"
                " error = %s, verification_type = %s, updated_at = now(), completed_at = now()"
                " WHERE id = %s",
                (
                    status.value,
                    decision,
                    Jsonb(result) if result is not None else None,
                    Jsonb(metrics),
                    Jsonb(error) if error is not None else None,
                    verification_type,
                    verification_id,
                ),
            )
            await conn.execute(
                "INSERT INTO verification_transitions (verification_id, from_status, to_status,"
                " stage) VALUES (%s, %s, %s, %s)",
                (verification_id, row["status"], status.value, stage),
            )
            outbox = [event]
            if batch_event is not None:
                batch = await self._close_batch_if_done(conn, verification_id)
                if batch is not None:
                    outbox.append(batch_event(batch))
            for e in outbox:
                await conn.execute(
                    "INSERT INTO outbox (event_id, verification_id, topic, key, payload)"
                    " VALUES (%s, %s, %s, %s, %s) ON CONFLICT (event_id) DO NOTHING",
                    (e.event_id, verification_id, e.topic, e.key, e.payload),
                )
            return True

    @staticmethod
    async def _close_batch_if_done(conn: Any, verification_id: str) -> dict[str, Any] | None:
        # Lock the batch row: of two last verifications finishing at once, the
        # second waits, then sees the first as finished; exactly one closes it.
        cur = await conn.execute(
            "SELECT b.* FROM batches b JOIN verifications v ON v.batch_id = b.id"
            " WHERE v.id = %s FOR UPDATE OF b",
            (verification_id,),
        )
        batch = await cur.fetchone()
        if batch is None or batch["status"] != "processing":
            return None
        cur = await conn.execute(
            "SELECT count(*) FILTER (WHERE status = 'completed') AS completed,"
            " count(*) FILTER (WHERE status = 'failed') AS failed,"
            " count(*) FILTER (WHERE status NOT IN ('completed', 'failed')) AS pending"
            " FROM verifications WHERE batch_id = %s",
            (batch["id"],),
        )
        counts = await cur.fetchone()
        if counts is None or counts["pending"] > 0:
            return None
        cur = await conn.execute(
            "UPDATE batches SET status = 'completed', completed_at = now() WHERE id = %s"
            " RETURNING *",
            (batch["id"],),
        )
        closed = await cur.fetchone()
        return dict(closed) | {"completed": counts["completed"], "failed": counts["failed"]}

    async def unpublished(self, verification_id: str | None = None) -> list[OutboxEvent]:
        """Outbox events not yet published (for one verification, or all)."""
        async with self.pool.connection() as conn:
            cur = await conn.execute(
                "SELECT event_id, topic, key, payload FROM outbox WHERE published_at IS NULL"
                + (" AND verification_id = %s" if verification_id else "")
                + " ORDER BY created_at",
                (verification_id,) if verification_id else (),
            )
            rows = await cur.fetchall()
        return [
            OutboxEvent(
                r["event_id"],
                r["topic"],
                bytes(r["key"]) if r["key"] else None,
                bytes(r["payload"]),
            )
            for r in rows
        ]

    async def mark_published(self, event_id: str) -> None:
        """The outbox event reached Kafka."""
        async with self.pool.connection() as conn:
            await conn.execute(
                "UPDATE outbox SET published_at = now() WHERE event_id = %s", (event_id,)
            )

    async def stage_results(self, verification_id: str) -> dict[str, dict[str, Any]]:
        """Stage name → {result, duration_ms, model_ms}."""
        async with self.pool.connection() as conn:
            cur = await conn.execute(
                "SELECT stage, result, duration_ms, model_ms FROM stage_results"
                " WHERE verification_id = %s",
                (verification_id,),
            )
            return {r["stage"]: dict(r) for r in await cur.fetchall()}

    async def transitions(self, verification_id: str) -> list[dict[str, Any]]:
        """The lifecycle, oldest first."""
        async with self.pool.connection() as conn:
            cur = await conn.execute(
                "SELECT from_status, to_status, stage, at FROM verification_transitions"
                " WHERE verification_id = %s ORDER BY id",
                (verification_id,),
            )
            return [dict(r) for r in await cur.fetchall()]


def encode_cursor(created_at: datetime, verification_id: str) -> str:
    """Opaque keyset cursor."""
    raw = json.dumps([created_at.isoformat(), verification_id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    """Inverse of :func:`encode_cursor`.

    Raises:
        ValueError: not a cursor this API issued.
    """
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        at, vid = json.loads(raw)
        return datetime.fromisoformat(at), str(vid)
    except Exception as exc:
        raise ValueError("invalid cursor") from exc
