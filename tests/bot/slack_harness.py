"""Running `docsense serve` for the Slack tests: free ports, FakeSlack behind
`SLACK_API_URL`, the module's test database, a signing secret the tests sign with."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from bot.runtime import open_runtime
from bot.serve import Server
from bot.settings import Settings
from tests.fakes.slack_api import FakeSlack

SECRET = "test-signing-secret"
TOKEN = "xoxb-test"


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
