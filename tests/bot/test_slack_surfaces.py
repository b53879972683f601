"""App Home, the "Review with DocSense" shortcut, paging and filters, and assistant threads,
end to end: signed requests into the running server, FakeSlack behind `SLACK_API_URL`,
real PostgreSQL, real workers, real ingest and review. No model is configured here."""

from __future__ import annotations

import asyncio
import itertools
import json
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from bot.runtime import Runtime
from bot.slack_blocks import review_order
from domain.report import review_payload
from tests.bot.slack_harness import SPEC, App, blocks_of, posts, text_of, until
from tests.fakes import BOT_USER_ID, USER_ID
from tests.fakes.slack_api import Call, FakeSlack
from tests.fakes.slack_requests import (
    app_home_opened,
    assistant_message,
    assistant_thread_context_changed,
    assistant_thread_started,
    block_actions,
    file_share_message,
    message_action,
    thread_reply,
)

OTHER_USER = "U2"
STRANGER = "U3"
_serial = itertools.count(1)


def _id(prefix: str) -> str:
    return f"{prefix}S{next(_serial):04d}"


def _ts() -> str:
    return f"{1_900_000_000 + next(_serial)}.000200"


def sixty_findings_spec() -> bytes:
    """The example specification with six more sleeves, each vague in the same ways: the
    rules engine finds 60 or more findings in it, quoted ones and absences."""
    sleeves = [
        f"""
## {9 + k}. Portfolio Construction of the {name} sleeve

The {name} long book holds stocks whose {name} rank is above the threshold; the {name} short
book holds stocks in the bottom decile. Each {name} position is equally weighted, and single
{name} positions are capped to limit concentration. {name.title()} sector exposures are
constrained relative to the benchmark.

## {9 + k}b. Rebalancing of the {name} sleeve

In addition, {name} positions are reviewed periodically and trimmed when drift exceeds the
tolerance threshold. {name.title()} risk limits are monitored daily by the risk team.
"""
        for k, name in enumerate(("alpha", "beta", "gamma", "delta", "epsilon", "zeta"))
    ]
    return SPEC + "".join(sleeves).encode()


def _channel(slack: FakeSlack, *members: str, **options: Any) -> str:
    channel = _id(options.pop("prefix", "C"))
    slack.add_channel(channel, members, **options)
    return channel


async def _shared(
    app: App, slack: FakeSlack, channel: str, name: str, content: bytes = SPEC
) -> tuple[str, list[Call]]:
    """A file shared in `channel` and reviewed: the message ts and the posts in its thread."""
    ts, file_id = _ts(), _id("F")
    file = slack.add_file(file_id, name, content, channel=channel, ts=ts)
    await app.event(file_share_message(channel, USER_ID, [file], ts))
    return ts, await _findings_posted(slack, channel, ts)


async def _findings_posted(slack: FakeSlack, channel: str, thread_ts: str) -> list[Call]:
    def thread() -> list[Call]:
        return [c for c in posts(slack, channel) if c.params.get("thread_ts") == thread_ts]

    return await until(lambda: (found := thread()) and "Review:" in text_of(found[-1]) and found)


async def _document(runtime: Runtime, channel: str, name: str) -> uuid.UUID:
    await runtime.catch_up()
    return await runtime.pool.fetchval(
        "SELECT id FROM documents WHERE channel_id = $1 AND filename = $2", channel, name
    )


def _home_text(slack: FakeSlack, user: str) -> str:
    return json.dumps(slack.home_views[user]["blocks"], ensure_ascii=False)


def _ids(call: Call) -> list[str]:
    return [
        b["block_id"].removeprefix("finding:")
        for b in blocks_of(call)
        if b.get("block_id", "").startswith("finding:")
    ]


def _element_values(call: Call, action_id: str) -> list[dict[str, Any]]:
    """The elements of `call`'s actions blocks with that action id."""
    return [
        element
        for block in blocks_of(call)
        if block.get("type") == "actions"
        for element in block["elements"]
        if element["action_id"] == action_id
    ]


def _element(call: Call, action_id: str) -> dict[str, Any]:
    return _element_values(call, action_id)[0]


async def _next_post(slack: FakeSlack, channel: str, after: int) -> Call:
    """The first post in `channel` after the first `after` ones."""
    return (await until(lambda: posts(slack, channel)[after:]))[0]


def _as_message(call: Call) -> dict[str, Any]:
    return {"ts": call.response["ts"], "text": call.params["text"], "blocks": blocks_of(call)}


async def eventually(condition: Callable[[], Awaitable[Any]], timeout: float = 30) -> Any:
    """`until` for conditions that read the database."""
    deadline = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < deadline:
        if result := await condition():
            return result
        await asyncio.sleep(0.05)
    raise AssertionError("condition not met in time")


async def _events(runtime: Runtime, document_id: uuid.UUID, kind: str) -> list[dict[str, Any]]:
    rows = await runtime.pool.fetch(
        "SELECT data FROM events WHERE stream_id = $1 AND type = $2 ORDER BY position",
        f"document-{document_id}",
        kind,
    )
    return [row["data"] for row in rows]


# -- App Home -----------------------------------------------------------------------------


async def test_app_home_shows_a_user_only_the_channels_they_share_with_docsense(
    app: App, slack: FakeSlack, runtime: Runtime
) -> None:
    shared = _channel(slack, USER_ID, OTHER_USER, name="trading")
    theirs = _channel(slack, OTHER_USER, name="secret-desk", prefix="G")
    ts, calls = await _shared(app, slack, shared, "home_shared.md")
    await _shared(app, slack, theirs, "home_secret.md")
    accept = _element(calls[-1], "finding_accept")["value"]
    click = block_actions("finding_accept", accept, USER_ID, shared, calls[-1].response["ts"])
    await app.form(click)
    document_id = uuid.UUID(accept.split("|")[0])
    await eventually(lambda: _events(runtime, document_id, "FindingAccepted"))

    published = len(slack.calls_to("views.publish"))
    await app.event(app_home_opened(USER_ID, tab="messages"))
    await app.event(app_home_opened(USER_ID))
    await slack.wait_for("views.publish", published + 1)
    mine = _home_text(slack, USER_ID)
    assert "home_shared.md" in mine and f"<#{shared}>" in mine
    assert f"/archives/{shared}/p{ts.replace('.', '')}" in mine, "a link to the review's thread"
    assert "home_secret.md" not in mine and theirs not in mine
    assert "✅ 1 accepted" in mine and "across 1 documents" in mine
    assert "AI this month" not in mine, "no model is configured"
    assert "Review with DocSense" in mine, "the how-to"

    await app.event(app_home_opened(OTHER_USER))
    await slack.wait_for("views.publish", published + 2)
    both = _home_text(slack, OTHER_USER)
    assert "home_shared.md" in both and "home_secret.md" in both and "✅ 1 accepted" in both
    await app.event(app_home_opened(STRANGER))
    await slack.wait_for("views.publish", published + 3)
    assert "No documents yet" in _home_text(slack, STRANGER)
    assert len(slack.calls_to("views.publish")) == published + 3, "the Messages tab needs nothing"


async def test_app_home_without_the_channel_scopes_says_what_to_fix(
    app: App, slack: FakeSlack
) -> None:
    published = len(slack.calls_to("views.publish"))
    slack.error_next("users.conversations", "missing_scope")
    await app.event(app_home_opened(USER_ID))
    await slack.wait_for("views.publish", published + 1)
    text = _home_text(slack, USER_ID)
    assert "channels:read" in text and "reinstall" in text
    assert ".md" not in text, "no documents when Slack cannot say which channels are visible"


# -- The message shortcut -----------------------------------------------------------------


async def _told(slack: FakeSlack, response_url: str) -> Call:
    """What was posted to `response_url`: an ephemeral answer to the person who clicked."""
    [told] = await until(lambda: slack.responses_to(response_url))
    assert told.params.get("response_type") == "ephemeral"
    return told


async def _shortcut(app: App, slack: FakeSlack, channel: str, message: dict[str, Any]) -> str:
    """Choose "Review with DocSense" on `message`; what the user is told (ephemerally)."""
    url = slack.response_url()
    response = await app.form(
        message_action("review_with_docsense", USER_ID, channel, message, response_url=url)
    )
    assert response.status == 200
    return str((await _told(slack, url)).params["text"])


async def test_the_shortcut_reviews_a_file_posted_earlier_once(
    app: App, slack: FakeSlack, runtime: Runtime
) -> None:
    channel = _channel(slack, USER_ID)
    ts, file_id = _ts(), _id("F")
    file = slack.add_file(file_id, "posted_before.md", SPEC, channel=channel, ts=ts)
    message = {"type": "message", "user": USER_ID, "ts": ts, "text": "", "files": [file]}

    assert "Reviewing *posted_before.md*" in await _shortcut(app, slack, channel, message)
    calls = await _findings_posted(slack, channel, ts)
    assert "Reviewing" in calls[0].params["text"] and calls[0].params["thread_ts"] == ts
    await until(lambda: "white_check_mark" in slack.reactions_on(channel, ts))

    again = await _shortcut(app, slack, channel, message)
    assert "already reviewed" in again and "nothing was reviewed again" in again
    await app.event(file_share_message(channel, USER_ID, [file], ts))  # the upload, late
    document_id = await _document(runtime, channel, "posted_before.md")
    assert document_id == uuid.uuid5(
        uuid.UUID("0d5b7f5e-3f0a-4c55-9a43-1b8f3c2d9e71"), f"T1:{file_id}"
    )
    jobs = await runtime.pool.fetchval(
        "SELECT count(*) FROM jobs WHERE kind = 'review-document' AND payload->>'file_id' = $1",
        file_id,
    )
    submitted = await _events(runtime, document_id, "DocumentSubmitted")
    assert jobs == 1 and len(submitted) == 1
    assert len([c for c in posts(slack, channel) if c.params.get("thread_ts") == ts]) == len(calls)


async def test_the_shortcut_explains_a_message_without_a_file_and_a_channel_without_docsense(
    app: App, slack: FakeSlack
) -> None:
    channel = _channel(slack, USER_ID)
    plain = {"type": "message", "user": USER_ID, "ts": _ts(), "text": "no file here"}
    assert "has no file to review" in await _shortcut(app, slack, channel, plain)

    elsewhere = _channel(slack, USER_ID, bot_member=False)
    ts = _ts()
    file = slack.add_file(_id("F"), "outside.md", SPEC, channel=elsewhere, ts=ts)
    message = {"type": "message", "user": USER_ID, "ts": ts, "text": "", "files": [file]}
    assert "/invite @DocSense" in await _shortcut(app, slack, elsewhere, message)
    assert posts(slack, elsewhere) == [] and posts(slack, channel) == []


# -- Paging and filters -------------------------------------------------------------------


async def _click(
    app: App, channel: str, action_id: str, value: str, on: Call, **options: Any
) -> None:
    response = await app.form(
        block_actions(
            action_id,
            value,
            USER_ID,
            channel,
            on.response["ts"],
            message=_as_message(on),
            thread_ts=on.params.get("thread_ts"),
            **options,
        )
    )
    assert response.status == 200


async def _long_review(
    app: App, slack: FakeSlack, runtime: Runtime, name: str
) -> tuple[str, str, Call, list[dict[str, Any]]]:
    """The 60-finding specification reviewed in a new channel: the channel, the thread,
    the findings message and the review's findings."""
    channel = _channel(slack, USER_ID)
    ts, calls = await _shared(app, slack, channel, name, sixty_findings_spec())
    review = await runtime.documents.latest_review(await _document(runtime, channel, name))
    assert review is not None
    return channel, ts, calls[-1], review_payload(review)["findings"]


async def test_show_more_pages_through_a_sixty_finding_review_to_its_end(
    app: App, slack: FakeSlack, runtime: Runtime
) -> None:
    channel, ts, summary, findings = await _long_review(app, slack, runtime, "sixty.md")
    ordered = [f["id"] for f in review_order(findings)]
    assert len(ordered) >= 60
    assert len(blocks_of(summary)) <= 50
    assert _ids(summary) == ordered[:8]

    shown: list[str] = []
    on, pages = summary, 0
    while True:
        before = len(posts(slack, channel))
        await _click(app, channel, "findings_page", _element(on, "findings_page")["value"], on)
        on = await _next_post(slack, channel, before)
        pages += 1
        assert on.params["thread_ts"] == ts and len(blocks_of(on)) <= 50
        shown += _ids(on)
        if not _element_values(on, "findings_page"):
            break
    assert shown == ordered[8:], "every page in order, each finding once, to the end"
    assert pages == -(-(len(ordered) - 8) // 20)
    assert f"of {len(ordered)}" in text_of(on)
    document_id = await _document(runtime, channel, "sixty.md")
    keys = [e["key"] for e in await _events(runtime, document_id, "SlackMessagePosted")]
    assert sum(key.startswith("page:") for key in keys) == pages, "each page recorded"
    update = await until(
        lambda: [
            c for c in slack.calls_to("chat.update") if c.params.get("ts") == summary.response["ts"]
        ]
    )
    assert "Posted below for" in text_of(update[-1]) and "findings_filter" in text_of(update[-1])


async def test_the_severity_filter_posts_that_severity_and_worse_only_once(
    app: App, slack: FakeSlack, runtime: Runtime
) -> None:
    channel, ts, summary, findings = await _long_review(app, slack, runtime, "filtered.md")
    document_id = await _document(runtime, channel, "filtered.md")
    severity = {f["id"]: f["severity"] for f in findings}
    critical = [f["id"] for f in review_order(findings) if f["severity"] == "critical"]
    assert 20 < len(critical) < len(findings)
    value = f"{document_id}|0|critical"
    options = [o["value"] for o in _element(summary, "findings_filter")["options"]]
    assert value in options

    before = len(posts(slack, channel))
    await _click(app, channel, "findings_filter", value, summary, element="static_select")
    await _click(app, channel, "findings_filter", value, summary, element="static_select")
    first = (await until(lambda: posts(slack, channel)[before:]))[0]
    assert "critical only: findings 1–20" in text_of(first)
    more = _element(first, "findings_page")["value"]
    assert more == f"{document_id}|20|critical"
    await _click(app, channel, "findings_page", more, first)
    second = (await until(lambda: posts(slack, channel)[before + 1 :]))[0]
    shown = _ids(first) + _ids(second)
    assert shown == critical and {severity[i] for i in shown} == {"critical"}
    assert not _element_values(second, "findings_page")
    assert len(posts(slack, channel)) == before + 2, "a second choice of the same filter: no post"
    assert second.params["thread_ts"] == ts


async def test_export_uploads_the_review_into_its_thread_once(app: App, slack: FakeSlack) -> None:
    channel = _channel(slack, USER_ID)
    ts, calls = await _shared(app, slack, channel, "exported.md")
    summary = calls[-1]
    value = _element(summary, "findings_export")["value"]
    told = []
    for _ in range(2):
        url = slack.response_url()
        await _click(app, channel, "findings_export", value, summary, response_url=url)
        told.append(await _told(slack, url))
    assert "Exporting the review of exported.md" in told[0].params["text"]
    assert "already exported" in told[1].params["text"]
    uploads = await until(
        lambda: [u for u in slack.uploads if u.channel_id == channel and u.thread_ts == ts]
    )
    assert uploads[0].filename == "exported-review.md" and b"# Review:" in uploads[0].content
    assert len([u for u in slack.uploads if u.channel_id == channel]) == 1


# -- Assistant threads --------------------------------------------------------------------


def _in_thread(slack: FakeSlack, channel: str, thread_ts: str) -> list[Call]:
    return [c for c in posts(slack, channel) if c.params.get("thread_ts") == thread_ts]


def _assistant_calls(slack: FakeSlack, method: str, channel: str) -> list[Call]:
    return [
        c
        for c in slack.calls_to(f"assistant.threads.{method}")
        if c.params["channel_id"] == channel
    ]


async def test_an_assistant_thread_from_start_to_a_grounded_answer(
    app: App, slack: FakeSlack, runtime: Runtime
) -> None:
    desk = _channel(slack, USER_ID, name="quant-desk")
    hidden = _channel(slack, OTHER_USER, name="hidden")
    await _shared(app, slack, desk, "panel_strategy.md")
    await _shared(app, slack, hidden, "panel_hidden.md")
    dm = _channel(slack, USER_ID, prefix="D")
    thread = _ts()

    await app.event(assistant_thread_started(USER_ID, dm, thread, context_channel=desk))
    greeting = (await until(lambda: _in_thread(slack, dm, thread)))[0]
    menu = _element(greeting, "assistant_pick")
    labels = [o["text"]["text"] for o in menu["options"]]
    assert any(label.startswith("panel_strategy.md · #quant-desk") for label in labels)
    assert not any("panel_hidden" in label for label in labels), "scoped like App Home"
    prompts = (await until(lambda: _assistant_calls(slack, "setSuggestedPrompts", dm)))[0]
    assert "Open panel_strategy.md (" in json.dumps(prompts.params["prompts"])

    document_id = await _document(runtime, desk, "panel_strategy.md")
    option = next(o["value"] for o in menu["options"] if o["value"] == str(document_id))
    await _click(app, dm, "assistant_pick", option, greeting, element="static_select")
    discussing = (await until(lambda: _in_thread(slack, dm, thread)[1:]))[0]
    assert "Now discussing *panel_strategy.md*" in text_of(discussing)
    title = (await until(lambda: _assistant_calls(slack, "setTitle", dm)))[-1]
    assert title.params["title"] == "panel_strategy.md"

    before, in_desk = len(_in_thread(slack, dm, thread)), len(posts(slack, desk))
    question = assistant_message(
        dm, USER_ID, "How often is the portfolio rebalanced?", _ts(), thread
    )
    await app.event(question)
    status = (await until(lambda: _assistant_calls(slack, "setStatus", dm)))[-1]
    assert status.params["status"] == "is reading the document…"
    answer = (await until(lambda: _in_thread(slack, dm, thread)[before:]))[0]
    assert "Rebalanc" in text_of(answer) and ">" in text_of(answer), "quoted from the document"
    assert (dm, thread) not in slack.thread_status, "the answer cleared the status"
    [asked] = await _events(runtime, document_id, "QuestionAsked")
    assert asked["text"] == "How often is the portfolio rebalanced?"
    assert len(posts(slack, desk)) == in_desk, "answered in the panel, not in the channel"

    await app.event(assistant_thread_context_changed(USER_ID, dm, thread, hidden))
    await app.event(assistant_thread_context_changed(USER_ID, dm, thread, desk))
    suggested = await until(lambda: _assistant_calls(slack, "setSuggestedPrompts", dm)[2:])
    assert "panel_strategy.md" in json.dumps(suggested[0].params["prompts"])
    assert "panel_hidden" not in json.dumps(
        [c.params for c in _assistant_calls(slack, "setSuggestedPrompts", dm)]
    )


async def test_a_file_dropped_in_an_assistant_thread_is_reviewed_there_with_a_status(
    app: App, slack: FakeSlack, runtime: Runtime
) -> None:
    dm = _channel(slack, USER_ID, prefix="D")
    thread = _ts()
    await app.event(assistant_thread_started(USER_ID, dm, thread))
    await until(lambda: _in_thread(slack, dm, thread))
    ts, file_id = _ts(), _id("F")
    file = slack.add_file(file_id, "dropped.md", SPEC, channel=dm, ts=ts, thread_ts=thread)
    await app.event(assistant_message(dm, USER_ID, "", ts, thread, files=[file]))
    status = (await until(lambda: _assistant_calls(slack, "setStatus", dm)))[0]
    assert status.params["status"] == "is reviewing dropped.md…"
    findings = await _findings_posted(slack, dm, thread)
    assert "Review:" in text_of(findings[-1])
    assert (dm, thread) not in slack.thread_status

    before = len(_in_thread(slack, dm, thread))
    await app.event(assistant_message(dm, USER_ID, "What is the stop-loss?", _ts(), thread))
    answer = (await until(lambda: _in_thread(slack, dm, thread)[before:]))[0]
    document_id = await _document(runtime, dm, "dropped.md")
    assert [q["text"] for q in await _events(runtime, document_id, "QuestionAsked")] == [
        "What is the stop-loss?"
    ]
    assert answer.params["thread_ts"] == thread


async def test_an_assistant_thread_offers_nothing_the_user_cannot_see(
    app: App, slack: FakeSlack, runtime: Runtime
) -> None:
    hidden = _channel(slack, OTHER_USER, name="other-desk")
    await _shared(app, slack, hidden, "not_yours.md")
    document_id = await _document(runtime, hidden, "not_yours.md")
    dm = _channel(slack, STRANGER, prefix="D")
    thread = _ts()
    await app.event(assistant_thread_started(STRANGER, dm, thread))
    greeting = (await until(lambda: _in_thread(slack, dm, thread)))[0]
    assert "No reviewed documents" in text_of(greeting)

    forged = block_actions(
        "assistant_pick",
        str(document_id),
        STRANGER,
        dm,
        greeting.response["ts"],
        thread_ts=thread,
        element="static_select",
    )
    await app.form(forged)
    refusal = (await until(lambda: _in_thread(slack, dm, thread)[1:]))[0]
    assert "can't find that document" in text_of(refusal)
    short = str(document_id)[:8]
    await app.event(assistant_message(dm, STRANGER, f"Open not_yours.md ({short})", _ts(), thread))
    await until(lambda: _in_thread(slack, dm, thread)[2:])
    assert await _events(runtime, document_id, "ThreadLinked") == []
    assert "not_yours" not in json.dumps([c.params for c in _in_thread(slack, dm, thread)][2:])


async def test_without_the_side_panel_dm_threads_work_as_before(
    app: App, slack: FakeSlack, runtime: Runtime
) -> None:
    dm = _channel(slack, USER_ID, prefix="D")
    assistant_calls = len([c for c in slack.calls if c.method.startswith("assistant.")])
    ts, file_id = _ts(), _id("F")
    file = slack.add_file(file_id, "dm_strategy.md", SPEC, channel=dm, ts=ts)
    await app.event(file_share_message(dm, USER_ID, [file], ts, channel_type="im"))
    await _findings_posted(slack, dm, ts)
    before = len(_in_thread(slack, dm, ts))
    reply = thread_reply(dm, USER_ID, "What is the stop-loss?", _ts(), ts, channel_type="im")
    await app.event(reply)
    answer = (await until(lambda: _in_thread(slack, dm, ts)[before:]))[0]
    assert answer.params["thread_ts"] == ts
    chatter = thread_reply(
        dm, USER_ID, "thanks", _ts(), _ts(), parent_user_id=BOT_USER_ID, channel_type="im"
    )
    await app.event(chatter)
    document_id = await _document(runtime, dm, "dm_strategy.md")
    assert len(await _events(runtime, document_id, "QuestionAsked")) == 1
    assert len([c for c in slack.calls if c.method.startswith("assistant.")]) == assistant_calls
