"""The id that ties one Slack event to every event, job and log line it causes."""

from contextvars import ContextVar

correlation_id: ContextVar[str | None] = ContextVar("correlation_id", default=None)
