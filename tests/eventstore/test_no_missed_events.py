"""Readers that follow `position > cursor` see every event, in order, exactly once.

The same scenario runs twice: through the store's serialized append, and through a
plain unserialized INSERT built here. The second must lose events, which shows the
scenario can catch the bug the serialization prevents.
"""

from __future__ import annotations

import asyncio
import itertools
import uuid
from collections.abc import Awaitable, Callable

import asyncpg

from eventstore import EventStore, NewEvent
from eventstore.database import connect

Insert = Callable[[asyncpg.Connection, str, int], Awaitable[None]]


async def _unserialized_insert(connection: asyncpg.Connection, stream: str, version: int) -> None:
    await connection.execute(
        """INSERT INTO events (stream_id, stream_type, version, event_id, type, data)
           VALUES ($1, 'test', $2, $3, 'Wrote', $4)""",
        stream,
        version,
        uuid.uuid4(),
        {},
    )


def _serialized_insert(store: EventStore) -> Insert:
    async def insert(connection: asyncpg.Connection, stream: str, version: int) -> None:
        await store.append(stream, version - 1, [NewEvent("Wrote", {})], connection=connection)

    return insert


async def _tail(store: EventStore, prefix: str, start: int, stop: asyncio.Event) -> list[int]:
    """A reader that keeps only a cursor, like any subscriber would."""
    seen, cursor = [], start
    while True:
        finished = stop.is_set()
        page = await store.read_all(after_position=cursor, limit=200)
        for event in page:
            cursor = event.position
            if event.stream_id.startswith(prefix):
                seen.append(event.position)
        if finished and not page:
            return seen
        await asyncio.sleep(0.001)


async def _scenario(
    store: EventStore, dsn: str, insert: Insert
) -> tuple[list[int], list[list[int]]]:
    prefix = f"tail-{uuid.uuid4().hex[:8]}-"
    start = await store.last_position()
    stop = asyncio.Event()
    readers = [asyncio.create_task(_tail(store, prefix, start, stop)) for _ in range(3)]

    async def slow_writer() -> None:
        """Holds its transaction open between the insert and the commit."""
        connection = await connect(dsn)
        try:
            for version in range(1, 6):
                async with connection.transaction():
                    await insert(connection, f"{prefix}slow", version)
                    await asyncio.sleep(0.05)
        finally:
            await connection.close()

    async def fast_writer(n: int) -> None:
        connection = await connect(dsn)
        try:
            for version in range(1, 41):
                async with connection.transaction():
                    await insert(connection, f"{prefix}fast{n}", version)
                await asyncio.sleep(0.002)
        finally:
            await connection.close()

    await asyncio.gather(slow_writer(), *(fast_writer(n) for n in range(3)))
    stop.set()
    sequences = await asyncio.gather(*readers)
    stored = [
        r["position"]
        for r in await store.pool.fetch(
            "SELECT position FROM events WHERE stream_id LIKE $1 || '%' ORDER BY position",
            prefix,
        )
    ]
    return stored, sequences


async def test_tailing_readers_see_every_event_in_order(
    store: EventStore, database_dsn: str
) -> None:
    stored, sequences = await _scenario(store, database_dsn, _serialized_insert(store))
    assert len(stored) == 5 + 3 * 40
    for sequence in sequences:
        assert sequence == stored
        assert all(a < b for a, b in itertools.pairwise(sequence))


async def test_the_same_readers_miss_events_without_serialization(
    store: EventStore, database_dsn: str
) -> None:
    stored, sequences = await _scenario(store, database_dsn, _unserialized_insert)
    assert len(stored) == 5 + 3 * 40
    missed = [len(set(stored) - set(sequence)) for sequence in sequences]
    assert all(m > 0 for m in missed), missed
