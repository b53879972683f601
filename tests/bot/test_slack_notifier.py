"""A post Slack stored but nobody recorded (the process died in between) is found in its
thread by its metadata and recorded, not posted again."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot.runtime import Runtime, open_runtime
from bot.settings import Settings
from bot.slack_jobs import POST_METADATA_TYPE, SlackNotifier
from tests.fakes.slack_api import FakeSlack

TOKEN = "xoxb-notifier"
MESSAGE = {"text": "Review of Spec", "blocks": []}


@pytest.fixture(scope="module")
async def runtime(database_dsn: str) -> AsyncIterator[Runtime]:
    async with open_runtime(Settings(database_url=database_dsn)) as opened:
        yield opened


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlack]:
    async with FakeSlack(bot_token=TOKEN) as fake:
        yield fake


class Thread:
    """A thread holding one post of ours already (under another key)."""

    def __init__(self, runtime: Runtime, slack: FakeSlack) -> None:
        self.client = AsyncWebClient(token=TOKEN, base_url=slack.api_url)
        self.notifier = SlackNotifier(self.client, runtime.documents)
        self.document_id = uuid.uuid4()
        self.ts = ""

    async def open(self) -> Thread:
        root = await self.client.chat_postMessage(channel="C1", text="a file was shared here")
        self.ts = str(root["ts"])
        await self.post("other")
        return self

    async def post(self, key: str, *, reconcile: bool = False) -> str:
        return await self.notifier.post_once(
            self.document_id,
            key,
            channel="C1",
            thread_ts=self.ts,
            message=MESSAGE,
            reconcile=reconcile,
        )


@pytest.fixture
async def thread(runtime: Runtime, slack: FakeSlack) -> Thread:
    return await Thread(runtime, slack).open()


async def test_a_post_an_earlier_attempt_made_is_recorded_not_repeated(
    runtime: Runtime, slack: FakeSlack, thread: Thread
) -> None:
    # What the attempt that died had posted: Slack has it, the event store does not.
    lost = await thread.client.chat_postMessage(
        channel="C1",
        thread_ts=thread.ts,
        text=MESSAGE["text"],
        metadata={
            "event_type": POST_METADATA_TYPE,
            "event_payload": {"document": str(thread.document_id), "key": "findings:1:0"},
        },
    )
    before = len(slack.calls_to("chat.postMessage"))

    assert await thread.post("findings:1:0", reconcile=True) == lost["ts"]
    assert len(slack.calls_to("chat.postMessage")) == before
    assert await runtime.documents.posted(thread.document_id, "findings:1:0") == lost["ts"]


async def test_without_an_earlier_post_in_the_thread_the_message_is_posted(
    slack: FakeSlack, thread: Thread
) -> None:
    ts = await thread.post("findings:2:0", reconcile=True)
    [posted] = [c for c in slack.calls_to("chat.postMessage") if c.response.get("ts") == ts]
    assert posted.params["metadata"]["event_payload"] == {
        "document": str(thread.document_id),
        "key": "findings:2:0",
    }
    replies = slack.calls_to("conversations.replies")
    assert replies and replies[-1].params["include_all_metadata"] in ("1", "true", True)
