"""LISTEN/NOTIFY as asyncio events, so followers wake at once but never depend on it.

A notification can be lost (connection drop, server restart); every follower
therefore also polls, and this only shortens the wait.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

import asyncpg


class Listener:
    def __init__(self, dsn: str, channels: Iterable[str]) -> None:
        self.dsn = dsn
        self.events = {channel: asyncio.Event() for channel in channels}
        self._connection: asyncpg.Connection | None = None

    def wake_event(self, channel: str) -> asyncio.Event:
        return self.events[channel]

    async def start(self) -> None:
        self._connection = await asyncpg.connect(self.dsn)
        for channel in self.events:
            await self._connection.add_listener(channel, self._notified)

    def _notified(self, _connection: object, _pid: int, channel: str, _payload: str) -> None:
        self.events[channel].set()

    async def stop(self) -> None:
        if self._connection is not None:
            await self._connection.close()
            self._connection = None
