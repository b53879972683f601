"""The Slack app end to end: signed requests into the running server, a fake Slack Web API
behind `SLACK_API_URL`, real PostgreSQL, real workers, real ingest and review."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import aiohttp
import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.runtime import Runtime
from bot.serve import Server
from bot.slack_jobs import SlackJobs, SlackNotifier
from domain import events as ev
from domain.service import SubmitDocument
from eventstore import Job
from eventstore.worker import JobContext
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
    serving,
    slash,
    text_of,
    until,
    upload,
)
from tests.domain.ingest.builders import build_pdf, encrypt_pdf, image_only_pdf, zip_bomb_docx
from tests.fakes import BOT_USER_ID, USER_ID
from tests.fakes.slack_api import Call, FakeSlack
from tests.fakes.slack_requests import (
    app_mention,
    block_actions,
    bot_message,
    event_callback,
    file_share_message,
    file_shared_event,
    message_changed,
    post_to_app,
    thread_reply,
    view_submission,
)


@pytest.fixture(scope="module")
async def server(slack: FakeSlack, database_dsn: str) -> AsyncIterator[Server]:
    async with serving(slack, database_dsn, max_upload_mb=2) as started:
        yield started


async def test_upload_gets_eyes_reply_findings_and_a_check_mark(app: App, slack: FakeSlack) -> None:
    channel = new_channel()
    ts, _ = await upload(app, slack, channel, "momentum_strategy.md", SPEC)
    calls = await reviewed(slack, channel)
    assert "Reviewing" in calls[0].params["text"]
    assert all(c.params.get("thread_ts") == ts for c in calls)
    findings = text_of(calls[1])
    assert "Appendix C" in findings and "finding_accept" in findings
    await until(lambda: "white_check_mark" in slack.reactions_on(channel, ts))
    assert "eyes" in slack.reactions_on(channel, ts)


async def test_both_upload_events_and_retries_lead_to_one_review(
    app: App, slack: FakeSlack, runtime: Runtime
) -> None:
    channel = new_channel()
    ts = new_ts()
    file = slack.add_file(f"FDUP{channel}", "dup.md", SPEC, channel=channel, ts=ts)
    message = file_share_message(channel, USER_ID, [file], ts)
    first = await app.event(message, event_id="EvDUP1")
    retried = await app.event(message, event_id="EvDUP1", retry_num=1, retry_reason="http_timeout")
    shared = await app.event(file_shared_event(file["id"], channel, USER_ID))
    assert [first.status, retried.status, shared.status] == [200, 200, 200]
    await reviewed(slack, channel)
    await asyncio.sleep(1.0)
    assert len(posts(slack, channel)) == 2
    jobs = await runtime.pool.fetchval(
        "SELECT count(*) FROM jobs WHERE payload->>'file_id' = $1", file["id"]
    )
    assert jobs == 1


async def test_bad_signature_and_stale_timestamp_are_rejected(
    app: App, http: aiohttp.ClientSession
) -> None:
    body = event_callback({"type": "app_mention", "text": "hi", "channel": "C1", "ts": "1.0"})
    forged = await post_to_app(http, app.url, body, "application/json", "wrong-secret")
    stale = await post_to_app(
        http, app.url, body, "application/json", SECRET, timestamp=int(time.time()) - 600
    )
    assert forged.status == 401 and stale.status == 401


async def test_question_in_thread_is_answered_with_citations(app: App, slack: FakeSlack) -> None:
    channel = new_channel()
    ts, _ = await upload(app, slack, channel, "momentum_strategy.md", SPEC)
    await reviewed(slack, channel)
    before = len(posts(slack, channel))
    question = thread_reply(
        channel, USER_ID, "How often is the portfolio rebalanced?", new_ts(), ts
    )
    await app.event(question)
    await app.event(question, retry_num=1, retry_reason="http_timeout")
    answer = await until(lambda: posts(slack, channel)[before:])
    assert answer[0].params["thread_ts"] == ts
    assert "Rebalanc" in text_of(answer[0])
    await asyncio.sleep(0.5)
    assert len(posts(slack, channel)) == before + 1


async def test_documents_stay_in_their_channel(app: App, slack: FakeSlack) -> None:
    home, elsewhere = new_channel(), new_channel()
    ts, _ = await upload(app, slack, home, "private_strategy.md", SPEC)
    await reviewed(slack, home)
    await app.event(thread_reply(elsewhere, USER_ID, "What is the stop-loss?", new_ts(), ts))
    reply = await slash(app, slack, "status private_strategy.md", elsewhere)
    assert "No document matches" in reply
    export = await slash(app, slack, "export private_strategy.md", elsewhere)
    assert "No document matches" in export
    await asyncio.sleep(1.0)
    assert posts(slack, elsewhere) == []


async def test_new_version_in_thread_reports_resolved_new_and_persisting(
    app: App, slack: FakeSlack
) -> None:
    channel = new_channel()
    ts, _ = await upload(app, slack, channel, "momentum_strategy.md", SPEC)
    await reviewed(slack, channel)
    fixed = SPEC.replace(b"The full derivation of the signal is given in Appendix C.", b"")
    await upload(app, slack, channel, "momentum_strategy_v2.md", fixed, thread_ts=ts)
    diff = await until(lambda: [c for c in posts(slack, channel) if "resolved" in text_of(c)])
    assert diff[0].params["thread_ts"] == ts
    assert "1 resolved" in text_of(diff[0])


async def test_accept_and_reject_buttons_record_decisions(
    app: App, slack: FakeSlack, runtime: Runtime
) -> None:
    channel = new_channel()
    ts, _ = await upload(app, slack, channel, "momentum_strategy.md", SPEC)
    findings = (await reviewed(slack, channel))[1]
    values = [
        element["value"]
        for block in blocks_of(findings)
        if block.get("block_id", "").startswith("decide:")
        for element in block["elements"]
    ]
    accept_value, reject_value = values[0], values[2]
    message = {
        "ts": findings.response["ts"],
        "text": findings.params["text"],
        "blocks": blocks_of(findings),
    }
    await app.form(
        block_actions(
            "finding_accept",
            accept_value,
            USER_ID,
            channel,
            message["ts"],
            message=message,
            thread_ts=ts,
        )
    )
    update = await until(
        lambda: [c for c in slack.calls_to("chat.update") if c.params.get("channel") == channel]
    )
    assert "Accepted" in text_of(update[0])

    await app.form(
        block_actions(
            "finding_reject",
            reject_value,
            "U2",
            channel,
            message["ts"],
            message=message,
            thread_ts=ts,
        )
    )
    modal = await until(lambda: slack.calls_to("views.open"))
    view = (
        json.loads(modal[-1].params["view"])
        if isinstance(modal[-1].params["view"], str)
        else modal[-1].params["view"]
    )
    block_id = next(b["block_id"] for b in view["blocks"] if b.get("type") == "input")
    action_id = next(b["element"]["action_id"] for b in view["blocks"] if b.get("type") == "input")
    await app.form(
        view_submission(
            "reject_reason",
            view["private_metadata"],
            {
                block_id: {
                    action_id: {"type": "plain_text_input", "value": "Covered by the runbook"}
                }
            },
            "U2",
        )
    )

    document_id, _ = reject_value.split("|")

    async def decided() -> list[tuple[str, str | None]]:
        rows = await runtime.store.read_stream(f"document-{document_id}")
        return [(e.type, e.data.get("reason")) for e in rows if e.type.startswith("Finding")]

    for _ in range(100):
        events = await decided()
        if ("FindingRejected", "Covered by the runbook") in events:
            break
        await asyncio.sleep(0.05)
    assert ("FindingAccepted", None) in events
    assert ("FindingRejected", "Covered by the runbook") in events


def _pager_value(call: Call) -> str:
    [value] = [
        element["value"]
        for block in blocks_of(call)
        if block.get("block_id") == "pager"
        for element in block["elements"]
    ]
    return value


async def test_show_all_posts_the_next_findings_in_the_thread_once(
    app: App, slack: FakeSlack
) -> None:
    channel = new_channel()
    ts, _ = await upload(app, slack, channel, "momentum_strategy.md", SPEC)
    findings = (await reviewed(slack, channel))[1]
    value = _pager_value(findings)
    shown = sum(
        b["block_id"].startswith("finding:") for b in blocks_of(findings) if "block_id" in b
    )
    message = {
        "ts": findings.response["ts"],
        "text": findings.params["text"],
        "blocks": blocks_of(findings),
    }
    click = block_actions(
        "findings_page", value, USER_ID, channel, message["ts"], message=message, thread_ts=ts
    )
    before = len(posts(slack, channel))
    started = time.monotonic()
    first, double = await asyncio.gather(app.form(click), app.form(click))
    assert first.status == double.status == 200
    assert time.monotonic() - started < 3
    page = (await until(lambda: posts(slack, channel)[before:]))[0]
    assert page.params["thread_ts"] == ts
    assert f"findings {shown + 1}–" in text_of(page)
    assert "finding_accept" in text_of(page)
    update = await until(
        lambda: [c for c in slack.calls_to("chat.update") if c.params.get("channel") == channel]
    )
    assert "Posted below for" in text_of(update[-1]) and "findings_page" not in text_of(update[-1])
    await asyncio.sleep(1.0)
    assert len(posts(slack, channel)) == before + 1, "a double click posts the page once"


async def test_show_all_from_another_channel_shows_nothing(app: App, slack: FakeSlack) -> None:
    home, elsewhere = new_channel(), new_channel()
    ts, _ = await upload(app, slack, home, "momentum_strategy.md", SPEC)
    value = _pager_value((await reviewed(slack, home))[1])
    before = len(posts(slack, home))
    await app.form(block_actions("findings_page", value, USER_ID, elsewhere, ts, thread_ts=ts))
    await asyncio.sleep(1.0)
    assert posts(slack, elsewhere) == [] and len(posts(slack, home)) == before
    assert [c for c in slack.calls_to("chat.update") if c.params.get("channel") == elsewhere] == []


REFUSALS = {
    "sheet.xlsx": (b"PK\x03\x04 not really a sheet", {}, "unsupported_type"),
    "broken.pdf": (b"%PDF-1.4 broken", {}, "corrupt"),
    "empty.md": (b"", {}, "empty"),
    "huge.md": (b"# Spec\n\n" + b"word " * 600_000, {}, "too_large"),
    "locked.pdf": (encrypt_pdf(build_pdf([("1. Scope", ["Text."])]), "secret"), {}, "encrypted"),
    "scan.pdf": (image_only_pdf(), {}, "no_text_layer"),
    "bomb.docx": (zip_bomb_docx(), {}, "zip_bomb"),
    "garbage.txt": (bytes(range(256)) * 40, {}, "undecodable_text"),
    "private.md": (b"# Spec", {"login_page": True}, "missing_scope"),
    "elsewhere.md": (b"# Spec", {"url_host": "https://evil.example.com"}, "untrusted_host"),
}


@pytest.mark.parametrize("name", sorted(REFUSALS))
async def test_each_refusal_gets_a_clear_reply_and_a_cross(
    app: App, slack: FakeSlack, runtime: Runtime, name: str
) -> None:
    content, options, reason = REFUSALS[name]
    channel = new_channel()
    ts, _ = await upload(app, slack, channel, name, content, **options)
    calls = await reviewed(slack, channel)
    await until(lambda: "x" in slack.reactions_on(channel, ts))
    rejections = await runtime.pool.fetch(
        """SELECT e.data->>'reason' AS reason, e.data->>'message' AS message FROM events e
           JOIN events s ON s.stream_id = e.stream_id AND s.type = 'DocumentSubmitted'
           WHERE e.type = 'DocumentRejected' AND s.data->'source'->>'channel_id' = $1""",
        channel,
    )
    assert [r["reason"] for r in rejections] == [reason]
    assert calls[1].params["text"] == rejections[0]["message"]
    assert "Traceback" not in calls[1].params["text"]


async def test_rate_limited_posting_is_retried_and_posted_once(app: App, slack: FakeSlack) -> None:
    channel = new_channel()
    slack.fail_next("chat.postMessage", status=429, retry_after=1, times=1, channel=channel)
    await upload(app, slack, channel, "momentum_strategy.md", SPEC)
    await reviewed(slack, channel, count=3)  # the refused attempt, its retry, the findings
    reviewing = [c for c in posts(slack, channel) if "Reviewing" in c.params.get("text", "")]
    assert [c.status for c in reviewing] == [429, 200]


async def test_bots_edits_and_deletions_are_ignored(app: App, slack: FakeSlack) -> None:
    channel = new_channel()
    ts, _ = await upload(app, slack, channel, "momentum_strategy.md", SPEC)
    await reviewed(slack, channel)
    before = len(posts(slack, channel))
    await app.event(bot_message(channel, "B0THER", "another bot says hi", new_ts(), thread_ts=ts))
    edited = {"type": "message", "user": USER_ID, "text": "edited", "ts": ts, "thread_ts": ts}
    await app.event(message_changed(channel, edited, {**edited, "text": "original"}, new_ts()))
    await asyncio.sleep(1.0)
    assert len(posts(slack, channel)) == before


async def test_slash_commands(app: App, slack: FakeSlack) -> None:
    channel = new_channel()
    ts, _ = await upload(app, slack, channel, "cmd_strategy.md", SPEC)
    await reviewed(slack, channel)

    async def command(text: str) -> str:
        return await slash(app, slack, text, channel)

    assert "/docsense status" in await command("help")
    assert "cmd_strategy.md" in await command("status")
    assert "Appendix C" in await command("status cmd_strategy.md")
    assert (
        "AnalysisCompleted" in await command("history cmd_strategy.md")
        or "review" in (await command("history cmd_strategy.md")).lower()
    )
    assert "findings" in (await command("stats")).lower()
    assert "/docsense" in await command("frobnicate")

    assert "Exported" in await command("export cmd_strategy.md")
    upload_call = await until(
        lambda: [
            c
            for c in slack.calls_to("files.completeUploadExternal")
            if c.params.get("channel_id") == channel
        ]
    )
    assert upload_call[0].params.get("thread_ts") == ts
    assert any(b"# Review:" in u.content for u in slack.uploads)

    before = len(posts(slack, channel))
    assert "Re-reviewing" in await command("reanalyze cmd_strategy.md")
    await until(lambda: len(posts(slack, channel)) > before)


async def test_mention_in_thread_is_one_question(app: App, slack: FakeSlack) -> None:
    channel = new_channel()
    ts, _ = await upload(app, slack, channel, "momentum_strategy.md", SPEC)
    await reviewed(slack, channel)
    before = len(posts(slack, channel))
    asked = new_ts()
    text = f"<@{BOT_USER_ID}> what is the stop-loss?"
    await app.event(app_mention(channel, USER_ID, text, asked, thread_ts=ts))
    await app.event(thread_reply(channel, USER_ID, text, asked, ts))
    answer = await until(lambda: posts(slack, channel)[before:])
    assert answer[0].params["thread_ts"] == ts
    await asyncio.sleep(1.0)
    assert len(posts(slack, channel)) == before + 1


async def test_events_jobs_and_logs_share_the_slack_event_id(
    app: App, slack: FakeSlack, runtime: Runtime, server: Server, http: aiohttp.ClientSession
) -> None:
    channel = new_channel()
    ts = new_ts()
    file = slack.add_file(f"FCOR{channel}", "corr.md", SPEC, channel=channel, ts=ts)
    await app.event(file_share_message(channel, USER_ID, [file], ts), event_id="EvCORRELATE")
    await reviewed(slack, channel)
    rows = await runtime.pool.fetch(
        """SELECT e.type, e.metadata->>'correlation_id' AS cid FROM events e
           WHERE e.stream_id = (SELECT stream_id FROM events
                                WHERE type = 'DocumentSubmitted' AND data->>'file_key' = $1)
           ORDER BY e.position""",
        f"slack:{file['id']}",
    )
    assert rows[0]["type"] == "DocumentSubmitted"
    by_type = {r["type"]: r["cid"] for r in rows}
    assert by_type["DocumentSubmitted"] == "EvCORRELATE"
    assert by_type["AnalysisCompleted"] == "EvCORRELATE"
    job = await runtime.pool.fetchval(
        "SELECT payload->>'correlation_id' FROM jobs WHERE payload->>'file_id' = $1", file["id"]
    )
    assert job == "EvCORRELATE"

    metrics_url = f"http://127.0.0.1:{server.ports['metrics']}/metrics"
    async with http.get(metrics_url) as response:
        exposition = await response.text()
    for series in (
        "docsense_slack_ack_duration_seconds_count",
        'docsense_events_appended_total{type="AnalysisCompleted"}',
        'docsense_job_duration_seconds_count{kind="review-document"}',
        'docsense_event_store_operation_duration_seconds_count{op="append"}',
    ):
        line = next(x for x in exposition.splitlines() if x.startswith(series))
        assert float(line.rsplit(" ", 1)[1]) > 0, line


async def test_a_file_deleted_before_review_gets_a_clear_reply(app: App, slack: FakeSlack) -> None:
    channel = new_channel()
    slack.error_next("files.info", error="file_not_found")
    ts, _ = await upload(app, slack, channel, "gone.md", SPEC)
    calls = await reviewed(slack, channel)
    assert "deleted from Slack" in calls[1].params["text"]
    await until(lambda: "x" in slack.reactions_on(channel, ts))


async def test_a_review_that_fails_for_good_is_reported_not_lost(
    slack: FakeSlack, runtime: Runtime, http: aiohttp.ClientSession
) -> None:
    """The last attempt of a job that keeps failing tells the thread and records why."""
    channel, ts = new_channel(), new_ts()
    document_id = uuid.uuid4()
    source = ev.Source(
        kind="slack",
        team_id="T1",
        channel_id=channel,
        thread_ts=ts,
        user_id=USER_ID,
        file_id="FFAIL",
    )
    await runtime.documents.submit(
        SubmitDocument(document_id, "fail.md", None, 10, "slack:FFAIL", None, source, USER_ID)
    )
    client = AsyncWebClient(token=TOKEN, base_url=slack.api_url)
    notifier = SlackNotifier(client, runtime.documents)
    jobs = SlackJobs(
        runtime.documents, notifier, http, token=TOKEN, api_url=slack.api_url, max_bytes=1 << 20
    )
    slack.error_next("files.info", error="internal_error")
    payload = {
        "document_id": str(document_id),
        "file_id": "FFAIL",
        "channel_id": channel,
        "thread_ts": ts,
        "message_ts": ts,
    }
    job = Job(1, "review-document", payload, 5, 5, uuid.uuid4(), datetime.now(UTC))
    with pytest.raises(SlackApiError):
        await jobs.review(JobContext(job, runtime.jobs))
    [notice] = posts(slack, channel)
    assert "could not be completed" in notice.params["text"]
    assert notice.params["thread_ts"] == ts
    events = [e.type for e in await runtime.store.read_stream(f"document-{document_id}")]
    assert events[-2:] == ["AnalysisFailed", "SlackMessagePosted"]
