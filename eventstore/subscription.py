"""Catch-up subscription: every event after a position, in global order, then live ones."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from eventstore.store import EventStore, RecordedEvent


async def follow(
    store: EventStore,
    *,
    after_position: int = 0,
    wake: asyncio.Event | None = None,
    poll_seconds: float = 1.0,
    page_size: int = 500,
) -> AsyncIterator[RecordedEvent]:
    """Yield events forever. Appends are serialized, so `position > cursor` never skips one."""
    cursor = after_position
    wake = wake or asyncio.Event()
    while True:
        wake.clear()  # before reading, so a notification during the read is not lost
        page = await store.read_all(after_position=cursor, limit=page_size)
        for event in page:
            cursor = event.position
            yield event
        if len(page) == page_size:
            continue
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(wake.wait(), timeout=poll_seconds)
