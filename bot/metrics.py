"""Prometheus metrics: every series DocSense exposes, defined once (docs/operations.md, Metrics).

They live in a dedicated `REGISTRY` rather than prometheus_client's global one, so
`/metrics` shows exactly this contract and tests can build several apps in one process.
Every series of ours starts with `docsense_`, so it cannot collide with another
exporter's on the same Prometheus; the standard `process_*` and `python_*` series come
from prometheus_client's own collectors, registered here too. Counters are declared
without the `_total` suffix: prometheus_client appends it when exposing, so
`SLACK_EVENTS` is scraped as `docsense_slack_events_total`. There are no `_created`
series: they would double the series count and nothing reads them. Label values must
stay from small, fixed sets (never ids, file names or user input): each label set is a
series.
"""

from __future__ import annotations

import platform
from importlib.metadata import version
from typing import TYPE_CHECKING

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    GCCollector,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    disable_created_metrics,
)

from domain.queries import projection_lag

if TYPE_CHECKING:
    from bot.runtime import Runtime

disable_created_metrics()

REGISTRY = CollectorRegistry()
ProcessCollector(registry=REGISTRY)
PlatformCollector(registry=REGISTRY)
GCCollector(registry=REGISTRY)

BUILD_INFO = Gauge(
    "docsense_build_info",
    "Always 1; its labels say which DocSense and Python this replica runs.",
    ["version", "python"],
    registry=REGISTRY,
)
"""version: the installed `docsense` package; python: the interpreter (`3.11.7`). One
series per replica, so `label_values(docsense_build_info, instance)` lists replicas."""
BUILD_INFO.labels(version=version("docsense"), python=platform.python_version()).set(1)

SLACK_EVENTS = Counter(
    "docsense_slack_events",
    "Slack requests received, by kind and what the bot did with them.",
    ["type", "outcome"],
    registry=REGISTRY,
)
"""type: the event (`message`, `file_shared`, `app_mention`, `app_home_opened`,
`assistant_thread_started`, `assistant_thread_context_changed`), `command` (`/docsense`),
`shortcut` (Review with DocSense), `action` (a button click or menu choice) or `view` (the
reject-reason form);
outcome: `handled`, `ignored` (nothing to do: bot messages, edits and deletions, chatter
outside a reviewed thread, a file no longer shared where the event says, a click replayed
into another channel, a form sent empty, the Messages tab opened, a shortcut on a message
without a new file), `limited` (an event whose files or question were all skipped by the
flood limits; see `SLACK_LIMITED`), `failed` (the listener raised, or the command answered with an
apology)."""

SLACK_ACK_DURATION = Histogram(
    "docsense_slack_ack_duration_seconds",
    "Time from receiving a Slack request to acknowledging it (Slack gives up after 3 s).",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 5.0),
    registry=REGISTRY,
)
"""No labels; the buckets bracket Slack's 3 s deadline so the 2.5 s p99 alert is exact."""

SLACK_REFUSED = Counter(
    "docsense_slack_refused",
    "Slack requests turned away at the front door, before Bolt read or checked them.",
    ["reason"],
    registry=REGISTRY,
)
"""reason: `too_large` (a body over 1 MiB, answered 413), `busy` (SLACK_MAX_INFLIGHT requests
in progress and 16 times as many waiting, or a second waited in vain: answered 503, and Slack
delivers the request again)."""

SLACK_LIMITED = Counter(
    "docsense_slack_limited",
    "Files and questions skipped because one person or channel sent too many a minute.",
    ["scope", "kind"],
    registry=REGISTRY,
)
"""scope: `user` (SLACK_USER_REQUESTS_PER_MINUTE) or `channel`
(SLACK_CHANNEL_REQUESTS_PER_MINUTE); kind: `file` (an upload not reviewed) or `question`
(a question not answered). Each person is told once per flood, not once per item."""

DOCUMENTS_SUBMITTED = Counter(
    "docsense_documents_submitted",
    "Files submitted for review.",
    ["outcome"],
    registry=REGISTRY,
)
"""outcome: `new` (a review was queued), `duplicate` (a retried event or the second of the
`message`/`file_shared` pair)."""

DOCUMENTS_CONVERTED = Counter(
    "docsense_documents_converted",
    "Files read into the semantic IR, by format and result.",
    ["format", "outcome"],
    registry=REGISTRY,
)
"""format: `pdf`, `docx`, `markdown`, `rst`, `text`, `unknown`;
outcome: `converted`, `rejected` (refused by ingest: unsupported, too large, empty,
encrypted, no text, corrupt, ...)."""

ANALYSES_COMPLETED = Counter(
    "docsense_analyses_completed",
    "Reviews that reached an end state.",
    ["outcome"],
    registry=REGISTRY,
)
"""outcome: `analyzed`, `rejected` (the file could not be reviewed: refused at download,
deleted from Slack, or not convertible), `failed` (the last attempt of the job failed)."""

FINDINGS = Counter(
    "docsense_findings",
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
    "docsense_questions_answered",
    "Questions about a reviewed document answered in its thread.",
    registry=REGISTRY,
)
"""No labels."""

EVENTS_APPENDED = Counter(
    "docsense_events_appended",
    "Domain events appended to the event store, by event type.",
    ["type"],
    registry=REGISTRY,
)
"""type: the event class name (`DocumentSubmitted`, `AnalysisCompleted`, ...)."""

EVENT_STORE_OPERATION_DURATION = Histogram(
    "docsense_event_store_operation_duration_seconds",
    "Event store call latency, by operation.",
    ["op"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
    registry=REGISTRY,
)
"""op: `append`, `read_stream`, `read_all`."""

JOBS = Gauge(
    "docsense_jobs",
    "Jobs in the queue by state, read from PostgreSQL at scrape time.",
    ["state"],
    registry=REGISTRY,
)
"""state: `pending`, `running`, `succeeded`, `dead` (set by `refresh_gauges`)."""

JOB_OLDEST_PENDING_AGE = Gauge(
    "docsense_job_oldest_pending_age_seconds",
    "How long the longest-waiting due job has waited, read from PostgreSQL at scrape time.",
    ["kind"],
    registry=REGISTRY,
)
"""kind: as for `JOB_DURATION`, only kinds with a job due (set by `refresh_gauges`): an
empty queue has no series, a stuck one an age that keeps growing."""

JOB_DURATION = Histogram(
    "docsense_job_duration_seconds",
    "Wall time of one job attempt, by job kind.",
    ["kind"],
    buckets=(0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0),
    registry=REGISTRY,
)
"""kind: the job kind (`review-document`, `answer-question`, `post-findings-page`)."""

PROJECTION_LAG = Gauge(
    "docsense_projection_lag_events",
    "Events a projection's checkpoint trails the end of the log, read at scrape time.",
    ["projection"],
    registry=REGISTRY,
)
"""projection: the read model's name (`documents`, ...) (set by `refresh_gauges`)."""

DB_POOL_SIZE = Gauge(
    "docsense_db_pool_size",
    "Most connections this process's PostgreSQL pool may open.",
    registry=REGISTRY,
)
"""No labels (set by `refresh_gauges`); the denominator of pool saturation."""

DB_POOL_CONNECTIONS = Gauge(
    "docsense_db_pool_connections",
    "Open connections of this process's PostgreSQL pool, read at scrape time.",
    ["state"],
    registry=REGISTRY,
)
"""state: `in_use`, `idle` (set by `refresh_gauges`); their sum is the open connections."""

AI_REQUESTS = Counter(
    "docsense_ai_requests",
    "Requests to an AI provider, by provider and result.",
    ["provider", "outcome"],
    registry=REGISTRY,
)
"""provider: `anthropic`, `openai`, `gemini`; outcome: `ok`, or why the call failed:
`rate_limited`, `overloaded`, `server_error`, `timeout`, `connection_error`,
`malformed_output`, `bad_request`, `auth_failed`, `payment_required`,
`permission_denied`, `not_found`, `request_too_large`, `http_<status>` (another 4xx),
`adapter_error`, or how a reply that came back ended without an answer: `truncated` (at
the output limit; retried once with twice the budget), `refused` (the model declined; not
retried), `blocked` (a safety filter; not retried), `incomplete` (retried once) (a small
fixed set)."""

AI_REQUEST_DURATION = Histogram(
    "docsense_ai_request_duration_seconds",
    "AI provider request latency.",
    ["provider"],
    buckets=(0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 20.0, 30.0, 60.0, 120.0),
    registry=REGISTRY,
)
"""provider: as for `AI_REQUESTS`."""

AI_TOKENS = Counter(
    "docsense_ai_tokens",
    "Tokens billed by AI providers.",
    ["provider", "kind"],
    registry=REGISTRY,
)
"""provider: as for `AI_REQUESTS`; kind: `input`, `output`, `cache_read`, `cache_write`.
Cache hit rate: `cache_read` over `input + cache_read + cache_write`."""

AI_COST_USD = Counter(
    "docsense_ai_cost_usd",
    "Estimated AI spend in US dollars.",
    ["provider"],
    registry=REGISTRY,
)
"""provider: as for `AI_REQUESTS`."""

AI_CACHE_USD = Counter(
    "docsense_ai_cache_usd",
    "What prompt caching changed in AI spend, in US dollars, against sending all uncached.",
    ["provider", "effect"],
    registry=REGISTRY,
)
"""provider: as for `AI_REQUESTS`; effect: `saved` (cache reads billed below the input
rate), `premium` (cache writes billed above it, on a call that read less than it wrote).
Net saving: `saved - premium`."""

AI_FINDINGS_DROPPED = Counter(
    "docsense_ai_findings_dropped",
    "Model findings and citations dropped: their quote failed grounding, or an absence of a part.",
    ["reason"],
    registry=REGISTRY,
)
"""reason: `quote_not_found`, `wrong_section` (found only outside the section the model named
and its neighbours), `too_short` (a short quote found in several places), `empty_quote`,
`duplicate`, `absence_in_part` (an absence reported from one part of a long document),
`prompt_leak` (a finding or an answer copying DocSense's instructions)."""

ERRORS = Counter(
    "docsense_errors",
    "Unexpected errors (caught, logged and survived), by component.",
    ["component"],
    registry=REGISTRY,
)
"""component: `slack` (a listener raised, or a slash command failed), `worker` (a job
attempt raised, or recording a review's failure did), `projector` (a projection batch
raised; it is retried), `ai` (a provider adapter raised something unclassified),
`sidecar` (a scrape could not read the database-backed gauges)."""


async def refresh_gauges(runtime: Runtime) -> None:
    """Set the gauges that mirror state elsewhere, just before a scrape.

    Pool sizes are in-process and always set. Job counts, queue age and projection lag
    come from PostgreSQL and are the same on every replica; when they cannot be read
    their series are removed rather than left stale (an alert on `docsense_jobs{state=
    "dead"}` must not keep firing on an old value), and the error propagates so the
    caller can log it.
    """
    pool = runtime.pool
    size, idle = pool.get_size(), pool.get_idle_size()
    DB_POOL_SIZE.set(pool.get_max_size())
    DB_POOL_CONNECTIONS.labels(state="in_use").set(size - idle)
    DB_POOL_CONNECTIONS.labels(state="idle").set(idle)
    try:
        counts = await runtime.jobs.counts()
        ages = await runtime.jobs.oldest_pending_age()
        lags = await projection_lag(runtime.store)
    except Exception:
        JOBS.clear()
        JOB_OLDEST_PENDING_AGE.clear()
        PROJECTION_LAG.clear()
        raise
    for state, count in counts.items():
        JOBS.labels(state=state).set(count)
    JOB_OLDEST_PENDING_AGE.clear()  # a kind whose queue drained must not linger
    for kind, age in ages.items():
        JOB_OLDEST_PENDING_AGE.labels(kind=kind).set(age)
    PROJECTION_LAG.clear()  # a renamed or dropped projection must not linger
    for name, lag in lags.items():
        PROJECTION_LAG.labels(projection=name).set(lag)
