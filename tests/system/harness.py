"""What the system tests drive: real `docsense serve` processes, a PostgreSQL of their own
that can be stopped and restarted, and a fake Slack that can hold its answers back.

Every replica logs JSON lines to a file of its own (a pipe nobody reads would fill up and
block the process), so a test can read what each replica said after it is gone.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg

from bot.runtime import open_runtime
from bot.settings import Settings
from tests.bot.test_serve_process import DOCSENSE, _free_port
from tests.fakes import USER_ID
from tests.fakes.slack_api import Call, FakeSlack
from tests.fakes.slack_requests import event_callback, file_share_message, post_to_app

TOKEN = "xoxb-system-test-token"
SECRET = "system-test-signing-secret"
SPEC = b"""# Intraday Mean Reversion

## Parameters

The entry threshold is 2.0 standard deviations of the 20-day spread.

## Risk

Positions are closed when the drawdown exceeds a limit.
"""


class Postgres:
    """A PostgreSQL of the test's own, so stopping it disturbs no other test."""

    def __init__(self, folder: Path) -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            import pgserver

        self._pgserver = pgserver
        self.server = pgserver.get_server(folder / "pgdata", cleanup_mode="stop")
        self.dsn = self.server.get_uri("postgres")

    def _pg_ctl(self, *args: str) -> None:
        self._pgserver.pg_ctl(
            ["-w", *args], pgdata=self.server.pgdata, user=self.server.system_user, timeout=60
        )

    def restart(self) -> None:
        self._pg_ctl("-m", "fast", "restart")

    def stop(self) -> None:
        """Shut down at once, dropping every connection (`pg_ctl stop -m fast`)."""
        self._pg_ctl("-m", "fast", "stop")

    def start(self) -> None:
        """Start again with the options it first ran with (socket directory, no TCP)."""
        self.server.ensure_postgres_running()

    def close(self) -> None:
        self.server.cleanup()


class GatedSlack(FakeSlack):
    """FakeSlack whose file downloads, and answers to chosen `chat.postMessage` calls, can be
    held back: Slack has the request (for a post: has stored the message) and the replica
    waits for the answer, which is where a test kills it."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.download_gate = asyncio.Event()
        self.download_gate.set()
        self.downloads_started = 0
        self.hold_post: Callable[[Call], bool] = lambda _call: False
        self.post_gate = asyncio.Event()
        self.held_posts: list[Call] = []

    async def _handle_download(self, request: aiohttp.web.Request) -> aiohttp.web.Response:
        async with self._changed:
            self.downloads_started += 1
            self._changed.notify_all()
        await self.download_gate.wait()
        return await super()._handle_download(request)

    async def _record(self, call: Call) -> None:
        """Recorded once Slack has answered in full; a held post waits here, unanswered."""
        await super()._record(call)
        if call.method == "chat.postMessage" and call.status == 200 and self.hold_post(call):
            self.hold_post = lambda _call: False  # one post only
            async with self._changed:
                self.held_posts.append(call)
                self._changed.notify_all()
            await self.post_gate.wait()

    async def wait_until(self, condition: Callable[[], bool], timeout: float = 60) -> None:
        """Wait until `condition()` holds; it is checked after every call Slack records."""
        async with asyncio.timeout(timeout), self._changed:
            await self._changed.wait_for(condition)

    def release(self) -> None:
        self.download_gate.set()
        self.post_gate.set()


class Replica:
    """One `docsense serve` process with ports and a log file of its own."""

    def __init__(self, name: str, folder: Path, env: dict[str, str]) -> None:
        self.name = name
        self.port, self.metrics_port = _free_port(), _free_port()
        self.log_path = folder / f"{name}.log"
        self.env = {
            **os.environ,
            **env,
            "PORT": str(self.port),
            "METRICS_PORT": str(self.metrics_port),
            "LOG_FORMAT": "json",
        }
        self.process: asyncio.subprocess.Process | None = None
        self.starts = 0

    @property
    def events_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/slack/events"

    @property
    def health_url(self) -> str:
        return f"http://127.0.0.1:{self.metrics_port}/health"

    async def start(self, http: aiohttp.ClientSession) -> None:
        self.starts += 1
        with self.log_path.open("a") as log:
            self.process = await asyncio.create_subprocess_exec(
                DOCSENSE, "serve", env=self.env, stdout=log, stderr=log
            )
        await self.wait_health(http, "/ready", lambda status, _body: status == 200)

    async def wait_health(
        self,
        http: aiohttp.ClientSession,
        path: str,
        accept: Callable[[int, dict[str, Any]], bool],
        timeout: float = 60,
    ) -> dict[str, Any]:
        """Poll `/health<path>` until `accept(status, body)`; the body that passed."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.returncode is not None:
                raise AssertionError(f"{self.name} exited {self.process.returncode}: {self.tail()}")
            try:
                async with http.get(self.health_url + path) as response:
                    body = await response.json()
                    if accept(response.status, body):
                        return body
            except (aiohttp.ClientError, json.JSONDecodeError):
                pass
            await asyncio.sleep(0.1)
        raise AssertionError(f"{self.name}: /health{path} never passed; {self.tail()}")

    def kill(self) -> None:
        """SIGKILL: no cleanup of any kind, as when a machine dies."""
        assert self.process is not None
        self.process.kill()

    async def wait_killed(self) -> None:
        assert self.process is not None
        await self.process.wait()

    async def stop(self, timeout: float = 90) -> int:
        """SIGTERM and the exit code."""
        assert self.process is not None
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
        return await asyncio.wait_for(self.process.wait(), timeout)

    async def ensure_stopped(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.kill()
            await self.process.wait()

    def log(self) -> list[dict[str, Any]]:
        entries = []
        for line in self.log_path.read_text().splitlines():
            with contextlib.suppress(json.JSONDecodeError):
                entries.append(json.loads(line))
        return entries

    def tail(self, lines: int = 40) -> str:
        text = self.log_path.read_text() if self.log_path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


def serve_env(dsn: str, slack: FakeSlack, **settings: str) -> dict[str, str]:
    return {
        "DATABASE_URL": dsn,
        "SLACK_BOT_TOKEN": TOKEN,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": slack.api_url,
        **settings,
    }


def share_file(
    slack: FakeSlack, channel: str, file_id: str, ts: str, content: bytes = SPEC
) -> bytes:
    """A file shared in `channel` at `ts`, as the signed body of its `message` event."""
    file = slack.add_file(file_id, f"{file_id.lower()}.md", content, channel=channel, ts=ts)
    return event_callback(file_share_message(channel, USER_ID, [file], ts), event_id=f"Ev{file_id}")


async def deliver(
    http: aiohttp.ClientSession, replica: Replica, body: bytes, *, retry_num: int | None = None
) -> int:
    """POST one event to `replica` as Slack does; the HTTP status, or 0 for no answer."""
    try:
        response = await post_to_app(
            http,
            replica.events_url,
            body,
            "application/json",
            SECRET,
            retry_num=retry_num,
            retry_reason=None if retry_num is None else "http_error",
        )
    except (aiohttp.ClientError, TimeoutError):
        return 0
    return response.status


def findings_posts(slack: FakeSlack, channel: str) -> list[Call]:
    return [
        call
        for call in slack.calls_to("chat.postMessage")
        if call.params.get("channel") == channel
        and call.status == 200
        and str(call.params.get("text", "")).startswith("Review of")
    ]


READ_MODELS = ("documents", "findings")


async def read_models(connection: asyncpg.Connection) -> dict[str, list[str]]:
    """Every row of the read models, as JSON text in a stable order."""
    return {
        table: [
            row["r"]
            for row in await connection.fetch(
                f"SELECT to_jsonb(t)::text AS r FROM {table} t ORDER BY to_jsonb(t)::text"
            )
        ]
        for table in READ_MODELS
    }


async def assert_read_models_follow_the_log(dsn: str) -> None:
    """The read models equal what replaying the whole log into them gives, and each
    document's state there is the state its own stream folds to."""
    settings = Settings(database_url=dsn)
    async with open_runtime(settings, local=True) as runtime:
        await runtime.catch_up()
        async with runtime.pool.acquire() as connection:
            kept = await read_models(connection)
        for projector in runtime.projectors:
            await projector.rebuild()
        async with runtime.pool.acquire() as connection:
            replayed = await read_models(connection)
            rows = await connection.fetch("SELECT id, state FROM documents")
        assert kept == replayed, "the read models differ from a replay of the log"
        for row in rows:
            document = await runtime.documents.load(row["id"])
            assert document.status == row["state"], (row["id"], document.status, row["state"])
