"""Three `docsense serve` replicas on one PostgreSQL and one (fake) Slack workspace.

36 uploads are spread over the replicas and each event is delivered again, at once, to
another replica as Slack's retry. While every replica is busy downloading, one of them is
killed with SIGKILL. Every upload still gets exactly one findings reply, the dead
replica's jobs are taken over once their lease lapses and none stays leased, and the
read models equal a replay of the event log.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import asyncpg
import pytest

from tests.system.harness import (
    TOKEN,
    GatedSlack,
    Replica,
    assert_read_models_follow_the_log,
    deliver,
    findings_posts,
    serve_env,
    share_file,
)

pytestmark = pytest.mark.system

UPLOADS = 36
LEASE_SECONDS = 5


@pytest.fixture
async def slack() -> AsyncIterator[GatedSlack]:
    async with GatedSlack(bot_token=TOKEN) as fake:
        yield fake
        fake.release()


async def _running_jobs(dsn: str, replica: Replica) -> int:
    assert replica.process is not None
    connection = await asyncpg.connect(dsn)
    try:
        return await connection.fetchval(
            "SELECT count(*) FROM jobs WHERE state = 'running' AND claimed_by LIKE $1",
            f"%-{replica.process.pid}",
        )
    finally:
        await connection.close()


async def test_three_replicas_one_killed_every_upload_answered_once(
    database_dsn: str, slack: GatedSlack, tmp_path: Path
) -> None:
    env = serve_env(database_dsn, slack, JOB_LEASE_SECONDS=str(LEASE_SECONDS))
    replicas = [Replica(f"replica{n}", tmp_path, env) for n in range(3)]
    victim = replicas[0]
    async with aiohttp.ClientSession() as http:
        try:
            await asyncio.gather(*(replica.start(http) for replica in replicas))
            slack.download_gate.clear()  # every review stops at its download for now
            channels = [f"CREP{n:03d}" for n in range(UPLOADS)]

            async def upload(n: int) -> list[int]:
                body = share_file(slack, channels[n], f"FREP{n:03d}", f"1700000{n:03d}.000100")
                first, second = replicas[n % 3], replicas[(n + 1) % 3]
                return await asyncio.gather(
                    deliver(http, first, body), deliver(http, second, body, retry_num=1)
                )

            statuses = await asyncio.gather(*(upload(n) for n in range(UPLOADS)))
            assert all(status == [200, 200] for status in statuses), statuses

            for _ in range(600):
                if await _running_jobs(database_dsn, victim):
                    break
                await asyncio.sleep(0.05)
            else:
                raise AssertionError("the replica to kill never took a job")
            victim.kill()
            await victim.wait_killed()
            slack.download_gate.set()

            await slack.wait_until(
                lambda: all(findings_posts(slack, channel) for channel in channels), timeout=240
            )
            connection = await asyncpg.connect(database_dsn)
            try:
                for _ in range(600):
                    states = dict(
                        await connection.fetch(
                            "SELECT state, count(*) FROM jobs GROUP BY state ORDER BY state"
                        )
                    )
                    if set(states) == {"succeeded"}:
                        break
                    await asyncio.sleep(0.1)
                taken_over = await connection.fetchval(
                    "SELECT count(*) FROM jobs WHERE attempts > 1 AND state = 'succeeded'"
                )
                reviews = await connection.fetchval(
                    "SELECT count(*) FROM events WHERE type = 'AnalysisCompleted'"
                )
            finally:
                await connection.close()
            assert states == {"succeeded": UPLOADS}, states
            assert taken_over >= 1, "the killed replica's job was never taken over"
            assert reviews == UPLOADS, "a document was reviewed twice"
            assert {channel: len(findings_posts(slack, channel)) for channel in channels} == {
                channel: 1 for channel in channels
            }
            codes = await asyncio.gather(*(replica.stop() for replica in replicas[1:]))
            assert codes == [0, 0], [replica.tail() for replica in replicas[1:]]
        finally:
            slack.release()
            for replica in replicas:
                await replica.ensure_stopped()
    await assert_read_models_follow_the_log(database_dsn)
