"""Checkpointed projections: read-model rows and the checkpoint commit together.

Because both land in one transaction, a projector killed at any point resumes
exactly where the last committed batch ended: nothing applied twice, nothing skipped.
Batches are bounded in events and in payload bytes, so a projector sharing the event
loop with the Slack front door never decodes more than a little JSON in one go.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from typing import Protocol

import asyncpg
import structlog

from eventstore.store import EventStore, RecordedEvent

log = structlog.get_logger(__name__)

BATCH_EVENTS = 500
BATCH_BYTES = 256 * 1024
"""Payload bytes (as stored) one batch decodes at most, about a millisecond of json.loads:
decoding holds the GIL, so a thread would not keep it off the loop either."""


class Projection(Protocol):
    """A read model kept from the log.

    It may also name `undecoded_types`, event types whose payload `apply` reads inside
    PostgreSQL from the `events` row at the event's position: they reach `apply` with an
    empty `data`, so a large payload is never decoded in this process.
    """

    name: str

    async def apply(self, connection: asyncpg.Connection, event: RecordedEvent) -> None:
        """Update the read model for one event, on the given (transactional) connection."""

    async def reset(self, connection: asyncpg.Connection) -> None:
        """Empty the read model, ready for a replay from position 0."""


async def advance_checkpoint(connection: asyncpg.Connection, name: str, position: int) -> None:
    """Call inside the transaction that wrote the read model the checkpoint guards."""
    await connection.execute(
        """INSERT INTO checkpoints (name, position) VALUES ($1, $2)
           ON CONFLICT (name) DO UPDATE SET position = EXCLUDED.position, updated_at = now()""",
        name,
        position,
    )


async def read_checkpoint(connection: asyncpg.Connection | asyncpg.Pool, name: str) -> int:
    return await connection.fetchval(
        "SELECT coalesce((SELECT position FROM checkpoints WHERE name = $1), 0)", name
    )


class Projector:
    def __init__(
        self,
        store: EventStore,
        projection: Projection,
        *,
        batch_size: int = BATCH_EVENTS,
        batch_bytes: int = BATCH_BYTES,
    ) -> None:
        self.store = store
        self.projection = projection
        self.batch_size = batch_size
        self.batch_bytes = batch_bytes
        self.undecoded_types = frozenset(getattr(projection, "undecoded_types", ()))
        self.following = False
        """True while `run_forever` runs; /health reports a projector that stopped."""
        self.failing_since: float | None = None
        """`time.monotonic()` of the first failed batch since the last good one."""
        self.last_error: str | None = None

    async def run_batch(self) -> int:
        """Apply the next batch; returns how many events it applied (0 when caught up)."""
        async with self.store.transaction() as connection:
            await connection.execute(
                "INSERT INTO checkpoints (name) VALUES ($1) ON CONFLICT DO NOTHING",
                self.projection.name,
            )
            # The row lock keeps two replicas from projecting the same batch.
            position = await connection.fetchval(
                "SELECT position FROM checkpoints WHERE name = $1 FOR UPDATE",
                self.projection.name,
            )
            events = await self.store.read_all(
                after_position=position,
                limit=self.batch_size,
                max_bytes=self.batch_bytes,
                undecoded_types=self.undecoded_types,
                connection=connection,
            )
            for event in events:
                await self.projection.apply(connection, event)
            if events:
                await advance_checkpoint(connection, self.projection.name, events[-1].position)
            return len(events)

    async def catch_up(self) -> int:
        total = 0
        while applied := await self.run_batch():
            total += applied
        return total

    async def rebuild(self) -> int:
        """Drop the read model and replay the whole log into it."""
        async with self.store.transaction() as connection:
            await self.projection.reset(connection)
            await advance_checkpoint(connection, self.projection.name, 0)
        return await self.catch_up()

    async def run_forever(
        self,
        wake: asyncio.Event,
        *,
        poll_seconds: float = 1.0,
        on_error: Callable[[str], None] | None = None,
    ) -> None:
        """Follow the log: woken by NOTIFY through `wake`, polling as the fallback. A batch
        that raises (a database blip, an event the projection chokes on) is rolled back,
        reported to `on_error` with the projection's name and retried at the next poll:
        the read model must not stop for good on one failure. The first failure of a run
        of them is logged with its traceback, the rest in one line each."""
        self.following = True
        try:
            while True:
                wake.clear()  # before catching up, so a notification meanwhile is not lost
                try:
                    await self.catch_up()
                except Exception as error:
                    self._failed(error)
                    if on_error is not None:
                        on_error(self.projection.name)
                else:
                    self._recovered()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(wake.wait(), timeout=poll_seconds)
        finally:
            self.following = False

    def _failed(self, error: Exception) -> None:
        name, kind = self.projection.name, type(error).__name__
        if self.failing_since is None:
            self.failing_since = time.monotonic()
            log.exception("projector.failed", projection=name)
        else:
            log.warning("projector.still_failing", projection=name, error=kind)
        self.last_error = kind

    def _recovered(self) -> None:
        if self.failing_since is not None:
            log.info(
                "projector.recovered",
                projection=self.projection.name,
                after_seconds=round(time.monotonic() - self.failing_since, 1),
            )
        self.failing_since = None
        self.last_error = None


async def projection_delays(pool: asyncpg.Pool) -> dict[str, float]:
    """Seconds the oldest event each projection has not applied yet has waited (0 when
    caught up). A few events stuck behind a failing one never add up to a large count,
    but their wait keeps growing."""
    rows = await pool.fetch(
        """SELECT c.name, coalesce(extract(epoch FROM now() - (
                   SELECT e.recorded_at FROM events e WHERE e.position > c.position
                   ORDER BY e.position LIMIT 1)), 0) AS delay
           FROM checkpoints c ORDER BY c.name"""
    )
    return {row["name"]: max(0.0, float(row["delay"])) for row in rows}
