"""Async connection pools (psycopg 3)."""

from __future__ import annotations

from psycopg import AsyncConnection
from psycopg.rows import DictRow, dict_row
from psycopg_pool import AsyncConnectionPool

from core.settings import PostgresSettings

Pool = AsyncConnectionPool[AsyncConnection[DictRow]]


async def open_pool(settings: PostgresSettings, min_size: int = 1) -> Pool:
    """Open a pool and wait until it has ``min_size`` connections (10 s at most).

    Rows come back as dicts. Close it with ``await pool.close()``.

    Raises:
        psycopg_pool.PoolTimeout: the database did not answer in time.
    """
    pool: Pool = AsyncConnectionPool(
        settings.dsn(),
        connection_class=AsyncConnection[DictRow],
        min_size=min_size,
        max_size=settings.pool_max,
        kwargs={"row_factory": dict_row, "autocommit": False},
        open=False,
    )
    await pool.open(wait=True, timeout=10)
    return pool
