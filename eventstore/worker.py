"""Runs queued jobs: claims, heartbeats while a handler works, then completes or retries.

A handler gets a `JobContext`. It should call `context.complete(connection)` inside the
transaction that stores its results, so results and completion commit together; if it
returns without doing so the worker completes the job. `PermanentJobError` marks a
failure that retrying cannot fix (straight to dead letter); any other exception is
retried with backoff.

The database may go away at any moment. A failed heartbeat is retried until the lease
would have run out, and a handler whose lease is lost is cancelled, since another worker
may run the job now. An outcome that cannot be recorded is retried while the lease
lasts, then left to the lease: it lapses and the job runs again elsewhere, which is why
handlers are idempotent.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import TypeVar

import asyncpg
import structlog

from eventstore.errors import LeaseLost
from eventstore.jobs import Job, JobQueue

log = structlog.get_logger(__name__)
T = TypeVar("T")


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
            claimed_at = time.monotonic()
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
            lease = _Lease(self.queue.lease.total_seconds(), claimed_at)
            task = asyncio.create_task(self._run_one(jobs[0], lease))
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

    async def _run_one(self, job: Job, lease: _Lease) -> None:
        """Run the handler while the lease is kept, then record the outcome. Nothing raises
        out of here but cancellation: a failure to record is left to the lease, which
        runs out and gives the job to another worker (handlers are idempotent)."""
        bound = log.bind(job_id=job.id, kind=job.kind, attempt=job.attempts)
        context = JobContext(job, self.queue)
        started = time.perf_counter()
        work = asyncio.create_task(self.handlers[job.kind](context))
        keeper = asyncio.create_task(self._keep_lease(job, lease, bound))
        try:
            await asyncio.wait({work, keeper}, return_when=asyncio.FIRST_COMPLETED)
            if not work.done():
                # Taken over, or not renewed in time: the job may be another worker's now,
                # so this one must stop before it does anything more.
                await _finish(work)
                bound.warning("job.lease_lost", during="handler")
                return
            await self._settle(job, context, work, lease, bound)
        except asyncio.CancelledError:
            await _finish(work)
            with contextlib.suppress(Exception):
                await asyncio.shield(self.queue.release(job))
            bound.info("job.released")
            raise
        finally:
            await _finish(keeper)
            if self.on_finished is not None:
                self.on_finished(job, time.perf_counter() - started)

    async def _settle(
        self,
        job: Job,
        context: JobContext,
        work: asyncio.Task[None],
        lease: _Lease,
        bound: structlog.BoundLogger,
    ) -> None:
        error = work.exception()
        if error is None:
            if not context.completed:
                completed, _ = await self._record(context.complete, "complete", lease, bound)
                if not completed:
                    return
            bound.info("job.succeeded")
            return
        if isinstance(error, LeaseLost):
            bound.warning("job.lease_lost", during="commit")
            return
        permanent = isinstance(error, PermanentJobError)
        message = str(error) if permanent else f"{type(error).__name__}: {error}"
        if self.on_failed is not None:
            self.on_failed(job)
        failed, state = await self._record(
            lambda: self.queue.fail(job, message, retryable=not permanent), "fail", lease, bound
        )
        if failed:
            bound.warning("job.failed", error=message, state=state)

    async def _record(
        self,
        write: Callable[[], Awaitable[T]],
        what: str,
        lease: _Lease,
        bound: structlog.BoundLogger,
    ) -> tuple[bool, T | None]:
        """`write` the outcome, retried while the lease lasts (the database may be back in a
        moment): whether it was written, and what `write` returned."""
        delay = 0.2
        while True:
            try:
                result = await write()
            except LeaseLost:
                bound.warning("job.lease_lost", during=what)
                return False, None
            except Exception as error:
                if lease.remaining() <= 0:
                    bound.warning("job.unrecorded", outcome=what, error=type(error).__name__)
                    return False, None
                await asyncio.sleep(min(delay, lease.remaining()))
                delay = min(delay * 2, 2.0)
                continue
            return True, result

    async def _keep_lease(self, job: Job, lease: _Lease, bound: structlog.BoundLogger) -> None:
        """Heartbeat until the lease is lost: taken over, or not renewed before it ran out.
        A failed heartbeat (the database restarting) is retried every second meanwhile."""
        interval = self.heartbeat_seconds
        while True:
            await asyncio.sleep(interval)
            sent = time.monotonic()
            try:
                job = await self.queue.heartbeat(job)
            except LeaseLost:
                return
            except Exception as error:
                bound.warning("job.heartbeat_failed", error=type(error).__name__)
                if lease.remaining() <= 0:
                    return
                interval = min(1.0, self.heartbeat_seconds)
                continue
            lease.renewed(sent)
            interval = self.heartbeat_seconds


class _Lease:
    """The worker's own view of its lease, on its own clock and on the safe side: counted
    from before the claim or renewal was sent, so it ends no later than the server's."""

    def __init__(self, seconds: float, claimed_at: float) -> None:
        self.seconds = seconds
        self.until = claimed_at + seconds

    def renewed(self, sent: float) -> None:
        self.until = sent + self.seconds

    def remaining(self) -> float:
        return self.until - time.monotonic()


async def _finish(task: asyncio.Task[None]) -> None:
    """Cancel `task` if it still runs, wait for it, and consume its outcome."""
    task.cancel()
    await asyncio.wait([task])
    if not task.cancelled():
        task.exception()
