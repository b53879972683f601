"""What the metrics say happened, against the running server, real PostgreSQL and a fake
Slack: every Slack request kind counted once with its outcome, and errors counted where
they are caught, by the component that caught them."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import os
import uuid
from collections.abc import AsyncIterator

import aiohttp
import asyncpg
import pytest
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot import metrics
from bot.observability import AIMetricsObserver, job_failed, projector_failed
from bot.runtime import open_runtime
from bot.serve import Server
from bot.settings import Settings
from bot.slack_app import InFlight, build_slack_app
from bot.slack_jobs import SlackNotifier
from eventstore import EventStore, JobQueue, NewEvent, RecordedEvent
from eventstore.projections import Projector, read_checkpoint
from eventstore.worker import JobContext, JobWorker
from tests.bot.slack_harness import (
    SECRET,
    SPEC,
    TOKEN,
    App,
    blocks_of,
    reviewed,
    slash,
    until,
    upload,
)
from tests.fakes import USER_ID
from tests.fakes.slack_api import FakeSlack
from tests.fakes.slack_requests import (
    app_mention,
    block_actions,
    bot_message,
    file_shared_event,
    message_changed,
    thread_reply,
    user_message,
    view_submission,
)

_serial = itertools.count(1)


def _channel() -> str:
    return f"CM{next(_serial):04d}"


def _ts() -> str:
    return f"1900000000.{next(_serial):06d}"


def count(kind: str, outcome: str) -> float:
    labels = {"type": kind, "outcome": outcome}
    return metrics.REGISTRY.get_sample_value("docsense_slack_events_total", labels) or 0.0


def errors(component: str) -> float:
    labels = {"component": component}
    return metrics.REGISTRY.get_sample_value("docsense_errors_total", labels) or 0.0


class Counts:
    """`docsense_slack_events_total` and `docsense_errors_total` from a starting point."""

    def __init__(self) -> None:
        self.events = {
            (kind, outcome): count(kind, outcome)
            for kind in ("message", "file_shared", "app_mention", "command", "action", "view")
            for outcome in ("handled", "ignored", "failed")
        }
        self.slack_errors = errors("slack")

    def added(self) -> dict[tuple[str, str], float]:
        """What was counted since, leaving out what was not (listeners end after the ack)."""
        now = {key: count(*key) - before for key, before in self.events.items()}
        return {key: value for key, value in now.items() if value}

    async def settle(self, expected: dict[tuple[str, str], float]) -> None:
        """Wait for `expected`, then check nothing else trickles in (the diff on failure)."""
        with contextlib.suppress(AssertionError):
            await until(lambda: self.added() == expected, timeout=15)
        await asyncio.sleep(0.3)
        assert self.added() == expected


@pytest.fixture(scope="module")
async def server(slack: FakeSlack, database_dsn: str) -> AsyncIterator[Server]:
    settings = Settings(
        database_url=database_dsn,
        slack_bot_token=TOKEN,
        slack_signing_secret=SECRET,
        slack_api_url=slack.api_url,
        port=0,
        metrics_port=0,
    )
    async with open_runtime(settings) as runtime:
        server = Server(runtime, settings)
        await server.start()
        yield server
        await server.stop()


@pytest.fixture(scope="module")
async def app(server: Server) -> AsyncIterator[App]:
    async with aiohttp.ClientSession() as http:
        yield App(server, http)


async def test_messages_are_handled_or_ignored(app: App, slack: FakeSlack) -> None:
    channel = _channel()
    ts, _ = await upload(app, slack, channel, "counted.md", SPEC)
    await reviewed(slack, channel)
    counts = Counts()

    await app.event(bot_message(channel, "B0THER", "another bot", _ts(), thread_ts=ts))
    edited = {"type": "message", "user": USER_ID, "text": "edited", "ts": ts, "thread_ts": ts}
    await app.event(message_changed(channel, edited, {**edited, "text": "original"}, _ts()))
    await app.event(user_message(channel, USER_ID, "lunch?", _ts()))  # not in a thread
    await app.event(thread_reply(channel, USER_ID, "What is the stop-loss?", _ts(), ts))
    await upload(app, slack, channel, "second.md", SPEC)

    await counts.settle({("message", "ignored"): 3, ("message", "handled"): 2})


async def test_file_shared_is_handled_ignored_or_failed(app: App, slack: FakeSlack) -> None:
    channel, elsewhere = _channel(), _channel()
    _, file = await upload(app, slack, channel, "shared.md", SPEC)
    await reviewed(slack, channel)
    other = slack.add_file("FMELSEWHERE", "other.md", SPEC, channel=elsewhere, ts=_ts())
    duplicates = metrics.REGISTRY.get_sample_value(
        "docsense_documents_submitted_total", {"outcome": "duplicate"}
    )
    counts = Counts()

    await app.event(file_shared_event(file["id"], channel, USER_ID))  # the pair's second half
    await counts.settle({("file_shared", "handled"): 1})
    await app.event(file_shared_event(other["id"], channel, USER_ID))  # not shared here
    await counts.settle({("file_shared", "handled"): 1, ("file_shared", "ignored"): 1})
    slack.error_next("files.info", error="internal_error")
    await app.event(file_shared_event(file["id"], channel, USER_ID))

    await counts.settle(
        {
            ("file_shared", "handled"): 1,
            ("file_shared", "ignored"): 1,
            ("file_shared", "failed"): 1,
        }
    )
    assert errors("slack") == counts.slack_errors + 1
    assert (
        metrics.REGISTRY.get_sample_value(
            "docsense_documents_submitted_total", {"outcome": "duplicate"}
        )
        == (duplicates or 0) + 1
    )


async def test_mentions_are_handled_or_ignored(app: App, slack: FakeSlack) -> None:
    channel = _channel()
    ts, _ = await upload(app, slack, channel, "mentioned.md", SPEC)
    await reviewed(slack, channel)
    counts = Counts()

    await app.event(app_mention(channel, USER_ID, "<@UBOT> hello", _ts()))  # no thread
    await app.event(app_mention(channel, USER_ID, "<@UBOT>", _ts(), thread_ts=ts))  # no question
    await app.event(app_mention(channel, USER_ID, "<@UBOT> Which market?", _ts(), thread_ts=ts))

    await counts.settle({("app_mention", "ignored"): 2, ("app_mention", "handled"): 1})


async def test_commands_are_handled_or_failed(app: App, slack: FakeSlack) -> None:
    channel = _channel()
    await upload(app, slack, channel, "commanded.md", SPEC)
    await reviewed(slack, channel)
    counts = Counts()

    assert "/docsense status" in await slash(app, slack, "help", channel)
    assert "No document matches" in await slash(app, slack, "status no-such.md", channel)
    slack.error_next("files.getUploadURLExternal", error="internal_error")
    assert "failed on my side" in await slash(app, slack, "export commanded.md", channel)

    await counts.settle({("command", "handled"): 2, ("command", "failed"): 1})
    assert errors("slack") == counts.slack_errors + 1


async def test_clicks_and_forms_are_handled_ignored_or_failed(app: App, slack: FakeSlack) -> None:
    channel, elsewhere = _channel(), _channel()
    await upload(app, slack, channel, "clicked.md", SPEC)
    findings = (await reviewed(slack, channel))[1]
    values = [
        element["value"]
        for block in blocks_of(findings)
        if block.get("block_id", "").startswith("decide:")
        for element in block["elements"]
    ]
    message_ts = findings.response["ts"]
    message = {"ts": message_ts, "text": findings.params["text"], "blocks": blocks_of(findings)}
    document_id, finding_id = values[0].split("|")
    counts = Counts()

    await app.form(
        block_actions("finding_accept", values[0], USER_ID, channel, message_ts, message=message)
    )
    await app.form(block_actions("finding_accept", values[0], USER_ID, elsewhere, message_ts))
    await app.form(block_actions("finding_accept", "not-a-finding", USER_ID, channel, message_ts))
    metadata = json.dumps(
        {"document_id": document_id, "finding_id": finding_id, "channel_id": channel}
    )
    await app.form(view_submission("reject_reason", metadata, {}, USER_ID))  # sent empty
    reason = {"why": {"reason": {"type": "plain_text_input", "value": "Known and accepted"}}}
    await app.form(view_submission("reject_reason", metadata, reason, USER_ID))

    await counts.settle(
        {
            ("action", "handled"): 1,
            ("action", "ignored"): 1,
            ("action", "failed"): 1,
            ("view", "ignored"): 1,
            ("view", "handled"): 1,
        }
    )
    assert errors("slack") == counts.slack_errors + 1  # the click Bolt's handler logged


async def test_building_the_app_warns_of_no_unused_token(
    server: Server,
    slack: FakeSlack,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`serve` runs with SLACK_BOT_TOKEN set, and Bolt reads it beside the given client."""
    monkeypatch.setenv("SLACK_BOT_TOKEN", TOKEN)
    client = AsyncWebClient(token=TOKEN, base_url=slack.api_url)
    caplog.set_level(logging.WARNING, logger="slack_bolt")
    AsyncApp(client=client, signing_secret=SECRET)
    assert any("will be unused" in r.getMessage() for r in caplog.records)  # what Bolt does
    caplog.clear()

    notifier = SlackNotifier(client, server.runtime.documents)
    build_slack_app(server.runtime, client, notifier, signing_secret=SECRET, inflight=InFlight())

    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []
    assert os.environ["SLACK_BOT_TOKEN"] == TOKEN  # put back for whatever reads it later


async def test_a_failing_job_attempt_counts_as_a_worker_error(pool: asyncpg.Pool) -> None:
    queue = JobQueue(pool, backoff_base=0.01, backoff_cap=0.02)
    attempts: list[int] = []

    async def flaky(context: JobContext) -> None:
        attempts.append(context.job.attempts)
        if len(attempts) == 1:
            raise RuntimeError("the first attempt fails")

    async with pool.acquire() as connection:
        job_id = await queue.enqueue(connection, "metrics-flaky", {})
    before = errors("worker")
    worker = JobWorker(
        queue, {"metrics-flaky": flaky}, name="metrics", poll_seconds=0.02, on_failed=job_failed
    )
    running = asyncio.create_task(worker.run())
    try:
        await until(lambda: len(attempts) == 2)
        state = await until_state(pool, job_id, "succeeded")
    finally:
        worker.stop()
        await running

    assert state == "succeeded"
    assert errors("worker") == before + 1


async def until_state(pool: asyncpg.Pool, job_id: int | None, state: str) -> str:
    for _ in range(200):
        found = await pool.fetchval("SELECT state FROM jobs WHERE id = $1", job_id)
        if found == state:
            return found
        await asyncio.sleep(0.02)
    raise AssertionError(f"job {job_id} never became {state}")


class FailsOnce:
    """A projection whose first batch raises, as on a database blip."""

    def __init__(self) -> None:
        self.name = f"metrics_{uuid.uuid4().hex[:8]}"
        self.failed = False

    async def apply(self, connection: asyncpg.Connection, event: RecordedEvent) -> None:
        if not self.failed:
            self.failed = True
            raise RuntimeError("the first batch fails")

    async def reset(self, connection: asyncpg.Connection) -> None:
        """Nothing to empty."""


async def test_a_failing_projection_batch_counts_and_the_projector_goes_on(
    store: EventStore,
) -> None:
    await store.append(f"metrics-{uuid.uuid4()}", 0, [NewEvent("Noted", {"n": 1})])
    projection = FailsOnce()
    before = errors("projector")
    runner = asyncio.create_task(
        Projector(store, projection).run_forever(
            asyncio.Event(), poll_seconds=0.02, on_error=projector_failed
        )
    )
    try:
        last = await store.last_position()
        for _ in range(200):
            if await read_checkpoint(store.pool, projection.name) == last:
                break
            await asyncio.sleep(0.02)
    finally:
        runner.cancel()
        await asyncio.gather(runner, return_exceptions=True)

    assert projection.failed
    assert await read_checkpoint(store.pool, projection.name) == last
    assert errors("projector") == before + 1


def test_an_adapter_bug_counts_as_an_ai_error() -> None:
    observer = AIMetricsObserver()
    before = errors("ai")
    observer.request("openai", "rate_limited", 0.1, None, 0.0)  # the provider's, not ours
    observer.request("openai", "adapter_error", 0.1, None, 0.0)
    assert errors("ai") == before + 1
    assert observer.last_outcome == {"openai": "adapter_error"}
