"""After a 429 on a Web API method, every call of that method in the process waits out
Retry-After: through the real slack_sdk client against FakeSlack."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest
from slack_sdk.errors import SlackApiError

from bot.serve import slack_client
from bot.settings import Settings
from bot.slack_ratelimit import GatedRateLimitRetryHandler, GatedWebClient, RateLimitGate
from tests.fakes.slack_api import Call, FakeSlack

TOKEN = "xoxb-ratelimit"


class ClockedSlack(FakeSlack):
    """FakeSlack noting when (on this process's monotonic clock) it answered each call."""

    def __init__(self) -> None:
        super().__init__(bot_token=TOKEN)
        self.answered_at: list[tuple[Call, float]] = []

    async def _record(self, call: Call) -> None:
        self.answered_at.append((call, time.monotonic()))
        await super()._record(call)

    def times(self, method: str) -> list[tuple[int, float]]:
        return [(c.status, at) for c, at in self.answered_at if c.method == method]


@pytest.fixture
async def slack() -> AsyncIterator[ClockedSlack]:
    async with ClockedSlack() as fake:
        yield fake


async def test_a_429_holds_back_every_call_of_that_method_not_only_the_retried_one(
    slack: ClockedSlack,
) -> None:
    client = slack_client(Settings(slack_bot_token=TOKEN, slack_api_url=slack.api_url))
    assert isinstance(client, GatedWebClient)
    slack.fail_next("chat.postMessage", status=429, retry_after=1)
    first = asyncio.create_task(client.chat_postMessage(channel="C1", text="first"))
    while not client.gate.open_at("chat.postMessage"):  # the 429 has reached the client
        await asyncio.sleep(0.01)
    second = await client.chat_postMessage(channel="C1", text="second")
    assert second["ok"] and (await first)["ok"]

    [(limited, limited_at), *later] = slack.times("chat.postMessage")
    assert limited == 429
    assert [status for status, _ in later] == [200, 200]
    assert all(at >= limited_at + 1 for _, at in later), "a call went out inside Retry-After"


async def test_the_last_429_of_a_call_that_gives_up_still_closes_the_gate(
    slack: ClockedSlack,
) -> None:
    gate = RateLimitGate()
    client = GatedWebClient(
        token=TOKEN,
        base_url=slack.api_url,
        gate=gate,
        retry_handlers=[GatedRateLimitRetryHandler(gate, max_retry_count=0)],
    )
    slack.fail_next("reactions.add", status=429, retry_after=1)
    with pytest.raises(SlackApiError):
        await client.reactions_add(channel="C1", timestamp="1.0", name="eyes")
    await client.reactions_add(channel="C1", timestamp="1.0", name="eyes")
    [(_, limited_at), (status, at)] = slack.times("reactions.add")
    assert status == 200 and at >= limited_at + 1
    assert gate.open_at("chat.postMessage") == 0, "other methods are not held back"
