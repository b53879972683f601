"""What a flood of uploads from one person costs everyone else, with and without the limits.

One user shares `--files` files (default 300) in one channel as fast as 20 connections
carry them; once they are all acknowledged, a bystander in another channel shares one file.
Measured against the real `Server` in this process (default settings, worker concurrency
2, rules engine) on a throw-away embedded PostgreSQL and a `FakeSlack`, twice: with the
default flood limits and with them off (`SLACK_USER_REQUESTS_PER_MINUTE=0`):

- ack p50/p99/max of the flood's events, split into reviewed and skipped ones;
- how many of the flood's files were reviewed, and how many notices the flooder got;
- the bystander's wait from sharing the file to its findings reply (behind the flood's
  queued reviews), and how long the flood's reviews take to drain after the last event.

The client runs on the server's event loop, so acks include its own scheduling; the
figures compare the two runs, they are not Slack's view. One JSON object a line:

    .venv/bin/python tests/benchmarks/flood_bench.py [--files N]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402

from bot.logs import configure_logging  # noqa: E402
from bot.runtime import open_runtime  # noqa: E402
from bot.serve import Server  # noqa: E402
from bot.settings import Settings  # noqa: E402
from eventstore.embedded import embedded_dsn  # noqa: E402
from tests.fakes.slack_api import FakeSlack  # noqa: E402
from tests.fakes.slack_requests import event_callback, file_share_message, post_to_app  # noqa: E402

SECRET, TOKEN = "bench-signing-secret", "xoxb-bench"
SPEC = (ROOT / "docs" / "examples" / "momentum_strategy.md").read_bytes()
CONNECTIONS = 20


def _ms(values: list[float]) -> dict[str, float | None]:
    if not values:
        return {"p50_ms": None, "p99_ms": None, "max_ms": None}
    ordered = sorted(values)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return {
        "p50_ms": round(statistics.median(ordered) * 1000, 2),
        "p99_ms": round(p99 * 1000, 2),
        "max_ms": round(ordered[-1] * 1000, 2),
    }


def _findings(slack: FakeSlack, channel: str) -> list[Any]:
    return [
        call
        for call in slack.calls_to("chat.postMessage")
        if call.params.get("channel") == channel
        and str(call.params.get("text", "")).startswith("Review of")
    ]


async def _run(dsn: str, files: int, *, limited: bool) -> dict[str, Any]:
    tag = "on" if limited else "off"
    async with FakeSlack(bot_token=TOKEN) as slack, aiohttp.ClientSession() as http:
        settings = Settings(
            database_url=dsn,
            slack_bot_token=TOKEN,
            slack_signing_secret=SECRET,
            slack_api_url=slack.api_url,
            port=0,
            metrics_port=0,
            ai_provider="rules",
            **({} if limited else {"slack_user_requests_per_minute": 0}),
            **({} if limited else {"slack_channel_requests_per_minute": 0}),
        )
        async with open_runtime(settings) as runtime:
            server = Server(runtime, settings)
            await server.start()
            try:
                url = f"http://127.0.0.1:{server.ports['http']}/slack/events"
                flood, calm = f"CFLOOD{tag.upper()}", f"CCALM{tag.upper()}"
                queue: asyncio.Queue[tuple[str, bytes]] = asyncio.Queue()
                for n in range(files):
                    ts = f"{1820000000 + n}.000100"
                    file = slack.add_file(f"F{tag}{n:05d}", f"f{n}.md", SPEC, channel=flood, ts=ts)
                    message = file_share_message(flood, "UFLOOD", [file], ts)
                    queue.put_nowait((ts, event_callback(message)))
                acks: dict[str, tuple[float, int]] = {}  # message ts -> ack seconds, status

                async def sender() -> None:
                    while not queue.empty():
                        ts, body = queue.get_nowait()
                        started = time.perf_counter()
                        response = await post_to_app(http, url, body, "application/json", SECRET)
                        acks[ts] = (time.perf_counter() - started, response.status)

                await asyncio.gather(*(sender() for _ in range(CONNECTIONS)))
                sent = time.perf_counter()
                calm_ts = "1829999999.000100"
                calm_file = slack.add_file(f"FCALM{tag}", "calm.md", SPEC, channel=calm, ts=calm_ts)
                shared = time.perf_counter()
                body = event_callback(file_share_message(calm, "UCALM", [calm_file], calm_ts))
                await post_to_app(http, url, body, "application/json", SECRET)
                while not _findings(slack, calm):
                    await asyncio.sleep(0.01)
                bystander = time.perf_counter() - shared
                unfinished = "SELECT count(*) FROM jobs WHERE state IN ('pending', 'running')"
                while await runtime.pool.fetchval(unfinished):  # the flood's reviews are done
                    await asyncio.sleep(0.1)
                drained = time.perf_counter() - sent
                await asyncio.sleep(0.5)  # the last posts
                reviewed = {call.params["thread_ts"] for call in _findings(slack, flood)}
                notices = len(slack.calls_to("chat.postEphemeral"))
            finally:
                await server.stop()
    return {
        "limits": tag,
        "flood_files": files,
        "non_200": sum(status != 200 for _, status in acks.values()),
        "acks_of_reviewed": _ms([s for ts, (s, _) in acks.items() if ts in reviewed]),
        "acks_of_skipped": _ms([s for ts, (s, _) in acks.items() if ts not in reviewed]),
        "flood_reviewed": len(reviewed),
        "notices": notices,
        "bystander_findings_s": round(bystander, 2),
        "flood_backlog_after_send_s": round(drained, 2),
    }


async def _bench(files: int) -> None:
    configure_logging("WARNING", "console")
    for limited in (True, False):
        with tempfile.TemporaryDirectory(prefix="docsense-flood-") as folder:
            dsn = await asyncio.to_thread(embedded_dsn, Path(folder))
            print(json.dumps(await _run(dsn, files, limited=limited)), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=300)
    asyncio.run(_bench(parser.parse_args().files))


if __name__ == "__main__":
    main()
