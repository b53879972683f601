"""A durable job queue in the event store's database.

Jobs are enqueued on the connection of the transaction that appends the events
causing them, so an event never exists without its job nor a job without its event.
Every state change after a claim is fenced by the claim token and the lease: a
worker that lost its lease cannot complete, fail or extend the job any more.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

import asyncpg

from eventstore.errors import LeaseLost

JOBS_CHANNEL = "docsense_jobs"
JOB_STATES = ("pending", "running", "succeeded", "dead")


@dataclass(frozen=True, slots=True)
class Job:
    id: int
    kind: str
    payload: dict[str, Any]
    attempts: int
    max_attempts: int
    claim_token: uuid.UUID
    lease_until: datetime


@dataclass(frozen=True, slots=True)
class JobSummary:
    """A job as an operator sees it; it carries no claim token, so it cannot be used to
    complete or fail the job."""

    id: int
    kind: str
    state: str
    payload: dict[str, Any]
    attempts: int
    max_attempts: int
    last_error: str | None
    created_at: datetime
    updated_at: datetime


_SUMMARY_COLUMNS = (
    "id, kind, state, payload, attempts, max_attempts, last_error, created_at, updated_at"
)


def backoff_delay(
    attempt: int, *, base: float = 2.0, cap: float = 300.0, rng: random.Random | None = None
) -> float:
    """Exponential backoff with full jitter: retries of many jobs do not arrive in step."""
    ceiling = min(cap, base * 2 ** max(attempt - 1, 0))
    return (rng or random).uniform(ceiling / 2, ceiling)


class JobQueue:
    def __init__(
        self,
        pool: asyncpg.Pool,
        *,
        lease: timedelta = timedelta(seconds=60),
        backoff_base: float = 2.0,
        backoff_cap: float = 300.0,
    ) -> None:
        self.pool = pool
        self.lease = lease
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap

    async def enqueue(
        self,
        connection: asyncpg.Connection,
        kind: str,
        payload: dict[str, Any],
        *,
        dedupe_key: str | None = None,
        max_attempts: int = 5,
        delay: timedelta = timedelta(0),
    ) -> int | None:
        """Enqueue in the caller's transaction; None when `dedupe_key` was already used."""
        job_id = await connection.fetchval(
            """INSERT INTO jobs (kind, payload, dedupe_key, max_attempts, run_after)
               VALUES ($1, $2, $3, $4, now() + $5)
               ON CONFLICT (dedupe_key) DO NOTHING
               RETURNING id""",
            kind,
            payload,
            dedupe_key,
            max_attempts,
            delay,
        )
        if job_id is not None:
            await connection.execute("SELECT pg_notify($1, $2)", JOBS_CHANNEL, kind)
        return job_id

    async def claim(
        self, worker: str, *, kinds: list[str] | None = None, limit: int = 1
    ) -> list[Job]:
        """Lease up to `limit` due jobs; concurrent claimers skip each other's rows."""
        async with self.pool.acquire() as connection, connection.transaction():
            await self._expire_leases(connection)
            rows = await connection.fetch(
                """WITH due AS (
                       SELECT id FROM jobs
                       WHERE state = 'pending' AND run_after <= clock_timestamp()
                         AND ($3::text[] IS NULL OR kind = ANY($3))
                       ORDER BY run_after, id
                       LIMIT $2
                       FOR UPDATE SKIP LOCKED)
                   UPDATE jobs SET state = 'running', attempts = jobs.attempts + 1,
                       claim_token = gen_random_uuid(), claimed_by = $1,
                       lease_until = clock_timestamp() + $4, updated_at = now()
                   FROM due WHERE jobs.id = due.id
                   RETURNING jobs.id, kind, payload, attempts, max_attempts,
                             claim_token, lease_until""",
                worker,
                limit,
                kinds,
                self.lease,
            )
        return [Job(**dict(row)) for row in rows]

    async def _expire_leases(self, connection: asyncpg.Connection) -> None:
        """Give jobs of vanished workers back to the queue, or bury them when out of tries."""
        await connection.execute(
            """UPDATE jobs SET
                   state = CASE WHEN attempts >= max_attempts THEN 'dead' ELSE 'pending' END,
                   finished_at = CASE WHEN attempts >= max_attempts THEN now() END,
                   claim_token = NULL, lease_until = NULL, run_after = clock_timestamp(),
                   last_error = 'lease expired (worker stopped or stalled)', updated_at = now()
               WHERE id IN (SELECT id FROM jobs
                            WHERE state = 'running' AND lease_until < clock_timestamp()
                            FOR UPDATE SKIP LOCKED)"""
        )

    async def heartbeat(self, job: Job) -> Job:
        """Extend the lease; raises LeaseLost when it already expired or changed hands."""
        lease_until = await self.pool.fetchval(
            """UPDATE jobs SET lease_until = clock_timestamp() + $3, updated_at = now()
               WHERE id = $1 AND claim_token = $2 AND state = 'running'
                 AND lease_until >= clock_timestamp()
               RETURNING lease_until""",
            job.id,
            job.claim_token,
            self.lease,
        )
        if lease_until is None:
            raise LeaseLost(f"job {job.id} lease lost")
        return replace(job, lease_until=lease_until)

    async def complete(self, job: Job, *, connection: asyncpg.Connection | None = None) -> None:
        """Mark done; pass the connection of the transaction that wrote the job's results
        so results and completion commit together, or neither does."""
        done = await (connection or self.pool).fetchval(
            """UPDATE jobs SET state = 'succeeded', finished_at = now(), lease_until = NULL,
                   updated_at = now()
               WHERE id = $1 AND claim_token = $2 AND state = 'running'
                 AND lease_until >= clock_timestamp()
               RETURNING id""",
            job.id,
            job.claim_token,
        )
        if done is None:
            raise LeaseLost(f"job {job.id} lease lost; its result must not be committed")

    async def fail(self, job: Job, error: str, *, retryable: bool = True) -> str:
        """Schedule a retry with backoff, or dead-letter; returns the new state."""
        dead = not retryable or job.attempts >= job.max_attempts
        delay = timedelta(
            seconds=backoff_delay(job.attempts, base=self.backoff_base, cap=self.backoff_cap)
        )
        state = await self.pool.fetchval(
            """UPDATE jobs SET state = $3, last_error = $4, claim_token = NULL,
                   lease_until = NULL, run_after = clock_timestamp() + $5, updated_at = now(),
                   finished_at = CASE WHEN $3 = 'dead' THEN now() END
               WHERE id = $1 AND claim_token = $2 AND state = 'running'
                 AND lease_until >= clock_timestamp()
               RETURNING state""",
            job.id,
            job.claim_token,
            "dead" if dead else "pending",
            error[:2000],
            delay,
        )
        if state is None:
            raise LeaseLost(f"job {job.id} lease lost")
        return state

    async def release(self, job: Job) -> None:
        """Hand a job back untouched (shutdown): the attempt does not count."""
        await self.pool.execute(
            """UPDATE jobs SET state = 'pending', attempts = attempts - 1, claim_token = NULL,
                   lease_until = NULL, run_after = clock_timestamp(), updated_at = now()
               WHERE id = $1 AND claim_token = $2 AND state = 'running'""",
            job.id,
            job.claim_token,
        )

    async def counts(self) -> dict[str, int]:
        rows = await self.pool.fetch("SELECT state, count(*) AS n FROM jobs GROUP BY state")
        found = {row["state"]: row["n"] for row in rows}
        return {state: found.get(state, 0) for state in JOB_STATES}

    async def oldest_pending_age(self) -> dict[str, float]:
        """Seconds the longest-waiting due job of each kind has waited since it became due
        (a retry waits from its backoff's end); kinds with nothing due are left out. A
        queue nobody drains shows here long before its pending count looks unusual."""
        rows = await self.pool.fetch(
            """SELECT kind, extract(epoch FROM clock_timestamp() - min(run_after)) AS age
               FROM jobs WHERE state = 'pending' AND run_after <= clock_timestamp()
               GROUP BY kind"""
        )
        return {row["kind"]: float(row["age"]) for row in rows}

    async def list_jobs(
        self,
        *,
        states: Sequence[str] | None = None,
        ids: Sequence[int] | None = None,
        limit: int | None = 50,
        connection: asyncpg.Connection | None = None,
    ) -> list[JobSummary]:
        """Jobs for operators, newest first; None means no filter (or no limit)."""
        rows = await (connection or self.pool).fetch(
            f"""SELECT {_SUMMARY_COLUMNS} FROM jobs
                WHERE ($1::text[] IS NULL OR state = ANY($1))
                  AND ($2::bigint[] IS NULL OR id = ANY($2))
                ORDER BY id DESC LIMIT $3""",
            states,
            ids,
            limit,
        )
        return [JobSummary(**dict(row)) for row in rows]

    async def requeue_dead(
        self, connection: asyncpg.Connection, ids: Sequence[int] | None
    ) -> list[JobSummary]:
        """Give dead jobs (all of them when `ids` is None) a full set of attempts again, in
        the caller's transaction so the record of who retried them commits with it. Jobs in
        any other state are left alone: the caller compares what it asked for with what
        came back. Returns the jobs as they were when dead (attempts spent, last error),
        oldest first; `last_error` is kept until a new attempt fails."""
        rows = await connection.fetch(
            f"""WITH dead AS (
                    SELECT {_SUMMARY_COLUMNS} FROM jobs
                    WHERE state = 'dead' AND ($1::bigint[] IS NULL OR id = ANY($1))
                    ORDER BY id
                    FOR UPDATE)
                UPDATE jobs SET state = 'pending', attempts = 0, run_after = clock_timestamp(),
                    finished_at = NULL, claim_token = NULL, lease_until = NULL,
                    updated_at = now()
                FROM dead WHERE jobs.id = dead.id
                RETURNING dead.*""",
            ids,
        )
        for kind in sorted({row["kind"] for row in rows}):
            await connection.execute("SELECT pg_notify($1, $2)", JOBS_CHANNEL, kind)
        return sorted((JobSummary(**dict(row)) for row in rows), key=lambda job: job.id)
