"""Runs queued jobs: claims, heartbeats while a handler works, then completes or retries.

A handler gets a `JobContext`. It should call `context.complete(connection)` inside the
transaction that stores its results, so results and completion commit together; if it
returns without doing so the worker completes the job. `PermanentJobError` marks a
failure that retrying cannot fix (straight to dead letter); any other exception is
retried with backoff.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

import asyncpg
import structlog

from eventstore.errors import LeaseLost
from eventstore.jobs import Job, JobQueue

log = structlog.get_logger(__name__)


@dataclass(slots=True)
class JobContext:
    job: Job
    queue: JobQueue
    completed: bool = False

    async def complete(self, connection: asyncpg.Connection | None = None) -> None:
        await self.queue.complete(self.job, connection=connection)
        self.completed = True


Handler = Callable[[JobContext], Awaitable[None]]


class PermanentJobError(Exception):
    """A job failure that a retry cannot fix (bad input, a bug reproduced every time)."""


class JobWorker:
    def __init__(
        self,
        queue: JobQueue,
        handlers: Mapping[str, Handler],
        *,
        name: str,
        concurrency: int = 2,
        poll_seconds: float = 2.0,
        heartbeat_seconds: float | None = None,
        wake: asyncio.Event | None = None,
        on_finished: Callable[[Job, float], None] | None = None,
        on_failed: Callable[[Job], None] | None = None,
        on_claim_failed: Callable[[], None] | None = None,
        grace_seconds: float | None = None,
    ) -> None:
        self.queue = queue
        self.handlers = dict(handlers)
        self.name = name
        self.concurrency = concurrency
        self.poll_seconds = poll_seconds
        self.heartbeat_seconds = heartbeat_seconds or queue.lease.total_seconds() / 3
        self.wake = wake or asyncio.Event()
        self.on_finished = on_finished
        self.on_failed = on_failed
        self.on_claim_failed = on_claim_failed
        self.grace_seconds = grace_seconds
        self._stopping = asyncio.Event()
        self._running: set[asyncio.Task[None]] = set()

    async def run(self) -> None:
        """Claim and run jobs until `stop()`; then give running jobs `grace_seconds` to
        finish, and hand the rest back to the queue (another replica takes them over at
        once, without waiting for the lease to lapse)."""
        slots = asyncio.Semaphore(self.concurrency)
        while not self._stopping.is_set():
            self.wake.clear()
            await slots.acquire()
            try:
                jobs = await self.queue.claim(self.name, kinds=list(self.handlers), limit=1)
            except Exception as error:
                # The database is restarting or unreachable (or worse): wait and claim
                # again; a worker that died here would leave this replica taking no jobs.
                log.warning("worker.claim_failed", kind=type(error).__name__, error=str(error))
                if self.on_claim_failed is not None:
                    self.on_claim_failed()
                jobs = []
            if not jobs:
                slots.release()
                await self._sleep()
                continue
            task = asyncio.create_task(self._run_one(jobs[0]))
            self._running.add(task)
            task.add_done_callback(lambda t: (self._running.discard(t), slots.release()))
        if not self._running:
            return
        _, unfinished = await asyncio.wait(self._running, timeout=self.grace_seconds)
        for task in unfinished:
            task.cancel()
        if unfinished:
            await asyncio.wait(unfinished)

    def stop(self) -> None:
        self._stopping.set()
        self.wake.set()

    async def _sleep(self) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.wake.wait(), timeout=self.poll_seconds)

    async def _run_one(self, job: Job) -> None:
        bound = log.bind(job_id=job.id, kind=job.kind, attempt=job.attempts)
        heartbeat = asyncio.create_task(self._heartbeat(job))
        context = JobContext(job, self.queue)
        started = time.perf_counter()
        try:
            await self.handlers[job.kind](context)
            if not context.completed:
                await context.complete()
        except asyncio.CancelledError:
            with contextlib.suppress(Exception):
                await asyncio.shield(self.queue.release(job))
            bound.info("job.released")
            raise
        except LeaseLost:
            bound.warning("job.lease_lost")
        except PermanentJobError as error:
            await self._fail(job, str(error), retryable=False, log=bound)
        except Exception as error:
            await self._fail(job, f"{type(error).__name__}: {error}", retryable=True, log=bound)
        else:
            bound.info("job.succeeded")
        finally:
            heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await heartbeat
            if self.on_finished is not None:
                self.on_finished(job, time.perf_counter() - started)

    async def _fail(
        self, job: Job, error: str, *, retryable: bool, log: structlog.BoundLogger
    ) -> None:
        if self.on_failed is not None:
            self.on_failed(job)
        try:
            state = await self.queue.fail(job, error, retryable=retryable)
        except LeaseLost:
            log.warning("job.lease_lost")
            return
        log.warning("job.failed", error=error, state=state)

    async def _heartbeat(self, job: Job) -> None:
        while True:
            await asyncio.sleep(self.heartbeat_seconds)
            job = await self.queue.heartbeat(job)
