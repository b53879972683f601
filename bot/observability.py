"""Hooks that turn what the store, the workers and the Slack front door do into metrics
and correlated logs, so the lower layers stay free of any metrics library."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import structlog

from bot import metrics
from domain.ai.provider import TokenUsage
from domain.correlation import correlation_id
from eventstore import Job


class MetricsObserver:
    """`eventstore.store.StoreObserver` exporting to Prometheus."""

    def appended(self, event_types: Sequence[str]) -> None:
        for event_type in event_types:
            metrics.EVENTS_APPENDED.labels(type=event_type).inc()

    def timed(self, operation: str, seconds: float) -> None:
        metrics.EVENT_STORE_OPERATION_DURATION.labels(op=operation).observe(seconds)


class AIMetricsObserver:
    """`domain.ai.orchestrator.RequestObserver` exporting to Prometheus, and remembering
    each provider's last outcome for /health."""

    def __init__(self) -> None:
        self.last_outcome: dict[str, str] = {}

    def request(
        self,
        provider: str,
        outcome: str,
        seconds: float,
        usage: TokenUsage | None,
        cost_usd: float,
        saved_usd: float = 0.0,
    ) -> None:
        self.last_outcome[provider] = outcome
        metrics.AI_REQUESTS.labels(provider=provider, outcome=outcome).inc()
        if outcome == "adapter_error":  # not a provider failure but a bug of ours
            metrics.ERRORS.labels(component="ai").inc()
        metrics.AI_REQUEST_DURATION.labels(provider=provider).observe(seconds)
        if usage is not None:
            for kind, tokens in (
                ("input", usage.input_tokens),
                ("output", usage.output_tokens),
                ("cache_read", usage.cache_read_tokens),
                ("cache_write", usage.cache_write_tokens),
            ):
                metrics.AI_TOKENS.labels(provider=provider, kind=kind).inc(tokens)
        metrics.AI_COST_USD.labels(provider=provider).inc(cost_usd)
        # A counter only grows: savings and the write premium that offsets them separately.
        effect = "saved" if saved_usd >= 0 else "premium"
        metrics.AI_CACHE_USD.labels(provider=provider, effect=effect).inc(abs(saved_usd))

    def dropped(self, reasons: Counter[str]) -> None:
        for reason, count in reasons.items():
            metrics.AI_FINDINGS_DROPPED.labels(reason=reason).inc(count)


def job_finished(job: Job, seconds: float) -> None:
    metrics.JOB_DURATION.labels(kind=job.kind).observe(seconds)


def job_failed(job: Job) -> None:
    """`JobWorker(on_failed=)`: an attempt raised; the queue retries or dead-letters it."""
    metrics.ERRORS.labels(component="worker").inc()


def claim_failed() -> None:
    """`JobWorker(on_claim_failed=)`: the queue could not be read; the worker retries."""
    metrics.ERRORS.labels(component="worker").inc()


def projector_failed(projection: str) -> None:
    """`Projector.run_forever(on_error=)`: a batch raised and is retried at the next poll."""
    metrics.ERRORS.labels(component="projector").inc()


def bind_correlation(value: str | None) -> None:
    """Follow one Slack event through job, review and reply: in logs and event metadata."""
    correlation_id.set(value)
    structlog.contextvars.clear_contextvars()
    if value:
        structlog.contextvars.bind_contextvars(correlation_id=value)
