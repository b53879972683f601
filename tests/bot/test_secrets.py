"""Secrets looked for in everything that leaves a running server: Slack calls and
replies, the event store and the job queue, /metrics and /health, and the logs. Its own
module, so this server is the only one working on its test database."""

from __future__ import annotations

import json

import aiohttp
import pytest

from bot.logs import configure_logging
from tests.bot.slack_harness import (
    SECRET,
    SPEC,
    TOKEN,
    App,
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
from tests.fakes import USER_ID
from tests.fakes.ai_servers import FakeAnthropic
from tests.fakes.slack_api import FakeSlack
from tests.fakes.slack_requests import thread_reply

ANTHROPIC_KEY = "sk-ant-api03-abuse-probe-7f3e9c1d"


async def test_no_secret_reaches_slack_the_event_store_metrics_health_or_logs(
    slack: FakeSlack, database_dsn: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """The model provider rejects the key and echoes it in its error, as some gateways do;
    the review and the answer go on without AI. Nothing that leaves the process carries
    the bot token, the signing secret or the key."""
    async with FakeAnthropic() as anthropic, aiohttp.ClientSession() as http:
        echo = {
            "type": "error",
            "error": {
                "type": "authentication_error",
                "message": f"invalid x-api-key {ANTHROPIC_KEY}",
            },
        }
        for _ in range(6):
            anthropic.reply_raw(echo, status=401)
        async with serving(
            slack,
            database_dsn,
            ai_provider="anthropic",
            anthropic_api_key=ANTHROPIC_KEY,
            anthropic_base_url=anthropic.base_url,
            ai_timeout_seconds=5,
        ) as server:
            configure_logging("DEBUG", "json", secrets=server.settings.secret_values())
            try:
                app = App(server, http)
                channel = new_channel()
                ts, _ = await upload(app, slack, channel, "secret_probe.md", SPEC)
                calls = await reviewed(slack, channel)
                assert "AI review unavailable" in text_of(calls[1])
                before = len(posts(slack, channel))
                await app.event(
                    thread_reply(channel, USER_ID, "What is the stop-loss?", new_ts(), ts)
                )
                await until(lambda: len(posts(slack, channel)) > before)
                await slash(app, slack, "stats", channel)
                sidecar = f"http://127.0.0.1:{server.ports['metrics']}"
                exposed = [
                    await (await http.get(f"{sidecar}{path}")).text()
                    for path in ("/metrics", "/health")
                ]
                stored = await server.runtime.pool.fetch(
                    "SELECT data::text, metadata::text FROM events"
                )
                jobs = await server.runtime.pool.fetch("SELECT payload::text, last_error FROM jobs")
            finally:
                logged = capsys.readouterr().err
                configure_logging("INFO", "console")
        assert len(anthropic.requests) >= 2  # the key was tried and refused

    sent = json.dumps([[c.method, c.params] for c in slack.calls]) + json.dumps(
        [dict(c.headers) for c in slack.calls_to("response_url")]
    )
    everything = {
        "slack": sent,
        "events": json.dumps([list(row) for row in stored]),
        "jobs": json.dumps([list(row) for row in jobs]),
        "metrics and health": "\n".join(exposed),
        "logs": logged,
    }
    assert "ai.provider_failed" in logged
    for where, text in everything.items():
        for secret in (TOKEN, SECRET, ANTHROPIC_KEY):
            assert secret not in text, f"{secret[:6]}… found in {where}"
