"""Connection pools: one place that decides which server and how values are encoded."""

from __future__ import annotations

import json
from pathlib import Path

import asyncpg

from eventstore.embedded import embedded_dsn


def resolve_dsn(database_url: str | None, data_dir: Path) -> str:
    """DATABASE_URL when given, else the embedded server; the code after this is the same."""
    return database_url or embedded_dsn(data_dir)


async def init_connection(connection: asyncpg.Connection) -> None:
    await connection.set_type_codec(
        "jsonb", encoder=json.dumps, decoder=json.loads, schema="pg_catalog"
    )


async def _keep_session(_connection: asyncpg.Connection) -> None:
    """Release without asyncpg's reset query (RESET ALL, UNLISTEN *, ...).

    Pooled connections never carry session state here: LISTEN, session advisory locks
    and migrations use dedicated connections. Skipping the reset saves a round trip on
    every pooled query; asyncpg still rolls back any open transaction on release.
    """


async def create_pool(dsn: str, *, min_size: int = 1, max_size: int = 10) -> asyncpg.Pool:
    return await asyncpg.create_pool(
        dsn, min_size=min_size, max_size=max_size, init=init_connection, reset=_keep_session
    )


async def connect(dsn: str) -> asyncpg.Connection:
    """A single connection outside the pool (LISTEN, long-held locks, tests)."""
    connection = await asyncpg.connect(dsn)
    await init_connection(connection)
    return connection
