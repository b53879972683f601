"""The append-only event store on PostgreSQL (DESIGN.md, Event store contract)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import asyncpg

from eventstore.errors import ConcurrencyError, PartialDuplicateError

EVENTS_CHANNEL = "docsense_events"
_CONCURRENCY_SQLSTATE = "DS001"
_PARTIAL_DUPLICATE_SQLSTATE = "DS002"

_EVENT_COLUMNS = (
    "position, stream_id, stream_type, version, event_id, type, data, metadata, recorded_at"
)


@dataclass(frozen=True, slots=True)
class NewEvent:
    """An event about to be appended; its id makes a retried append idempotent."""

    type: str
    data: Mapping[str, Any]
    metadata: Mapping[str, Any] = field(default_factory=dict)
    event_id: uuid.UUID = field(default_factory=uuid.uuid4)


@dataclass(frozen=True, slots=True)
class RecordedEvent:
    position: int
    stream_id: str
    stream_type: str
    version: int
    event_id: uuid.UUID
    type: str
    data: dict[str, Any]
    metadata: dict[str, Any]
    recorded_at: datetime


@dataclass(frozen=True, slots=True)
class AppendResult:
    positions: list[int]
    version: int
    replayed: bool
    """True when every event id was already stored: nothing new was written."""


def _recorded(row: asyncpg.Record) -> RecordedEvent:
    return RecordedEvent(
        position=row["position"],
        stream_id=row["stream_id"],
        stream_type=row["stream_type"],
        version=row["version"],
        event_id=row["event_id"],
        type=row["type"],
        data=row["data"],
        metadata=row["metadata"],
        recorded_at=row["recorded_at"],
    )


def stream_type_of(stream_id: str) -> str:
    """`document-<uuid>` belongs to the `document` stream type."""
    return stream_id.split("-", 1)[0]


class EventStore:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[asyncpg.Connection]:
        """A connection in a transaction, for appends plus the caller's own SQL (outbox,
        read models, jobs) that must commit or roll back together.

        Appends hold the global append lock until commit, so do slow work before the
        append, not after it.
        """
        async with self.pool.acquire() as connection, connection.transaction():
            yield connection

    async def append(
        self,
        stream_id: str,
        expected_version: int | None,
        events: Sequence[NewEvent],
        *,
        connection: asyncpg.Connection | None = None,
    ) -> AppendResult:
        """Append `events` after `expected_version` (0 for a new stream, None for any)."""
        if not events:
            raise ValueError("append needs at least one event")
        args = (
            stream_id,
            stream_type_of(stream_id),
            expected_version,
            [e.event_id for e in events],
            [e.type for e in events],
            [dict(e.data) for e in events],
            [dict(e.metadata) for e in events],
        )
        query = "SELECT * FROM docsense_append($1, $2, $3, $4, $5, $6, $7)"
        try:
            if connection is None:
                rows = await self.pool.fetch(query, *args)
            else:
                rows = await connection.fetch(query, *args)
        except asyncpg.PostgresError as error:
            raise _translate(error, stream_id, expected_version) from error
        return AppendResult(
            positions=[r["position"] for r in rows],
            version=max(r["version"] for r in rows),
            replayed=rows[0]["replayed"],
        )

    async def read_stream(
        self,
        stream_id: str,
        *,
        after_version: int = 0,
        connection: asyncpg.Connection | None = None,
    ) -> list[RecordedEvent]:
        rows = await (connection or self.pool).fetch(
            f"SELECT {_EVENT_COLUMNS} FROM events WHERE stream_id = $1 AND version > $2 "
            "ORDER BY version",
            stream_id,
            after_version,
        )
        return [_recorded(r) for r in rows]

    async def read_all(
        self,
        *,
        after_position: int = 0,
        limit: int = 1000,
        connection: asyncpg.Connection | None = None,
    ) -> list[RecordedEvent]:
        """One page of the global log, in position order (which is commit order)."""
        rows = await (connection or self.pool).fetch(
            f"SELECT {_EVENT_COLUMNS} FROM events WHERE position > $1 ORDER BY position LIMIT $2",
            after_position,
            limit,
        )
        return [_recorded(r) for r in rows]

    async def stream_version(self, stream_id: str) -> int:
        return await self.pool.fetchval(
            "SELECT coalesce(max(version), 0) FROM events WHERE stream_id = $1", stream_id
        )

    async def last_position(self) -> int:
        return await self.pool.fetchval("SELECT coalesce(max(position), 0) FROM events")

    async def count_events(self) -> int:
        return await self.pool.fetchval("SELECT count(*) FROM events")


def _translate(error: asyncpg.PostgresError, stream_id: str, expected: int | None) -> Exception:
    if error.sqlstate == _CONCURRENCY_SQLSTATE:
        return ConcurrencyError(stream_id, expected, int(error.detail or 0))
    if error.sqlstate == _PARTIAL_DUPLICATE_SQLSTATE:
        return PartialDuplicateError(str(error))
    if isinstance(error, asyncpg.UniqueViolationError):
        if error.constraint_name == "events_event_id_key":
            return PartialDuplicateError(f"a later event of the batch is already stored: {error}")
        # Appends are serialized, so this needs a writer that bypassed docsense_append.
        return ConcurrencyError(stream_id, expected, -1)
    return error
