"""`docsense jobs`: dead letters listed, retried by a named operator, then run to the end
by a real worker; real processes against a real database."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

import asyncpg
import pytest

from domain.operations import OPERATIONS_STREAM
from domain.service import REVIEW_JOB
from eventstore import EventStore, JobQueue
from eventstore.worker import Handler, JobContext, JobWorker, PermanentJobError
from tests.bot.test_cli import EXAMPLES, _run

WIDE = {"COLUMNS": "200"}  # rich tables keep whole cells on one line
GONE = "Slack file F0123 is gone (file_not_found)"


@pytest.fixture(scope="module")
async def document(database_dsn: str, pool: asyncpg.Pool) -> uuid.UUID:
    reviewed = _run(database_dsn, "review", str(EXAMPLES / "momentum_strategy.md"))
    assert reviewed.returncode == 0, reviewed.stderr
    return await pool.fetchval("SELECT id FROM documents WHERE filename = 'momentum_strategy.md'")


@pytest.fixture
async def queue(pool: asyncpg.Pool) -> JobQueue:
    await pool.execute("TRUNCATE jobs")
    return JobQueue(pool, backoff_base=0.01, backoff_cap=0.05)


async def _enqueue(queue: JobQueue, payload: dict[str, Any], kind: str = REVIEW_JOB) -> int:
    async with queue.pool.acquire() as connection, connection.transaction():
        job_id = await queue.enqueue(connection, kind, payload, max_attempts=2)
    assert job_id is not None
    return job_id


async def _work(queue: JobQueue, handlers: dict[str, Handler], job_id: int) -> str:
    """Run a real worker until the job succeeded or died; its final state."""
    worker = JobWorker(queue, handlers, name="test-worker", poll_seconds=0.02)
    runner = asyncio.create_task(worker.run())
    try:
        for _ in range(500):
            state = await queue.pool.fetchval("SELECT state FROM jobs WHERE id = $1", job_id)
            if state in ("succeeded", "dead"):
                return state
            await asyncio.sleep(0.02)
        raise AssertionError(f"job {job_id} is still {state}")
    finally:
        worker.stop()
        await asyncio.wait_for(runner, 5)


async def _gone(context: JobContext) -> None:
    raise PermanentJobError(GONE)


async def _dead_letter(queue: JobQueue, payload: dict[str, Any], kind: str = REVIEW_JOB) -> int:
    job_id = await _enqueue(queue, payload, kind)
    assert await _work(queue, {kind: _gone}, job_id) == "dead"
    return job_id


async def _retried_events(pool: asyncpg.Pool) -> list[asyncpg.Record]:
    return await pool.fetch(
        "SELECT stream_id, data, metadata FROM events WHERE type = 'JobRetried' ORDER BY position"
    )


async def _jobs(pool: asyncpg.Pool) -> list[tuple[int, str, int]]:
    rows = await pool.fetch("SELECT id, state, attempts FROM jobs ORDER BY id")
    return [(r["id"], r["state"], r["attempts"]) for r in rows]


async def test_a_dead_review_is_listed_retried_by_its_operator_and_then_completes(
    database_dsn: str, document: uuid.UUID, queue: JobQueue, store: EventStore
) -> None:
    job_id = await _dead_letter(queue, {"document_id": str(document)})

    listing = _run(database_dsn, "jobs", **WIDE)
    assert listing.returncode == 0, listing.stderr
    [line] = [line for line in listing.stdout.splitlines() if f"│ {job_id} " in line]
    for cell in ("review-document", "dead", "momentum_strategy.md", "1/2"):
        assert cell in line
    assert f"\n  {job_id}  {GONE}\n" in listing.stdout, "its error, on a line of its own"
    dead = _run(database_dsn, "jobs", "--state", "dead", "-f", "json")
    [row] = [json.loads(line) for line in dead.stdout.splitlines()]
    assert (row["id"], row["state"], row["attempts"], row["max_attempts"]) == (job_id, "dead", 1, 2)
    assert (row["document_id"], row["filename"]) == (str(document), "momentum_strategy.md")
    assert row["last_error"] == GONE

    retry = _run(database_dsn, "jobs", "retry", str(job_id), LOGNAME="ops-alice", USER="ops-alice")
    assert retry.returncode == 0, retry.stderr
    assert retry.stdout.startswith(f"Retried job {job_id} (review-document) as ops-alice")
    assert await _jobs(queue.pool) == [(job_id, "pending", 0)]
    [recorded] = (await store.read_stream(f"document-{document}"))[-1:]
    assert recorded.type == "JobRetried" and recorded.metadata["actor"] == "ops-alice"
    assert recorded.data == {
        "job_id": job_id,
        "kind": REVIEW_JOB,
        "attempts": 1,
        "last_error": GONE,
    }

    reviewed: list[str] = []

    async def review(context: JobContext) -> None:
        reviewed.append(context.job.payload["document_id"])

    assert await _work(queue, {REVIEW_JOB: review}, job_id) == "succeeded"
    assert reviewed == [str(document)]

    timeline = _run(database_dsn, "history", "momentum_strategy.md", **WIDE)
    assert timeline.returncode == 0, timeline.stderr
    [line] = [line for line in timeline.stdout.splitlines() if "JobRetried" in line]
    assert "ops-alice" in line and f"job {job_id} (review-document) after 1 attempt: {GONE}" in line


async def test_all_dead_retries_every_dead_job_in_its_document_or_operations_stream(
    database_dsn: str, document: uuid.UUID, queue: JobQueue, store: EventStore
) -> None:
    in_document = await _dead_letter(queue, {"document_id": str(document)})
    unknown_document = uuid.uuid4()
    in_nothing = await _dead_letter(queue, {"document_id": str(unknown_document)})
    no_document = await _dead_letter(queue, {}, kind="cleanup")
    pending = await _enqueue(queue, {})
    before = len(await _retried_events(queue.pool))

    retry = _run(database_dsn, "jobs", "retry", "--all-dead", "--actor", "Bob Ops")
    assert retry.returncode == 0, retry.stderr
    assert len(retry.stdout.splitlines()) == 3
    assert await _jobs(queue.pool) == [
        (in_document, "pending", 0),
        (in_nothing, "pending", 0),
        (no_document, "pending", 0),
        (pending, "pending", 0),
    ]
    events = (await _retried_events(queue.pool))[before:]
    assert [(e["stream_id"], e["data"]["job_id"]) for e in events] == [
        (f"document-{document}", in_document),
        (OPERATIONS_STREAM, in_nothing),
        (OPERATIONS_STREAM, no_document),
    ]
    assert {e["metadata"]["actor"] for e in events} == {"Bob Ops"}
    assert await store.stream_version(f"document-{unknown_document}") == 0

    again = _run(database_dsn, "jobs", "retry", "--all-dead")
    assert (again.returncode, again.stdout.strip()) == (0, "No dead jobs to retry.")
    status = _run(database_dsn, "status")  # the projection takes the new events in its stride
    assert status.returncode == 0, status.stderr


async def test_retrying_what_is_not_a_dead_letter_is_one_line_exit_2_and_changes_nothing(
    database_dsn: str, document: uuid.UUID, queue: JobQueue
) -> None:
    dead = await _dead_letter(queue, {"document_id": str(document)})
    done = await _enqueue(queue, {})
    assert await _work(queue, {REVIEW_JOB: lambda context: asyncio.sleep(0)}, done) == "succeeded"
    running = await _enqueue(queue, {})
    [claimed] = await queue.claim("busy-worker")
    assert claimed.id == running
    pending = await _enqueue(queue, {})
    missing = pending + 1000
    jobs_before, events_before = await _jobs(queue.pool), await _retried_events(queue.pool)

    cases = [
        (
            [str(pending)],
            f"Only dead jobs can be retried: job {pending} is pending. Nothing was changed.",
        ),
        (
            [str(dead), str(done), str(running), str(missing)],
            f"Only dead jobs can be retried: job {done} has succeeded; job {running} is "
            f"running; there is no job {missing}. Nothing was changed.",
        ),
        ([], "Give the ids of dead jobs to retry, or --all-dead (not both)."),
        (
            [str(dead), "--all-dead"],
            "Give the ids of dead jobs to retry, or --all-dead (not both).",
        ),
        ([str(dead), "--actor", " "], "--actor needs a name."),
    ]
    for args, message in cases:
        result = _run(database_dsn, "jobs", "retry", *args)
        assert result.returncode == 2, (args, result.stderr)
        assert result.stderr == f"docsense: {message}\n"
        assert result.stdout == ""
    assert await _jobs(queue.pool) == jobs_before
    assert await _retried_events(queue.pool) == events_before

    typo = _run(database_dsn, "jobs", "retry", "twelve")
    assert typo.returncode == 2 and "Traceback" not in typo.stderr

    listed = _run(database_dsn, "jobs", "-f", "json")
    assert [json.loads(line)["id"] for line in listed.stdout.splitlines()] == [
        pending,
        running,
        dead,
    ], "newest first, without the succeeded job"
