"""Migrations against the real PostgreSQL, in a database of the test's own."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from core.db.migrate import MigrationError, drop_database, ensure_database, load_migrations, migrate
from core.settings import PostgresSettings, Settings

pytestmark = pytest.mark.integration


@pytest.fixture
def scratch_db(stack: Settings) -> Iterator[PostgresSettings]:
    pg = PostgresSettings(database=f"mig_{uuid.uuid4().hex[:10]}")
    ensure_database(pg)
    yield pg
    drop_database(pg, pg.database)


def test_project_migrations_apply_once(scratch_db: PostgresSettings) -> None:
    first = migrate(scratch_db.dsn())
    assert first == [m.name for m in load_migrations()]
    assert migrate(scratch_db.dsn()) == []  # idempotent
    with psycopg.connect(scratch_db.dsn()) as conn:
        conn.execute(
            "INSERT INTO verifications (id, requested_type, verification_type, status, total_files)"
            " VALUES ('ver_t', 'identity', 'IDENTITY', 'received', 1)"
        )
        row = conn.execute("SELECT status FROM verifications WHERE id = 'ver_t'").fetchone()
    assert row == ("received",)


def test_new_migration_applies_and_edited_history_is_refused(
    scratch_db: PostgresSettings, tmp_path: Path
) -> None:
    (tmp_path / "0001_a.sql").write_text("CREATE TABLE a (x int);")
    assert migrate(scratch_db.dsn(), tmp_path) == ["0001_a"]
    (tmp_path / "0002_b.sql").write_text("CREATE TABLE b (y int);")
    assert migrate(scratch_db.dsn(), tmp_path) == ["0002_b"]
    (tmp_path / "0001_a.sql").write_text("CREATE TABLE a (x bigint);")
    with pytest.raises(MigrationError, match="changed after it was applied"):
        migrate(scratch_db.dsn(), tmp_path)


def test_failed_migration_is_rolled_back(scratch_db: PostgresSettings, tmp_path: Path) -> None:
    (tmp_path / "0001_bad.sql").write_text("CREATE TABLE c (z int); SELECT no_such_function();")
    with pytest.raises(MigrationError, match="0001_bad failed"):
        migrate(scratch_db.dsn(), tmp_path)
    with psycopg.connect(scratch_db.dsn()) as conn:
        assert conn.execute("SELECT to_regclass('c')").fetchone() == (None,)


def test_misnamed_migration_is_refused(tmp_path: Path) -> None:
    (tmp_path / "first.sql").write_text("SELECT 1;")
    with pytest.raises(MigrationError, match=r"0001_name\.sql"):
        load_migrations(tmp_path)
