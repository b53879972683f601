import asyncio

import asyncpg

from eventstore.migrate import Migration, bundled_migrations, migrate


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
