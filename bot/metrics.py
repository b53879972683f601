"""Prometheus metrics: every series DocSense exposes, defined once (docs/operations.md, Metrics).

They live in a dedicated `REGISTRY` rather than prometheus_client's global one, so
`/metrics` shows exactly this contract and tests can build several apps in one process.
Counters are declared without the `_total` suffix: prometheus_client appends it when
exposing, so `SLACK_EVENTS` is scraped as `slack_events_total`. Label values must stay
from small, fixed sets (never ids, file names or user input): each label set is a series.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from domain.queries import projection_lag

if TYPE_CHECKING:
    from bot.runtime import Runtime

REGISTRY = CollectorRegistry()

SLACK_EVENTS = Counter(
    "slack_events",
    "Slack events received, by event type and what the bot did with them.",
    ["type", "outcome"],
    registry=REGISTRY,
)
"""type: `message`, `file_shared`, `app_mention`, `command`, `action`;
outcome: `handled`, `ignored` (own/bot messages, edits, retries), `failed`."""

SLACK_ACK_DURATION = Histogram(
    "slack_ack_duration_seconds",
    "Time from receiving a Slack request to acknowledging it (Slack gives up after 3 s).",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 5.0),
    registry=REGISTRY,
)
"""No labels; the buckets bracket Slack's 3 s deadline so the 2.5 s p99 alert is exact."""

DOCUMENTS_SUBMITTED = Counter(
    "documents_submitted",
    "Files submitted for review.",
    ["outcome"],
    registry=REGISTRY,
)
"""outcome: `new` (a review was queued), `duplicate` (a retried event or the second of the
`message`/`file_shared` pair), `refused` (refused before queueing)."""

DOCUMENTS_CONVERTED = Counter(
    "documents_converted",
    "Files read into the semantic IR, by format and result.",
    ["format", "outcome"],
    registry=REGISTRY,
)
"""format: `pdf`, `docx`, `markdown`, `rst`, `text`, `unknown`;
outcome: `converted`, `rejected` (unsupported, too large, encrypted, no text, corrupt)."""

ANALYSES_COMPLETED = Counter(
    "analyses_completed",
    "Reviews that reached an end state.",
    ["outcome"],
    registry=REGISTRY,
)
"""outcome: `analyzed`, `rejected` (the document could not be reviewed), `failed`."""

FINDINGS = Counter(
    "findings",
    "Findings reported, by category, severity and the engine that produced them.",
    ["category", "severity", "source"],
    registry=REGISTRY,
)
"""category: one of the finding categories in domain/findings.py (`undefined_parameter`, ...);
severity: `critical`, `high`, `medium`, `low`, `info`; source: `rules`, `llm`."""

REVIEW_CHECK_FAILURES = Counter(
    "docsense_review_check_failures",
    "Extractors and rules that raised on a document; the review went on without them.",
    ["check"],
    registry=REGISTRY,
)
"""check: the extractor (`semantics/references`, ...) or rule check (`review_formulas`,
`<rule id>/<red flag>`, ...): names from the code, so a small fixed set."""

QUESTIONS_ANSWERED = Counter(
    "questions_answered",
    "Questions about a reviewed document answered in its thread.",
    registry=REGISTRY,
)
"""No labels."""

EVENTS_APPENDED = Counter(
    "events_appended",
    "Domain events appended to the event store, by event type.",
    ["type"],
    registry=REGISTRY,
)
"""type: the event class name (`DocumentSubmitted`, `AnalysisCompleted`, ...)."""

EVENT_STORE_OPERATION_DURATION = Histogram(
    "event_store_operation_duration_seconds",
    "Event store call latency, by operation.",
    ["op"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
    registry=REGISTRY,
)
"""op: `append`, `read_stream`, `read_all`, `load`, `snapshot`."""

JOBS = Gauge(
    "jobs",
    "Jobs in the queue by state, read from PostgreSQL at scrape time.",
    ["state"],
    registry=REGISTRY,
)
"""state: `pending`, `running`, `succeeded`, `dead` (set by `refresh_gauges`)."""

JOB_DURATION = Histogram(
    "job_duration_seconds",
    "Wall time of one job attempt, by job kind.",
    ["kind"],
    buckets=(0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0),
    registry=REGISTRY,
)
"""kind: the job kind (`ingest-and-review`, `answer-question`, ...)."""

PROJECTION_LAG = Gauge(
    "projection_lag_events",
    "Events a projection's checkpoint trails the end of the log, read at scrape time.",
    ["projection"],
    registry=REGISTRY,
)
"""projection: the read model's name (`documents`, ...) (set by `refresh_gauges`).
Beyond the minimum set in docs/operations.md; the projection-lag alert needs it."""

DB_POOL_CONNECTIONS = Gauge(
    "db_pool_connections",
    "Connections of this process's PostgreSQL pool, read at scrape time.",
    ["state"],
    registry=REGISTRY,
)
"""state: `in_use`, `idle`, `max` (set by `refresh_gauges`)."""

AI_REQUESTS = Counter(
    "ai_requests",
    "Requests to an AI provider, by provider and result.",
    ["provider", "outcome"],
    registry=REGISTRY,
)
"""provider: `anthropic`, `openai`, `gemini`; outcome: `ok`, or why the call failed:
`rate_limited`, `overloaded`, `server_error`, `timeout`, `connection_error`,
`malformed_output`, `bad_request`, `auth_failed`, `permission_denied`, `not_found`,
`adapter_error` (a small fixed set)."""

AI_REQUEST_DURATION = Histogram(
    "ai_request_duration_seconds",
    "AI provider request latency.",
    ["provider"],
    buckets=(0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 20.0, 30.0, 60.0, 120.0),
    registry=REGISTRY,
)
"""provider: as for `AI_REQUESTS`."""

AI_TOKENS = Counter(
    "ai_tokens",
    "Tokens billed by AI providers.",
    ["provider", "kind"],
    registry=REGISTRY,
)
"""provider: as for `AI_REQUESTS`; kind: `input`, `output`, `cache_read`, `cache_write`."""

AI_COST_USD = Counter(
    "ai_cost_usd",
    "Estimated AI spend in US dollars.",
    ["provider"],
    registry=REGISTRY,
)
"""provider: as for `AI_REQUESTS`."""

AI_FINDINGS_DROPPED = Counter(
    "ai_findings_dropped",
    "Model findings and citations dropped by grounding (their quote is not in the document).",
    ["reason"],
    registry=REGISTRY,
)
"""reason: `quote_not_found`, `empty_quote`, `duplicate`."""

ERRORS = Counter(
    "errors",
    "Unexpected errors (caught, logged and survived), by component.",
    ["component"],
    registry=REGISTRY,
)
"""component: `slack`, `worker`, `projector`, `notifier`, `ingest`, `review`, `ai`,
`sidecar`."""


async def refresh_gauges(runtime: Runtime) -> None:
    """Set the gauges that mirror state elsewhere, just before a scrape.

    Pool sizes are in-process and always set. Job counts and projection lag come from
    PostgreSQL and are the same on every replica; when they cannot be read their series
    are removed rather than left stale (an alert on `jobs{state="dead"}` must not keep
    firing on an old value), and the error propagates so the caller can log it.
    """
    pool = runtime.pool
    size, idle = pool.get_size(), pool.get_idle_size()
    DB_POOL_CONNECTIONS.labels(state="in_use").set(size - idle)
    DB_POOL_CONNECTIONS.labels(state="idle").set(idle)
    DB_POOL_CONNECTIONS.labels(state="max").set(pool.get_max_size())
    try:
        counts = await runtime.jobs.counts()
        lags = await projection_lag(runtime.store)
    except Exception:
        JOBS.clear()
        PROJECTION_LAG.clear()
        raise
    for state, count in counts.items():
        JOBS.labels(state=state).set(count)
    PROJECTION_LAG.clear()  # a renamed or dropped projection must not linger
    for name, lag in lags.items():
        PROJECTION_LAG.labels(projection=name).set(lag)
