"""Errors the event store raises; callers never see raw driver exceptions for these cases."""


class EventStoreError(Exception):
    """Base class for event store failures a caller can act on."""


class ConcurrencyError(EventStoreError):
    """The stream moved on since the caller read it: reload and decide again."""

    def __init__(self, stream_id: str, expected: int | None, actual: int) -> None:
        super().__init__(f"stream {stream_id} is at version {actual}, expected {expected}")
        self.stream_id = stream_id
        self.expected = expected
        self.actual = actual


class PartialDuplicateError(EventStoreError):
    """Some, not all, of a batch's event ids exist: the batch is not a retry of one append."""


class LeaseLost(EventStoreError):
    """The job's lease expired or was taken over; this worker must not commit its result."""


class DatabaseUnavailable(EventStoreError):
    """PostgreSQL could not be reached, or refused the connection; the message names the
    server and the reason, never the password. `transient` when trying again later may
    succeed (the server was unreachable), not when it refused us."""

    def __init__(self, message: str, *, transient: bool = False) -> None:
        super().__init__(message)
        self.transient = transient
