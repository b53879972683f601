"""The job queue against real PostgreSQL: leases, fencing, retries, dead letters."""

from __future__ import annotations

import asyncio
import random
import uuid
from datetime import timedelta

import asyncpg
import pytest

from eventstore import EventStore, JobQueue, LeaseLost, NewEvent
from eventstore.jobs import backoff_delay
from eventstore.worker import JobContext, JobWorker, PermanentJobError


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
