"""The job queue against real PostgreSQL: leases, fencing, retries, dead letters."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import random
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from typing import Any

import asyncpg
import pytest

from eventstore import EventStore, JobQueue, LeaseLost, NewEvent
from eventstore.database import connect, create_pool
from eventstore.jobs import JOBS_CHANNEL, backoff_delay
from eventstore.worker import JobContext, JobWorker, PermanentJobError
from tests.eventstore.db_proxy import DatabaseProxy


@pytest.fixture
async def queue(pool: asyncpg.Pool) -> JobQueue:
    await pool.execute("TRUNCATE jobs")
    return JobQueue(pool, lease=timedelta(seconds=30), backoff_base=0.01, backoff_cap=0.05)


async def _enqueue(queue: JobQueue, n: int, kind: str = "work", **options) -> list[int]:
    async with queue.pool.acquire() as connection, connection.transaction():
        return [await queue.enqueue(connection, kind, {"n": i}, **options) for i in range(n)]


async def test_concurrent_claimers_never_share_a_job(queue: JobQueue) -> None:
    ids = await _enqueue(queue, 150)

    async def claimer(name: str) -> list[int]:
        mine = []
        while jobs := await queue.claim(name, limit=3):
            mine.extend(job.id for job in jobs)
        return mine

    claimed = await asyncio.gather(*(claimer(f"w{i}") for i in range(8)))
    everything = [job_id for batch in claimed for job_id in batch]
    assert sorted(everything) == sorted(ids)
    assert len(set(everything)) == len(everything)
    assert sum(1 for batch in claimed if batch) > 1, "claims should have been spread"


async def test_expired_lease_is_reclaimed_and_the_old_owner_is_fenced(queue: JobQueue) -> None:
    short = JobQueue(queue.pool, lease=timedelta(milliseconds=200))
    await _enqueue(short, 1)
    [first] = await short.claim("old-owner")
    await asyncio.sleep(0.3)

    [second] = await short.claim("new-owner")
    assert second.id == first.id and second.attempts == 2
    assert second.claim_token != first.claim_token

    with pytest.raises(LeaseLost):
        await short.complete(first)
    with pytest.raises(LeaseLost):
        await short.heartbeat(first)
    with pytest.raises(LeaseLost):
        await short.fail(first, "late failure")
    await short.complete(second)
    assert (await short.counts())["succeeded"] == 1


async def test_a_lapsed_lease_cannot_commit_even_before_anyone_reclaims(queue: JobQueue) -> None:
    short = JobQueue(queue.pool, lease=timedelta(milliseconds=100))
    await _enqueue(short, 1)
    [job] = await short.claim("slow")
    await asyncio.sleep(0.2)
    with pytest.raises(LeaseLost):
        await short.complete(job)
    assert (await short.counts())["running"] == 1


async def test_heartbeat_keeps_a_job_leased(queue: JobQueue) -> None:
    short = JobQueue(queue.pool, lease=timedelta(milliseconds=300))
    await _enqueue(short, 1)
    [job] = await short.claim("busy")
    for _ in range(4):
        await asyncio.sleep(0.15)
        job = await short.heartbeat(job)
    assert await short.claim("thief") == []
    await short.complete(job)


async def test_rolling_back_the_causing_transaction_rolls_back_the_enqueue(
    queue: JobQueue, store: EventStore
) -> None:
    stream = f"document-{uuid.uuid4()}"
    with pytest.raises(RuntimeError):
        async with store.transaction() as connection:
            await store.append(
                stream, 0, [NewEvent("DocumentSubmitted", {})], connection=connection
            )
            await queue.enqueue(connection, "review", {"stream": stream}, dedupe_key=stream)
            raise RuntimeError("crash before commit")
    assert await store.read_stream(stream) == []
    assert sum((await queue.counts()).values()) == 0

    async with store.transaction() as connection:
        await store.append(stream, 0, [NewEvent("DocumentSubmitted", {})], connection=connection)
        assert await queue.enqueue(connection, "review", {}, dedupe_key=stream) is not None
    assert (await queue.counts())["pending"] == 1


async def test_dedupe_key_enqueues_a_logical_job_once(queue: JobQueue) -> None:
    first = await _enqueue(queue, 1, dedupe_key="slack-file-F123")
    again = await _enqueue(queue, 1, dedupe_key="slack-file-F123")
    assert first[0] is not None and again == [None]
    assert (await queue.counts())["pending"] == 1


async def test_failures_back_off_then_dead_letter(queue: JobQueue) -> None:
    slow = JobQueue(queue.pool, backoff_base=0.4, backoff_cap=10)
    await _enqueue(slow, 1, max_attempts=3)

    [job] = await slow.claim("w")
    assert await slow.fail(job, "boom 1") == "pending"
    assert await slow.claim("w") == [], "a retry must wait for its backoff"
    delay = await slow.pool.fetchval("SELECT extract(epoch FROM run_after - now()) FROM jobs")
    assert 0.1 < delay <= 0.45

    await asyncio.sleep(0.45)
    [job] = await slow.claim("w")
    assert job.attempts == 2
    assert await slow.fail(job, "boom 2") == "pending"
    await asyncio.sleep(0.85)
    [job] = await slow.claim("w")
    assert await slow.fail(job, "boom 3") == "dead"
    counts = await slow.counts()
    assert counts["dead"] == 1 and counts["pending"] == 0
    assert await slow.pool.fetchval("SELECT last_error FROM jobs") == "boom 3"


def test_backoff_grows_exponentially_with_jitter_and_a_cap() -> None:
    rng = random.Random(7)
    delays = [backoff_delay(a, base=1.0, cap=60.0, rng=rng) for a in range(1, 10)]
    assert all(2 ** (a - 1) / 2 <= d <= 2 ** (a - 1) for a, d in enumerate(delays[:6], 1))
    assert all(30 <= d <= 60 for d in delays[6:])
    assert len({round(d, 6) for d in delays}) == len(delays)


async def test_expired_lease_after_last_attempt_goes_to_dead_letter(queue: JobQueue) -> None:
    short = JobQueue(queue.pool, lease=timedelta(milliseconds=100))
    await _enqueue(short, 1, max_attempts=1)
    await short.claim("vanishing-worker")
    await asyncio.sleep(0.2)
    assert await short.claim("w") == []
    assert (await short.counts())["dead"] == 1


async def test_worker_runs_retries_and_buries_jobs(queue: JobQueue) -> None:
    outcomes: dict[int, int] = {}

    async def flaky(context: JobContext) -> None:
        n = context.job.payload["n"]
        outcomes[n] = outcomes.get(n, 0) + 1
        if n == 1 and outcomes[n] < 3:
            raise ConnectionError("transient")
        if n == 2:
            raise PermanentJobError("unreadable")

    await _enqueue(queue, 3, max_attempts=5)
    worker = JobWorker(queue, {"work": flaky}, name="t", concurrency=2, poll_seconds=0.02)
    runner = asyncio.create_task(worker.run())
    for _ in range(200):
        counts = await queue.counts()
        if counts["succeeded"] == 2 and counts["dead"] == 1:
            break
        await asyncio.sleep(0.02)
    worker.stop()
    await asyncio.wait_for(runner, 5)
    assert outcomes == {0: 1, 1: 3, 2: 1}
    assert await queue.counts() == {"pending": 0, "running": 0, "succeeded": 2, "dead": 1}


async def test_release_returns_a_job_without_spending_an_attempt(queue: JobQueue) -> None:
    await _enqueue(queue, 1)
    [job] = await queue.claim("stopping")
    await queue.release(job)
    [again] = await queue.claim("next")
    assert again.attempts == 1


async def test_stopping_hands_unfinished_jobs_back_after_the_grace_period(
    queue: JobQueue,
) -> None:
    started = asyncio.Event()

    async def slow(context: JobContext) -> None:
        started.set()
        await asyncio.sleep(60)

    await _enqueue(queue, 1)
    worker = JobWorker(queue, {"work": slow}, name="stopping", poll_seconds=0.02, grace_seconds=0.2)
    runner = asyncio.create_task(worker.run())
    await asyncio.wait_for(started.wait(), 5)
    worker.stop()
    await asyncio.wait_for(runner, 5)
    assert (await queue.counts())["pending"] == 1
    [again] = await queue.claim("next-replica")
    assert again.attempts == 1, "a handed-back job does not spend an attempt"


async def _dead(queue: JobQueue, error: str = "boom") -> int:
    """A job that failed its only attempt."""
    [job_id] = await _enqueue(queue, 1, max_attempts=1)
    [job] = await queue.claim("w")
    assert job.id == job_id
    assert await queue.fail(job, error) == "dead"
    return job_id


async def test_requeue_dead_gives_a_full_set_of_attempts_and_leaves_other_states_alone(
    queue: JobQueue,
) -> None:
    dead = await _dead(queue, "boom\nat line 3")
    [done] = await _enqueue(queue, 1)
    await queue.complete((await queue.claim("w"))[0])
    [running_id] = await _enqueue(queue, 1)
    [running] = await queue.claim("w")
    [pending] = await _enqueue(queue, 1)

    async with queue.pool.acquire() as connection, connection.transaction():
        requeued = await queue.requeue_dead(connection, [pending, running_id, done, dead])
    assert [(j.id, j.state, j.attempts, j.last_error) for j in requeued] == [
        (dead, "dead", 1, "boom\nat line 3")
    ], "returned as it was when dead"

    rows = {
        r["id"]: r
        for r in await queue.pool.fetch(
            "SELECT id, state, attempts, last_error, finished_at, claim_token FROM jobs"
        )
    }
    assert rows[dead]["state"] == "pending" and rows[dead]["attempts"] == 0
    assert rows[dead]["finished_at"] is None and rows[dead]["last_error"] == "boom\nat line 3"
    assert [rows[i]["state"] for i in (done, running_id, pending)] == [
        "succeeded",
        "running",
        "pending",
    ]
    assert rows[running_id]["claim_token"] == running.claim_token
    await queue.complete(running)  # its owner still holds the lease

    claimed = {job.id: job for job in await queue.claim("w", limit=5)}
    assert set(claimed) == {dead, pending}
    assert claimed[dead].attempts == 1 and claimed[dead].max_attempts == 1


async def test_a_claim_cannot_take_a_job_mid_requeue_and_a_rollback_keeps_it_dead(
    queue: JobQueue,
) -> None:
    dead = await _dead(queue)
    with pytest.raises(RuntimeError):
        async with queue.pool.acquire() as connection, connection.transaction():
            assert [j.id for j in await queue.requeue_dead(connection, None)] == [dead]
            assert await queue.claim("eager") == [], "uncommitted: still dead to others"
            raise RuntimeError("the record of the retry failed")
    assert await queue.pool.fetchval("SELECT state FROM jobs WHERE id = $1", dead) == "dead"
    assert await queue.claim("w") == []

    async with queue.pool.acquire() as connection, connection.transaction():
        await queue.requeue_dead(connection, [dead])
    assert [job.id for job in await queue.claim("w")] == [dead]


async def test_two_operators_retrying_one_job_requeue_it_once(queue: JobQueue) -> None:
    dead = await _dead(queue)
    async with queue.pool.acquire() as first, queue.pool.acquire() as second:
        first_transaction = first.transaction()
        await first_transaction.start()
        assert len(await queue.requeue_dead(first, [dead])) == 1
        async with second.transaction():
            late = asyncio.create_task(queue.requeue_dead(second, [dead]))
            await asyncio.sleep(0.2)
            assert not late.done(), "the second waits for the first's row lock"
            await first_transaction.commit()
            assert await asyncio.wait_for(late, 5) == [], "then finds the job no longer dead"
    [job] = await queue.claim("w")
    assert job.id == dead and job.attempts == 1


async def test_requeue_wakes_workers_when_it_commits(queue: JobQueue, database_dsn: str) -> None:
    dead = await _dead(queue)
    heard: asyncio.Queue[str] = asyncio.Queue()
    listener = await asyncpg.connect(database_dsn)
    try:
        await listener.add_listener(JOBS_CHANNEL, lambda *args: heard.put_nowait(args[3]))
        async with queue.pool.acquire() as connection, connection.transaction():
            await queue.requeue_dead(connection, [dead])
            await asyncio.sleep(0.1)
            assert heard.empty()
        assert await asyncio.wait_for(heard.get(), 5) == "work"
    finally:
        await listener.close()


async def test_list_jobs_filters_by_state_and_id_newest_first(queue: JobQueue) -> None:
    dead = await _dead(queue, "no such file")
    pending = await _enqueue(queue, 3, kind="other")
    assert [j.id for j in await queue.list_jobs()] == [*reversed(pending), dead]
    assert [j.id for j in await queue.list_jobs(limit=2)] == list(reversed(pending))[:2]
    [only] = await queue.list_jobs(states=["dead"])
    assert (only.id, only.kind, only.attempts, only.max_attempts) == (dead, "work", 1, 1)
    assert only.last_error == "no such file" and only.payload == {"n": 0}
    assert only.created_at <= only.updated_at
    assert [j.id for j in await queue.list_jobs(ids=[pending[0], dead, 10**12])] == [
        pending[0],
        dead,
    ]
    assert await queue.list_jobs(states=["running"]) == []


async def test_a_worker_survives_losing_its_database_connections(database_dsn: str) -> None:
    pool = await create_pool(database_dsn, min_size=1, max_size=2)
    try:
        queue = JobQueue(pool)
        done = asyncio.Event()

        async def work(_context: JobContext) -> None:
            done.set()

        worker = JobWorker(queue, {"survivor": work}, name="survivor", poll_seconds=0.02)
        runner = asyncio.create_task(worker.run())
        await asyncio.sleep(0.1)
        # What a PostgreSQL restart does to a pool: every open connection dies at once.
        admin = await connect(database_dsn)
        try:
            await admin.execute(
                """SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                   WHERE datname = current_database() AND pid <> pg_backend_pid()"""
            )
            async with admin.transaction():
                await queue.enqueue(admin, "survivor", {})
        finally:
            await admin.close()
        await asyncio.wait_for(done.wait(), 10)
        assert not runner.done(), "the worker must keep running after a claim fails"
        worker.stop()
        await asyncio.wait_for(runner, 5)
    finally:
        await pool.close()


@contextlib.contextmanager
def unhandled_errors() -> Iterator[list[dict[str, Any]]]:
    """What reaches the event loop's exception handler ("Task exception was never
    retrieved" and the like) while the block runs."""
    loop = asyncio.get_running_loop()
    seen: list[dict[str, Any]] = []
    previous = loop.get_exception_handler()
    loop.set_exception_handler(lambda _loop, context: seen.append(context))
    try:
        yield seen
        gc.collect()  # an unretrieved task exception is reported when the task is collected
    finally:
        loop.set_exception_handler(previous)


class OutageJob:
    """One job run by a worker whose database connections go through `proxy`."""

    def __init__(self, pool: asyncpg.Pool, proxied: asyncpg.Pool, lease: float) -> None:
        self.pool = pool
        self.queue = JobQueue(proxied, lease=timedelta(seconds=lease), backoff_base=0.01)
        self.runs = 0
        self.started = asyncio.Event()
        self.finish = asyncio.Event()
        self.cancelled = asyncio.Event()
        self.worker = JobWorker(
            self.queue, {"outage": self.work}, name="w", poll_seconds=0.05, heartbeat_seconds=0.2
        )
        self.runner: asyncio.Task[None] | None = None

    async def work(self, _context: JobContext) -> None:
        self.runs += 1
        self.started.set()
        try:
            await self.finish.wait()
        except asyncio.CancelledError:
            self.cancelled.set()
            raise

    async def start(self) -> None:
        await self.pool.execute("TRUNCATE jobs")
        async with self.pool.acquire() as connection:
            await self.queue.enqueue(connection, "outage", {})
        self.runner = asyncio.create_task(self.worker.run())
        await asyncio.wait_for(self.started.wait(), 10)

    async def row(self) -> asyncpg.Record:
        return await self.pool.fetchrow("SELECT state, attempts, lease_until FROM jobs")

    async def wait_state(self, state: str) -> asyncpg.Record:
        for _ in range(300):
            if (row := await self.row())["state"] == state:
                return row
            await asyncio.sleep(0.05)
        raise AssertionError(f"the job never became {state}: {dict(await self.row())}")

    async def stop(self) -> None:
        self.worker.stop()
        assert self.runner is not None
        await asyncio.wait_for(self.runner, 10)


@pytest.fixture
async def proxy(database_dsn: str) -> AsyncIterator[DatabaseProxy]:
    async with DatabaseProxy(database_dsn) as proxy:
        yield proxy


@pytest.fixture
async def proxied(proxy: DatabaseProxy) -> AsyncIterator[asyncpg.Pool]:
    pool = await create_pool(proxy.dsn, min_size=1, max_size=4)
    yield pool
    pool.terminate()


async def test_heartbeats_resume_when_the_database_comes_back(
    pool: asyncpg.Pool, proxy: DatabaseProxy, proxied: asyncpg.Pool
) -> None:
    job = OutageJob(pool, proxied, lease=4)
    with unhandled_errors() as errors:
        await job.start()
        await proxy.cut()
        await asyncio.sleep(1.0)  # heartbeats fail meanwhile; the lease still has time
        await proxy.restore()
        before = (await job.row())["lease_until"]
        for _ in range(100):
            if (await job.row())["lease_until"] > before:
                break
            await asyncio.sleep(0.05)
        else:
            raise AssertionError("the lease is no longer renewed after the outage")
        job.finish.set()
        done = await job.wait_state("succeeded")
        await job.stop()
    assert errors == []
    assert job.runs == 1 and done["attempts"] == 1 and not job.cancelled.is_set()


async def test_a_handler_whose_lease_runs_out_in_an_outage_stops_and_the_job_runs_again(
    pool: asyncpg.Pool, proxy: DatabaseProxy, proxied: asyncpg.Pool
) -> None:
    job = OutageJob(pool, proxied, lease=1.5)
    with unhandled_errors() as errors:
        await job.start()
        await proxy.cut()
        # It can no longer tell whether the job is still its own, so it must stop.
        await asyncio.wait_for(job.cancelled.wait(), 10)
        job.finish.set()
        await proxy.restore()
        done = await job.wait_state("succeeded")
        await job.stop()
    assert errors == []
    assert job.runs == 2 and done["attempts"] == 2


async def test_an_outcome_the_database_missed_is_recorded_once_it_is_back(
    pool: asyncpg.Pool, proxy: DatabaseProxy, proxied: asyncpg.Pool
) -> None:
    job = OutageJob(pool, proxied, lease=6)
    with unhandled_errors() as errors:
        await job.start()
        await proxy.cut()
        job.finish.set()  # the handler is done; completing it fails for now
        await asyncio.sleep(1.0)
        await proxy.restore()
        done = await job.wait_state("succeeded")
        await job.stop()
    assert errors == []
    assert job.runs == 1 and done["attempts"] == 1, "completed, not run again after its lease"
