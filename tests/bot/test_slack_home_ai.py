"""App Home with a model configured: AI usage and cost this month, scoped like the rest of
the Home tab. The model is FakeAnthropic, reached through the real SDK."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import aiohttp
import pytest

from bot.serve import Server
from domain.queries import ai_usage, month_start
from tests.bot.slack_harness import App, serving
from tests.bot.test_slack_surfaces import OTHER_USER, _channel, _shared
from tests.fakes import USER_ID
from tests.fakes.ai_servers import FakeAnthropic
from tests.fakes.slack_api import FakeSlack
from tests.fakes.slack_requests import app_home_opened


@pytest.fixture(scope="module")
async def slack() -> AsyncIterator[FakeSlack]:
    async with FakeSlack(bot_token="xoxb-test") as fake:
        yield fake


@pytest.fixture(scope="module")
async def anthropic() -> AsyncIterator[FakeAnthropic]:
    async with FakeAnthropic() as fake:
        yield fake


@pytest.fixture(scope="module")
async def server(
    slack: FakeSlack, anthropic: FakeAnthropic, database_dsn: str
) -> AsyncIterator[Server]:
    model = {
        "ai_provider": "anthropic",
        "anthropic_api_key": "sk-ant-test",
        "anthropic_base_url": anthropic.base_url,
    }
    async with serving(slack, database_dsn, **model) as started:
        yield started


async def test_app_home_shows_ai_usage_this_month_for_the_users_channels_only(
    server: Server, slack: FakeSlack, anthropic: FakeAnthropic
) -> None:
    runtime = server.runtime
    mine = _channel(slack, USER_ID, OTHER_USER)
    theirs = _channel(slack, OTHER_USER)
    async with aiohttp.ClientSession() as session:
        app = App(server, session)
        for channel, name in ((mine, "costly_mine.md"), (theirs, "costly_theirs.md")):
            for _ in range(8):  # every part and retry of a review finds a model answer
                anthropic.reply_findings([])
            await _shared(app, slack, channel, name)
        await runtime.catch_up()
        assert anthropic.requests, "the reviews asked the model"

        since = month_start(datetime.now(UTC))
        expected = {
            user: await ai_usage(runtime.pool, channels=channels, since=since)
            for user, channels in ((USER_ID, [mine]), (OTHER_USER, [mine, theirs]))
        }
        assert expected[USER_ID].reviews == 1 and expected[OTHER_USER].reviews == 2
        assert 0 < expected[USER_ID].cost_usd < expected[OTHER_USER].cost_usd
        published = len(slack.calls_to("views.publish"))
        for count, user in enumerate((USER_ID, OTHER_USER), start=published + 1):
            await app.event(app_home_opened(user))
            await slack.wait_for("views.publish", count)
            home = json.dumps(slack.home_views[user]["blocks"], ensure_ascii=False)
            usage = expected[user]
            assert (
                f"{usage.reviews} reviews and 0 answers, {usage.input_tokens:,} in / "
                f"{usage.output_tokens:,} out tokens, *${usage.cost_usd:,.2f}*"
            ) in home
