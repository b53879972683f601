"""The operations sidecar on METRICS_PORT: `/metrics` and the health endpoints.

It runs in the same process as the Slack app and the workers but on its own port,
so Prometheus and load-balancer probes never share a door with Slack traffic, and
nginx publishes only `/slack/events`. Responses carry states, counts and exception
class names only: never settings, DSNs or exception messages, which can quote them.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

import structlog
from aiohttp import web
from prometheus_client.exposition import choose_encoder

from bot import metrics
from bot.runtime import Runtime, all_migrations
from domain.queries import projection_lag
from eventstore.projections import projection_delays

log = structlog.get_logger(__name__)

DATABASE_TIMEOUT = 2.0
"""Seconds `SELECT 1` and the migration check may take before the database counts as down."""
CHECK_TIMEOUT = 5.0
"""Seconds any other check (queue, event store, Slack) may take."""
PROJECTION_LAG_LIMIT = 1000
"""Events a projection may trail the log before /health reports degraded."""
PROJECTION_DELAY_LIMIT = 60.0
"""Seconds the oldest unprojected event may wait before /health reports degraded: a few
events stuck behind a failing one never reach the count above."""

SlackCheck = Callable[[], Awaitable[bool]]
Background = Callable[[], dict[str, dict[str, Any]]]
"""The replica's own background tasks (projectors, workers, LISTEN), each with a
`status` that is `ok` when it runs and does its work."""


class CheckFailed(Exception):
    """A health check did not pass; the message is safe to show."""


class _Sidecar:
    def __init__(
        self, runtime: Runtime, slack_check: SlackCheck | None, background: Background | None
    ) -> None:
        self.runtime = runtime
        self.slack_check = slack_check
        self.background = background
        self.expected_migrations = {(m.component, m.version) for m in all_migrations()}

    async def metrics(self, request: web.Request) -> web.Response:
        try:
            await asyncio.wait_for(metrics.refresh_gauges(self.runtime), DATABASE_TIMEOUT)
        except Exception as error:
            # Still serve the in-process series: a database outage must not look like
            # DocSense being down; the database-backed gauges were cleared, not left stale.
            metrics.ERRORS.labels(component="sidecar").inc()
            log.warning("sidecar.gauges_unavailable", kind=type(error).__name__)
        encode, content_type = choose_encoder(request.headers.get("Accept", ""))
        return web.Response(body=encode(metrics.REGISTRY), headers={"Content-Type": content_type})

    async def live(self, _request: web.Request) -> web.Response:
        return web.json_response({"status": "alive"})

    async def ready(self, _request: web.Request) -> web.Response:
        database = await _run_check(self.database, DATABASE_TIMEOUT)
        ready = database["status"] == "ok"
        return web.json_response(
            {"status": "ready" if ready else "not_ready", "checks": {"database": database}},
            status=200 if ready else 503,
        )

    async def health(self, _request: web.Request) -> web.Response:
        database = await _run_check(self.database, DATABASE_TIMEOUT)
        if database["status"] == "ok":
            event_store, job_queue, slack = await asyncio.gather(
                _run_check(self.event_store, CHECK_TIMEOUT),
                _run_check(self.job_queue, CHECK_TIMEOUT),
                _run_check(self.slack, CHECK_TIMEOUT),
            )
        else:
            skipped = {"status": "skipped", "reason": "database unavailable"}
            event_store, job_queue = skipped, skipped
            slack = await _run_check(self.slack, CHECK_TIMEOUT)
        checks = {
            "database": database,
            "event_store": event_store,
            "job_queue": job_queue,
            "slack": slack,
            "ai_provider": self._ai_check(),
            "background": self._background_check(),
        }
        if database["status"] != "ok":
            status = "unhealthy"
        elif any(check["status"] != "ok" for check in checks.values()):
            status = "degraded"
        else:
            status = "healthy"
        return web.json_response(
            {"status": status, "checks": checks}, status=503 if status == "unhealthy" else 200
        )

    def _background_check(self) -> dict[str, Any]:
        """What this replica runs besides the front door; the database checks cannot see a
        projector of this replica that died while another replica's keeps up."""
        tasks = self.background() if self.background is not None else {}
        failing = sorted(name for name, task in tasks.items() if task["status"] != "ok")
        check: dict[str, Any] = {"status": "failing" if failing else "ok", "tasks": tasks}
        if failing:
            check["reason"] = f"not running as they should: {', '.join(failing)}"
        return check

    def _ai_check(self) -> dict[str, Any]:
        """Which models review, and whether the last call to each worked. When every
        provider's last call failed, reviews are rules-only: degraded, not down."""
        ai = self.runtime.documents.ai
        if ai is None:
            return {"status": "ok", "providers": [], "mode": "rules"}
        seen = self.runtime.ai_observer.last_outcome if self.runtime.ai_observer else {}
        last = {name: seen.get(name) for name in ai.provider_names}
        failing = [name for name, outcome in last.items() if outcome not in (None, "ok")]
        status = "failing" if failing and len(failing) == len(last) else "ok"
        return {"status": status, "providers": ai.provider_names, "last_outcome": last}

    async def database(self) -> dict[str, Any]:
        started = time.perf_counter()
        async with self.runtime.pool.acquire() as connection:
            await connection.fetchval("SELECT 1")
            latency_ms = round((time.perf_counter() - started) * 1000, 1)
            rows = await connection.fetch("SELECT component, version FROM schema_migrations")
        missing = self.expected_migrations - {(r["component"], r["version"]) for r in rows}
        if missing:
            raise CheckFailed(f"{len(missing)} migration(s) not applied; run `docsense db migrate`")
        return {"status": "ok", "latency_ms": latency_ms, "migrations": "applied"}

    async def event_store(self) -> dict[str, Any]:
        store = self.runtime.store
        # The last position reads one index entry; count(*) would scan the whole log.
        events = await store.last_position()
        lags = await projection_lag(store)
        delays = {
            name: round(delay, 1) for name, delay in (await projection_delays(store.pool)).items()
        }
        behind = sorted(name for name, lag in lags.items() if lag > PROJECTION_LAG_LIMIT)
        late = sorted(name for name, delay in delays.items() if delay > PROJECTION_DELAY_LIMIT)
        check: dict[str, Any] = {
            "status": "lagging" if behind or late else "ok",
            "events": events,
            "projection_lag": lags,
            "projection_delay_seconds": delays,
        }
        reasons = []
        if behind:
            reasons.append(f"{', '.join(behind)} over {PROJECTION_LAG_LIMIT} events behind")
        if late:
            reasons.append(f"{', '.join(late)} over {PROJECTION_DELAY_LIMIT:g} s behind")
        if reasons:
            check["reason"] = "; ".join(reasons)
        return check

    async def job_queue(self) -> dict[str, Any]:
        counts = await self.runtime.jobs.counts()
        dead = counts["dead"]
        check: dict[str, Any] = {
            "status": "dead_letters" if dead else "ok",
            "pending": counts["pending"],
            "running": counts["running"],
            "dead": dead,
        }
        if dead:
            check["reason"] = f"{dead} dead-lettered job(s) need attention"
        return check

    async def slack(self) -> dict[str, Any]:
        if self.slack_check is None:
            return {"status": "ok", "checked": False}
        if not await self.slack_check():
            raise CheckFailed("Slack API check failed")
        return {"status": "ok", "checked": True}


async def _run_check(
    check: Callable[[], Awaitable[dict[str, Any]]], timeout: float
) -> dict[str, Any]:
    """One check's result; a failure becomes a reason without exception text (see module)."""
    try:
        return await asyncio.wait_for(check(), timeout)
    except CheckFailed as failed:
        return {"status": "error", "reason": str(failed)}
    except TimeoutError:
        return {"status": "error", "reason": f"no answer within {timeout:g} s"}
    except Exception as error:
        log.warning("sidecar.check_failed", check=check.__name__, kind=type(error).__name__)
        return {"status": "error", "reason": type(error).__name__}


def build_sidecar(
    runtime: Runtime,
    *,
    slack_check: SlackCheck | None = None,
    background: Background | None = None,
) -> web.Application:
    """The sidecar app; `slack_check` (e.g. a Slack `auth.test` call) returns False when
    Slack cannot be reached, and `background` reports the replica's own tasks: either
    degrades /health without failing readiness."""
    sidecar = _Sidecar(runtime, slack_check, background)
    app = web.Application()
    app.router.add_get("/metrics", sidecar.metrics)
    app.router.add_get("/health", sidecar.health)
    app.router.add_get("/health/live", sidecar.live)
    app.router.add_get("/health/ready", sidecar.ready)
    return app


async def start_sidecar(app: web.Application, port: int, *, host: str = "0.0.0.0") -> web.AppRunner:
    """Serve `app` on all interfaces so Prometheus can scrape it; keep the port off the
    internet with the firewall (nginx never proxies it)."""
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    return runner


async def stop_sidecar(runner: web.AppRunner) -> None:
    await runner.cleanup()
