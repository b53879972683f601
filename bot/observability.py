"""Hooks that turn what the store, the workers and the Slack front door do into metrics
and correlated logs, so the lower layers stay free of any metrics library."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Sequence

import structlog
from aiohttp import web

from bot import metrics
from domain.correlation import correlation_id
from eventstore import Job


class MetricsObserver:
    """`eventstore.store.StoreObserver` exporting to Prometheus."""

    def appended(self, event_types: Sequence[str]) -> None:
        for event_type in event_types:
            metrics.EVENTS_APPENDED.labels(type=event_type).inc()

    def timed(self, operation: str, seconds: float) -> None:
        metrics.EVENT_STORE_OPERATION_DURATION.labels(op=operation).observe(seconds)


def job_finished(job: Job, seconds: float) -> None:
    metrics.JOB_DURATION.labels(kind=job.kind).observe(seconds)


def bind_correlation(value: str | None) -> None:
    """Follow one Slack event through job, review and reply: in logs and event metadata."""
    correlation_id.set(value)
    structlog.contextvars.clear_contextvars()
    if value:
        structlog.contextvars.bind_contextvars(correlation_id=value)


@web.middleware
async def ack_timer(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    """How long Slack waits for our answer (Bolt acks before the listener's work)."""
    started = time.perf_counter()
    try:
        return await handler(request)
    finally:
        metrics.SLACK_ACK_DURATION.observe(time.perf_counter() - started)
