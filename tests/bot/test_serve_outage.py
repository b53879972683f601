"""The whole server while its database is away: every connection it has (pool and LISTEN)
goes through a proxy the test cuts, as a PostgreSQL restart or outage would.

While it is down, `/health` is unhealthy, an upload is not acknowledged with 200 (Slack
delivers it again), and the background tasks say what they suffer; once it is back they
resume by themselves, the redelivered upload is reviewed once, and the server stops
cleanly.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from bot.runtime import open_runtime
from bot.serve import Server
from bot.settings import Settings
from tests.bot.slack_harness import SECRET, SPEC, TOKEN, until
from tests.eventstore.db_proxy import DatabaseProxy
from tests.fakes import USER_ID
from tests.fakes.slack_api import FakeSlack
from tests.fakes.slack_requests import event_callback, file_share_message, post_to_app
from tests.system.harness import findings_posts

_ts = itertools.count(1)


@pytest.fixture(scope="module")
async def proxy(database_dsn: str) -> AsyncIterator[DatabaseProxy]:
    async with DatabaseProxy(database_dsn) as proxy:
        yield proxy


def _upload(slack: FakeSlack, channel: str) -> bytes:
    ts = f"{1900000000 + next(_ts)}.000100"
    file = slack.add_file(f"F{channel}", "outage.md", SPEC, channel=channel, ts=ts)
    return event_callback(file_share_message(channel, USER_ID, [file], ts))


async def _health(http: aiohttp.ClientSession, server: Server) -> tuple[int, dict[str, Any]]:
    async with http.get(f"http://127.0.0.1:{server.ports['metrics']}/health") as response:
        return response.status, await response.json()


async def test_an_outage_is_reported_refused_to_slack_and_recovered_from_by_itself(
    proxy: DatabaseProxy, slack: FakeSlack, http: aiohttp.ClientSession
) -> None:
    settings = Settings(
        database_url=proxy.dsn,
        slack_bot_token=TOKEN,
        slack_signing_secret=SECRET,
        slack_api_url=slack.api_url,
        port=0,
        metrics_port=0,
        job_lease_seconds=5,
    )
    async with open_runtime(settings) as runtime:
        server = Server(runtime, settings, projector_failing_seconds=0)
        await server.start()
        try:
            url = f"http://127.0.0.1:{server.ports['http']}/slack/events"

            async def deliver(body: bytes, retry_num: int | None = None) -> int:
                response = await post_to_app(
                    http, url, body, "application/json", SECRET, retry_num=retry_num
                )
                return response.status

            assert await deliver(_upload(slack, "COUT1")) == 200
            await until(lambda: findings_posts(slack, "COUT1"))

            await proxy.cut()
            status, body = await _health(http, server)
            assert (status, body["status"]) == (503, "unhealthy")
            during = _upload(slack, "COUT2")
            assert await deliver(during) == 500, "acknowledged although it was not stored"

            async def failing() -> bool:
                _, body = await _health(http, server)
                tasks = body["checks"]["background"]["tasks"]
                return tasks["projector:documents"]["status"] == "failing" and tasks["listener"][
                    "status"
                ] in ("reconnecting", "ok")

            for _ in range(200):
                if await failing():
                    break
                await asyncio.sleep(0.05)
            else:
                raise AssertionError("the failing projector never showed in /health")

            await proxy.restore()
            for _ in range(300):
                status, body = await _health(http, server)
                if status == 200 and body["checks"]["background"]["status"] == "ok":
                    break
                await asyncio.sleep(0.1)
            else:
                raise AssertionError(f"never healthy again: {body}")
            assert body["checks"]["background"]["tasks"]["listener"]["reconnects"] >= 1

            # Slack's redelivery of what was refused, as it does a minute later.
            assert await deliver(during, retry_num=1) == 200
            await until(lambda: findings_posts(slack, "COUT2"))
            assert await deliver(during, retry_num=2) == 200
            await asyncio.sleep(1.0)
            assert len(findings_posts(slack, "COUT2")) == 1
            assert len(findings_posts(slack, "COUT1")) == 1
        finally:
            await server.stop()
