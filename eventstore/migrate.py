"""Numbered SQL migrations, applied in order under an advisory lock.

Each package that owns tables (the event store itself, and the domain's read models)
keeps its own numbered files in `<package>/migrations/`; they are recorded per package
so the event store never needs to know what the domain stores. Several replicas start
at once in production; the lock makes exactly one of them apply each file, and the
others find it recorded and move on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources

import asyncpg

MIGRATION_LOCK_KEY = 7311000
_FILENAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")


@dataclass(frozen=True, slots=True)
class Migration:
    component: str
    version: int
    name: str
    sql: str


def bundled_migrations(component: str = "eventstore") -> list[Migration]:
    """The migrations shipped in `<component>/migrations/`, in version order."""
    folder = resources.files(component) / "migrations"
    found = []
    for entry in folder.iterdir():
        match = _FILENAME.match(entry.name)
        if match:
            sql = entry.read_text(encoding="utf-8")
            found.append(Migration(component, int(match[1]), match[2], sql))
    return sorted(found, key=lambda m: m.version)


async def migrate(
    connection: asyncpg.Connection, migrations: list[Migration] | None = None
) -> list[Migration]:
    """Apply what is missing; returns what this call applied (empty when up to date).

    Without an explicit list, applies the event store's migrations only; callers that
    own more tables pass `bundled_migrations("eventstore") + bundled_migrations(...)`.
    """
    pending_all = bundled_migrations() if migrations is None else migrations
    await connection.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK_KEY)
    try:
        await connection.execute(
            """CREATE TABLE IF NOT EXISTS schema_migrations (
                   component text NOT NULL,
                   version integer NOT NULL,
                   name text NOT NULL,
                   applied_at timestamptz NOT NULL DEFAULT now(),
                   PRIMARY KEY (component, version))"""
        )
        rows = await connection.fetch("SELECT component, version FROM schema_migrations")
        applied = {(r["component"], r["version"]) for r in rows}
        done = []
        for migration in pending_all:
            if (migration.component, migration.version) in applied:
                continue
            async with connection.transaction():
                await connection.execute(migration.sql)
                await connection.execute(
                    "INSERT INTO schema_migrations (component, version, name) VALUES ($1, $2, $3)",
                    migration.component,
                    migration.version,
                    migration.name,
                )
            done.append(migration)
        return done
    finally:
        await connection.execute("SELECT pg_advisory_unlock($1)", MIGRATION_LOCK_KEY)


async def pending_migrations(
    connection: asyncpg.Connection, migrations: list[Migration]
) -> list[Migration]:
    """What `migrate` would apply: one read, no lock taken and nothing created, so every
    start of an up-to-date database costs a single round trip."""
    try:
        rows = await connection.fetch("SELECT component, version FROM schema_migrations")
    except asyncpg.UndefinedTableError:
        return list(migrations)
    applied = {(r["component"], r["version"]) for r in rows}
    return [m for m in migrations if (m.component, m.version) not in applied]
