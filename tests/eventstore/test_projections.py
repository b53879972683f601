"""A checkpointed projection applies each event exactly once, across crashes and rebuilds."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Callable

import asyncpg
import pytest

from eventstore import EventStore, NewEvent, RecordedEvent
from eventstore.database import create_pool
from eventstore.projections import Projector, projection_delays, read_checkpoint
from tests.eventstore.db_proxy import DatabaseProxy


class CountingProjection:
    """Counts events per stream and logs every applied position (unique: no double apply)."""

    def __init__(self, name: str, *, crash_at: int | None = None) -> None:
        self.name = name
        self.crash_at = crash_at
        self.table = f"rm_{name}"

    async def create(self, connection: asyncpg.Connection | asyncpg.Pool) -> None:
        await connection.execute(
            f"""CREATE TABLE IF NOT EXISTS {self.table} (stream_id text PRIMARY KEY,
                    n integer NOT NULL, total bigint NOT NULL);
                CREATE TABLE IF NOT EXISTS {self.table}_applied (position bigint PRIMARY KEY)"""
        )

    async def apply(self, connection: asyncpg.Connection, event: RecordedEvent) -> None:
        if self.crash_at is not None and event.data.get("i") == self.crash_at:
            raise RuntimeError("projector killed")
        await connection.execute(
            f"INSERT INTO {self.table}_applied (position) VALUES ($1)", event.position
        )
        await connection.execute(
            f"""INSERT INTO {self.table} (stream_id, n, total) VALUES ($1, 1, $2)
                ON CONFLICT (stream_id) DO UPDATE
                SET n = {self.table}.n + 1, total = {self.table}.total + EXCLUDED.total""",
            event.stream_id,
            event.data.get("i", 0),
        )

    async def reset(self, connection: asyncpg.Connection) -> None:
        await connection.execute(f"TRUNCATE {self.table}, {self.table}_applied")

    async def rows(self, pool: asyncpg.Pool) -> list[tuple]:
        return [
            tuple(r) for r in await pool.fetch(f"SELECT * FROM {self.table} ORDER BY stream_id")
        ]


@pytest.fixture
async def fresh_log(store: EventStore) -> int:
    """Start each test from an empty log so counts are exact."""
    await store.pool.execute("TRUNCATE events, checkpoints")
    for s in range(5):
        await store.append(f"item-{s}", 0, [NewEvent("Counted", {"i": i}) for i in range(41)])
    return 5 * 41


async def test_projector_killed_mid_batch_resumes_without_double_apply(
    store: EventStore, fresh_log: int
) -> None:
    crashing = CountingProjection(f"p{uuid.uuid4().hex[:6]}", crash_at=35)
    await crashing.create(store.pool)
    projector = Projector(store, crashing, batch_size=30)

    assert await projector.run_batch() == 30
    with pytest.raises(RuntimeError, match="killed"):
        await projector.catch_up()
    checkpoint = await read_checkpoint(store.pool, crashing.name)
    applied = await store.pool.fetchval(f"SELECT count(*) FROM {crashing.table}_applied")
    assert applied == checkpoint == 30  # the failed batch left nothing behind

    restarted = Projector(store, CountingProjection(crashing.name), batch_size=30)
    await restarted.catch_up()
    rows = await crashing.rows(store.pool)
    assert [r[1] for r in rows] == [41] * 5
    assert [r[2] for r in rows] == [sum(range(41))] * 5
    assert await store.pool.fetchval(f"SELECT count(*) FROM {crashing.table}_applied") == fresh_log


async def test_projector_cancelled_between_batches_resumes(
    store: EventStore, fresh_log: int
) -> None:
    projection = CountingProjection(f"p{uuid.uuid4().hex[:6]}")
    await projection.create(store.pool)
    wake = asyncio.Event()
    runner = asyncio.create_task(
        Projector(store, projection, batch_size=7).run_forever(wake, poll_seconds=0.05)
    )
    await asyncio.sleep(0.01)
    runner.cancel()
    await asyncio.gather(runner, return_exceptions=True)

    await Projector(store, projection, batch_size=7).catch_up()
    assert (
        await store.pool.fetchval(f"SELECT count(*) FROM {projection.table}_applied") == fresh_log
    )
    assert await read_checkpoint(store.pool, projection.name) == await store.last_position()


async def test_rebuild_gives_identical_rows(store: EventStore, fresh_log: int) -> None:
    projection = CountingProjection(f"p{uuid.uuid4().hex[:6]}")
    await projection.create(store.pool)
    projector = Projector(store, projection, batch_size=50)
    await projector.catch_up()
    before = await projection.rows(store.pool)

    assert await projector.rebuild() == fresh_log
    assert await projection.rows(store.pool) == before
    assert len(before) == 5


async def test_run_forever_wakes_on_new_events(store: EventStore, fresh_log: int) -> None:
    projection = CountingProjection(f"p{uuid.uuid4().hex[:6]}")
    await projection.create(store.pool)
    wake = asyncio.Event()
    runner = asyncio.create_task(Projector(store, projection).run_forever(wake, poll_seconds=30))
    try:
        await asyncio.sleep(0.2)
        await store.append("item-new", 0, [NewEvent("Counted", {"i": 1})])
        wake.set()
        for _ in range(100):
            if await store.pool.fetchval(
                f"SELECT n FROM {projection.table} WHERE stream_id = 'item-new'"
            ):
                break
            await asyncio.sleep(0.02)
        else:
            pytest.fail("projector did not wake up")
    finally:
        runner.cancel()
        await asyncio.gather(runner, return_exceptions=True)


async def test_a_batch_ends_after_its_payload_bytes_but_holds_at_least_one_event(
    store: EventStore, fresh_log: int
) -> None:
    big = os.urandom(150_000).hex()  # incompressible: well over the cap as stored
    await store.append("item-big", 0, [NewEvent("Counted", {"i": 1, "blob": big})])
    await store.append("item-big", 1, [NewEvent("Counted", {"i": 2}) for _ in range(3)])
    projection = CountingProjection(f"p{uuid.uuid4().hex[:6]}")
    await projection.create(store.pool)

    one_each = Projector(store, projection, batch_bytes=1)
    assert [await one_each.run_batch() for _ in range(3)] == [1, 1, 1]
    capped = Projector(store, projection, batch_size=1000, batch_bytes=100_000)
    assert await capped.run_batch() == fresh_log - 3 + 1  # the small rest, then the big one
    assert await capped.run_batch() == 3
    assert await capped.run_batch() == 0
    rows = dict((r[0], r[1:]) for r in await projection.rows(store.pool))
    assert rows["item-big"] == (4, 1 + 3 * 2)


async def test_undecoded_types_are_applied_without_their_payload(
    store: EventStore, fresh_log: int
) -> None:
    """For projections that read such payloads inside PostgreSQL, by position."""
    await store.append("item-other", 0, [NewEvent("Other", {"i": 7})])
    projection = CountingProjection(f"p{uuid.uuid4().hex[:6]}")
    projection.undecoded_types = frozenset({"Counted"})
    await projection.create(store.pool)
    await Projector(store, projection).catch_up()

    rows = await projection.rows(store.pool)
    assert [r[1:] for r in rows] == [(41, 0)] * 5 + [(1, 7)]
    stored = await store.pool.fetchval("SELECT data FROM events ORDER BY position LIMIT 1")
    assert stored == {"i": 0}


async def test_a_projector_reports_an_outage_and_catches_up_by_itself_after_it(
    store: EventStore, fresh_log: int, database_dsn: str
) -> None:
    projection = CountingProjection(f"p{uuid.uuid4().hex[:6]}")
    await projection.create(store.pool)
    async with DatabaseProxy(database_dsn) as proxy:
        proxied = await create_pool(proxy.dsn, min_size=1, max_size=2)
        projector = Projector(EventStore(proxied), projection)
        wake = asyncio.Event()
        runner = asyncio.create_task(projector.run_forever(wake, poll_seconds=0.05))
        try:
            for _ in range(300):
                if await read_checkpoint(store.pool, projection.name) == fresh_log:
                    break
                await asyncio.sleep(0.02)
            await proxy.cut()
            await store.append("item-late", 0, [NewEvent("Counted", {"i": 3})])
            await _until(lambda: projector.failing_since is not None)
            assert projector.last_error is not None and projector.following
            assert (await projection_delays(store.pool))[projection.name] > 0
            await proxy.restore()
            await _until(lambda: projector.failing_since is None)
            applied = f"SELECT n FROM {projection.table} WHERE stream_id = 'item-late'"
            assert await store.pool.fetchval(applied) == 1
            assert (await projection_delays(store.pool))[projection.name] == 0
        finally:
            runner.cancel()
            await asyncio.gather(runner, return_exceptions=True)
            proxied.terminate()
    assert not projector.following, "a projector that stopped says so"


async def _until(condition: Callable[[], bool], timeout: float = 15) -> None:
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.02)
