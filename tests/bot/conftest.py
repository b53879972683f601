"""The Slack tests' shared fixtures: one FakeSlack, one running server, a client that
talks to it as Slack does. A module that needs other settings defines its own `server`."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from bot.runtime import Runtime
from bot.serve import Server
from tests.bot.slack_harness import TOKEN, App, serving
from tests.fakes.slack_api import FakeSlack


@pytest.fixture(scope="module")
async def slack() -> AsyncIterator[FakeSlack]:
    async with FakeSlack(bot_token=TOKEN) as fake:
        yield fake


@pytest.fixture(scope="module")
async def server(slack: FakeSlack, database_dsn: str) -> AsyncIterator[Server]:
    async with serving(slack, database_dsn) as started:
        yield started


@pytest.fixture(scope="module")
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture(scope="module")
def runtime(server: Server) -> Runtime:
    return server.runtime


@pytest.fixture(scope="module")
def app(server: Server, http: aiohttp.ClientSession) -> App:
    return App(server, http)
