"""LISTEN/NOTIFY as asyncio events, so followers wake at once but never depend on it.

A notification can be lost (connection drop, server restart); every follower
therefore also polls, and this only shortens the wait. The listening connection is
watched: when it drops, or stops answering a ping (a network that went silent), it is
replaced with backoff for as long as it takes, and every follower is woken once it is
back, because whatever was notified meanwhile never arrived.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterable

import asyncpg
import structlog

from eventstore.database import connect

log = structlog.get_logger(__name__)

PING_SECONDS = 10.0
PING_TIMEOUT_SECONDS = 5.0
RECONNECT_MAX_SECONDS = 5.0


class Listener:
    def __init__(
        self,
        dsn: str,
        channels: Iterable[str],
        *,
        ping_seconds: float = PING_SECONDS,
        ping_timeout: float = PING_TIMEOUT_SECONDS,
        reconnect_max_seconds: float = RECONNECT_MAX_SECONDS,
    ) -> None:
        self.dsn = dsn
        self.events = {channel: asyncio.Event() for channel in channels}
        self.ping_seconds = ping_seconds
        self.ping_timeout = ping_timeout
        self.reconnect_max_seconds = reconnect_max_seconds
        self.reconnects = 0
        self._connection: asyncpg.Connection | None = None
        self._lost = asyncio.Event()
        self._watcher: asyncio.Task[None] | None = None

    def wake_event(self, channel: str) -> asyncio.Event:
        return self.events[channel]

    @property
    def connected(self) -> bool:
        return self._connection is not None and not self._connection.is_closed()

    @property
    def watching(self) -> bool:
        """False once the watcher has stopped: the listener then never reconnects."""
        return self._watcher is not None and not self._watcher.done()

    async def start(self) -> None:
        """Connect (a failure here is the caller's: the server is not there at start-up),
        then keep the connection alive in the background."""
        await self._connect()
        self._watcher = asyncio.create_task(self._watch(), name="listener")

    async def _connect(self) -> None:
        connection = await connect(self.dsn)
        try:
            connection.add_termination_listener(self._terminated)
            for channel in self.events:
                await connection.add_listener(channel, self._notified)
        except BaseException:
            connection.terminate()
            raise
        self._lost.clear()
        self._connection = connection

    def _notified(self, _connection: object, _pid: int, channel: str, _payload: str) -> None:
        self.events[channel].set()

    def _terminated(self, connection: asyncpg.Connection) -> None:
        if connection is self._connection:
            self._lost.set()

    async def _watch(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._lost.wait(), self.ping_seconds)
            if not self._lost.is_set() and await self._answers():
                continue
            await self._reconnect()

    async def _answers(self) -> bool:
        assert self._connection is not None
        try:
            await asyncio.wait_for(self._connection.fetchval("SELECT 1"), self.ping_timeout)
        except Exception as error:
            log.warning("listener.ping_failed", kind=type(error).__name__)
            return False
        return True

    async def _reconnect(self) -> None:
        lost, self._connection = self._connection, None
        if lost is not None:
            lost.terminate()
        log.warning("listener.connection_lost")
        delay = 0.2
        while True:
            try:
                await self._connect()
                break
            except Exception as error:
                log.info("listener.reconnect_failed", kind=type(error).__name__)
                await asyncio.sleep(delay)
                delay = min(delay * 2, self.reconnect_max_seconds)
        self.reconnects += 1
        log.info("listener.reconnected", reconnects=self.reconnects)
        for event in self.events.values():
            event.set()

    async def stop(self) -> None:
        if self._watcher is not None:
            self._watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watcher
            self._watcher = None
        if self._connection is not None:
            connection, self._connection = self._connection, None
            try:
                await asyncio.wait_for(connection.close(), self.ping_timeout)
            except Exception:  # a server that is gone cannot be told goodbye
                connection.terminate()
