"""`docsense serve` as an operator runs it: a real process, stopped with SIGTERM."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import sys
from pathlib import Path

import aiohttp

from tests.fakes.slack_api import FakeSlack

DOCSENSE = shutil.which("docsense", path=str(Path(sys.executable).parent)) or "docsense"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def test_serve_becomes_ready_and_stops_cleanly_on_sigterm(database_dsn: str) -> None:
    port, metrics_port = _free_port(), _free_port()
    async with FakeSlack(bot_token="xoxb-test") as slack, aiohttp.ClientSession() as http:
        env = {
            **os.environ,
            "DATABASE_URL": database_dsn,
            "SLACK_BOT_TOKEN": "xoxb-test",
            "SLACK_SIGNING_SECRET": "secret",
            "SLACK_API_URL": slack.api_url,
            "PORT": str(port),
            "METRICS_PORT": str(metrics_port),
            "LOG_FORMAT": "json",
        }
        process = await asyncio.create_subprocess_exec(
            DOCSENSE,
            "serve",
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            for _ in range(200):
                try:
                    async with http.get(f"http://127.0.0.1:{metrics_port}/health/ready") as r:
                        if r.status == 200:
                            break
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.1)
            else:
                raise AssertionError("serve never became ready")
            async with http.post(f"http://127.0.0.1:{port}/slack/events", data=b"{}") as r:
                assert r.status == 401  # unsigned requests are refused
            process.send_signal(signal.SIGTERM)
            code = await asyncio.wait_for(process.wait(), 30)
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()
        stderr = (await process.stderr.read()).decode()
    assert code == 0, stderr
    assert '"serve.stopped"' in stderr
    assert "Traceback" not in stderr
    assert "xoxb-test" not in stderr


async def test_serve_without_slack_settings_names_them(database_dsn: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    process = await asyncio.create_subprocess_exec(
        DOCSENSE,
        "serve",
        env={**env, "DATABASE_URL": database_dsn},
        stderr=asyncio.subprocess.PIPE,
    )
    _, stderr = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 2
    assert "SLACK_BOT_TOKEN" in stderr.decode() and "SLACK_SIGNING_SECRET" in stderr.decode()
