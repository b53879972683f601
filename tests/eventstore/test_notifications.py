"""LISTEN/NOTIFY wakes followers at once; polling remains the fallback."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from datetime import timedelta

import asyncpg

from eventstore import EventStore, JobQueue, NewEvent
from eventstore.jobs import JOBS_CHANNEL
from eventstore.notifications import Listener
from eventstore.store import EVENTS_CHANNEL
from eventstore.subscription import follow
from eventstore.worker import JobContext, JobWorker
from tests.eventstore.db_proxy import DatabaseProxy


async def test_listener_wakes_on_append_and_on_enqueue(
    store: EventStore, pool: asyncpg.Pool, database_dsn: str
) -> None:
    listener = Listener(database_dsn, [EVENTS_CHANNEL, JOBS_CHANNEL])
    await listener.start()
    try:
        events, jobs = listener.wake_event(EVENTS_CHANNEL), listener.wake_event(JOBS_CHANNEL)
        await store.append(f"wake-{uuid.uuid4()}", 0, [NewEvent("Woke", {})])
        await asyncio.wait_for(events.wait(), 5)
        assert not jobs.is_set()
        async with pool.acquire() as connection:
            await JobQueue(pool).enqueue(connection, "wake", {})
        await asyncio.wait_for(jobs.wait(), 5)
    finally:
        await listener.stop()
        await pool.execute("DELETE FROM jobs WHERE kind = 'wake'")


async def test_follow_yields_the_global_order_and_wakes_on_notify(
    store: EventStore, database_dsn: str
) -> None:
    start = await store.last_position()
    stream = f"follow-{uuid.uuid4()}"
    await store.append(stream, 0, [NewEvent("E", {"n": 0}), NewEvent("E", {"n": 1})])
    listener = Listener(database_dsn, [EVENTS_CHANNEL])
    await listener.start()
    seen: list[int] = []

    async def consume() -> None:
        async for event in follow(
            store, after_position=start, wake=listener.wake_event(EVENTS_CHANNEL), poll_seconds=60
        ):
            if event.stream_id == stream:
                seen.append(event.data["n"])
                if len(seen) == 3:
                    return

    consumer = asyncio.create_task(consume())
    try:
        await asyncio.sleep(0.2)
        assert seen == [0, 1]
        await store.append(stream, 2, [NewEvent("E", {"n": 2})])
        await asyncio.wait_for(consumer, 5)  # far sooner than the 60 s poll
        assert seen == [0, 1, 2]
    finally:
        consumer.cancel()
        await listener.stop()


async def test_worker_wakes_for_a_new_job_without_waiting_for_its_poll(
    pool: asyncpg.Pool, database_dsn: str
) -> None:
    queue = JobQueue(pool, lease=timedelta(seconds=30))
    listener = Listener(database_dsn, [JOBS_CHANNEL])
    await listener.start()
    done = asyncio.Event()

    async def handle(context: JobContext) -> None:
        done.set()

    worker = JobWorker(
        queue,
        {"notify-test": handle},
        name="w",
        poll_seconds=60,
        wake=listener.wake_event(JOBS_CHANNEL),
    )
    runner = asyncio.create_task(worker.run())
    try:
        await asyncio.sleep(0.2)
        async with pool.acquire() as connection:
            await queue.enqueue(connection, "notify-test", {})
        await asyncio.wait_for(done.wait(), 5)
    finally:
        worker.stop()
        await asyncio.wait_for(runner, 5)
        await listener.stop()


async def _woken_by_appends(store: EventStore, wake: asyncio.Event, attempts: int = 100) -> bool:
    """Append until one append wakes `wake` (the listener may still be reconnecting)."""
    for _ in range(attempts):
        wake.clear()
        await store.append(f"wake-{uuid.uuid4()}", 0, [NewEvent("Woke", {})])
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(wake.wait(), 0.2)
            return True
    return False


async def test_listener_reconnects_after_its_connection_drops_and_wakes_everyone(
    store: EventStore, database_dsn: str
) -> None:
    async with DatabaseProxy(database_dsn) as proxy:
        listener = Listener(proxy.dsn, [EVENTS_CHANNEL, JOBS_CHANNEL], reconnect_max_seconds=0.2)
        await listener.start()
        try:
            events, jobs = listener.wake_event(EVENTS_CHANNEL), listener.wake_event(JOBS_CHANNEL)
            await proxy.cut()  # what a PostgreSQL restart does to the LISTEN connection
            await asyncio.sleep(0.5)
            jobs.clear()
            await proxy.restore()
            await asyncio.wait_for(jobs.wait(), 10)  # woken: notifications meanwhile are lost
            assert await _woken_by_appends(store, events), "no notification after reconnecting"
            assert listener.reconnects == 1 and listener.connected
        finally:
            await listener.stop()


async def test_listener_replaces_a_connection_that_stops_answering(
    store: EventStore, database_dsn: str
) -> None:
    """A network gone silent closes nothing: only the ping notices."""
    async with DatabaseProxy(database_dsn) as proxy:
        listener = Listener(
            proxy.dsn,
            [EVENTS_CHANNEL],
            ping_seconds=0.2,
            ping_timeout=0.3,
            reconnect_max_seconds=0.2,
        )
        await listener.start()
        try:
            proxy.stall()
            await asyncio.sleep(1.0)
            proxy.flow()
            assert await _woken_by_appends(store, listener.wake_event(EVENTS_CHANNEL))
            assert listener.reconnects >= 1
        finally:
            await listener.stop()
