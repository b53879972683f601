"""Group commit: appends that arrive while one is in flight share the next database call.

Appends are serialized by a global lock and every commit waits for its WAL flush, so
the store's throughput is bounded by commits per second. Coalescing concurrent
appends into one call (one lock hold, one flush) lifts that bound without weakening
any per-stream guarantee: each request is still checked and answered on its own.

The flusher keeps its connection for a moment after the queue drains, so a writer
appending in a loop does not pay for a pool checkout and a new task on every append.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Sized
from contextlib import AbstractAsyncContextManager
from typing import Generic, TypeVar

Request = TypeVar("Request", bound=Sized)
Outcome = TypeVar("Outcome")
Connection = TypeVar("Connection")


class GroupCommit(Generic[Connection, Request, Outcome]):
    def __init__(
        self,
        acquire: Callable[[], AbstractAsyncContextManager[Connection]],
        execute: Callable[[Connection, list[Request]], Awaitable[list[Outcome]]],
        *,
        max_items: int = 2000,
        linger_seconds: float = 0.002,
    ) -> None:
        self._acquire = acquire
        self._execute = execute
        self._max_items = max_items
        self._linger = linger_seconds
        self._queue: list[tuple[Request, asyncio.Future[Outcome]]] = []
        self._arrived = asyncio.Event()
        self._flusher: asyncio.Task[None] | None = None

    async def submit(self, request: Request) -> Outcome:
        future: asyncio.Future[Outcome] = asyncio.get_running_loop().create_future()
        self._queue.append((request, future))
        self._arrived.set()
        if self._flusher is None:
            self._flusher = asyncio.create_task(self._flush())
        return await future

    def _take(self) -> list[tuple[Request, asyncio.Future[Outcome]]]:
        taken, size = [], 0
        while self._queue and (not taken or size + len(self._queue[0][0]) <= self._max_items):
            item = self._queue.pop(0)
            taken.append(item)
            size += len(item[0])
        return taken

    async def _flush(self) -> None:
        group: list[tuple[Request, asyncio.Future[Outcome]]] = []
        try:
            async with self._acquire() as connection:
                while True:
                    while self._queue:
                        group = self._take()
                        await self._run(connection, group)
                        group = []
                    self._arrived.clear()
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._arrived.wait(), self._linger)
                    if not self._queue:
                        # Decided before releasing the connection (an await), so a request
                        # arriving during the release starts a new flusher.
                        self._flusher = None
                        return
        except BaseException as error:
            # No connection, or cancelled at shutdown: nobody may wait forever.
            self._flusher = None
            for _, future in [*group, *self._queue]:
                if not future.done():
                    future.set_exception(error)
            self._queue.clear()
            if not isinstance(error, Exception):
                raise

    async def _run(
        self, connection: Connection, group: list[tuple[Request, asyncio.Future[Outcome]]]
    ) -> None:
        try:
            outcomes = await self._execute(connection, [request for request, _ in group])
        except Exception as error:
            if len(group) == 1:
                if not group[0][1].done():
                    group[0][1].set_exception(error)
                return
            # One request spoiled the shared call: answer each on its own.
            for item in group:
                await self._run(connection, [item])
            return
        for (_, future), outcome in zip(group, outcomes, strict=True):
            if not future.done():
                future.set_result(outcome)
