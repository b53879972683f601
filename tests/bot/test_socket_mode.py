"""With SLACK_APP_TOKEN set, serve takes events over Socket Mode instead of HTTP."""

from __future__ import annotations

import json
from pathlib import Path

from bot.runtime import open_runtime
from bot.serve import Server
from bot.settings import Settings
from tests.fakes import USER_ID
from tests.fakes.slack_api import FakeSlack
from tests.fakes.slack_requests import event_callback, file_share_message

SPEC = Path(__file__).resolve().parents[2] / "docs" / "examples" / "momentum_strategy.md"


async def test_upload_over_socket_mode_is_acknowledged_and_reviewed(database_dsn: str) -> None:
    async with FakeSlack(bot_token="xoxb-test", app_token="xapp-test") as slack:
        settings = Settings(
            database_url=database_dsn,
            slack_bot_token="xoxb-test",
            slack_app_token="xapp-test",
            slack_api_url=slack.api_url,
            metrics_port=0,
        )
        async with open_runtime(settings) as runtime:
            server = Server(runtime, settings)
            await server.start()
            try:
                assert "http" not in server.ports  # no HTTP front door in Socket Mode
                await slack.socket_connected()
                ts = "1800000999.000100"
                file = slack.add_file("FSOCK", "socket.md", SPEC.read_bytes(), channel="CS", ts=ts)
                envelope = json.loads(event_callback(file_share_message("CS", USER_ID, [file], ts)))
                envelope_id = await slack.socket_send("events_api", envelope)
                posts = await slack.wait_for("chat.postMessage", count=2, timeout=30)
            finally:
                await server.stop()
        assert any(ack.get("envelope_id") == envelope_id for ack in slack.socket_acks)
        assert all(p.params.get("thread_ts") == ts for p in posts)
        assert "Appendix C" in json.dumps(posts[1].params)
