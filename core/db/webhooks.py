"""Webhook subscriptions and the delivery log in PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from core.db.pool import Pool
from core.domain import new_id
from core.webhooks import Target, new_secret

ROTATION_GRACE = timedelta(hours=24)
PUBLIC_COLUMNS = (
    "id, url, event_types, description, enabled, disabled_reason,"
    " consecutive_failures, created_at, updated_at"
)


class WebhookRepository:
    """All reads and writes are scoped to an organisation."""

    def __init__(self, pool: Pool) -> None:
        self.pool = pool

    async def create(
        self, org: str, url: str, event_types: list[str], description: str | None
    ) -> dict[str, Any]:
        wid, secret = new_id("whk"), new_secret()
        async with self.pool.connection() as conn:
            cur = await conn.execute(
                "INSERT INTO webhook_subscriptions (id, organisation_id, url, event_types,"
                f" description, secret) VALUES (%s, %s, %s, %s, %s, %s) RETURNING {PUBLIC_COLUMNS}",
                (wid, org, url, sorted(set(event_types)), description, secret),
            )
            row = await cur.fetchone()
        assert row is not None
        return dict(row) | {"secret": secret}

    async def for_organisation(self, org: str) -> list[dict[str, Any]]:
        async with self.pool.connection() as conn:
            cur = await conn.execute(
                f"SELECT {PUBLIC_COLUMNS} FROM webhook_subscriptions WHERE organisation_id = %s"
                " AND deleted_at IS NULL ORDER BY created_at",
                (org,),
            )
            return [dict(r) for r in await cur.fetchall()]

    async def get(self, org: str, wid: str) -> dict[str, Any] | None:
        async with self.pool.connection() as conn:
            cur = await conn.execute(
                f"SELECT {PUBLIC_COLUMNS} FROM webhook_subscriptions WHERE organisation_id = %s"
                " AND id = %s AND deleted_at IS NULL",
                (org, wid),
            )
            row = await cur.fetchone()
        return dict(row) if row else None

    async def update(
        self,
        org: str,
        wid: str,
        *,
        url: str | None,
        event_types: list[str] | None,
        enabled: bool | None,
        description: str | None,
    ) -> dict[str, Any] | None:
        async with self.pool.connection() as conn:
            cur = await conn.execute(
                "UPDATE webhook_subscriptions SET url = coalesce(%s, url),"
                " event_types = coalesce(%s, event_types), description = coalesce(%s, description),"
                " enabled = coalesce(%s, enabled),"
                " disabled_reason = CASE WHEN %s IS TRUE THEN NULL ELSE disabled_reason END,"
                " consecutive_failures = CASE WHEN %s IS TRUE THEN 0 ELSE consecutive_failures END,"
                " updated_at = now()"
                f" WHERE organisation_id = %s AND id = %s AND deleted_at IS NULL"
                f" RETURNING {PUBLIC_COLUMNS}",
                (
                    url,
                    sorted(set(event_types)) if event_types else None,
                    description,
                    enabled,
                    enabled,
                    enabled,
                    org,
                    wid,
                ),
            )
            row = await cur.fetchone()
        return dict(row) if row else None

    async def delete(self, org: str, wid: str) -> bool:
        async with self.pool.connection() as conn:
            cur = await conn.execute(
                "UPDATE webhook_subscriptions SET deleted_at = now(), enabled = false"
                " WHERE organisation_id = %s AND id = %s AND deleted_at IS NULL RETURNING id",
                (org, wid),
            )
            return await cur.fetchone() is not None

    async def rotate_secret(self, org: str, wid: str) -> str | None:
        """A new secret; the old one also signs for 24 hours."""
        secret = new_secret()
        async with self.pool.connection() as conn:
            cur = await conn.execute(
                "UPDATE webhook_subscriptions SET previous_secret = secret,"
                " previous_expires_at = now() + %s, secret = %s, updated_at = now()"
                " WHERE organisation_id = %s AND id = %s AND deleted_at IS NULL RETURNING id",
                (ROTATION_GRACE, secret, org, wid),
            )
            return secret if await cur.fetchone() else None

    async def request_secret(self, org: str) -> str | None:
        """The organisation's secret for per-request ``webhookUrl`` deliveries."""
        async with self.pool.connection() as conn:
            cur = await conn.execute(
                "SELECT webhook_secret FROM organisations WHERE id = %s", (org,)
            )
            row = await cur.fetchone()
        return str(row["webhook_secret"]) if row else None

    async def targets(
        self, org: str, event_type: str, request_url: str | None, subscription_id: str | None = None
    ) -> list[Target]:
        """Enabled subscriptions of ``org`` that want ``event_type`` (or one named one),
        plus the per-request URL."""
        out: list[Target] = []
        async with self.pool.connection() as conn:
            cur = await conn.execute(
                "SELECT id, url, secret, previous_secret, previous_expires_at > now() AS grace"
                " FROM webhook_subscriptions WHERE organisation_id = %s AND enabled"
                " AND deleted_at IS NULL AND (%s = ANY(event_types) OR id = %s)",
                (org, event_type, subscription_id),
            )
            for r in await cur.fetchall():
                if subscription_id is not None and r["id"] != subscription_id:
                    continue
                secrets_ = [r["secret"]] + ([r["previous_secret"]] if r["grace"] else [])
                out.append(Target(r["id"], r["url"], secrets_))
        if request_url and subscription_id is None:
            secret = await self.request_secret(org)
            if secret:
                out.append(Target(None, request_url, [secret]))
        return out

    async def secrets_of(self, subscription_id: str | None, org: str) -> list[str]:
        """Current signing secrets of a target (at delivery time: rotation may have happened)."""
        if subscription_id is None:
            secret = await self.request_secret(org)
            return [secret] if secret else []
        async with self.pool.connection() as conn:
            cur = await conn.execute(
                "SELECT secret, previous_secret, previous_expires_at > now() AS grace, enabled,"
                " deleted_at IS NULL AS live FROM webhook_subscriptions WHERE id = %s",
                (subscription_id,),
            )
            r = await cur.fetchone()
        if r is None or not r["enabled"] or not r["live"]:
            return []
        return [r["secret"]] + ([r["previous_secret"]] if r["grace"] else [])

    async def record(
        self,
        *,
        delivery_id: str,
        subscription_id: str | None,
        org: str,
        event_id: str,
        event_type: str,
        url: str,
        attempt: int,
        outcome: str,
        status_code: int | None,
        latency_ms: float | None,
        excerpt: str | None,
        error: str | None,
        payload: str,
    ) -> None:
        async with self.pool.connection() as conn:
            await conn.execute(
                "INSERT INTO webhook_deliveries (delivery_id, subscription_id, organisation_id,"
                " event_id, event_type, url, attempt, outcome, status_code, latency_ms,"
                " response_excerpt, error, payload)"
                " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                (
                    delivery_id,
                    subscription_id,
                    org,
                    event_id,
                    event_type,
                    url,
                    attempt,
                    outcome,
                    status_code,
                    latency_ms,
                    excerpt,
                    error,
                    payload,
                ),
            )

    async def succeeded(self, subscription_id: str) -> None:
        async with self.pool.connection() as conn:
            await conn.execute(
                "UPDATE webhook_subscriptions SET consecutive_failures = 0 WHERE id = %s",
                (subscription_id,),
            )

    async def dead_lettered(self, subscription_id: str, disable_after: int) -> bool:
        """Count a delivery that ran out of retries; True when the subscription got disabled."""
        reason = (
            f"disabled automatically after {disable_after} deliveries in a row failed "
            f"every retry (last at {datetime.now(UTC).isoformat(timespec='seconds')})"
        )
        async with self.pool.connection() as conn:
            cur = await conn.execute(
                "UPDATE webhook_subscriptions SET consecutive_failures = consecutive_failures + 1,"
                " enabled = CASE WHEN consecutive_failures + 1 >= %s THEN false ELSE enabled END,"
                " disabled_reason = CASE WHEN consecutive_failures + 1 >= %s THEN %s"
                " ELSE disabled_reason END, updated_at = now()"
                " WHERE id = %s RETURNING enabled",
                (disable_after, disable_after, reason, subscription_id),
            )
            row = await cur.fetchone()
        return row is not None and not row["enabled"]

    async def deliveries(self, org: str, wid: str, limit: int = 50) -> list[dict[str, Any]]:
        async with self.pool.connection() as conn:
            cur = await conn.execute(
                "SELECT delivery_id, event_id, event_type, attempt, outcome, status_code,"
                " latency_ms, response_excerpt, error, at FROM webhook_deliveries"
                " WHERE organisation_id = %s AND subscription_id = %s ORDER BY id DESC LIMIT %s",
                (org, wid, limit),
            )
            return [dict(r) for r in await cur.fetchall()]

    async def payloads_to_redeliver(
        self, org: str, wid: str, event_id: str | None
    ) -> list[dict[str, Any]]:
        """One event's payload, or every event whose last attempt did not succeed."""
        async with self.pool.connection() as conn:
            cur = await conn.execute(
                "SELECT DISTINCT ON (event_id) event_id, event_type, payload, outcome"
                " FROM webhook_deliveries WHERE organisation_id = %s AND subscription_id = %s"
                " AND (%s::text IS NULL OR event_id = %s) ORDER BY event_id, id DESC",
                (org, wid, event_id, event_id),
            )
            rows = [dict(r) for r in await cur.fetchall()]
        return rows if event_id else [r for r in rows if r["outcome"] != "succeeded"]
