"""Batches and the submission outbox in PostgreSQL."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from core.db.pool import Pool
from core.db.verifications import NewVerification, VerificationRepository


@dataclass(frozen=True)
class Submission:
    """A submitted event waiting in the outbox for Kafka's acknowledgement."""

    event_id: str
    verification_id: str
    topic: str
    payload: bytes


class BatchRepository:
    """All reads are scoped to an organisation."""

    def __init__(self, pool: Pool) -> None:
        self.pool = pool

    async def create(
        self,
        batch_id: str,
        org: str,
        reference: str | None,
        webhook_url: str | None,
        items: list[NewVerification],
        submissions: list[Submission],
    ) -> None:
        """The batch, every verification and their submitted events, all or nothing."""
        async with self.pool.connection() as conn, conn.transaction():
            await conn.execute(
                "INSERT INTO batches (id, organisation_id, reference, webhook_url, total, status)"
                " VALUES (%s, %s, %s, %s, %s, 'processing')",
                (batch_id, org, reference, webhook_url, len(items)),
            )
            for v in items:
                await VerificationRepository.insert(conn, v)
            async with conn.cursor() as cur:
                await cur.executemany(
                    "INSERT INTO submission_outbox (event_id, verification_id, topic, payload)"
                    " VALUES (%s, %s, %s, %s)",
                    [(s.event_id, s.verification_id, s.topic, s.payload) for s in submissions],
                )

    async def get(self, org: str, batch_id: str) -> dict[str, Any] | None:
        """The batch and its counts per status."""
        async with self.pool.connection() as conn:
            cur = await conn.execute(
                "SELECT * FROM batches WHERE id = %s AND organisation_id = %s", (batch_id, org)
            )
            batch = await cur.fetchone()
            if batch is None:
                return None
            cur = await conn.execute(
                "SELECT status, count(*) AS n FROM verifications WHERE batch_id = %s"
                " GROUP BY status",
                (batch_id,),
            )
            counts = {r["status"]: int(r["n"]) for r in await cur.fetchall()}
        return dict(batch) | {"counts": counts}

    async def verifications(self, org: str, batch_id: str) -> list[dict[str, Any]]:
        """Every verification of the batch, in submission order."""
        async with self.pool.connection() as conn:
            cur = await conn.execute(
                "SELECT * FROM verifications WHERE batch_id = %s AND organisation_id = %s"
                " ORDER BY id",
                (batch_id, org),
            )
            return [dict(r) for r in await cur.fetchall()]

    async def mark_published(self, event_id: str) -> None:
        async with self.pool.connection() as conn:
            await conn.execute(
                "UPDATE submission_outbox SET published_at = now() WHERE event_id = %s", (event_id,)
            )

    async def unpublished(self, older_than_s: float, limit: int = 500) -> list[Submission]:
        """Submissions still waiting after ``older_than_s`` seconds (for the relay)."""
        async with self.pool.connection() as conn:
            cur = await conn.execute(
                "SELECT event_id, verification_id, topic, payload FROM submission_outbox"
                " WHERE published_at IS NULL AND created_at < now() - make_interval(secs => %s)"
                " ORDER BY created_at LIMIT %s",
                (older_than_s, limit),
            )
            return [
                Submission(r["event_id"], r["verification_id"], r["topic"], bytes(r["payload"]))
                for r in await cur.fetchall()
            ]
