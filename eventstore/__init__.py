"""PostgreSQL event store, job queue and embedded server; knows nothing about documents."""

from eventstore.errors import (
    ConcurrencyError,
    DatabaseUnavailable,
    EventStoreError,
    LeaseLost,
    PartialDuplicateError,
)
from eventstore.jobs import Job, JobQueue
from eventstore.store import AppendResult, EventStore, NewEvent, RecordedEvent

__all__ = [
    "AppendResult",
    "ConcurrencyError",
    "DatabaseUnavailable",
    "EventStore",
    "EventStoreError",
    "Job",
    "JobQueue",
    "LeaseLost",
    "NewEvent",
    "PartialDuplicateError",
    "RecordedEvent",
]
