"""API clients: organisations, OAuth2 client credentials, API keys, scopes, rate limits.

Credentials are random 256-bit secrets shown once and stored as SHA-256
digests. An API key looks like ``bk_<prefix>_<secret>``: the prefix identifies
it in logs and listings without revealing it. Access tokens are JWTs (HS256)
carrying the organisation and the scopes, valid ``BOTSKYC_AUTH_TOKEN_TTL_S``.

Everything here is storage and pure logic; the HTTP side is ``ingest/auth.py``.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt

from core.db.pool import Pool
from core.domain import new_id
from core.settings import AuthSettings

SCOPES = frozenset({"verify:write", "verify:read", "webhooks:manage", "risk:manage", "ops:replay"})
ROTATION_GRACE = timedelta(hours=24)


class AuthenticationFailed(Exception):
    """No valid credential (401). The message is safe to show."""


@dataclass(frozen=True)
class Principal:
    """Who is calling."""

    organisation_id: str
    subject: str  # api client id or api key id: what rate limits count
    scopes: frozenset[str]
    kind: str  # "oauth" or "api_key"

    def allows(self, scope: str) -> bool:
        return scope in self.scopes


@dataclass(frozen=True)
class IssuedSecret:
    """A credential as shown once to its owner."""

    id: str
    secret: str


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def check_scopes(scopes: Iterable[str]) -> list[str]:
    """Validated, sorted scopes.

    Raises:
        ValueError: an unknown scope.
    """
    out = sorted(set(scopes))
    unknown = [s for s in out if s not in SCOPES]
    if unknown:
        raise ValueError(f"unknown scope(s) {unknown}; known: {sorted(SCOPES)}")
    return out


def issue_token(
    settings: AuthSettings,
    client_id: str,
    org: str,
    scopes: Iterable[str],
    now: float | None = None,
) -> tuple[str, int]:
    """A signed access token and its lifetime in seconds."""
    iat = int(now if now is not None else time.time())
    claims = {
        "iss": settings.issuer,
        "sub": client_id,
        "org": org,
        "scope": " ".join(sorted(scopes)),
        "iat": iat,
        "exp": iat + settings.token_ttl_s,
        "jti": secrets.token_hex(8),
    }
    return jwt.encode(claims, settings.signing_key, algorithm="HS256"), settings.token_ttl_s


def verify_token(settings: AuthSettings, token: str) -> Principal:
    """The principal of a valid access token.

    Raises:
        AuthenticationFailed: bad signature, expired, wrong issuer, malformed.
    """
    try:
        claims = jwt.decode(
            token,
            settings.signing_key,
            algorithms=["HS256"],
            issuer=settings.issuer,
            options={"require": ["exp", "sub", "org"]},
        )
    except jwt.ExpiredSignatureError:
        raise AuthenticationFailed("access token expired") from None
    except jwt.PyJWTError:
        raise AuthenticationFailed("invalid access token") from None
    return Principal(
        str(claims["org"]),
        str(claims["sub"]),
        frozenset(str(claims.get("scope", "")).split()),
        "oauth",
    )


def split_api_key(key: str) -> tuple[str, str]:
    """(prefix, secret) of ``bk_<prefix>_<secret>``.

    Raises:
        AuthenticationFailed: not an API key.
    """
    parts = key.split("_")
    if len(parts) != 3 or parts[0] != "bk" or not parts[1] or not parts[2]:
        raise AuthenticationFailed("malformed API key")
    return f"bk_{parts[1]}", parts[2]


class AuthRepository:
    """Organisations, clients and keys in PostgreSQL."""

    def __init__(self, pool: Pool) -> None:
        self.pool = pool

    async def create_organisation(self, name: str, plan: str = "standard") -> str:
        oid = new_id("org")
        async with self.pool.connection() as conn:
            await conn.execute(
                "INSERT INTO organisations (id, name, plan) VALUES (%s, %s, %s)", (oid, name, plan)
            )
        return oid

    async def set_plan(self, org: str, plan: str) -> None:
        async with self.pool.connection() as conn:
            await conn.execute("UPDATE organisations SET plan = %s WHERE id = %s", (plan, org))

    async def create_client(self, org: str, name: str, scopes: Iterable[str]) -> IssuedSecret:
        cid, secret = new_id("cli"), secrets.token_urlsafe(32)
        async with self.pool.connection() as conn:
            await conn.execute(
                "INSERT INTO api_clients (id, organisation_id, name, secret_sha256, scopes)"
                " VALUES (%s, %s, %s, %s, %s)",
                (cid, org, name, digest(secret), check_scopes(scopes)),
            )
        return IssuedSecret(cid, secret)

    async def rotate_client_secret(self, client_id: str) -> IssuedSecret:
        """A new secret; the old one keeps working for 24 h so that deployments can follow."""
        secret = secrets.token_urlsafe(32)
        async with self.pool.connection() as conn:
            cur = await conn.execute(
                "UPDATE api_clients SET previous_secret_sha256 = secret_sha256,"
                " previous_expires_at = now() + %s, secret_sha256 = %s"
                " WHERE id = %s AND revoked_at IS NULL RETURNING id",
                (ROTATION_GRACE, digest(secret), client_id),
            )
            if await cur.fetchone() is None:
                raise LookupError(f"no active client {client_id}")
        return IssuedSecret(client_id, secret)

    async def revoke_client(self, client_id: str) -> bool:
        async with self.pool.connection() as conn:
            cur = await conn.execute(
                "UPDATE api_clients SET revoked_at = now() WHERE id = %s"
                " AND revoked_at IS NULL RETURNING id",
                (client_id,),
            )
            return await cur.fetchone() is not None

    async def authenticate_client(self, client_id: str, secret: str) -> Principal:
        """Check client credentials (for the token endpoint).

        Raises:
            AuthenticationFailed: unknown, revoked or wrong secret (one message for all).
        """
        async with self.pool.connection() as conn:
            cur = await conn.execute(
                "SELECT organisation_id, secret_sha256, previous_secret_sha256,"
                " previous_expires_at, scopes FROM api_clients"
                " WHERE id = %s AND revoked_at IS NULL",
                (client_id,),
            )
            row = await cur.fetchone()
        if row is not None:
            given = digest(secret)
            ok = hmac.compare_digest(given, row["secret_sha256"])
            if (
                not ok
                and row["previous_secret_sha256"]
                and row["previous_expires_at"] > datetime.now(UTC)
            ):
                ok = hmac.compare_digest(given, row["previous_secret_sha256"])
            if ok:
                return Principal(
                    row["organisation_id"], client_id, frozenset(row["scopes"]), "oauth"
                )
        raise AuthenticationFailed("invalid client credentials")

    async def create_key(self, org: str, name: str, scopes: Iterable[str]) -> IssuedSecret:
        """A new API key; ``secret`` is the whole key, shown once."""
        kid = new_id("key")
        prefix = f"bk_{secrets.token_hex(4)}"
        secret = secrets.token_urlsafe(32).replace("_", "-")  # "_" separates the parts
        async with self.pool.connection() as conn:
            await conn.execute(
                "INSERT INTO api_keys (id, organisation_id, name, prefix, secret_sha256, scopes)"
                " VALUES (%s, %s, %s, %s, %s, %s)",
                (kid, org, name, prefix, digest(secret), check_scopes(scopes)),
            )
        return IssuedSecret(kid, f"{prefix}_{secret}")

    async def revoke_key(self, key_id_or_prefix: str) -> bool:
        async with self.pool.connection() as conn:
            cur = await conn.execute(
                "UPDATE api_keys SET revoked_at = now() WHERE (id = %s OR prefix = %s)"
                " AND revoked_at IS NULL RETURNING id",
                (key_id_or_prefix, key_id_or_prefix),
            )
            return await cur.fetchone() is not None

    async def authenticate_key(self, key: str) -> Principal:
        """Check an API key.

        Raises:
            AuthenticationFailed: malformed, unknown, revoked or wrong secret.
        """
        prefix, secret = split_api_key(key)
        async with self.pool.connection() as conn:
            cur = await conn.execute(
                "UPDATE api_keys SET last_used_at = now() WHERE prefix = %s"
                " AND revoked_at IS NULL RETURNING id, organisation_id, secret_sha256, scopes",
                (prefix,),
            )
            row = await cur.fetchone()
        if row is None or not hmac.compare_digest(digest(secret), row["secret_sha256"]):
            raise AuthenticationFailed("invalid API key")
        return Principal(row["organisation_id"], row["id"], frozenset(row["scopes"]), "api_key")

    async def list_credentials(self, org: str) -> dict[str, list[dict[str, Any]]]:
        """Clients and keys of an organisation (never their secrets)."""
        async with self.pool.connection() as conn:
            clients = await (
                await conn.execute(
                    "SELECT id, name, scopes, created_at, revoked_at FROM api_clients"
                    " WHERE organisation_id = %s ORDER BY created_at",
                    (org,),
                )
            ).fetchall()
            keys = await (
                await conn.execute(
                    "SELECT id, name, prefix, scopes, created_at, last_used_at, revoked_at"
                    " FROM api_keys WHERE organisation_id = %s ORDER BY created_at",
                    (org,),
                )
            ).fetchall()
        return {"clients": [dict(c) for c in clients], "keys": [dict(k) for k in keys]}


@dataclass(frozen=True)
class RateDecision:
    """The outcome of counting one request."""

    allowed: bool
    limit: int  # per minute
    remaining: int
    reset_s: int  # seconds until the minute window resets
    retry_after_s: int


class RateLimiter:
    """Per-subject, per-plan fixed windows (minute and day) counted in PostgreSQL.

    Every API process counts in the same rows, so the limit holds across
    processes and machines. One statement per request.
    """

    def __init__(self, pool: Pool) -> None:
        self.pool = pool

    async def hit(self, principal: Principal, now: datetime | None = None) -> RateDecision:
        at = now or datetime.now(UTC)
        minute = at.replace(second=0, microsecond=0)
        day = at.replace(hour=0, minute=0, second=0, microsecond=0)
        async with self.pool.connection() as conn:
            cur = await conn.execute(
                "WITH lim AS (SELECT p.per_minute, p.per_day FROM organisations o"
                "  JOIN plans p ON p.name = o.plan WHERE o.id = %(org)s),"
                " m AS (INSERT INTO rate_limit_counters VALUES (%(s)s, 'minute', %(m)s, 1)"
                "  ON CONFLICT (subject, window_kind, window_start)"
                "  DO UPDATE SET count = rate_limit_counters.count + 1 RETURNING count),"
                " d AS (INSERT INTO rate_limit_counters VALUES (%(s)s, 'day', %(d)s, 1)"
                "  ON CONFLICT (subject, window_kind, window_start)"
                "  DO UPDATE SET count = rate_limit_counters.count + 1 RETURNING count)"
                " SELECT m.count AS m, d.count AS d, lim.per_minute, lim.per_day"
                " FROM m, d, lim",
                {"org": principal.organisation_id, "s": principal.subject, "m": minute, "d": day},
            )
            row = await cur.fetchone()
        if row is None:  # the organisation vanished: treat as no allowance
            return RateDecision(False, 0, 0, 60, 60)
        reset_minute = 60 - at.second
        over_minute = row["m"] > row["per_minute"]
        over_day = row["d"] > row["per_day"]
        retry = (
            int((day + timedelta(days=1) - at).total_seconds()) + 1
            if over_day
            else reset_minute
            if over_minute
            else 0
        )
        return RateDecision(
            allowed=not (over_minute or over_day),
            limit=row["per_minute"],
            remaining=max(0, min(row["per_minute"] - row["m"], row["per_day"] - row["d"])),
            reset_s=reset_minute,
            retry_after_s=retry,
        )

    async def prune(self, older_than: timedelta = timedelta(days=2)) -> int:
        """Delete old windows (run from time to time)."""
        async with self.pool.connection() as conn:
            cur = await conn.execute(
                "DELETE FROM rate_limit_counters WHERE window_start < %s",
                (datetime.now(UTC) - older_than,),
            )
            return cur.rowcount
