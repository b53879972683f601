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


async def _thread(client: AsyncWebClient) -> str:
    root = await client.chat_postMessage(channel="C1", text="a file was shared here")
    return str(root["ts"])


async def test_a_post_an_earlier_attempt_made_is_recorded_not_repeated(
    runtime: Runtime, slack: FakeSlack
) -> None:
    client = AsyncWebClient(token=TOKEN, base_url=slack.api_url)
    notifier = SlackNotifier(client, runtime.documents)
    document_id = uuid.uuid4()
    thread = await _thread(client)
    # What the attempt that died had posted: Slack has it, the event store does not.
    await notifier.post_once(document_id, "other", channel="C1", thread_ts=thread, message=MESSAGE)
    lost = await client.chat_postMessage(
        channel="C1",
        thread_ts=thread,
        text=MESSAGE["text"],
        metadata={
            "event_type": POST_METADATA_TYPE,
            "event_payload": {"document": str(document_id), "key": "findings:1:0"},
        },
    )
    before = len(slack.calls_to("chat.postMessage"))

    ts = await notifier.post_once(
        document_id, "findings:1:0", channel="C1", thread_ts=thread, message=MESSAGE, reconcile=True
    )
    assert ts == lost["ts"]
    assert len(slack.calls_to("chat.postMessage")) == before
    assert await runtime.documents.posted(document_id, "findings:1:0") == lost["ts"]


async def test_without_an_earlier_post_in_the_thread_the_message_is_posted(
    runtime: Runtime, slack: FakeSlack
) -> None:
    client = AsyncWebClient(token=TOKEN, base_url=slack.api_url)
    notifier = SlackNotifier(client, runtime.documents)
    document_id = uuid.uuid4()
    thread = await _thread(client)
    await notifier.post_once(document_id, "other", channel="C1", thread_ts=thread, message=MESSAGE)

    ts = await notifier.post_once(
        document_id, "findings:2:0", channel="C1", thread_ts=thread, message=MESSAGE, reconcile=True
    )
    [posted] = [c for c in slack.calls_to("chat.postMessage") if c.response.get("ts") == ts]
    assert posted.params["metadata"]["event_payload"] == {
        "document": str(document_id),
        "key": "findings:2:0",
    }
    replies = slack.calls_to("conversations.replies")
    assert replies and replies[-1].params["include_all_metadata"] in ("1", "true", True)
