"""The append-only event store on PostgreSQL (docs/architecture.md, Event store)."""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator, Collection, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

import asyncpg

from eventstore.errors import ConcurrencyError, EventStoreError, PartialDuplicateError
from eventstore.group_commit import GroupCommit

EVENTS_CHANNEL = "docsense_events"

_EVENT_COLUMNS = (
    "position, stream_id, stream_type, version, event_id, type, data, metadata, recorded_at"
)


@dataclass(frozen=True, slots=True)
class NewEvent:
    """An event about to be appended; its id makes a retried append idempotent."""

    type: str
    data: dict[str, Any]
    metadata: dict[str, Any] = field(default_factory=dict)
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
class AppendRequest:
    stream_id: str
    expected_version: int | None
    events: tuple[NewEvent, ...]

    def __len__(self) -> int:
        return len(self.events)


@dataclass(frozen=True, slots=True)
class AppendResult:
    positions: list[int]
    version: int
    replayed: bool
    """True when every event id was already stored: nothing new was written."""


_PAGE = f"SELECT {_EVENT_COLUMNS} FROM events WHERE position > $1 ORDER BY position LIMIT $2"
# The same page, cut after the event whose payload reaches $3 bytes as stored, with the
# payloads of the types in $4 left in the database. Costs the server about 40% more than
# `_PAGE` on 1,000 small events, so plain reads keep to `_PAGE`.
_BOUNDED_PAGE = f"""
    SELECT {_EVENT_COLUMNS} FROM (
        SELECT page.*, sum(pg_column_size(data)) OVER (ORDER BY position)
                       - pg_column_size(data) AS bytes_before
        FROM (
            SELECT position, stream_id, stream_type, version, event_id, type,
                   CASE WHEN type = ANY($4::text[]) THEN '{{}}'::jsonb ELSE data END AS data,
                   metadata, recorded_at
            FROM events WHERE position > $1 ORDER BY position LIMIT $2
        ) page
    ) sized
    WHERE $3::integer IS NULL OR bytes_before < $3
    ORDER BY position
"""


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


class StoreObserver(Protocol):
    """Told about every append and read, so the entry points can export metrics without
    the store knowing about any metrics library."""

    def appended(self, event_types: Sequence[str]) -> None: ...

    def timed(self, operation: str, seconds: float) -> None: ...


class EventStore:
    def __init__(
        self,
        pool: asyncpg.Pool,
        *,
        group_commit_max_events: int = 2000,
        observer: StoreObserver | None = None,
    ) -> None:
        self.pool = pool
        self.observer = observer
        self._group_commit = GroupCommit(
            pool.acquire, self._append_requests, max_items=group_commit_max_events
        )

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
        """Append `events` after `expected_version` (0 for a new stream, None for any).

        Without a connection the append joins concurrent ones in one commit (group
        commit); with one, it is part of the caller's transaction.
        """
        if not events:
            raise ValueError("append needs at least one event")
        request = AppendRequest(stream_id, expected_version, tuple(events))
        started = time.perf_counter()
        if connection is None:
            outcome = await self._group_commit.submit(request)
        else:
            [outcome] = await self._append_requests(connection, [request])
        if self.observer is not None:
            self.observer.timed("append", time.perf_counter() - started)
            if isinstance(outcome, AppendResult) and not outcome.replayed:
                self.observer.appended([e.type for e in events])
        if isinstance(outcome, EventStoreError):
            raise outcome
        return outcome

    async def _append_requests(
        self, connection: asyncpg.Connection, requests: list[AppendRequest]
    ) -> list[AppendResult | EventStoreError]:
        events = [event for request in requests for event in request.events]
        args = (
            [r.stream_id for r in requests],
            [stream_type_of(r.stream_id) for r in requests],
            [r.expected_version for r in requests],
            [len(r.events) for r in requests],
            [e.event_id for e in events],
            [e.type for e in events],
            [e.data for e in events],
            [e.metadata for e in events],
        )
        query = "SELECT * FROM docsense_append($1, $2, $3, $4, $5, $6, $7, $8)"
        try:
            rows = await connection.fetch(query, *args)
        except asyncpg.UniqueViolationError as error:
            if len(requests) > 1 or error.constraint_name != "events_event_id_key":
                raise
            return [PartialDuplicateError(f"a later event of the batch is already stored: {error}")]
        by_request: dict[int, list[asyncpg.Record]] = {}
        for row in rows:
            by_request.setdefault(row["request"], []).append(row)
        return [_outcome(r, by_request[i]) for i, r in enumerate(requests, start=1)]

    async def read_stream(
        self,
        stream_id: str,
        *,
        after_version: int = 0,
        connection: asyncpg.Connection | None = None,
    ) -> list[RecordedEvent]:
        started = time.perf_counter()
        rows = await (connection or self.pool).fetch(
            f"SELECT {_EVENT_COLUMNS} FROM events WHERE stream_id = $1 AND version > $2 "
            "ORDER BY version",
            stream_id,
            after_version,
        )
        if self.observer is not None:
            self.observer.timed("read_stream", time.perf_counter() - started)
        return [_recorded(r) for r in rows]

    async def read_all(
        self,
        *,
        after_position: int = 0,
        limit: int = 1000,
        max_bytes: int | None = None,
        undecoded_types: Collection[str] = (),
        connection: asyncpg.Connection | None = None,
    ) -> list[RecordedEvent]:
        """One page of the global log, in position order (which is commit order).

        `max_bytes` ends the page early once the payloads read add up to it as stored
        (always at least one event), so one call never decodes an unbounded amount of
        JSON at once. Events of `undecoded_types` come with an empty `data`: their payload
        is neither sent nor decoded, for readers that use it inside PostgreSQL by position.
        """
        started = time.perf_counter()
        args: tuple[Any, ...]
        if max_bytes is None and not undecoded_types:
            query, args = _PAGE, (after_position, limit)
        else:
            query, args = _BOUNDED_PAGE, (after_position, limit, max_bytes, list(undecoded_types))
        rows = await (connection or self.pool).fetch(query, *args)
        if self.observer is not None:
            self.observer.timed("read_all", time.perf_counter() - started)
        return [_recorded(r) for r in rows]

    async def stream_version(self, stream_id: str) -> int:
        return await self.pool.fetchval(
            "SELECT coalesce(max(version), 0) FROM events WHERE stream_id = $1", stream_id
        )

    async def last_position(self) -> int:
        return await self.pool.fetchval("SELECT coalesce(max(position), 0) FROM events")

    async def count_events(self) -> int:
        return await self.pool.fetchval("SELECT count(*) FROM events")


def _outcome(request: AppendRequest, rows: list[asyncpg.Record]) -> AppendResult | EventStoreError:
    status = rows[0]["status"]
    if status == "conflict":
        return ConcurrencyError(request.stream_id, request.expected_version, rows[0]["version"])
    if status == "partial":
        return PartialDuplicateError(
            f"some, not all, of the batch's event ids are already stored ({request.stream_id})"
        )
    return AppendResult(
        positions=[r["position"] for r in rows],
        version=max(r["version"] for r in rows),
        replayed=status == "replayed",
    )
