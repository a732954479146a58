"""Forward-only, versioned, idempotent SQL migrations.

Migrations are ``core/db/migrations/NNNN_name.sql``, applied in order, each
in its own transaction, recorded in ``schema_migrations`` with a checksum.
Re-running applies only what is new; an applied file that changed since is
refused (history is never rewritten: add a new migration instead). A
PostgreSQL advisory lock serialises concurrent migrators.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql

from core.settings import PostgresSettings

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
_LOCK_ID = 0x6B7963  # "kyc": any constant shared by every migrator
_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


class MigrationError(RuntimeError):
    """A migration failed or the recorded history disagrees with the files."""


@dataclass(frozen=True)
class Migration:
    """One migration file."""

    version: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()


def load_migrations(directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    """Migration files in version order.

    Raises:
        MigrationError: a file is misnamed or two share a version.
    """
    found: dict[int, Migration] = {}
    for path in sorted(directory.glob("*.sql")):
        m = _NAME.match(path.name)
        if not m:
            raise MigrationError(f"migration file name must look like 0001_name.sql: {path.name}")
        version = int(m.group(1))
        if version in found:
            raise MigrationError(f"two migrations with version {version}")
        found[version] = Migration(version, path.stem, path.read_text())
    return [found[v] for v in sorted(found)]


def migrate(dsn: str, directory: Path = MIGRATIONS_DIR) -> list[str]:
    """Apply pending migrations; return the names applied (empty when up to date).

    Blocks while another process migrates the same database.

    Raises:
        MigrationError: an applied migration's file changed, or a migration failed
            (that migration is rolled back; earlier ones stay).
    """
    applied_now: list[str] = []
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", (_LOCK_ID,))
        try:
            conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations ("
                " version integer PRIMARY KEY, name text NOT NULL, checksum text NOT NULL,"
                " applied_at timestamptz NOT NULL DEFAULT now())"
            )
            rows = conn.execute("SELECT version, name, checksum FROM schema_migrations").fetchall()
            done = {v: (n, c) for v, n, c in rows}
            for mig in load_migrations(directory):
                if mig.version in done:
                    if done[mig.version][1] != mig.checksum:
                        raise MigrationError(
                            f"migration {mig.name} was changed after it was applied; "
                            "add a new migration instead"
                        )
                    continue
                try:
                    with conn.transaction():
                        conn.execute(mig.sql.encode())
                        conn.execute(
                            "INSERT INTO schema_migrations (version, name, checksum)"
                            " VALUES (%s, %s, %s)",
                            (mig.version, mig.name, mig.checksum),
                        )
                except psycopg.Error as exc:
                    raise MigrationError(f"migration {mig.name} failed: {exc}") from exc
                applied_now.append(mig.name)
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (_LOCK_ID,))
    return applied_now


def ensure_database(settings: PostgresSettings, database: str | None = None) -> bool:
    """Create the database if missing; True when it was created."""
    name = database or settings.database
    with psycopg.connect(settings.dsn("postgres"), autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if exists:
            return False
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return True


def drop_database(settings: PostgresSettings, database: str) -> None:
    """Drop a database (tests remove their per-run databases with this)."""
    with psycopg.connect(settings.dsn("postgres"), autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database))
        )


def main() -> int:
    """``python -m core.db.migrate``: create the database if needed and migrate it."""
    from core.settings import get_settings

    pg = get_settings().postgres
    ensure_database(pg)
    applied = migrate(pg.dsn())
    print(f"applied {len(applied)} migration(s): {', '.join(applied) or 'up to date'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
