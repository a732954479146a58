"""Liveness sessions in PostgreSQL (``liveness_sessions``).

A session is single-use: :meth:`LivenessRepository.start` moves it from
``CREATED`` to ``IN_PROGRESS`` in one conditional update, so two uploads
racing for one session cannot both win, and an expired session cannot start.
Every read is scoped to an organisation.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from psycopg.types.json import Jsonb

from core.db.pool import Pool

TERMINAL = frozenset({"SUCCEEDED", "FAILED", "EXPIRED"})


@dataclass(frozen=True)
class NewSession:
    id: str
    organisation_id: str
    reference: str | None
    challenge: dict[str, Any]
    audit_images_limit: int
    webhook_url: str | None
    expires_at: datetime


class LivenessRepository:
    def __init__(self, pool: Pool) -> None:
        self.pool = pool

    async def create(self, s: NewSession) -> dict[str, Any]:
        async with self.pool.connection() as conn, conn.transaction():
            cur = await conn.execute(
                "INSERT INTO liveness_sessions (id, organisation_id, reference, status,"
                " challenge, audit_images_limit, webhook_url, expires_at)"
                " VALUES (%s, %s, %s, 'CREATED', %s, %s, %s, %s) RETURNING *",
                (
                    s.id,
                    s.organisation_id,
                    s.reference,
                    Jsonb(s.challenge),
                    s.audit_images_limit,
                    s.webhook_url,
                    s.expires_at,
                ),
            )
            row = await cur.fetchone()
        assert row is not None
        return dict(row)

    async def get(self, session_id: str, org: str | None = None) -> dict[str, Any] | None:
        """The session; a ``CREATED`` one past its expiry is marked ``EXPIRED`` on read."""
        async with self.pool.connection() as conn, conn.transaction():
            await conn.execute(
                "UPDATE liveness_sessions SET status = 'EXPIRED', completed_at = now()"
                " WHERE id = %s AND status = 'CREATED' AND expires_at <= now()",
                (session_id,),
            )
            query = "SELECT * FROM liveness_sessions WHERE id = %s"
            args: tuple[Any, ...] = (session_id,)
            if org is not None:
                query += " AND organisation_id = %s"
                args = (session_id, org)
            cur = await conn.execute(query, args)
            row = await cur.fetchone()
        return None if row is None else dict(row)

    async def start(
        self, session_id: str, org: str, media_key: str, media_type: str
    ) -> dict[str, Any] | None:
        """``CREATED`` and unexpired → ``IN_PROGRESS`` with the upload; None if not possible."""
        async with self.pool.connection() as conn, conn.transaction():
            cur = await conn.execute(
                "UPDATE liveness_sessions SET status = 'IN_PROGRESS', started_at = now(),"
                " media_key = %s, media_type = %s"
                " WHERE id = %s AND organisation_id = %s AND status = 'CREATED'"
                " AND expires_at > now() RETURNING *",
                (media_key, media_type, session_id, org),
            )
            row = await cur.fetchone()
        return None if row is None else dict(row)

    async def finish(
        self,
        session_id: str,
        status: str,
        *,
        confidence: int | None,
        is_live: bool | None,
        result: dict[str, Any],
        reference_image_key: str | None,
        audit_image_keys: list[str],
    ) -> dict[str, Any] | None:
        """Record the assessment of an ``IN_PROGRESS`` session (a redelivery is a no-op:
        returns None when the session is already finished)."""
        async with self.pool.connection() as conn, conn.transaction():
            cur = await conn.execute(
                "UPDATE liveness_sessions SET status = %s, completed_at = now(),"
                " confidence = %s, is_live = %s, result = %s, reference_image_key = %s,"
                " audit_image_keys = %s WHERE id = %s AND status = 'IN_PROGRESS' RETURNING *",
                (
                    status,
                    confidence,
                    is_live,
                    Jsonb(result),
                    reference_image_key,
                    Jsonb(audit_image_keys),
                    session_id,
                ),
            )
            row = await cur.fetchone()
        return None if row is None else dict(row)

    async def release(self, session_id: str) -> None:
        """``IN_PROGRESS`` → ``CREATED`` again, for an upload whose event could not be sent."""
        async with self.pool.connection() as conn, conn.transaction():
            await conn.execute(
                "UPDATE liveness_sessions SET status = 'CREATED', started_at = NULL,"
                " media_key = NULL, media_type = NULL WHERE id = %s AND status = 'IN_PROGRESS'",
                (session_id,),
            )
