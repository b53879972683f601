"""Run `ingest` in worker processes so parsing a long PDF never blocks the event loop.

Processes rather than threads because structure, semantics and review are pure Python
and hold the GIL. Workers are spawned, not forked: forking a process that runs an event
loop and threads can copy held locks into the child. Each worker runs one job at a time,
so PDFium, which is not thread-safe, never sees two documents at once there.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import threading
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
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


async def ingest_in_worker(
    data: bytes, filename: str, media_type: str | None = None, *, max_bytes: int
) -> DocumentIR:
    """`ingest` in a worker process; `IngestRefused` is re-raised here unchanged."""
    return await run_in_worker(partial(ingest, data, filename, media_type, max_bytes=max_bytes))


async def run_in_worker(job: Callable[[], T]) -> T:
    """A picklable CPU-bound job in the worker pool, so it never holds this process's GIL
    (a thread would: every event-loop wake-up would then wait for it).

    If a worker dies (for example killed for memory), the pool is discarded so the
    next job gets a fresh one, and `BrokenProcessPool` propagates.
    """
    pool = _get_pool()
    try:
        return await asyncio.get_running_loop().run_in_executor(pool, job)
    except BrokenProcessPool:
        _discard(pool)
        raise


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
