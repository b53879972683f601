"""How much one `docsense serve` takes before Slack would notice, and what replicas add.

Two measurements on a throw-away embedded PostgreSQL and a `FakeSlack`, against real
`docsense serve` processes:

- `ack`: signed events at rising rates (50, 100, 200, ... per second, open-loop, from a
  child process as Slack is another machine) against one replica, a window per rate,
  until the ack p99 passes 500 ms or a request fails. The traffic is what a busy
  workspace sends between uploads (thread replies, mentions, edits). The sustainable rate
  is the last one that held.
- `reviews`: uploads reviewed with the rules engine per minute, by one replica and by
  three on the same database (uploads spread round-robin, every event also re-delivered
  to the next replica as a Slack retry), from the first upload to the last findings reply,
  after an untimed warm-up of two uploads per replica (each spawns its worker processes
  on its first jobs).

One JSON object a line, then the summary:

    .venv/bin/python tests/benchmarks/load_bench.py [--quick] [--uploads N]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402
import asyncpg  # noqa: E402

from eventstore.embedded import embedded_dsn  # noqa: E402
from tests.benchmarks.ack_bench import _event  # noqa: E402
from tests.domain.ingest.builders import build_pdf, strategy_outline  # noqa: E402
from tests.fakes import USER_ID  # noqa: E402
from tests.fakes.slack_api import FakeSlack  # noqa: E402
from tests.fakes.slack_requests import (  # noqa: E402
    JSON,
    event_callback,
    file_share_message,
    post_to_app,
)
from tests.system.harness import SECRET, TOKEN, Replica, deliver, serve_env  # noqa: E402

RATES = (50, 100, 200, 400, 800, 1600)
P99_LIMIT_MS = 500.0
CHANNEL = "CLOAD01"


# -- the load (child process) ---------------------------------------------------------------


async def _send(url: str, rate: float, seconds: float) -> None:
    """Request i starts at start + i/rate however slow the earlier answers are."""
    connector = aiohttp.TCPConnector(limit=0)
    timeout = aiohttp.ClientTimeout(total=10)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        print(json.dumps({"ready": True}), flush=True)
        start = time.perf_counter()

        async def send(i: int) -> tuple[float, float, int]:
            due = start + i / rate
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            began = time.perf_counter()
            try:
                response = await post_to_app(session, url, event_callback(_event(i)), JSON, SECRET)
                status = response.status
            except (aiohttp.ClientError, TimeoutError):
                status = 0
            return time.perf_counter() - began, began - due, status

        results = await asyncio.gather(*(send(i) for i in range(round(seconds * rate))))
        elapsed = time.perf_counter() - start
    latencies, lags, statuses = zip(*results, strict=True)
    print(
        json.dumps(
            {"latencies": latencies, "lags": lags, "statuses": statuses, "elapsed": elapsed}
        ),
        flush=True,
    )


async def _window(url: str, rate: int, seconds: float) -> dict[str, Any]:
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        __file__,
        "--load-child",
        url,
        "--rate",
        str(rate),
        "--seconds",
        str(seconds),
        stdout=asyncio.subprocess.PIPE,
        limit=2**26,  # one line holds every sample
    )
    assert child.stdout is not None
    await child.stdout.readline()
    samples = json.loads(await child.stdout.readline())
    await child.wait()
    millis = sorted(latency * 1000 for latency in samples["latencies"])
    return {
        "phase": "ack",
        "rate_per_s": rate,
        "events": len(millis),
        "sent_per_s": round(len(millis) / samples["elapsed"], 1),
        "p50_ms": round(statistics.median(millis), 2),
        "p99_ms": round(statistics.quantiles(millis, n=100, method="inclusive")[98], 2),
        "max_ms": round(millis[-1], 2),
        "non_200": sum(status != 200 for status in samples["statuses"]),
        "send_lag_p99_ms": round(
            statistics.quantiles(samples["lags"], n=100, method="inclusive")[98] * 1000, 2
        ),
    }


# -- replicas ------------------------------------------------------------------------------


@contextlib.asynccontextmanager
async def _replicas(
    count: int, dsn: str, slack: FakeSlack, http: aiohttp.ClientSession
) -> AsyncIterator[list[Replica]]:
    env = serve_env(
        dsn,
        slack,
        LOG_LEVEL="WARNING",
        AI_PROVIDER="rules",
        # One sender at these rates is a flood: measure the capacity, not the limits.
        SLACK_USER_REQUESTS_PER_MINUTE="0",
        SLACK_CHANNEL_REQUESTS_PER_MINUTE="0",
    )
    logs = Path(tempfile.mkdtemp(prefix="docsense-load-logs-"))
    replicas = [Replica(f"serve-{n}", logs, env) for n in range(count)]
    try:
        await asyncio.gather(*(replica.start(http) for replica in replicas))
        yield replicas
    finally:
        await asyncio.gather(*(replica.stop() for replica in replicas))


async def _fresh_database(folder: Path, name: str) -> str:
    connection = await asyncpg.connect(embedded_dsn(folder))
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    return embedded_dsn(folder, database=name)


def _reviewed(slack: FakeSlack) -> int:
    return sum(
        str(call.params.get("text", "")).startswith("Review of")
        for call in slack.calls_to("chat.postMessage")
    )


async def _reviews_per_minute(
    replicas: list[Replica],
    slack: FakeSlack,
    http: aiohttp.ClientSession,
    pdf: bytes,
    uploads: int,
    tag: str,
) -> dict[str, Any]:
    before = _reviewed(slack)
    began = time.perf_counter()
    for n in range(uploads):
        ts = f"{1_750_000_000 + n}.{len(replicas):06d}"
        file = slack.add_file(f"F{tag}{n:05d}", f"spec-{n}.pdf", pdf, channel=CHANNEL, ts=ts)
        body = event_callback(file_share_message(CHANNEL, USER_ID, [file], ts))
        first, retry = replicas[n % len(replicas)], replicas[(n + 1) % len(replicas)]
        await deliver(http, first, body)
        if retry is not first:
            await deliver(http, retry, body, retry_num=1)
    while _reviewed(slack) - before < uploads:
        if time.perf_counter() - began > 60 * 30:
            raise RuntimeError("the reviews did not finish in 30 minutes")
        await asyncio.sleep(0.1)
    seconds = time.perf_counter() - began
    replies = _reviewed(slack) - before
    return {
        "phase": "reviews",
        "replicas": len(replicas),
        "uploads": uploads,
        "findings_replies": replies,
        "seconds": round(seconds, 2),
        "uploads_per_minute": round(uploads / seconds * 60, 1),
    }


async def _bench(args: argparse.Namespace) -> None:
    seconds = 4.0 if args.quick else 10.0
    pdf = build_pdf(strategy_outline(sections=12, paragraphs=4), title="Carry Strategy")
    with tempfile.TemporaryDirectory(prefix="docsense-load-") as folder:
        async with FakeSlack(bot_token=TOKEN) as slack, aiohttp.ClientSession() as http:
            sustainable = None
            dsn = await _fresh_database(Path(folder), "load_ack")
            async with _replicas(1, dsn, slack, http) as (replica,):
                for rate in RATES:
                    row = await _window(replica.events_url, rate, seconds)
                    print(json.dumps(row), flush=True)
                    if row["p99_ms"] > P99_LIMIT_MS or row["non_200"]:
                        break
                    sustainable = rate
            throughput = {}
            for count in (1, 3):
                dsn = await _fresh_database(Path(folder), f"load_reviews_{count}")
                async with _replicas(count, dsn, slack, http) as replicas:
                    # Untimed: each replica spawns its worker processes on its first jobs.
                    await _reviews_per_minute(replicas, slack, http, pdf, 2 * count, f"W{count}")
                    row = await _reviews_per_minute(
                        replicas, slack, http, pdf, args.uploads, f"R{count}"
                    )
                print(json.dumps(row), flush=True)
                throughput[count] = row["uploads_per_minute"]
    print(
        json.dumps(
            {
                "sustainable_events_per_s": sustainable,
                "p99_limit_ms": P99_LIMIT_MS,
                "uploads_per_minute_1_replica": throughput[1],
                "uploads_per_minute_3_replicas": throughput[3],
                "scale_out_factor": round(throughput[3] / throughput[1], 2),
                "cpus": os.cpu_count(),
                "pdf_bytes": len(pdf),
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="4 s windows instead of 10 s")
    parser.add_argument("--uploads", type=int, default=30, help="uploads per review run")
    parser.add_argument("--load-child", metavar="URL", help=argparse.SUPPRESS)
    parser.add_argument("--rate", type=float, help=argparse.SUPPRESS)
    parser.add_argument("--seconds", type=float, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.load_child:
        asyncio.run(_send(args.load_child, args.rate, args.seconds))
        return
    asyncio.run(_bench(args))


if __name__ == "__main__":
    main()
