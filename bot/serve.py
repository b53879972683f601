"""`docsense serve`: the Slack app, the job workers, the projector and the sidecar.

One process runs all four; N replicas share one PostgreSQL and divide the jobs. On
SIGTERM the front door closes first (no new work), acknowledged requests finish, running
jobs get a grace period and the rest are handed back to the queue for another replica,
then everything else stops.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import aiohttp
import structlog
from aiohttp import web
from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from bot import metrics
from bot.observability import claim_failed, job_failed, job_finished, projector_failed
from bot.runtime import Runtime
from bot.settings import Settings, SettingsError
from bot.sidecar import build_sidecar, start_sidecar, stop_sidecar
from bot.slack_app import InFlight, build_slack_app
from bot.slack_export import EXPORT_JOB, Exports
from bot.slack_flood import FrontDoor
from bot.slack_jobs import FINDINGS_PAGE_JOB, SlackJobs, SlackNotifier
from bot.slack_ratelimit import GatedRateLimitRetryHandler, GatedWebClient, RateLimitGate
from domain.service import ANSWER_JOB, REVIEW_JOB
from eventstore.jobs import JOBS_CHANNEL
from eventstore.notifications import Listener
from eventstore.store import EVENTS_CHANNEL
from eventstore.worker import JobWorker

T = TypeVar("T")
log = structlog.get_logger(__name__)
SHUTDOWN_GRACE_SECONDS = 20.0
# Running reviews get this long to finish on SIGTERM; the rest go back to the queue.
JOB_GRACE_SECONDS = 60.0
PROJECTOR_FAILING_SECONDS = 10.0
"""A projector whose batches have failed this long is reported failing by /health: a
blip of the database costs a few retries and says nothing."""


def slack_client(settings: Settings) -> AsyncWebClient:
    """The Web API client: `SLACK_API_URL` for every call, retries on connection errors
    and 5xx, and on 429, after which every call of that method in this process waits
    out Retry-After (see bot/slack_ratelimit.py)."""
    assert settings.slack_bot_token is not None
    gate = RateLimitGate()
    return GatedWebClient(
        token=settings.slack_bot_token.get_secret_value(),
        base_url=settings.slack_api_url,
        gate=gate,
        retry_handlers=[
            GatedRateLimitRetryHandler(gate, max_retry_count=3),
            AsyncConnectionErrorRetryHandler(max_retry_count=2),
            AsyncServerErrorRetryHandler(max_retry_count=2),
        ],
    )


class SlackCheck:
    """`auth.test`, at most every 30 s: /health may be probed often, Slack rate-limits."""

    def __init__(self, client: AsyncWebClient, *, ttl_seconds: float = 30.0) -> None:
        self.client = client
        self.ttl = ttl_seconds
        self._checked_at = float("-inf")
        self._ok = False

    async def __call__(self) -> bool:
        now = time.monotonic()
        if now - self._checked_at >= self.ttl:
            try:
                self._ok = bool((await self.client.auth_test()).get("ok"))
            except Exception:
                self._ok = False
            self._checked_at = now
        return self._ok


@dataclass
class Server:
    runtime: Runtime
    settings: Settings
    ports: dict[str, int] = field(default_factory=dict)
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)
    _cleanups: list[Callable[[], Awaitable[object]]] = field(default_factory=list)
    inflight: InFlight | None = None
    worker: JobWorker | None = None
    listener: Listener | None = None
    _worker_task: asyncio.Task[None] | None = None
    _front_stop: Callable[[], Awaitable[object]] | None = None
    projector_failing_seconds: float = PROJECTOR_FAILING_SECONDS
    _started: bool = False
    _stopping: bool = False

    async def start(self) -> None:
        settings, runtime = self.settings, self.runtime
        http = aiohttp.ClientSession()
        self._cleanups.append(http.close)
        client = slack_client(settings)
        notifier = SlackNotifier(client, runtime.documents)
        assert settings.slack_bot_token is not None
        jobs = SlackJobs(
            runtime.documents,
            notifier,
            http,
            token=settings.slack_bot_token.get_secret_value(),
            api_url=settings.slack_api_url,
            max_bytes=settings.max_upload_bytes,
        )
        socket_mode = settings.slack_app_token is not None
        secret = settings.slack_signing_secret
        self.inflight = InFlight()
        app = build_slack_app(
            runtime,
            client,
            notifier,
            signing_secret=None if socket_mode or secret is None else secret.get_secret_value(),
            inflight=self.inflight,
        )

        self.listener = listener = Listener(runtime.dsn, [EVENTS_CHANNEL, JOBS_CHANNEL])
        await listener.start()
        self._cleanups.append(listener.stop)

        self.worker = JobWorker(
            runtime.jobs,
            {
                REVIEW_JOB: jobs.review,
                ANSWER_JOB: jobs.answer,
                FINDINGS_PAGE_JOB: jobs.findings_page,
                EXPORT_JOB: Exports(runtime.documents, runtime.jobs, client).export,
            },
            name=f"{socket.gethostname()}-{os.getpid()}",
            concurrency=settings.worker_concurrency,
            wake=listener.wake_event(JOBS_CHANNEL),
            on_finished=job_finished,
            on_failed=job_failed,
            on_claim_failed=claim_failed,
            grace_seconds=JOB_GRACE_SECONDS,
        )
        self._worker_task = self._watched(asyncio.create_task(self.worker.run()), "worker")
        for projector in runtime.projectors:
            following = projector.run_forever(
                listener.wake_event(EVENTS_CHANNEL), on_error=projector_failed
            )
            name = f"projector:{projector.projection.name}"
            self._tasks.append(self._watched(asyncio.create_task(following), name))

        sidecar_app = build_sidecar(
            runtime, slack_check=SlackCheck(client), background=self.background
        )
        sidecar = await _listening(
            "METRICS_PORT", settings.metrics_port, start_sidecar(sidecar_app, settings.metrics_port)
        )
        self.ports["metrics"] = _bound_port(sidecar)
        self._cleanups.append(lambda: stop_sidecar(sidecar))

        if socket_mode:
            assert settings.slack_app_token is not None
            handler = AsyncSocketModeHandler(
                app, settings.slack_app_token.get_secret_value(), web_client=client
            )
            await handler.connect_async()
            self._front_stop = handler.close_async
        else:
            web_app = app.web_app(path="/slack/events", port=settings.port)
            web_app.middlewares.extend([ack_timer, FrontDoor(settings.slack_max_inflight)])
            runner = web.AppRunner(web_app)
            await runner.setup()
            self._front_stop = runner.cleanup
            site = web.TCPSite(runner, "0.0.0.0", settings.port)
            await _listening("PORT", settings.port, site.start())
            self.ports["http"] = _bound_port(runner)
        self._started = True
        log.info("serve.started", socket_mode=socket_mode, **self.ports)

    def _watched(self, task: asyncio.Task[None], name: str) -> asyncio.Task[None]:
        """A background task that ends by surprise is logged at once (and /health says it
        stopped), not as a "Task exception was never retrieved" at garbage collection."""

        def ended(task: asyncio.Task[None]) -> None:
            if task.cancelled() or self._stopping:
                return
            if (error := task.exception()) is not None:
                log.error("serve.task_failed", task=name, exc_info=error)
            else:
                log.error("serve.task_ended", task=name)

        task.add_done_callback(ended)
        return task

    def background(self) -> dict[str, dict[str, Any]]:
        """For /health: whether each background task of this replica runs and does its
        work. A projector failing for a while says since when and why; the listener says
        whether it is reconnecting (followers then wake by polling only)."""
        tasks: dict[str, dict[str, Any]] = {}
        now = time.monotonic()
        for projector in self.runtime.projectors:
            failing = projector.failing_since
            if not projector.following:
                status: dict[str, Any] = {"status": "stopped"}
            elif failing is not None and now - failing > self.projector_failing_seconds:
                status = {
                    "status": "failing",
                    "failing_seconds": round(now - failing, 1),
                    "error": projector.last_error,
                }
            else:
                status = {"status": "ok"}
            tasks[f"projector:{projector.projection.name}"] = status
        running = self._worker_task is not None and not self._worker_task.done()
        tasks["worker"] = {"status": "ok" if running else "stopped"}
        if self.listener is not None:
            listener = self.listener
            state = "stopped" if not listener.watching else "ok"
            if state == "ok" and not listener.connected:
                state = "reconnecting"
            tasks["listener"] = {"status": state, "reconnects": listener.reconnects}
        return tasks

    async def stop(self) -> None:
        """Front door first, then let acknowledged requests and running jobs finish, then
        the rest. Also after a failed start: only what was started is stopped."""
        self._stopping = True
        if self._front_stop is not None:
            await self._front_stop()
        if self.inflight is not None and not await self.inflight.wait(SHUTDOWN_GRACE_SECONDS):
            log.warning("serve.listeners_unfinished", after_seconds=SHUTDOWN_GRACE_SECONDS)
        if self.worker is not None and self._worker_task is not None:
            self.worker.stop()
            await asyncio.wait([self._worker_task])  # one that died was logged then
        for task in self._tasks:
            task.cancel()
        if self._tasks:
            # A cancelled projector may be waiting on the server; never let it hold the exit.
            _, stuck = await asyncio.wait(self._tasks, timeout=SHUTDOWN_GRACE_SECONDS)
            if stuck:
                log.warning("serve.tasks_unfinished", count=len(stuck))
        for cleanup in reversed(self._cleanups):
            try:
                await cleanup()
            except Exception as error:  # one failed close must not leave the rest open
                log.warning("serve.cleanup_failed", kind=type(error).__name__)
        if self._started:
            log.info("serve.stopped")


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


async def _listening(variable: str, port: int, start: Awaitable[T]) -> T:
    """Binding a port in use is a configuration problem, said in one line."""
    try:
        return await start
    except OSError as error:
        reason = os.strerror(error.errno) if error.errno else type(error).__name__
        raise SettingsError([f"{variable}: cannot listen on port {port} ({reason})"]) from None


def _bound_port(runner: web.AppRunner) -> int:
    """The port actually bound (settings may ask for 0 in tests)."""
    for site in runner.sites:
        server = site._server  # aiohttp keeps the asyncio server here
        if server is not None and server.sockets:
            return server.sockets[0].getsockname()[1]
    raise RuntimeError("the runner has no bound site")


async def serve_until_stopped(runtime: Runtime, settings: Settings) -> None:
    server = Server(runtime, settings)
    try:
        await server.start()
    except BaseException:
        await server.stop()  # nothing half-started may outlive a failed start
        raise
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stopping.set)
    try:
        await stopping.wait()
    finally:
        for signum in (signal.SIGTERM, signal.SIGINT):
            with contextlib.suppress(Exception):
                loop.remove_signal_handler(signum)
        await server.stop()
