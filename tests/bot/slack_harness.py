"""Running `docsense serve` for the Slack tests: free ports, FakeSlack behind
`SLACK_API_URL`, the module's test database, a signing secret the tests sign with."""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp

from bot.runtime import open_runtime
from bot.serve import Server
from bot.settings import Settings
from tests.fakes import USER_ID
from tests.fakes.slack_api import Call, FakeSlack
from tests.fakes.slack_requests import (
    event_callback,
    file_share_message,
    post_to_app,
    slash_command,
)

SECRET = "test-signing-secret"
TOKEN = "xoxb-test"

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"
SPEC = (EXAMPLES / "momentum_strategy.md").read_bytes()
_channels = itertools.count(1)
_ts = itertools.count(1)


def new_channel() -> str:
    return f"C{next(_channels):04d}"


def new_ts() -> str:
    return f"{1800000000 + next(_ts)}.000100"


@asynccontextmanager
async def serving(slack: FakeSlack, database_dsn: str, **settings: Any) -> AsyncIterator[Server]:
    """A started server, stopped on the way out; `settings` add to or override the rest."""
    configured = Settings(
        **{
            "database_url": database_dsn,
            "slack_bot_token": TOKEN,
            "slack_signing_secret": SECRET,
            "slack_api_url": slack.api_url,
            "port": 0,
            "metrics_port": 0,
            "worker_concurrency": 2,
            **settings,
        }
    )
    async with open_runtime(configured) as runtime:
        started = Server(runtime, configured)
        await started.start()
        try:
            yield started
        finally:
            await started.stop()


class App:
    """Talks to the running server the way Slack does."""

    def __init__(self, server: Server, http: aiohttp.ClientSession) -> None:
        self.url = f"http://127.0.0.1:{server.ports['http']}/slack/events"
        self.http = http

    async def event(self, event: dict[str, Any], **options: Any) -> aiohttp.ClientResponse:
        event_id = options.pop("event_id", None)
        body = event_callback(event, event_id=event_id)
        return await post_to_app(self.http, self.url, body, "application/json", SECRET, **options)

    async def form(self, body: bytes, **options: Any) -> aiohttp.ClientResponse:
        content_type = "application/x-www-form-urlencoded"
        return await post_to_app(self.http, self.url, body, content_type, SECRET, **options)


async def until(condition: Callable[[], Any], timeout: float = 30) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := condition():
            return result
        await asyncio.sleep(0.05)
    raise AssertionError("condition not met in time")


def posts(slack: FakeSlack, channel: str) -> list[Call]:
    return [c for c in slack.calls_to("chat.postMessage") if c.params.get("channel") == channel]


def blocks_of(call: Call) -> list[dict[str, Any]]:
    blocks = call.params.get("blocks") or []
    return json.loads(blocks) if isinstance(blocks, str) else blocks


def text_of(call: Call) -> str:
    return call.params.get("text", "") + json.dumps(blocks_of(call))


async def upload(
    app: App, slack: FakeSlack, channel: str, name: str, content: bytes, **file_options: Any
) -> tuple[str, dict[str, Any]]:
    ts = new_ts()
    file_id = f"F{channel}{next(_ts)}"
    thread_ts = file_options.pop("thread_ts", None)
    file = slack.add_file(
        file_id, name, content, channel=channel, ts=ts, thread_ts=thread_ts, **file_options
    )
    response = await app.event(file_share_message(channel, USER_ID, [file], ts, thread_ts))
    assert response.status == 200
    return ts, file


async def slash(app: App, slack: FakeSlack, text: str, channel: str) -> str:
    """Run `/docsense <text>` in `channel`; the ephemeral reply's parameters as JSON text."""
    seen = len(slack.calls_to("response_url"))
    url = slack.response_url()
    response = await app.form(slash_command(text, USER_ID, channel, response_url=url))
    assert response.status == 200
    replies = await until(lambda: slack.calls_to("response_url")[seen:])
    assert replies[0].params.get("response_type") == "ephemeral"
    return json.dumps(replies[0].params)


async def reviewed(slack: FakeSlack, channel: str, count: int = 2) -> list[Call]:
    """The reviewing reply plus the findings message(s)."""
    return await until(lambda: (found := posts(slack, channel)) and len(found) >= count and found)
