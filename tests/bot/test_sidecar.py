"""The sidecar against a real PostgreSQL: what Prometheus, probes and on-call people see."""

from __future__ import annotations

import dataclasses
import importlib.metadata
import json
import platform
import subprocess
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestClient, TestServer
from prometheus_client.parser import text_string_to_metric_families

from bot import metrics
from bot.runtime import Runtime, open_runtime
from bot.settings import Settings
from bot.sidecar import build_sidecar, start_sidecar, stop_sidecar
from eventstore import EventStore, JobQueue, NewEvent
from eventstore.database import create_pool
from tests.deploy.tools import require_tool

BOT_TOKEN = "xoxb-sentinel-bot-token-7f3a"
SIGNING_SECRET = "sentinel-signing-secret-91c2"
HOUR = timedelta(hours=1)
OPENMETRICS = "application/openmetrics-text; version=1.0.0"

# (constant, exposed family name, type, labels used to touch it once)
CONTRACT: list[tuple[Any, str, str, dict[str, str]]] = [
    (
        metrics.SLACK_EVENTS,
        "docsense_slack_events_total",
        "counter",
        {"type": "message", "outcome": "handled"},
    ),
    (metrics.SLACK_ACK_DURATION, "docsense_slack_ack_duration_seconds", "histogram", {}),
    (
        metrics.DOCUMENTS_SUBMITTED,
        "docsense_documents_submitted_total",
        "counter",
        {"outcome": "new"},
    ),
    (
        metrics.DOCUMENTS_CONVERTED,
        "docsense_documents_converted_total",
        "counter",
        {"format": "pdf", "outcome": "converted"},
    ),
    (
        metrics.ANALYSES_COMPLETED,
        "docsense_analyses_completed_total",
        "counter",
        {"outcome": "analyzed"},
    ),
    (
        metrics.FINDINGS,
        "docsense_findings_total",
        "counter",
        {"category": "clarity", "severity": "low", "source": "rules"},
    ),
    (
        metrics.REVIEW_CHECK_FAILURES,
        "docsense_review_check_failures_total",
        "counter",
        {"check": "semantics/references"},
    ),
    (metrics.QUESTIONS_ANSWERED, "docsense_questions_answered_total", "counter", {}),
    (
        metrics.EVENTS_APPENDED,
        "docsense_events_appended_total",
        "counter",
        {"type": "DocumentSubmitted"},
    ),
    (
        metrics.EVENT_STORE_OPERATION_DURATION,
        "docsense_event_store_operation_duration_seconds",
        "histogram",
        {"op": "append"},
    ),
    (metrics.JOBS, "docsense_jobs", "gauge", {"state": "pending"}),
    (metrics.JOB_DURATION, "docsense_job_duration_seconds", "histogram", {"kind": "review"}),
    (
        metrics.PROJECTION_LAG,
        "docsense_projection_lag_events",
        "gauge",
        {"projection": "documents"},
    ),
    (metrics.DB_POOL_SIZE, "docsense_db_pool_size", "gauge", {}),
    (metrics.DB_POOL_CONNECTIONS, "docsense_db_pool_connections", "gauge", {"state": "idle"}),
    (
        metrics.AI_REQUESTS,
        "docsense_ai_requests_total",
        "counter",
        {"provider": "openai", "outcome": "ok"},
    ),
    (
        metrics.AI_REQUEST_DURATION,
        "docsense_ai_request_duration_seconds",
        "histogram",
        {"provider": "openai"},
    ),
    (
        metrics.AI_TOKENS,
        "docsense_ai_tokens_total",
        "counter",
        {"provider": "openai", "kind": "input"},
    ),
    (metrics.AI_COST_USD, "docsense_ai_cost_usd_total", "counter", {"provider": "openai"}),
    (
        metrics.AI_FINDINGS_DROPPED,
        "docsense_ai_findings_dropped_total",
        "counter",
        {"reason": "duplicate"},
    ),
    (metrics.ERRORS, "docsense_errors_total", "counter", {"component": "sidecar"}),
]


@pytest.fixture(scope="module")
async def runtime(database_dsn: str) -> AsyncIterator[Runtime]:
    settings = Settings(
        database_url=database_dsn, slack_bot_token=BOT_TOKEN, slack_signing_secret=SIGNING_SECRET
    )
    async with open_runtime(settings) as opened:
        yield opened


@asynccontextmanager
async def serve(
    runtime: Runtime, slack_check: Callable[[], Awaitable[bool]] | None = None
) -> AsyncIterator[TestClient]:
    async with TestClient(TestServer(build_sidecar(runtime, slack_check=slack_check))) as client:
        yield client


@asynccontextmanager
async def database_down(runtime: Runtime) -> AsyncIterator[Runtime]:
    """The same wiring over a pool that can no longer reach PostgreSQL."""
    pool = await create_pool(runtime.dsn, min_size=1, max_size=2)
    await pool.close()
    yield dataclasses.replace(runtime, pool=pool, store=EventStore(pool), jobs=JobQueue(pool))


async def _scrape(client: TestClient) -> str:
    response = await client.get("/metrics")
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("text/plain")
    return await response.text()


def _samples(text: str, name: str) -> dict[frozenset[tuple[str, str]], float]:
    return {
        frozenset(sample.labels.items()): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == name
    }


def _error_count(component: str) -> float:
    return (
        metrics.REGISTRY.get_sample_value("docsense_errors_total", {"component": component}) or 0.0
    )


async def _health(client: TestClient) -> tuple[int, dict[str, Any]]:
    response = await client.get("/health")
    return response.status, await response.json()


async def _dead_job(runtime: Runtime) -> int:
    kind = "sidecar-test-dead"
    async with runtime.pool.acquire() as connection:
        job_id = await runtime.jobs.enqueue(connection, kind, {}, max_attempts=1)
    [job] = await runtime.jobs.claim("test-worker", kinds=[kind])
    assert await runtime.jobs.fail(job, "boom", retryable=False) == "dead"
    assert job_id is not None
    return job_id


async def test_metrics_expose_the_whole_contract_and_parse(runtime: Runtime) -> None:
    await runtime.catch_up()  # serve runs the projectors; their checkpoints feed a gauge
    for metric, _, _, labels in CONTRACT:
        child = metric.labels(**labels) if labels else metric
        if hasattr(child, "observe"):
            child.observe(0.2)
        elif hasattr(child, "inc"):
            child.inc()
    async with serve(runtime) as client:
        text = await _scrape(client)

    types = {family.name: family.type for family in text_string_to_metric_families(text)}
    for _, name, kind, labels in CONTRACT:
        assert f"# TYPE {name} {kind}\n" in text, name
        family = name.removesuffix("_total") if kind == "counter" else name
        assert types[family] == kind, name
        sample = name if kind != "histogram" else f"{name}_count"
        assert any(set(labels.items()) <= key for key in _samples(text, sample)), name
    ours = {name for name in types if not name.startswith(("process_", "python_"))}
    assert all(name.startswith("docsense_") for name in ours), ours


async def test_metrics_carry_build_and_process_series_and_no_created(runtime: Runtime) -> None:
    metrics.SLACK_EVENTS.labels(type="command", outcome="handled").inc()  # a counter has data
    async with serve(runtime) as client:
        text = await _scrape(client)
        openmetrics = await client.get("/metrics", headers={"Accept": OPENMETRICS})
        openmetrics_text = await openmetrics.text()

    [build] = _samples(text, "docsense_build_info").items()
    assert dict(build[0]) == {
        "version": importlib.metadata.version("docsense"),
        "python": platform.python_version(),
    }
    assert build[1] == 1
    assert _samples(text, "process_cpu_seconds_total")  # the standard collectors are ours too
    assert _samples(text, "process_resident_memory_bytes")
    assert _samples(text, "python_info")
    assert _samples(text, "python_gc_objects_collected_total")
    assert "_created" not in text
    assert openmetrics.headers["Content-Type"].startswith("application/openmetrics-text")
    assert "docsense_slack_events_total" in openmetrics_text
    assert "_created" not in openmetrics_text


async def test_metrics_pass_promtool(runtime: Runtime) -> None:
    promtool = require_tool("promtool")
    async with serve(runtime) as client:
        text = await _scrape(client)
    result = subprocess.run(
        [promtool, "check", "metrics"], input=text, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stdout + result.stderr


async def test_gauges_follow_the_queue_and_the_pool(runtime: Runtime) -> None:
    kind = "sidecar-test-pending"
    async with serve(runtime) as client:
        before = _samples(await _scrape(client), "docsense_jobs")
        async with runtime.pool.acquire() as connection, connection.transaction():
            for n in range(3):
                await runtime.jobs.enqueue(connection, kind, {"n": n})
            await runtime.jobs.enqueue(connection, "sidecar-test-later", {}, delay=HOUR)
        await runtime.pool.execute(
            "UPDATE jobs SET run_after = now() - interval '90 seconds' WHERE kind = $1", kind
        )
        text = await _scrape(client)
        await runtime.pool.execute("DELETE FROM jobs WHERE kind LIKE 'sidecar-test-%'")
        drained = _samples(await _scrape(client), "docsense_job_oldest_pending_age_seconds")

    after = _samples(text, "docsense_jobs")
    assert after[frozenset({("state", "pending")})] == before[frozenset({("state", "pending")})] + 4
    assert {dict(key)["state"] for key in after} == {"pending", "running", "succeeded", "dead"}
    ages = _samples(text, "docsense_job_oldest_pending_age_seconds")
    assert 90 <= ages[frozenset({("kind", kind)})] < 150
    assert frozenset({("kind", "sidecar-test-later")}) not in ages  # not due yet: not waiting
    assert drained == {}
    assert _samples(text, "docsense_db_pool_size") == {
        frozenset(): runtime.settings.db_pool_max_size
    }
    pool = _samples(text, "docsense_db_pool_connections")
    assert {dict(key)["state"] for key in pool} == {"in_use", "idle"}
    assert pool[frozenset({("state", "idle")})] >= 1
    assert 1 <= sum(pool.values()) <= runtime.settings.db_pool_max_size  # open connections


async def test_healthy_reports_every_check(runtime: Runtime) -> None:
    async def slack_ok() -> bool:
        return True

    await runtime.catch_up()
    async with serve(runtime, slack_check=slack_ok) as client:
        status, body = await _health(client)
        live = await client.get("/health/live")
        live_body = await live.json()
        ready = await client.get("/health/ready")

    assert (status, body["status"]) == (200, "healthy"), body
    checks = body["checks"]
    assert checks["database"]["status"] == "ok"
    assert checks["database"]["migrations"] == "applied"
    assert isinstance(checks["event_store"]["events"], int)
    assert checks["event_store"]["projection_lag"] == {"documents": 0}
    assert {"pending", "running", "dead"} <= checks["job_queue"].keys()
    assert checks["job_queue"]["dead"] == 0
    assert checks["slack"] == {"status": "ok", "checked": True}
    assert checks["ai_provider"] == {"status": "ok", "providers": [], "mode": "rules"}
    assert (live.status, live_body) == (200, {"status": "alive"})
    assert ready.status == 200


async def test_a_dead_letter_degrades_health(runtime: Runtime) -> None:
    job_id = await _dead_job(runtime)
    try:
        async with serve(runtime) as client:
            status, body = await _health(client)
            scraped = _samples(await _scrape(client), "docsense_jobs")
            dead = scraped[frozenset({("state", "dead")})]
    finally:
        await runtime.pool.execute("DELETE FROM jobs WHERE id = $1", job_id)

    assert (status, body["status"]) == (200, "degraded")
    assert body["checks"]["job_queue"]["dead"] == 1
    assert body["checks"]["database"]["status"] == "ok"
    assert dead == 1


async def test_projection_lag_degrades_health_until_caught_up(runtime: Runtime) -> None:
    await runtime.catch_up()
    await runtime.store.append(
        f"sidecar-test-{uuid.uuid4()}", 0, [NewEvent("Noted", {"n": n}) for n in range(1001)]
    )
    async with serve(runtime) as client:
        status, body = await _health(client)
        lag = _samples(await _scrape(client), "docsense_projection_lag_events")
        await runtime.catch_up()
        _, after = await _health(client)

    assert (status, body["status"]) == (200, "degraded")
    assert body["checks"]["event_store"]["projection_lag"] == {"documents": 1001}
    assert lag == {frozenset({("projection", "documents")}): 1001}
    assert after["status"] == "healthy"


@pytest.mark.parametrize("outcome", ["false", "raises"])
async def test_a_failing_slack_check_degrades_health(runtime: Runtime, outcome: str) -> None:
    async def slack_check() -> bool:
        if outcome == "raises":
            raise aiohttp.ClientConnectionError("slack.com unreachable")
        return False

    async with serve(runtime, slack_check=slack_check) as client:
        status, body = await _health(client)
        ready = await client.get("/health/ready")

    assert (status, body["status"]) == (200, "degraded")
    assert body["checks"]["slack"]["status"] == "error"
    assert ready.status == 200  # Slack being away is no reason to leave the load balancer


async def test_database_down_is_unhealthy_and_not_ready(runtime: Runtime) -> None:
    errors = _error_count("sidecar")
    async with database_down(runtime) as down, serve(down) as client:
        status, body = await _health(client)
        ready = await client.get("/health/ready")
        live = await client.get("/health/live")
        scrape = await client.get("/metrics")
        text = await scrape.text()

    assert (status, body["status"]) == (503, "unhealthy")
    assert body["checks"]["database"]["status"] == "error"
    assert body["checks"]["job_queue"]["status"] == "skipped"
    assert ready.status == 503
    assert live.status == 200
    # Prometheus still gets the in-process series, and no stale job counts.
    assert scrape.status == 200
    assert "docsense_slack_events_total" in text
    assert _samples(text, "docsense_jobs") == {}
    assert _samples(text, "docsense_job_oldest_pending_age_seconds") == {}
    assert _error_count("sidecar") == errors + 1


async def test_missing_migration_makes_the_replica_not_ready(runtime: Runtime) -> None:
    async with serve(runtime) as client:
        removed = await runtime.pool.fetchrow(
            "DELETE FROM schema_migrations WHERE component = 'domain' AND version = 1 RETURNING *"
        )
        try:
            ready = await client.get("/health/ready")
            body = await ready.json()
        finally:
            await runtime.pool.execute(
                "INSERT INTO schema_migrations VALUES ($1, $2, $3, $4)", *removed.values()
            )
        ready_again = await client.get("/health/ready")

    assert ready.status == 503
    assert "docsense db migrate" in body["checks"]["database"]["reason"]
    assert ready_again.status == 200


async def test_no_response_reveals_a_secret(runtime: Runtime) -> None:
    async def slack_fails() -> bool:
        raise RuntimeError(f"auth failed for {BOT_TOKEN}")

    paths = ["/metrics", "/health", "/health/live", "/health/ready"]
    bodies = []
    async with serve(runtime, slack_check=slack_fails) as client:
        bodies += [await (await client.get(path)).text() for path in paths]
    async with database_down(runtime) as down, serve(down, slack_check=slack_fails) as client:
        bodies += [await (await client.get(path)).text() for path in paths]

    # The failing check is reported by exception class, not by its message.
    assert json.loads(bodies[1])["checks"]["slack"]["reason"] == "RuntimeError"
    for body in bodies:
        assert BOT_TOKEN not in body
        assert SIGNING_SECRET not in body
        assert runtime.dsn not in body


async def test_start_and_stop_serve_on_a_real_port(runtime: Runtime) -> None:
    runner = await start_sidecar(build_sidecar(runtime), 0, host="127.0.0.1")
    host, port = runner.addresses[0][:2]
    url = f"http://{host}:{port}/health/live"
    async with aiohttp.ClientSession() as session:
        async with session.get(url) as response:
            assert (response.status, await response.json()) == (200, {"status": "alive"})
        await stop_sidecar(runner)
        with pytest.raises(aiohttp.ClientConnectionError):
            await session.get(url)


async def test_a_background_task_not_running_as_it_should_degrades_health(
    runtime: Runtime,
) -> None:
    """A projector of this replica may have died while another replica keeps the read
    models current, which no database check can see."""
    tasks = {
        "projector:documents": {"status": "failing", "failing_seconds": 42.0, "error": "OSError"},
        "worker": {"status": "ok"},
    }
    await runtime.catch_up()
    app = build_sidecar(runtime, background=lambda: tasks)
    async with TestClient(TestServer(app)) as client:
        status, body = await _health(client)
        ready = await client.get("/health/ready")
    assert (status, body["status"]) == (200, "degraded"), body
    background = body["checks"]["background"]
    assert background["status"] == "failing" and background["tasks"] == tasks
    assert "projector:documents" in background["reason"] and "worker" not in background["reason"]
    assert ready.status == 200


async def test_a_projection_whose_oldest_event_waits_too_long_is_lagging(
    runtime: Runtime,
) -> None:
    """Two events behind is nothing by count, but not when they have waited minutes."""
    await runtime.catch_up()
    await runtime.store.append(f"sidecar-{uuid.uuid4()}", 0, [NewEvent("Waited", {})])
    await runtime.pool.execute(
        "UPDATE events SET recorded_at = now() - interval '5 minutes' "
        "WHERE position = (SELECT max(position) FROM events)"
    )
    try:
        async with serve(runtime) as client:
            status, body = await _health(client)
    finally:
        await runtime.catch_up()
    event_store = body["checks"]["event_store"]
    assert (status, body["status"], event_store["status"]) == (200, "degraded", "lagging")
    assert event_store["projection_lag"]["documents"] == 1
    assert event_store["projection_delay_seconds"]["documents"] >= 300
    assert "s behind" in event_store["reason"]
