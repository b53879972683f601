import asyncio

import asyncpg

from eventstore.migrate import Migration, bundled_migrations, migrate, pending_migrations


async def test_bundled_migrations_are_numbered_in_order() -> None:
    versions = [m.version for m in bundled_migrations()]
    assert versions == sorted(versions)
    assert versions[:2] == [1, 2]


async def test_rerunning_migrations_is_a_no_op(database_dsn: str) -> None:
    connection = await asyncpg.connect(database_dsn)
    try:
        assert await migrate(connection) == []
        recorded = await connection.fetch(
            "SELECT version FROM schema_migrations WHERE component = 'eventstore' ORDER BY 1"
        )
        assert [r["version"] for r in recorded] == [m.version for m in bundled_migrations()]
    finally:
        await connection.close()


async def test_concurrent_migrators_apply_each_file_once(database_dsn: str) -> None:
    extra = [Migration("test", 9001, "counter", "CREATE TABLE migration_race (n int)")]
    connections = [await asyncpg.connect(database_dsn) for _ in range(4)]
    try:
        results = await asyncio.gather(*(migrate(c, extra) for c in connections))
        assert sorted(len(r) for r in results) == [0, 0, 0, 1]
    finally:
        for connection in connections:
            await connection.close()


async def test_pending_migrations_reads_what_migrate_would_apply(server_dsn: str) -> None:
    admin = await asyncpg.connect(server_dsn)
    name = "docsense_pending_check"
    await admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
    await admin.execute(f'CREATE DATABASE "{name}"')
    head, _, query = server_dsn.partition("?")
    dsn = head.rsplit("/", 1)[0] + f"/{name}" + (f"?{query}" if query else "")
    connection = await asyncpg.connect(dsn)
    try:
        every = bundled_migrations()
        assert await pending_migrations(connection, every) == every  # no table yet
        assert await connection.fetchval("SELECT to_regclass('schema_migrations')") is None
        await migrate(connection, every[:1])
        assert await pending_migrations(connection, every) == every[1:]
        await migrate(connection, every)
        assert await pending_migrations(connection, every) == []
    finally:
        await connection.close()
        await admin.execute(f'DROP DATABASE "{name}"')
        await admin.close()
