"""The Slack fakes, proven through the real slack_sdk client and a real slack_bolt app.

If these pass, a test that drives DocSense against FakeSlack exercises the same HTTP the
SDKs would exchange with Slack, and requests built here are accepted by Bolt as Slack's.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from slack_bolt.async_app import AsyncApp, AsyncAssistant
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient

from tests.fakes import BOT_ID, BOT_USER_ID, USER_ID
from tests.fakes.slack_api import FakeSlack, Upload
from tests.fakes.slack_requests import (
    FORM,
    JSON,
    app_home_opened,
    app_mention,
    assistant_thread_context_changed,
    assistant_thread_started,
    block_actions,
    bot_message,
    event_callback,
    file_share_message,
    file_shared_event,
    message_action,
    message_changed,
    message_deleted,
    post_to_app,
    sign,
    slash_command,
    thread_reply,
    user_message,
    view_submission,
)

BOT_TOKEN = "xoxb-test"
SECRET = "signing-secret"


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlack]:
    async with FakeSlack(bot_token=BOT_TOKEN) as fake:
        yield fake


@pytest.fixture
def client(slack: FakeSlack) -> AsyncWebClient:
    return AsyncWebClient(BOT_TOKEN, base_url=slack.api_url)


async def _slack_error(call: Any) -> str:
    with pytest.raises(SlackApiError) as failure:
        await call
    return str(failure.value.response["error"])


async def test_sdk_post_message_is_answered_and_recorded(
    slack: FakeSlack, client: AsyncWebClient
) -> None:
    first = await client.chat_postMessage(channel="C1", text="hello", thread_ts="1699.000001")
    second = await client.api_call("chat.postMessage", data={"channel": "C1", "text": "form"})

    assert first["ts"] == "1700000000.000100"
    assert float(second["ts"]) > float(first["ts"])
    assert first["channel"] == "C1"
    assert first["message"]["bot_id"] == BOT_ID
    assert first["message"]["thread_ts"] == "1699.000001"
    json_call, form_call = slack.calls_to("chat.postMessage")
    assert json_call.params == {"channel": "C1", "text": "hello", "thread_ts": "1699.000001"}
    assert json_call.headers["Authorization"] == f"Bearer {BOT_TOKEN}"
    assert form_call.params == {"channel": "C1", "text": "form"}
    assert form_call.response["ok"] is True


async def test_wrong_token_and_unknown_method_are_refused_like_slack(slack: FakeSlack) -> None:
    intruder = AsyncWebClient("xoxb-wrong", base_url=slack.api_url)
    client = AsyncWebClient(BOT_TOKEN, base_url=slack.api_url)

    assert await _slack_error(intruder.chat_postMessage(channel="C1", text="x")) == "invalid_auth"
    assert await _slack_error(client.api_call("chat.explode")) == "unknown_method"
    assert [call.method for call in slack.calls] == ["chat.postMessage", "chat.explode"]


async def test_wait_for_returns_once_background_work_called_slack(
    slack: FakeSlack, client: AsyncWebClient
) -> None:
    async def later() -> None:
        await asyncio.sleep(0.05)
        await client.reactions_add(channel="C1", timestamp="1.000001", name="eyes")

    task = asyncio.create_task(later())
    [call] = await slack.wait_for("reactions.add")
    await task

    assert call.params["name"] == "eyes"
    with pytest.raises(AssertionError, match=r"chat\.update"):
        await slack.wait_for("chat.update", timeout=0.05)


async def test_rate_limit_is_retried_by_the_sdk_handler(
    slack: FakeSlack, client: AsyncWebClient
) -> None:
    client.retry_handlers.append(AsyncRateLimitErrorRetryHandler(max_retry_count=1))
    slack.fail_next("chat.postMessage", status=429, retry_after=1)

    response = await client.chat_postMessage(channel="C1", text="eventually")

    assert response["ok"] is True
    attempts = slack.calls_to("chat.postMessage")
    assert [call.status for call in attempts] == [429, 200]
    assert attempts[0].response == {"ok": False, "error": "ratelimited"}


async def test_server_errors_and_api_errors_are_scripted(
    slack: FakeSlack, client: AsyncWebClient
) -> None:
    slack.fail_next("reactions.add", status=500, times=2)
    slack.error_next("chat.postMessage", error="channel_not_found")

    for _ in range(2):
        assert await _slack_error(client.reactions_add(channel="C1", timestamp="1.1", name="x"))
    await client.reactions_add(channel="C1", timestamp="1.1", name="x")
    assert await _slack_error(client.chat_postMessage(channel="C9", text="x")) == (
        "channel_not_found"
    )
    await client.chat_postMessage(channel="C1", text="x")

    assert [call.status for call in slack.calls_to("reactions.add")] == [500, 500, 200]
    with pytest.raises(ValueError):
        slack.fail_next("chat.update", status=200)


async def test_messages_reactions_views_and_users_keep_slack_state(
    slack: FakeSlack, client: AsyncWebClient
) -> None:
    parent = await client.chat_postMessage(channel="C1", text="Reviewing…")
    await client.chat_postMessage(channel="C1", text="part 1", thread_ts=parent["ts"])
    updated = await client.chat_update(channel="C1", ts=parent["ts"], text="Done")
    replies = await client.conversations_replies(channel="C1", ts=parent["ts"])
    ephemeral = await client.chat_postEphemeral(channel="C1", user=USER_ID, text="only you")
    view = await client.views_open(
        trigger_id="1.1.abc",
        view={
            "type": "modal",
            "callback_id": "settings",
            "title": {"type": "plain_text", "text": "S"},
        },
    )
    slack.add_user(USER_ID, "ada", tz="Europe/London")
    user = await client.users_info(user=USER_ID)

    assert updated["message"]["text"] == "Done"
    assert [message["text"] for message in replies["messages"]] == ["Done", "part 1"]
    assert float(ephemeral["message_ts"]) > float(parent["ts"])
    assert view["view"]["callback_id"] == "settings"
    assert view["view"]["state"] == {"values": {}}
    assert user["user"]["tz"] == "Europe/London"
    assert await _slack_error(client.chat_update(channel="C1", ts="1.2", text="x")) == (
        "message_not_found"
    )
    assert await _slack_error(client.users_info(user="U404")) == "user_not_found"

    await client.reactions_add(channel="C1", timestamp=parent["ts"], name="eyes")
    assert await _slack_error(
        client.reactions_add(channel="C1", timestamp=parent["ts"], name="eyes")
    ) == ("already_reacted")
    await client.reactions_add(channel="C1", timestamp=parent["ts"], name="white_check_mark")
    await client.reactions_remove(channel="C1", timestamp=parent["ts"], name="eyes")
    assert slack.reactions_on("C1", parent["ts"]) == {"white_check_mark"}


async def test_file_info_and_downloads_need_the_bot_token(
    slack: FakeSlack, client: AsyncWebClient
) -> None:
    slack.add_file("F1", "strategy v2.pdf", b"%PDF-1.7 body", channel="C1", ts="1700000001.000100")
    slack.add_file("F2", "locked.pdf", b"%PDF-1.7", login_page=True)
    foreign = slack.add_file("F3", "x.pdf", b"%PDF", url_host="https://evil.example.com")

    info = (await client.files_info(file="F1"))["file"]
    assert info["url_private_download"] == slack.file_url("F1")
    assert info["url_private_download"].startswith(f"{slack.origin}/files/F1/download/")
    assert (info["name"], info["mimetype"], info["filetype"], info["size"]) == (
        "strategy v2.pdf",
        "application/pdf",
        "pdf",
        13,
    )
    assert info["channels"] == ["C1"]
    assert info["shares"]["public"]["C1"][0]["ts"] == "1700000001.000100"
    assert foreign["url_private"].startswith("https://evil.example.com/files/F3/")
    assert await _slack_error(client.files_info(file="F404")) == "file_not_found"

    bearer = {"Authorization": f"Bearer {BOT_TOKEN}"}
    async with aiohttp.ClientSession() as session:
        async with session.get(info["url_private_download"], headers=bearer) as response:
            assert response.content_type == "application/pdf"
            assert await response.read() == b"%PDF-1.7 body"
        async with session.get(info["url_private"]) as response:
            assert (response.status, response.content_type) == (200, "text/html")
            assert "Sign in" in await response.text()
        async with session.get(slack.file_url("F2"), headers=bearer) as response:
            assert response.content_type == "text/html"

    assert [(d.file_id, d.served_content) for d in slack.downloads] == [
        ("F1", True),
        ("F1", False),
        ("F2", False),
    ]


async def test_files_upload_v2_goes_through_the_fake_and_records_content(
    slack: FakeSlack, client: AsyncWebClient
) -> None:
    response = await client.files_upload_v2(
        channel="C1",
        thread_ts="1700000000.000900",
        content=b"# Review\n\nAll good.",
        filename="review.md",
        title="Review",
        initial_comment="Here is the review",
    )

    file_id = response["file"]["id"]
    assert slack.uploads == [
        Upload(
            file_id,
            "review.md",
            "Review",
            b"# Review\n\nAll good.",
            "C1",
            "1700000000.000900",
            "Here is the review",
        )
    ]
    info = (await client.files_info(file=file_id))["file"]
    assert info["shares"]["public"]["C1"][0]["thread_ts"] == "1700000000.000900"
    assert info["user"] == BOT_USER_ID
    thread = await client.conversations_replies(channel="C1", ts="1700000000.000900")
    assert thread["messages"][0]["files"][0]["id"] == file_id


def test_sign_is_accepted_by_the_sdk_verifier() -> None:
    body = event_callback(app_mention("C1", USER_ID, f"<@{BOT_USER_ID}> review", "1.000001"))
    verifier = SignatureVerifier(SECRET)

    assert verifier.is_valid_request(body, sign(SECRET, body))
    assert not verifier.is_valid_request(body + b" ", sign(SECRET, body))
    assert not SignatureVerifier("other").is_valid_request(body, sign(SECRET, body))
    assert not verifier.is_valid_request(body, sign(SECRET, body, int(time.time()) - 600))


def _bolt_app(slack: FakeSlack) -> AsyncApp:
    return AsyncApp(
        client=AsyncWebClient(BOT_TOKEN, base_url=slack.api_url),
        signing_secret=SECRET,
        process_before_response=True,
    )


async def test_bolt_routes_the_built_requests_and_answers_through_the_fake(
    slack: FakeSlack,
) -> None:
    app = _bolt_app(slack)
    seen: list[tuple[str, Any]] = []

    @app.event({"type": "message", "subtype": "file_share"})
    async def on_file_share(event: dict[str, Any], say: Any) -> None:
        await say(text=f"Reviewing {event['files'][0]['name']}", thread_ts=event["ts"])

    @app.event("file_shared")
    async def on_file_shared(event: dict[str, Any], client: AsyncWebClient) -> None:
        seen.append(("file_shared", (await client.files_info(file=event["file_id"]))["file"]["id"]))

    @app.event("app_mention")
    async def on_mention(request: Any) -> None:
        seen.append(("app_mention", request.headers.get("x-slack-retry-num")))

    @app.event("message")
    async def on_message(event: dict[str, Any]) -> None:
        seen.append(("message", event.get("subtype")))

    @app.action("rerun")
    async def on_rerun(ack: Any, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        await client.chat_update(channel=body["channel"]["id"], ts=body["message"]["ts"], text="…")

    @app.view("settings")
    async def on_settings(ack: Any, view: dict[str, Any]) -> None:
        await ack()
        seen.append(("view", (view["private_metadata"], view["state"]["values"])))

    @app.command("/docsense")
    async def on_command(ack: Any, command: dict[str, Any], respond: Any) -> None:
        await ack()
        await respond(f"got {command['text']}")

    values = {"b": {"a": {"type": "plain_text_input", "value": "strict"}}}
    file = slack.add_file("F1", "s.pdf", b"%PDF", channel="C1", ts="1700000001.000100")
    posted = await app.client.chat_postMessage(channel="C1", text="Review ready")
    events = [
        file_share_message("C1", USER_ID, [file], "1700000001.000100"),
        file_shared_event("F1", "C1", USER_ID),
        thread_reply("C1", USER_ID, "why?", "1700000002.000100", posted["ts"]),
        message_changed("C1", user_message("C1", USER_ID, "edited", "2.1"), {}, "3.1"),
        message_deleted("C1", "2.1", "4.1"),
        bot_message("C1", "BOTHER", "another integration", "5.1"),
        bot_message("C1", BOT_ID, "our own post, which Bolt ignores", "6.1"),
    ]
    requests = [(event_callback(event), JSON) for event in events] + [
        (block_actions("rerun", "doc-1", USER_ID, "C1", posted["ts"]), FORM),
        (view_submission("settings", "doc-1", values, USER_ID), FORM),
        (slash_command("status", USER_ID, "C1", response_url=slack.response_url()), FORM),
    ]

    async with TestServer(app.web_app()) as server, aiohttp.ClientSession() as session:
        url = str(server.make_url("/slack/events"))
        for body, content_type in requests:
            response = await post_to_app(session, url, body, content_type, SECRET)
            assert response.status == 200, body
        mention = event_callback(app_mention("C1", USER_ID, f"<@{BOT_USER_ID}> hi", "7.1"))
        retried = await post_to_app(
            session, url, mention, JSON, SECRET, retry_num=1, retry_reason="http_timeout"
        )
        stale = await post_to_app(session, url, mention, JSON, SECRET, timestamp=1_600_000_000)

    assert (retried.status, stale.status) == (200, 401)
    say = slack.calls_to("chat.postMessage")[-1]
    assert say.params["thread_ts"] == "1700000001.000100"
    assert say.params["text"] == "Reviewing s.pdf"
    assert seen == [
        ("file_shared", "F1"),
        ("message", None),
        ("message", "message_changed"),
        ("message", "message_deleted"),
        ("message", "bot_message"),
        ("view", ("doc-1", values)),
        ("app_mention", ["1"]),
    ]
    assert slack.calls_to("chat.update")[0].params["ts"] == posted["ts"]
    assert slack.calls_to("response_url")[0].params["text"] == "got status"


async def test_conversations_home_views_and_assistant_threads_keep_slack_state(
    slack: FakeSlack, client: AsyncWebClient
) -> None:
    slack.add_channel("C1", [USER_ID], name="trading")
    slack.add_channel("C2", [USER_ID], bot_member=False)  # public: listed without the bot
    slack.add_channel("G1", [USER_ID])
    slack.add_channel("G2", [USER_ID], bot_member=False)  # private without the bot: hidden
    slack.add_channel("D1", [USER_ID])
    slack.add_channel("C3", ["U2"])
    types = "public_channel,private_channel,mpim,im"
    first = await client.users_conversations(user=USER_ID, types=types, limit=2)
    rest = await client.users_conversations(
        user=USER_ID, types=types, limit=2, cursor=first["response_metadata"]["next_cursor"]
    )
    listed = [c["id"] for c in first["channels"] + rest["channels"]]
    assert listed == ["C1", "C2", "G1", "D1"] and rest["response_metadata"]["next_cursor"] == ""
    assert first["channels"][0]["name"] == "trading"
    assert rest["channels"][-1]["user"] == USER_ID and "name" not in rest["channels"][-1]
    info = (await client.conversations_info(channel="C2"))["channel"]
    assert info["is_member"] is False
    assert await _slack_error(client.conversations_info(channel="G2")) == "channel_not_found"

    home = {"type": "home", "blocks": [{"type": "divider"}] * 100}
    published = await client.views_publish(user_id=USER_ID, view=home)
    assert slack.home_views[USER_ID]["id"] == published["view"]["id"]
    too_many = {"type": "home", "blocks": [{"type": "divider"}] * 101}
    assert await _slack_error(client.views_publish(user_id=USER_ID, view=too_many)) == (
        "invalid_arguments"
    )
    blocks = [{"type": "divider"}] * 51
    assert await _slack_error(client.chat_postMessage(channel="C1", text="x", blocks=blocks)) == (
        "invalid_blocks"
    )

    await client.assistant_threads_setStatus(channel_id="D1", thread_ts="1.1", status="is reading")
    assert slack.thread_status[("D1", "1.1")] == "is reading"
    await client.chat_postMessage(channel="D1", thread_ts="1.1", text="Answer")
    assert ("D1", "1.1") not in slack.thread_status, "a reply clears the status"
    prompts = [{"title": "Ask", "message": "What are the risk limits?"}]
    await client.assistant_threads_setSuggestedPrompts(
        channel_id="D1", thread_ts="1.1", prompts=prompts
    )
    await client.assistant_threads_setTitle(channel_id="D1", thread_ts="1.1", title="momentum.md")
    bad = client.assistant_threads_setSuggestedPrompts(
        channel_id="D1", thread_ts="1.1", prompts=prompts * 5
    )
    assert await _slack_error(bad) == "invalid_arguments"


async def test_bolt_routes_shortcuts_home_selects_and_assistant_events(
    slack: FakeSlack,
) -> None:
    app = _bolt_app(slack)
    assistant = AsyncAssistant()
    seen: list[tuple[str, Any]] = []

    @assistant.thread_started
    async def started(payload: dict[str, Any]) -> None:
        seen.append(("started", payload["assistant_thread"]["context"]["channel_id"]))

    @assistant.thread_context_changed
    async def moved(payload: dict[str, Any]) -> None:
        seen.append(("moved", payload["assistant_thread"]["context"]["channel_id"]))

    app.assistant(assistant)

    @app.shortcut("review_file")
    async def on_shortcut(ack: Any, shortcut: dict[str, Any]) -> None:
        await ack()
        seen.append(("shortcut", shortcut["message"]["files"][0]["id"]))

    @app.event("app_home_opened")
    async def on_home(event: dict[str, Any]) -> None:
        seen.append(("home", event["tab"]))

    @app.action("pick")
    async def on_pick(ack: Any, action: dict[str, Any]) -> None:
        await ack()
        seen.append(("pick", action["selected_option"]["value"]))

    file = slack.add_file("F9", "s.md", b"# Spec", channel="C1", ts="1.5")
    message = {"type": "message", "user": USER_ID, "ts": "1.5", "files": [file], "text": ""}
    requests = [
        (event_callback(assistant_thread_started(USER_ID, "D1", "9.1", "C1")), JSON),
        (event_callback(assistant_thread_context_changed(USER_ID, "D1", "9.1", "C2")), JSON),
        (event_callback(app_home_opened(USER_ID)), JSON),
        (message_action("review_file", USER_ID, "C1", message), FORM),
        (block_actions("pick", "doc-1", USER_ID, "D1", "9.2", element="static_select"), FORM),
    ]
    async with TestServer(app.web_app()) as server, aiohttp.ClientSession() as session:
        url = str(server.make_url("/slack/events"))
        for body, content_type in requests:
            response = await post_to_app(session, url, body, content_type, SECRET)
            assert response.status == 200, body
    assert seen == [
        ("started", "C1"),
        ("moved", "C2"),
        ("home", "home"),
        ("shortcut", "F9"),
        ("pick", "doc-1"),
    ]
