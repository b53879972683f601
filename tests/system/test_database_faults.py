"""Two `docsense serve` replicas under a steady stream of uploads while their PostgreSQL is
restarted, and then stopped for 30 s.

Slack is played as it behaves: an event not answered 200 is delivered again (here every
half second, to the other replica; Slack waits a minute, then five). Proven: `/health` is
unhealthy while the database is down; no upload is acknowledged with 200 unless it was
stored, so none is lost; every background task (projector, worker, LISTEN) resumes by
itself; every upload is answered exactly once; both replicas then exit 0 on SIGTERM.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from pathlib import Path

import aiohttp
import pytest

from tests.system.harness import (
    TOKEN,
    GatedSlack,
    Postgres,
    Replica,
    assert_read_models_follow_the_log,
    deliver,
    findings_posts,
    serve_env,
    share_file,
)

pytestmark = pytest.mark.system

OUTAGE_SECONDS = 30.0


class Uploads:
    """A new upload every half second, round robin; each redelivered until answered 200."""

    def __init__(self, http: aiohttp.ClientSession, slack: GatedSlack, replicas: list[Replica]):
        self.http, self.slack, self.replicas = http, slack, replicas
        self.channels: list[str] = []
        self.unacked: dict[str, tuple[bytes, int]] = {}  # channel -> (body, deliveries)
        self.refused = 0
        self._stop = asyncio.Event()

    async def run(self) -> None:
        n = 0
        while not self._stop.is_set() or self.unacked:
            if not self._stop.is_set():
                channel = f"CLOAD{n:03d}"
                self.channels.append(channel)
                body = share_file(self.slack, channel, f"F{channel}", f"1700002{n:03d}.000100")
                self.unacked[channel] = (body, 0)
                n += 1
            for channel, (body, deliveries) in list(self.unacked.items()):
                replica = self.replicas[(len(self.channels) + deliveries) % len(self.replicas)]
                retry = deliveries or None
                if await deliver(self.http, replica, body, retry_num=retry) == 200:
                    del self.unacked[channel]
                else:
                    self.refused += 1
                    self.unacked[channel] = (body, deliveries + 1)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), 0.5)

    def stop(self) -> None:
        self._stop.set()

    def answered(self) -> int:
        return sum(bool(findings_posts(self.slack, channel)) for channel in self.channels)

    async def wait_answered(self, count: int, timeout: float = 120) -> None:
        await self.slack.wait_until(lambda: self.answered() >= count, timeout=timeout)


async def _down_everywhere(http: aiohttp.ClientSession, replicas: list[Replica]) -> None:
    for replica in replicas:
        body = await replica.wait_health(http, "", lambda status, _body: status == 503)
        assert body["status"] == "unhealthy"
        assert body["checks"]["database"]["status"] == "error"


async def _well_everywhere(http: aiohttp.ClientSession, replicas: list[Replica]) -> None:
    def well(status: int, body: dict) -> bool:
        background = body.get("checks", {}).get("background", {})
        return status == 200 and background.get("status") == "ok"

    for replica in replicas:
        body = await replica.wait_health(http, "", well, timeout=90)
        assert body["checks"]["background"]["tasks"]["listener"]["reconnects"] >= 1


async def test_database_restarted_then_stopped_for_30_s_under_load(tmp_path: Path) -> None:
    postgres = Postgres(tmp_path)
    try:
        async with GatedSlack(bot_token=TOKEN) as slack, aiohttp.ClientSession() as http:
            env = serve_env(postgres.dsn, slack, JOB_LEASE_SECONDS="5")
            replicas = [Replica(f"db{n}", tmp_path, env) for n in range(2)]
            load = Uploads(http, slack, replicas)
            running: asyncio.Task[None] | None = None
            try:
                await asyncio.gather(*(replica.start(http) for replica in replicas))
                running = asyncio.create_task(load.run())
                await load.wait_answered(3)

                await asyncio.to_thread(postgres.restart)
                await _well_everywhere(http, replicas)
                await load.wait_answered(load.answered() + 3)

                await asyncio.to_thread(postgres.stop)
                stopped_at = time.monotonic()
                await _down_everywhere(http, replicas)
                refused_before = load.refused
                await asyncio.sleep(OUTAGE_SECONDS - (time.monotonic() - stopped_at))
                assert load.refused > refused_before, "an upload was acked while nothing stored"
                await asyncio.to_thread(postgres.start)
                await _well_everywhere(http, replicas)
                await load.wait_answered(load.answered() + 3)

                load.stop()
                await asyncio.wait_for(running, 60)
                await load.wait_answered(len(load.channels))
                await asyncio.sleep(1.0)  # a second answer, were there one, would be out by now
                answers = {
                    channel: len(findings_posts(slack, channel)) for channel in load.channels
                }
                assert answers == {channel: 1 for channel in load.channels}
                codes = await asyncio.gather(*(replica.stop() for replica in replicas))
                assert codes == [0, 0], [replica.tail() for replica in replicas]
            finally:
                if running is not None and not running.done():
                    running.cancel()  # a failed assertion must not leave it sending
                    await asyncio.gather(running, return_exceptions=True)
                slack.release()
                for replica in replicas:
                    await replica.ensure_stopped()
        for replica in replicas:
            events = [entry.get("event", "") for entry in replica.log()]
            assert not [e for e in events if "never retrieved" in e], replica.tail()
            assert "serve.task_failed" not in events and "serve.task_ended" not in events
            assert "listener.reconnected" in events and "projector.recovered" in events
        await assert_read_models_follow_the_log(postgres.dsn)
    finally:
        postgres.close()
