"""Shared fixtures: one real PostgreSQL per test session, a fresh database per test module.

The server is a throw-away embedded pgserver unless TEST_DATABASE_URL or DATABASE_URL
names one; either way every database a test uses is created here and dropped after.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest

from eventstore.database import create_pool
from eventstore.embedded import embedded_dsn
from eventstore.migrate import bundled_migrations, migrate
from eventstore.store import EventStore

# Tests never reach a real service: no provider keys or Slack tokens leak in from the
# developer's shell (subprocesses started by tests inherit this environment).
for _variable in (
    "ANTHROPIC_API_KEY",
    "OPENAI_API_KEY",
    "GEMINI_API_KEY",
    "SLACK_BOT_TOKEN",
    "SLACK_APP_TOKEN",
    "SLACK_SIGNING_SECRET",
):
    os.environ.pop(_variable, None)


@pytest.fixture(scope="session")
def server_dsn() -> Iterator[str]:
    configured = os.environ.get("TEST_DATABASE_URL") or os.environ.get("DATABASE_URL")
    if configured:
        yield configured
        return
    with tempfile.TemporaryDirectory(prefix="docsense-test-") as folder:
        yield embedded_dsn(Path(folder))


def _with_database(dsn: str, database: str) -> str:
    """The same server, another database (works for URLs with a socket host parameter)."""
    head, _, query = dsn.partition("?")
    base = head.rsplit("/", 1)[0]
    return f"{base}/{database}" + (f"?{query}" if query else "")


@pytest.fixture(scope="module")
async def database_dsn(server_dsn: str) -> AsyncIterator[str]:
    name = f"docsense_test_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(server_dsn)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    dsn = _with_database(server_dsn, name)
    connection = await asyncpg.connect(dsn)
    try:
        await migrate(connection, bundled_migrations("eventstore") + bundled_migrations("domain"))
    finally:
        await connection.close()
    yield dsn
    admin = await asyncpg.connect(server_dsn)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


@pytest.fixture(scope="module")
async def pool(database_dsn: str) -> AsyncIterator[asyncpg.Pool]:
    pool = await create_pool(database_dsn, min_size=2, max_size=40)
    yield pool
    await pool.close()


@pytest.fixture(scope="module")
def store(pool: asyncpg.Pool) -> EventStore:
    return EventStore(pool)
