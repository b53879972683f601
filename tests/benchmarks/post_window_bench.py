"""The window in which a crash can leave a Slack post unrecorded, in a real `docsense serve`.

Slack has no idempotency key for `chat.postMessage`: between Slack storing a post and
serve appending its `SlackMessagePosted`, a process that dies leaves a post the event store
does not know. This measures that window for every findings and "Reviewing…" post of a run:
from the moment the fake Slack answers (wall clock, this process) to the `recorded_at` of
the matching event (PostgreSQL's clock on the same machine: the start of the appending
transaction), plus the mean append time serve reports in its metrics (to the commit).

Two loads: uploads one at a time (`idle`) and all at once (`burst`). One JSON line each,
with the time each upload took to be acknowledged (it is stored first):

    .venv/bin/python tests/benchmarks/post_window_bench.py [--uploads 40]
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

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402
import asyncpg  # noqa: E402
from prometheus_client.parser import text_string_to_metric_families  # noqa: E402

from tests.fakes.slack_api import Call  # noqa: E402
from tests.system.harness import (  # noqa: E402
    TOKEN,
    GatedSlack,
    Postgres,
    Replica,
    deliver,
    serve_env,
    share_file,
)


class TimedSlack(GatedSlack):
    """Notes when (wall clock) each call was answered."""

    def __init__(self) -> None:
        super().__init__(bot_token=TOKEN)
        self.answered: dict[str, float] = {}  # ts of a post -> when Slack answered it

    async def _record(self, call: Call) -> None:
        if call.method == "chat.postMessage" and call.status == 200:
            self.answered[str(call.response["ts"])] = time.time()
        await super()._record(call)


def _ms(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 2)


async def _append_mean_ms(http: aiohttp.ClientSession, replica: Replica) -> float:
    async with http.get(f"http://127.0.0.1:{replica.metrics_port}/metrics") as response:
        text = await response.text()
    total = count = 0.0
    for family in text_string_to_metric_families(text):
        if family.name == "docsense_event_store_operation_duration_seconds":
            for sample in family.samples:
                if sample.labels.get("op") == "append":
                    if sample.name.endswith("_sum"):
                        total = sample.value
                    elif sample.name.endswith("_count"):
                        count = sample.value
    return round(total / count * 1000, 2) if count else 0.0


async def run(uploads: int) -> None:
    with tempfile.TemporaryDirectory(prefix="docsense-window-") as folder:
        postgres = Postgres(Path(folder))
        try:
            async with TimedSlack() as slack, aiohttp.ClientSession() as http:
                replica = Replica("window", Path(folder), serve_env(postgres.dsn, slack))
                await replica.start(http)
                try:
                    for load in ("idle", "burst"):
                        before = len(slack.answered)
                        bodies = [
                            share_file(slack, f"C{load}{n}", f"F{load}{n}", f"1700003{n:03d}.0001")
                            for n in range(uploads)
                        ]
                        acks: list[float] = []

                        async def upload(body: bytes, acks: list[float] = acks) -> None:
                            started = time.perf_counter()
                            assert await deliver(http, replica, body) == 200
                            acks.append(time.perf_counter() - started)

                        if load == "idle":
                            for n, body in enumerate(bodies):
                                await upload(body)
                                await _answered(slack, before + 2 * (n + 1))
                        else:
                            await asyncio.gather(*(upload(body) for body in bodies))
                            await _answered(slack, before + 2 * uploads)
                        await asyncio.sleep(1.0)  # the last records commit
                        windows = await _windows(postgres.dsn, slack, load)
                        print(
                            json.dumps(
                                {
                                    "load": load,
                                    "posts": len(windows),
                                    "p50_ms": _ms(windows, 0.5),
                                    "p99_ms": _ms(windows, 0.99),
                                    "max_ms": _ms(windows, 1.0),
                                    "mean_ms": round(statistics.fmean(windows) * 1000, 2),
                                    "append_mean_ms": await _append_mean_ms(http, replica),
                                    "upload_ack_p50_ms": _ms(acks, 0.5),
                                    "upload_ack_p99_ms": _ms(acks, 0.99),
                                }
                            ),
                            flush=True,
                        )
                finally:
                    await replica.stop()
        finally:
            postgres.close()


async def _answered(slack: TimedSlack, posts: int) -> None:
    """Until Slack has answered `posts` posts (each upload: Reviewing… and its findings)."""
    await slack.wait_until(lambda: len(slack.answered) >= posts, timeout=300)


async def _windows(dsn: str, slack: TimedSlack, load: str) -> list[float]:
    connection = await asyncpg.connect(dsn)
    try:
        rows = await connection.fetch(
            """SELECT data->>'ts' AS ts, extract(epoch FROM recorded_at) AS at FROM events
               WHERE type = 'SlackMessagePosted' AND data->>'channel_id' LIKE $1""",
            f"C{load}%",
        )
    finally:
        await connection.close()
    return [float(row["at"]) - slack.answered[row["ts"]] for row in rows]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--uploads", type=int, default=40)
    asyncio.run(run(parser.parse_args().uploads))


if __name__ == "__main__":
    main()
