"""Run `ingest` in worker processes so parsing a long PDF never blocks the event loop.

Processes rather than threads because structure, semantics and review are pure Python
and hold the GIL. Workers are spawned, not forked: forking a process that runs an event
loop and threads can copy held locks into the child. Each worker runs one job at a time,
so PDFium, which is not thread-safe, never sees two documents at once there.

A hostile file must cost one refusal, never the service: each job runs under a CPU-time
and an address-space limit set by the kernel (`WorkerLimits`), which stop a runaway parse
even inside PDFium's C code. A worker killed for its CPU time, or aborted by PDFium when
an allocation fails, breaks the whole pool, so every job that was running in it is retried
once, alone, in a fresh single-worker pool: a bystander then succeeds, and only the job
that breaks its own worker too is refused (`WorkerLimitExceeded`).
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import resource
import threading
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from functools import partial
from typing import TypeVar

from domain.ingest.core import ingest
from domain.ir import DocumentIR

MAX_WORKERS = 2
# Recycle workers now and then: CPython rarely returns a big parse's memory to the OS.
MAX_TASKS_PER_WORKER = 20
WORKER_NICENESS = 10

T = TypeVar("T")

_pool: ProcessPoolExecutor | None = None
_pool_lock = threading.Lock()


@dataclass(frozen=True, slots=True)
class WorkerLimits:
    """What one job may use: CPU seconds, and bytes of address space (None: no limit).
    Address space rather than resident memory because it is what the kernel can cap; a
    worker maps far less than it may allocate (about 70 MB after imports)."""

    cpu_seconds: int = 300
    memory_bytes: int | None = 1536 * 1024 * 1024


class WorkerLimitExceeded(Exception):
    """A job ran out of CPU time or memory, or crashed its worker, even running alone."""

    def __init__(self, limits: WorkerLimits) -> None:
        super().__init__(f"job exceeded {limits}")
        self.limits = limits


async def ingest_in_worker(
    data: bytes, filename: str, media_type: str | None = None, *, max_bytes: int
) -> DocumentIR:
    """`ingest` in a worker process; `IngestRefused` is re-raised here unchanged."""
    return await run_in_worker(partial(ingest, data, filename, media_type, max_bytes=max_bytes))


async def run_in_worker(job: Callable[[], T], limits: WorkerLimits | None = None) -> T:
    """A picklable CPU-bound job in the worker pool, so it never holds this process's GIL
    (a thread would: every event-loop wake-up would then wait for it).

    Raises `WorkerLimitExceeded` when the job exhausts `limits` (default `WorkerLimits()`).
    """
    limits = limits or WorkerLimits()
    limited = partial(_run_limited, job, limits)
    pool = _get_pool()
    try:
        return await asyncio.get_running_loop().run_in_executor(pool, limited)
    except BrokenProcessPool:
        _discard(pool)
    except MemoryError as error:
        raise WorkerLimitExceeded(limits) from error
    return await _run_alone(limited, limits)


async def _run_alone(limited: Callable[[], T], limits: WorkerLimits) -> T:
    """A job whose pool broke, retried in a worker of its own, so that a second break
    cannot be another job's doing."""
    pool = ProcessPoolExecutor(
        max_workers=1,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_yield_to_the_bot,
    )
    try:
        return await asyncio.get_running_loop().run_in_executor(pool, limited)
    except (BrokenProcessPool, MemoryError) as error:
        raise WorkerLimitExceeded(limits) from error
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


def _run_limited(job: Callable[[], T], limits: WorkerLimits) -> T:
    """Runs in the worker: its CPU allowance counts from the time used so far (a worker
    serves many jobs), and a worker killed for it leaves no core file behind."""
    used = resource.getrusage(resource.RUSAGE_SELF)
    spent = int(used.ru_utime + used.ru_stime) + 1
    _lower(resource.RLIMIT_CPU, spent + limits.cpu_seconds)
    _lower(resource.RLIMIT_CORE, 0)
    _lower(resource.RLIMIT_AS, limits.memory_bytes)
    return job()


def _lower(kind: int, soft: int | None) -> None:
    """Sets the soft limit, never above the hard one the process was started with."""
    _, hard = resource.getrlimit(kind)
    wanted = resource.RLIM_INFINITY if soft is None else soft
    if hard != resource.RLIM_INFINITY and (wanted == resource.RLIM_INFINITY or wanted > hard):
        wanted = hard
    resource.setrlimit(kind, (wanted, hard))


def shutdown_ingest_pool(*, wait: bool = True) -> None:
    """Stop the workers (on bot shutdown, or between tests); a later call starts new ones."""
    global _pool
    with _pool_lock:
        pool, _pool = _pool, None
    if pool is not None:
        pool.shutdown(wait=wait, cancel_futures=True)


def _get_pool() -> ProcessPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ProcessPoolExecutor(
                max_workers=MAX_WORKERS,
                mp_context=multiprocessing.get_context("spawn"),
                max_tasks_per_child=MAX_TASKS_PER_WORKER,
                initializer=_yield_to_the_bot,
            )
        return _pool


def _yield_to_the_bot() -> None:
    """Workers run at a lower CPU priority: when cores are scarce, acknowledging Slack
    within its deadline matters more than finishing a parse a few milliseconds sooner."""
    os.nice(WORKER_NICENESS)


def _discard(pool: ProcessPoolExecutor) -> None:
    global _pool
    with _pool_lock:
        if _pool is pool:
            _pool = None
    pool.shutdown(wait=False, cancel_futures=True)
