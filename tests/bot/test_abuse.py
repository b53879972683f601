"""Abuse of the Slack front door, probed against a running server: forged, tampered,
stale and replayed requests; documents sought from other channels, from DMs and from a
Slack Connect channel shared with another organisation; the bot token offered a foreign
host; and secrets looked for in everything that leaves the process."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from bot.runtime import Runtime
from bot.slack_files import DownloadRefused, download, token_may_go_to
from tests.bot.slack_harness import (
    SECRET,
    SPEC,
    TOKEN,
    App,
    blocks_of,
    new_channel,
    new_ts,
    posts,
    reviewed,
    text_of,
    until,
    upload,
)
from tests.fakes import BOT_USER_ID, TEAM_ID, USER_ID
from tests.fakes.local_server import serve_locally
from tests.fakes.slack_api import FakeSlack
from tests.fakes.slack_requests import (
    JSON,
    app_home_opened,
    app_mention,
    block_actions,
    event_callback,
    file_share_message,
    message_action,
    post_to_app,
    sign,
    slash_command,
    thread_reply,
)

EXT_TEAM, EXT_ENTERPRISE, EXT_USER = "T0EXTERNAL", "E0EXTERNAL", "UEXTERNAL"
"""Another organisation, met in a Slack Connect channel shared with ours."""


def connect_event(event: dict[str, Any]) -> bytes:
    """An event from a Slack Connect channel, as the other organisation's member caused it:
    their team and enterprise in the envelope, our installation in `authorizations`."""
    ours = {"enterprise_id": None, "team_id": TEAM_ID, "user_id": BOT_USER_ID, "is_bot": True}
    envelope = json.loads(event_callback(event, team_id=EXT_TEAM, authorizations=[ours]))
    envelope.update(
        enterprise_id=EXT_ENTERPRISE,
        context_team_id=EXT_TEAM,
        context_enterprise_id=EXT_ENTERPRISE,
        is_ext_shared_channel=True,
    )
    envelope["event"]["user_team"] = envelope["event"]["source_team"] = EXT_TEAM
    return json.dumps(envelope).encode()


async def _signed(app: App, body: bytes, content_type: str = JSON) -> aiohttp.ClientResponse:
    return await post_to_app(app.http, app.url, body, content_type, SECRET)


async def _reply(app: App, slack: FakeSlack, body: bytes) -> str:
    """A `/docsense` form posted as is; the ephemeral answer's text and blocks."""
    seen = len(slack.calls_to("response_url"))
    assert (await app.form(body)).status == 200
    replies = await until(lambda: slack.calls_to("response_url")[seen:])
    return json.dumps(replies[0].params)


async def _document_of(runtime: Runtime, file_id: str) -> uuid.UUID:
    await runtime.catch_up()
    found = await runtime.pool.fetchval(
        "SELECT stream_id FROM events WHERE type = 'DocumentSubmitted' AND data->>'file_key' = $1",
        f"slack:{file_id}",
    )
    assert found is not None
    return found


async def _events(runtime: Runtime, document_id: uuid.UUID, kind: str) -> int:
    return await runtime.pool.fetchval(
        "SELECT count(*) FROM events WHERE stream_id = $1 AND type = $2", str(document_id), kind
    )


def _clicked(findings_post: Any) -> dict[str, Any]:
    """The findings message as a click on it carries it."""
    return {
        "type": "message",
        "ts": findings_post.response["ts"],
        "text": findings_post.params["text"],
        "blocks": blocks_of(findings_post),
    }


def _decide_values(findings_post: Any) -> list[str]:
    return [
        element["value"]
        for block in blocks_of(findings_post)
        if block.get("block_id", "").startswith("decide:")
        for element in block["elements"]
    ]


# -- signatures and replays ------------------------------------------------------------------


async def test_unsigned_tampered_future_and_forged_requests_are_refused_and_do_nothing(
    app: App, slack: FakeSlack, runtime: Runtime
) -> None:
    channel = new_channel()
    ts = new_ts()
    file = slack.add_file(f"FSIG{channel}", "sig.md", SPEC, channel=channel, ts=ts)
    body = event_callback(file_share_message(channel, USER_ID, [file], ts))
    other = event_callback(file_share_message(channel, "UINTRUDER", [file], ts))

    async def status(data: bytes, headers: dict[str, str]) -> int:
        async with app.http.post(app.url, data=data, headers=headers) as response:
            return response.status

    plain = {"Content-Type": JSON}
    assert await status(body, plain) == 401  # no signature headers at all
    assert await status(body, {**plain, "X-Slack-Signature": "v0=" + "0" * 64}) == 401
    assert await status(other, {**plain, **sign(SECRET, body)}) == 401  # body swapped
    ahead = sign(SECRET, body, int(time.time()) + 600)  # a clock 10 minutes ahead
    assert await status(body, {**plain, **ahead}) == 401
    assert await status(body, {**plain, **sign("not-the-secret", body)}) == 401

    form = "application/x-www-form-urlencoded"
    command = slash_command("status", USER_ID, channel, response_url=slack.response_url())
    forged = {"Content-Type": form, **sign("not-the-secret", command)}
    assert await status(command, forged) == 401
    click = block_actions("finding_accept", f"{uuid.uuid4()}|f1", USER_ID, channel, ts)
    assert await status(click, {"Content-Type": form, **sign("not-the-secret", click)}) == 401

    await asyncio.sleep(1.0)
    assert posts(slack, channel) == [] and slack.calls_to("response_url") == []
    stored = await runtime.pool.fetchval(
        "SELECT count(*) FROM events WHERE data->>'file_key' = $1", f"slack:{file['id']}"
    )
    assert stored == 0


async def test_a_captured_request_replayed_within_five_minutes_repeats_nothing(
    app: App, slack: FakeSlack, runtime: Runtime
) -> None:
    """Slack's signature dates a request but does not make it single-use: a captured one
    can be sent again, byte for byte, for five minutes. Every command is idempotent, so a
    replay records and posts nothing more."""
    channel = new_channel()
    ts = new_ts()
    file = slack.add_file(f"FRPL{channel}", "replayed.md", SPEC, channel=channel, ts=ts)
    body = event_callback(file_share_message(channel, USER_ID, [file], ts))
    headers = {"Content-Type": JSON, **sign(SECRET, body)}
    for _ in range(3):
        async with app.http.post(app.url, data=body, headers=headers) as response:
            assert response.status == 200
    findings = (await reviewed(slack, channel))[1]
    value, message = _decide_values(findings)[0], _clicked(findings)
    click = block_actions("finding_accept", value, USER_ID, channel, message["ts"], message=message)
    click_headers = {"Content-Type": "application/x-www-form-urlencoded", **sign(SECRET, click)}
    for _ in range(3):
        async with app.http.post(app.url, data=click, headers=click_headers) as response:
            assert response.status == 200
    await asyncio.sleep(1.0)

    assert len(posts(slack, channel)) == 2  # "Reviewing…" and the findings, once each
    document_id = await _document_of(runtime, file["id"])
    assert await _events(runtime, document_id, "DocumentSubmitted") == 1
    assert await _events(runtime, document_id, "AnalysisCompleted") == 1
    assert await _events(runtime, document_id, "FindingAccepted") == 1
    stale = sign(SECRET, body, int(time.time()) - 301)  # just past Slack's window
    async with app.http.post(app.url, data=body, headers={"Content-Type": JSON, **stale}) as late:
        assert late.status == 401


# -- channel isolation -----------------------------------------------------------------------


async def test_a_document_cannot_be_reached_from_a_dm(
    app: App, slack: FakeSlack, runtime: Runtime
) -> None:
    home, dm = new_channel(), f"D{uuid.uuid4().hex[:8].upper()}"
    ts, file = await upload(app, slack, home, "dm_probe_strategy.md", SPEC)
    findings = (await reviewed(slack, home))[1]
    document_id = await _document_of(runtime, file["id"])
    before = len(posts(slack, home))

    question = thread_reply(dm, USER_ID, "What is the stop-loss?", new_ts(), ts, channel_type="im")
    assert (await app.event(question)).status == 200
    for text in (
        "status dm_probe_strategy.md",
        f"status {document_id}",
        "history " + str(document_id)[:8],
        "export dm_probe_strategy.md",
    ):
        reply = await _reply(
            app, slack, slash_command(text, USER_ID, dm, response_url=slack.response_url())
        )
        assert "No document matches" in reply and "Appendix C" not in reply
    stats = await _reply(
        app, slack, slash_command("stats", USER_ID, dm, response_url=slack.response_url())
    )
    assert "*0* documents" in stats
    value = _decide_values(findings)[0]
    message = _clicked(findings)
    await app.form(
        block_actions("finding_accept", value, USER_ID, dm, message["ts"], message=message)
    )
    await app.form(block_actions("findings_page", f"{document_id}|8", USER_ID, dm, new_ts()))
    await asyncio.sleep(1.0)

    assert posts(slack, dm) == [] and len(posts(slack, home)) == before
    assert await _events(runtime, document_id, "FindingAccepted") == 0
    assert await _events(runtime, document_id, "QuestionAsked") == 0


async def test_a_connect_channel_of_another_organisation_sees_only_its_own_documents(
    app: App, slack: FakeSlack, runtime: Runtime
) -> None:
    ours, shared = new_channel(), new_channel()
    slack.add_channel(ours, [USER_ID])
    slack.add_channel(shared, [USER_ID, EXT_USER])
    ts, file = await upload(app, slack, ours, "internal_only_strategy.md", SPEC)
    findings = (await reviewed(slack, ours))[1]
    document_id = await _document_of(runtime, file["id"])
    before = len(posts(slack, ours))

    # Their member, in the shared channel, points at our thread and our buttons.
    probe = thread_reply(shared, EXT_USER, "Summarise the stop-loss", new_ts(), ts)
    assert (await _signed(app, connect_event(probe))).status == 200
    mention = app_mention(shared, EXT_USER, f"<@{BOT_USER_ID}> risk limits?", new_ts(), ts)
    assert (await _signed(app, connect_event(mention))).status == 200
    replies = {}
    for text in ("status internal_only_strategy.md", f"status {str(document_id)[:8]}", "stats"):
        command = slash_command(
            text, EXT_USER, shared, response_url=slack.response_url(), team_id=EXT_TEAM
        )
        replies[text] = await _reply(app, slack, command)
    assert all("No document matches" in r for r in list(replies.values())[:2])
    assert "*0* documents" in replies["stats"]
    assert not any("Appendix C" in r for r in replies.values())
    value = _decide_values(findings)[0]
    message = _clicked(findings)
    click = block_actions(
        "finding_reject", value, EXT_USER, shared, message["ts"], message=message, team_id=EXT_TEAM
    )
    assert (await app.form(click)).status == 200

    # Their own upload there is reviewed there, and stays there.
    shared_ts = new_ts()
    theirs = slack.add_file(
        f"FEXT{shared}", "their_strategy.md", SPEC, channel=shared, ts=shared_ts, user=EXT_USER
    )
    shared_upload = file_share_message(shared, EXT_USER, [theirs], shared_ts)
    assert (await _signed(app, connect_event(shared_upload))).status == 200
    in_shared = await reviewed(slack, shared)
    assert all(c.params["thread_ts"] == shared_ts for c in in_shared)
    assert "internal_only_strategy" not in "".join(text_of(c) for c in in_shared)
    ours_reply = await _reply(
        app, slack, slash_command("status", USER_ID, ours, response_url=slack.response_url())
    )
    assert "their_strategy" not in ours_reply and "internal_only_strategy" in ours_reply

    # Their App Home lists the shared channel's document and never ours.
    assert (await app.event(app_home_opened(EXT_USER))).status == 200
    view = await until(lambda: slack.home_views.get(EXT_USER))
    shown = json.dumps(view)
    assert "their_strategy" in shown and "internal_only_strategy" not in shown

    await asyncio.sleep(1.0)
    assert len(posts(slack, ours)) == before
    assert [c.params["thread_ts"] for c in posts(slack, shared)] == [shared_ts] * len(
        posts(slack, shared)
    )
    assert await _events(runtime, document_id, "FindingRejected") == 0
    assert await _events(runtime, document_id, "QuestionAsked") == 0


async def test_an_upload_from_the_other_organisation_is_one_document_whoever_points_at_it(
    app: App, slack: FakeSlack
) -> None:
    """Their member's upload arrives under their team id; our member then chooses *Review
    with DocSense* on it (a shortcut carries the clicker's team), and the same upload may
    reach DocSense under our team id too. It is one file: one document, one review."""
    shared = new_channel()
    slack.add_channel(shared, [USER_ID, EXT_USER])
    ts = new_ts()
    file = slack.add_file(
        f"FTWO{shared}", "twice_seen.md", SPEC, channel=shared, ts=ts, user=EXT_USER, team=EXT_TEAM
    )
    message = file_share_message(shared, EXT_USER, [file], ts)
    assert (await _signed(app, connect_event(message))).status == 200
    await reviewed(slack, shared)
    url = slack.response_url()
    shortcut = message_action(
        "review_with_docsense", USER_ID, shared, {**message, "files": [file]}, response_url=url
    )
    assert (await app.form(shortcut)).status == 200
    told = await until(lambda: slack.responses_to(url))
    assert "already reviewed" in told[0].params["text"]
    assert (await app.event(message)).status == 200  # the same upload under our team id
    await asyncio.sleep(1.5)
    findings = [
        c for c in posts(slack, shared) if str(c.params.get("text", "")).startswith("Review of")
    ]
    assert len(findings) == 1


# -- the bot token stays with Slack -----------------------------------------------------------


def test_lookalike_addresses_never_get_the_token() -> None:
    api = "https://slack.com/api/"
    assert token_may_go_to("https://files.slack.com/files-pri/T1-F1/a.pdf", api)
    assert token_may_go_to("https://FILES.SLACK.COM/files-pri/T1-F1/a.pdf", api)
    for url in (
        "https://files.slack.com@evil.example/a.pdf",  # user info before the real host
        "https://evil.example/?https://files.slack.com/a.pdf",
        "https://files.slack.com.evil.example/a.pdf",
        "https://files.slack.com./a.pdf",
        "https://xn--files-slack-com.evil.example/a.pdf",
        "//files.slack.com/a.pdf",
        "ftp://files.slack.com/a.pdf",
        "https://slack.com.evil.example/api/",
        "http://slack.com/api/",  # the API host, but not over https as configured
    ):
        assert not token_may_go_to(url, api), url


async def test_a_redirect_to_a_foreign_host_never_carries_the_token() -> None:
    """A trusted host answering with a redirect elsewhere: the next hop is checked before
    anything is sent, so the foreign host is never even asked."""
    seen: list[dict[str, str]] = []

    async def foreign(request: web.Request) -> web.Response:
        seen.append(dict(request.headers))
        return web.Response(body=b"# stolen")

    async def trusted(request: web.Request) -> web.Response:
        raise web.HTTPFound(f"{foreign_origin}/grab")

    foreign_app, trusted_app = web.Application(), web.Application()
    foreign_app.router.add_get("/grab", foreign)
    trusted_app.router.add_get("/files/{name}", trusted)
    foreign_runner, foreign_origin = await serve_locally(foreign_app)
    trusted_runner, trusted_origin = await serve_locally(trusted_app)
    try:
        async with aiohttp.ClientSession() as http:
            with pytest.raises(DownloadRefused) as refused:
                await download(
                    http,
                    f"{trusted_origin}/files/spec.md",
                    token=TOKEN,
                    api_url=f"{trusted_origin}/api/",
                    max_bytes=1 << 20,
                    filename="spec.md",
                )
    finally:
        await foreign_runner.cleanup()
        await trusted_runner.cleanup()
    assert refused.value.reason == "untrusted_host"
    assert seen == []
