"""Append guarantees against a real PostgreSQL: versions, idempotency, crashes."""

from __future__ import annotations

import asyncio
import uuid

import asyncpg
import pytest

from eventstore import ConcurrencyError, EventStore, NewEvent, PartialDuplicateError
from eventstore.database import connect


def _events(n: int, kind: str = "Happened") -> list[NewEvent]:
    return [NewEvent(kind, {"n": i}) for i in range(n)]


async def test_append_then_read_stream_in_version_order(store: EventStore) -> None:
    stream = f"document-{uuid.uuid4()}"
    first = await store.append(stream, 0, _events(3))
    second = await store.append(stream, 3, [NewEvent("Later", {"x": [1, 2]}, {"actor": "u1"})])

    assert first.version == 3 and second.version == 4
    assert first.positions == sorted(first.positions)
    assert second.positions[0] > first.positions[-1]
    events = await store.read_stream(stream)
    assert [e.version for e in events] == [1, 2, 3, 4]
    assert [e.data for e in events[:3]] == [{"n": 0}, {"n": 1}, {"n": 2}]
    assert events[3].metadata == {"actor": "u1"} and events[3].stream_type == "document"
    assert [e.version for e in await store.read_stream(stream, after_version=2)] == [3, 4]


@pytest.mark.parametrize("expected", [0, 1, 3, 7])
async def test_wrong_expected_version_is_a_concurrency_error(
    store: EventStore, expected: int
) -> None:
    stream = f"race-{uuid.uuid4()}"
    await store.append(stream, 0, _events(2))
    with pytest.raises(ConcurrencyError) as caught:
        await store.append(stream, expected, _events(1))
    assert caught.value.actual == 2
    assert await store.stream_version(stream) == 2


async def test_version_race_has_exactly_one_winner_per_round(
    store: EventStore, database_dsn: str
) -> None:
    """Many connections released together at the same expected version, 200 rounds."""
    stream = f"race-{uuid.uuid4()}"
    contenders = 12
    connections = [await connect(database_dsn) for _ in range(contenders)]
    try:
        for round_number in range(200):
            gate = asyncio.Event()

            async def contend(
                connection: asyncpg.Connection, expected: int = round_number, gate=gate
            ):
                await gate.wait()
                return await store.append(
                    stream, expected, [NewEvent("Tick", {})], connection=connection
                )

            tasks = [asyncio.create_task(contend(c)) for c in connections]
            await asyncio.sleep(0)
            gate.set()
            outcomes = await asyncio.gather(*tasks, return_exceptions=True)
            winners = [o for o in outcomes if not isinstance(o, BaseException)]
            losers = [o for o in outcomes if isinstance(o, BaseException)]
            assert len(winners) == 1, outcomes
            assert all(isinstance(o, ConcurrencyError) for o in losers), losers
            assert winners[0].version == round_number + 1
    finally:
        for connection in connections:
            await connection.close()
    versions = [e.version for e in await store.read_stream(stream)]
    assert versions == list(range(1, 201))


async def test_reappending_the_same_event_ids_is_idempotent(store: EventStore) -> None:
    stream = f"retry-{uuid.uuid4()}"
    batch = _events(3)
    first = await store.append(stream, 0, batch)
    again = await store.append(stream, 0, batch)

    assert again.positions == first.positions and again.replayed and not first.replayed
    assert again.version == first.version == 3
    assert len(await store.read_stream(stream)) == 3
    count = await store.pool.fetchval(
        "SELECT count(*) FROM events WHERE event_id = ANY($1)", [e.event_id for e in batch]
    )
    assert count == 3


@pytest.mark.parametrize("stored_first", [True, False])
async def test_a_batch_mixing_stored_and_new_ids_is_refused(
    store: EventStore, stored_first: bool
) -> None:
    stream = f"retry-{uuid.uuid4()}"
    batch = _events(2)
    await store.append(stream, 0, batch)
    mixed = [batch[0], NewEvent("New", {})] if stored_first else [NewEvent("New", {}), batch[1]]
    with pytest.raises(PartialDuplicateError):
        await store.append(stream, 2, mixed)
    assert await store.stream_version(stream) == 2
    assert len(await store.read_stream(stream)) == 2


async def test_append_joins_the_callers_transaction(store: EventStore) -> None:
    stream = f"tx-{uuid.uuid4()}"

    class Abort(Exception):
        pass

    with pytest.raises(Abort):
        async with store.transaction() as connection:
            await store.append(stream, 0, _events(2), connection=connection)
            raise Abort
    assert await store.read_stream(stream) == []


async def test_terminated_appender_leaves_no_partial_batch_and_no_stall(
    store: EventStore, database_dsn: str
) -> None:
    """A backend killed while holding the append lock: its batch vanishes, others go on."""
    victim_stream = f"crash-{uuid.uuid4()}"
    victim = await connect(database_dsn)
    victim_pid = victim.get_server_pid()
    transaction = victim.transaction()
    await transaction.start()
    await store.append(victim_stream, 0, _events(5), connection=victim)  # holds the lock now

    other_stream = f"crash-other-{uuid.uuid4()}"
    blocked = asyncio.create_task(store.append(other_stream, 0, _events(1)))
    await asyncio.sleep(0.2)
    assert not blocked.done(), "the victim holds the append lock, so others must wait"
    readable = await asyncio.wait_for(store.read_all(after_position=0, limit=5), 2)
    assert all(e.stream_id != victim_stream for e in readable), "uncommitted events are unseen"

    killed = await store.pool.fetchval("SELECT pg_terminate_backend($1)", victim_pid)
    assert killed
    result = await asyncio.wait_for(blocked, timeout=10)
    assert result.version == 1
    dead_connection_errors = (
        asyncpg.PostgresError,
        asyncpg.InterfaceError,
        asyncpg.InternalClientError,
        ConnectionError,
    )
    with pytest.raises(dead_connection_errors):
        await transaction.commit()
    await victim.close(timeout=1)

    assert await store.read_stream(victim_stream) == []
    assert await store.append(victim_stream, 0, _events(1))  # the stream is usable again
    tail = await store.read_all(after_position=result.positions[0] - 1, limit=10)
    assert tail[0].stream_id == other_stream


async def test_group_commit_race_has_exactly_one_winner_per_round(store: EventStore) -> None:
    """Through the pool path, racing appends share database calls, but still one wins."""
    stream = f"race-{uuid.uuid4()}"
    for round_number in range(100):
        outcomes = await asyncio.gather(
            *(store.append(stream, round_number, [NewEvent("Tick", {})]) for _ in range(10)),
            return_exceptions=True,
        )
        winners = [o for o in outcomes if not isinstance(o, BaseException)]
        assert len(winners) == 1, outcomes
        assert all(isinstance(o, ConcurrencyError) for o in outcomes if o not in winners)
    assert [e.version for e in await store.read_stream(stream)] == list(range(1, 101))


async def test_concurrent_appends_share_commits(store: EventStore) -> None:
    streams = [f"group-{uuid.uuid4()}" for _ in range(40)]
    results = await asyncio.gather(*(store.append(s, 0, _events(2)) for s in streams))
    assert all(r.version == 2 for r in results)
    transactions = await store.pool.fetchval(
        "SELECT count(DISTINCT xmin::text) FROM events WHERE stream_id = ANY($1)", streams
    )
    assert transactions < len(streams)


async def test_a_bad_request_in_a_group_does_not_fail_its_neighbours(store: EventStore) -> None:
    stored = _events(2)
    poisoned = f"group-{uuid.uuid4()}"
    await store.append(poisoned, 0, stored)
    healthy = [f"group-{uuid.uuid4()}" for _ in range(8)]
    outcomes = await asyncio.gather(
        store.append(poisoned, 2, [NewEvent("New", {}), stored[1]]),
        *(store.append(s, 0, _events(1)) for s in healthy),
        return_exceptions=True,
    )
    assert isinstance(outcomes[0], PartialDuplicateError)
    assert [o.version for o in outcomes[1:]] == [1] * len(healthy)
    assert await store.stream_version(poisoned) == 2


async def test_append_on_a_closed_pool_fails_instead_of_hanging(database_dsn: str) -> None:
    from eventstore.database import create_pool

    pool = await create_pool(database_dsn)
    store = EventStore(pool)
    await store.append(f"closed-{uuid.uuid4()}", 0, _events(1))
    await pool.close()
    with pytest.raises(asyncpg.InterfaceError):
        await asyncio.wait_for(store.append(f"closed-{uuid.uuid4()}", 0, _events(1)), 5)
