"""A whole `docsense serve` run in LOG_FORMAT=json, read as a log shipper reads it.

Start, an upload reviewed and answered, PostgreSQL restarted under the running server,
SIGTERM: every line on stderr is one JSON object, lines from other libraries' stdlib
loggers arrive in the same shape, and no configured secret appears anywhere.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import tempfile
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest

from tests.bot.test_serve_process import DOCSENSE, _free_port
from tests.fakes import USER_ID
from tests.fakes.slack_api import FakeSlack
from tests.fakes.slack_requests import event_callback, file_share_message, post_to_app
from tests.system.harness import SPEC, Postgres

BOT_TOKEN = "xoxb-4242-log-secret-bot-token"
SIGNING_SECRET = "log-secret-signing-8c1e"
CHANNEL = "CLOGS01"


@pytest.fixture(scope="module")
def postgres() -> Iterator[Postgres]:
    with tempfile.TemporaryDirectory(prefix="docsense-logs-") as folder:
        server = Postgres(Path(folder))
        try:
            yield server
        finally:
            server.close()


async def _wait_ready(http: aiohttp.ClientSession, url: str, *, status: str) -> None:
    for _ in range(300):
        try:
            async with http.get(url) as response:
                if (await response.json()).get("status") == status:
                    return
        except (aiohttp.ClientError, json.JSONDecodeError):
            pass
        await asyncio.sleep(0.1)
    raise AssertionError(f"{url} never reported {status}")


async def _wait_for_reviews(slack: FakeSlack, count: int) -> None:
    for _ in range(600):
        posts = slack.calls_to("chat.postMessage")
        if sum(str(c.params.get("text", "")).startswith("Review of") for c in posts) >= count:
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"upload {count} was never reviewed")


async def test_every_line_of_a_serve_run_is_json_without_secrets(
    postgres: Postgres,
) -> None:
    port, metrics_port = _free_port(), _free_port()
    async with FakeSlack(bot_token=BOT_TOKEN) as slack, aiohttp.ClientSession() as http:
        env = {
            **os.environ,
            "DATABASE_URL": postgres.dsn,
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": slack.api_url,
            "PORT": str(port),
            "METRICS_PORT": str(metrics_port),
            "LOG_FORMAT": "json",
            "LOG_LEVEL": "DEBUG",  # the most a library will ever say
        }
        process = await asyncio.create_subprocess_exec(
            DOCSENSE, "serve", env=env, stderr=asyncio.subprocess.PIPE
        )
        try:
            health = f"http://127.0.0.1:{metrics_port}/health"
            await _wait_ready(http, f"{health}/ready", status="ready")
            url = f"http://127.0.0.1:{port}/slack/events"
            for n in (1, 2):  # one upload before PostgreSQL restarts, one after
                file = slack.add_file(f"FLOG{n}", f"spec_{n}.md", SPEC, channel=CHANNEL)
                message = file_share_message(CHANNEL, USER_ID, [file], f"1700000000.000{n}")
                body = event_callback(message)
                response = await post_to_app(http, url, body, "application/json", SIGNING_SECRET)
                assert response.status == 200
                await _wait_for_reviews(slack, n)
                if n == 1:
                    await asyncio.to_thread(postgres.restart)
                    await _wait_ready(http, health, status="healthy")

            process.send_signal(signal.SIGTERM)
            code = await asyncio.wait_for(process.wait(), 60)
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()
        assert process.stderr is not None
        stderr = (await process.stderr.read()).decode()

    lines = stderr.splitlines()
    entries = []
    for line in lines:
        try:
            entries.append(json.loads(line))
        except json.JSONDecodeError:
            pytest.fail(f"not a JSON line: {line!r}")
    assert code == 0, stderr[-3000:]
    assert BOT_TOKEN not in stderr and SIGNING_SECRET not in stderr
    events = {entry["event"] for entry in entries}
    assert {"serve.started", "serve.stopped"} <= events
    assert all({"timestamp", "level", "logger"} <= entry.keys() for entry in entries)
    ours = ("bot.", "domain.", "eventstore.")
    foreign = {entry["logger"] for entry in entries if not entry["logger"].startswith(ours)}
    assert foreign & {"slack_bolt.AsyncApp", "slack_sdk.web.async_base_client", "asyncio"}, foreign
    with_stack = [entry for entry in entries if "exception" in entry]
    for entry in with_stack:
        assert isinstance(entry["exception"], list) and entry["exception"][0]["frames"]
    assert not any("token` will be unused" in entry["event"] for entry in entries)
