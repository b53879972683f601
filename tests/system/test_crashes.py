"""`docsense serve` killed with SIGKILL at the three places a review can be cut short,
then started again: the review completes and nothing is posted twice.

- during the download (Slack holds the file back);
- during the review (a document large enough that reading and reviewing it takes
  seconds, killed once the download is served and before any result is stored);
- between posting and recording the post (Slack has stored the findings message and
  holds its answer back, so the replica never learns its ts).

After each kill the job's lease (5 s here) lapses and the restarted replica takes it over.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import aiohttp
import asyncpg
import pytest

from tests.fakes.slack_api import Call
from tests.system.harness import (
    SPEC,
    TOKEN,
    GatedSlack,
    Replica,
    deliver,
    findings_posts,
    serve_env,
    share_file,
)

pytestmark = pytest.mark.system

LEASE_SECONDS = 5
# ~75,000 words: seconds of reading and reviewing even on a fast machine.
LARGE = SPEC + b"".join(
    b"\n## Section %d\n\n" % n
    + b"The position limit is reviewed daily against the volatility of the spread. " * 150
    for n in range(60)
)


@pytest.fixture
async def slack() -> AsyncIterator[GatedSlack]:
    async with GatedSlack(bot_token=TOKEN) as fake:
        yield fake
        fake.release()


def posts_in(slack: GatedSlack, channel: str) -> list[Call]:
    return [
        call
        for call in slack.calls_to("chat.postMessage")
        if call.params.get("channel") == channel and call.status == 200
    ]


async def _count(dsn: str, sql: str, *args: object) -> int:
    connection = await asyncpg.connect(dsn)
    try:
        return await connection.fetchval(sql, *args)
    finally:
        await connection.close()


async def crash_and_recover(
    dsn: str,
    slack: GatedSlack,
    folder: Path,
    *,
    channel: str,
    content: bytes,
    kill_when: Callable[[], Awaitable[bool]],
) -> None:
    """Upload, wait for `kill_when`, SIGKILL, start again; return once the thread has its
    findings and the job is done."""
    replica = Replica(
        channel.lower(), folder, serve_env(dsn, slack, JOB_LEASE_SECONDS=str(LEASE_SECONDS))
    )
    async with aiohttp.ClientSession() as http:
        try:
            await replica.start(http)
            body = share_file(slack, channel, f"F{channel}", "1700001000.000100", content)
            assert await deliver(http, replica, body) == 200
            for _ in range(1200):
                if await kill_when():
                    break
                await asyncio.sleep(0.05)
            else:
                raise AssertionError(f"never reached the point to kill at: {replica.tail()}")
            replica.kill()
            await replica.wait_killed()
            slack.release()
            await replica.start(http)
            await slack.wait_until(lambda: bool(findings_posts(slack, channel)), timeout=180)
            for _ in range(600):
                if await _count(dsn, "SELECT count(*) FROM jobs WHERE state <> 'succeeded'") == 0:
                    break
                await asyncio.sleep(0.1)
            await asyncio.sleep(1.0)  # a second post, were there one, would be out by now
            assert await replica.stop() == 0, replica.tail()
        finally:
            slack.release()
            await replica.ensure_stopped()


def assert_posted_once(slack: GatedSlack, channel: str) -> None:
    texts = [str(call.params.get("text", "")) for call in posts_in(slack, channel)]
    assert len(findings_posts(slack, channel)) == 1, texts
    assert sum(text.startswith("Reviewing") for text in texts) == 1, texts
    assert len(texts) == 2, texts


async def test_killed_during_the_download(
    database_dsn: str, slack: GatedSlack, tmp_path: Path
) -> None:
    slack.download_gate.clear()

    async def downloading() -> bool:
        return slack.downloads_started > 0

    await crash_and_recover(
        database_dsn, slack, tmp_path, channel="CDOWN", content=SPEC, kill_when=downloading
    )
    assert_posted_once(slack, "CDOWN")
    # The killed replica's request, answered once released into a closed connection,
    # and the restarted replica's.
    assert len([d for d in slack.downloads if d.file_id == "FCDOWN"]) == 2


async def test_killed_during_the_review(
    database_dsn: str, slack: GatedSlack, tmp_path: Path
) -> None:
    stored_at_kill: list[int] = []

    async def reviewing() -> bool:
        if not any(d.file_id == "FCREVIEW" and d.served_content for d in slack.downloads):
            return False
        stored_at_kill.append(
            await _count(
                database_dsn,
                """SELECT count(*) FROM events WHERE type IN ('DocumentConverted',
                       'AnalysisCompleted') AND stream_id IN (SELECT stream_id FROM events
                       WHERE type = 'DocumentSubmitted' AND data->>'file_key' = $1)""",
                "slack:FCREVIEW",
            )
        )
        return True

    await crash_and_recover(
        database_dsn, slack, tmp_path, channel="CREVIEW", content=LARGE, kill_when=reviewing
    )
    assert stored_at_kill == [0], "the kill came after the review was stored"
    assert_posted_once(slack, "CREVIEW")
    completed = await _count(
        database_dsn,
        """SELECT count(*) FROM events WHERE type = 'AnalysisCompleted' AND stream_id IN
               (SELECT stream_id FROM events WHERE type = 'DocumentSubmitted'
                AND data->>'file_key' = 'slack:FCREVIEW')""",
    )
    assert completed == 1


async def test_killed_between_posting_and_recording_the_post(
    database_dsn: str, slack: GatedSlack, tmp_path: Path
) -> None:
    slack.hold_post = lambda call: (
        call.params.get("channel") == "CPOST"
        and str(call.params.get("text", "")).startswith("Review of")
    )

    async def posted_unanswered() -> bool:
        return bool(slack.held_posts)

    await crash_and_recover(
        database_dsn, slack, tmp_path, channel="CPOST", content=SPEC, kill_when=posted_unanswered
    )
    assert_posted_once(slack, "CPOST")
    [held] = slack.held_posts
    recorded = await _count(
        database_dsn,
        """SELECT count(*) FROM events WHERE type = 'SlackMessagePosted'
               AND data->>'ts' = $1 AND data->>'channel_id' = 'CPOST'
                   AND data->>'key' LIKE 'findings:%'""",
        held.response["ts"],
    )
    assert recorded == 1, "the post Slack stored was not recorded after the restart"
