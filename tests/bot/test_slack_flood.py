"""Floods: the token buckets and their memory, then a running server flooded with uploads,
questions, oversized bodies and more requests at once than it takes, through signed
requests and FakeSlack, on real PostgreSQL."""

from __future__ import annotations

import asyncio
import itertools
import types
from collections.abc import AsyncIterator, Iterator
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from bot import metrics, slack_flood
from bot.serve import Server
from bot.slack_flood import (
    MAX_BODY_BYTES,
    QUIET_SECONDS,
    SKIPPED_MEMORY_SECONDS,
    WAITING_PER_SLOT,
    FloodLimiter,
    FrontDoor,
    TokenBuckets,
)
from tests.bot.slack_harness import SECRET, SPEC, App, posts, serving, until
from tests.fakes.local_server import serve_locally
from tests.fakes.slack_api import FakeSlack
from tests.fakes.slack_requests import (
    event_callback,
    file_share_message,
    file_shared_event,
    message_action,
    sign,
    thread_reply,
)

USER_LIMIT, CHANNEL_LIMIT = 5, 8
_serial = itertools.count(1)


class Clock:
    """Time that moves only when the test says, so no bucket refills behind its back."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _ts() -> str:
    return f"{1810000000 + next(_serial)}.000100"


def _id(prefix: str) -> str:
    return f"{prefix}FLOOD{next(_serial):05d}"


# -- the limiter alone -----------------------------------------------------------------------


def test_a_bucket_holds_a_minute_of_tokens_and_refills_at_that_rate() -> None:
    buckets = TokenBuckets(60)
    for _ in range(60):
        assert buckets.has("U", 0.0)
        buckets.take("U", 0.0)
    assert not buckets.has("U", 0.0)
    assert not buckets.has("U", 0.5)
    assert buckets.has("U", 1.0)  # one a second
    assert buckets.has("OTHER", 0.0)


def test_full_buckets_are_forgotten_so_memory_stays_bounded() -> None:
    buckets = TokenBuckets(60, max_keys=100)
    for n in range(1000):
        buckets.take(f"U{n}", float(n))  # each refilled a minute later
    assert len(buckets) <= 100
    for n in range(1000, 1300):
        buckets.take(f"U{n}", 5000.0)  # all at once: no bucket is full
    assert len(buckets) <= 100


def test_a_flood_is_told_once_and_again_only_after_a_quiet_minute() -> None:
    clock = Clock()
    limiter = FloodLimiter(user_per_minute=3, channel_per_minute=0, clock=clock)
    verdicts = [limiter.admit(f"file:F{n}", user="U1", channel="C1") for n in range(20)]
    assert [v.admitted for v in verdicts] == [True] * 3 + [False] * 17
    assert [v.tell for v in verdicts].count(True) == 1 and verdicts[3].tell
    assert {v.scope for v in verdicts[3:]} == {"user"}
    assert limiter.admit("file:FX", user="U2", channel="C1").admitted  # others go on

    clock.now += 30  # still flooding every 30 s: a token comes back, the rest are skipped
    assert limiter.admit("file:F30", user="U1", channel="C1").admitted
    assert not limiter.admit("file:F31", user="U1", channel="C1").tell
    clock.now += QUIET_SECONDS  # a quiet minute since the last skip: a new flood is told
    assert [limiter.admit(f"file:G{n}", user="U1", channel="C1").tell for n in range(5)] == [
        False,
        False,
        False,
        True,
        False,
    ]


def test_the_second_event_of_a_pair_and_retries_are_decided_alike_for_free() -> None:
    clock = Clock()
    limiter = FloodLimiter(user_per_minute=2, channel_per_minute=0, clock=clock)
    assert limiter.admit("file:F1", user="U1", channel="C1").admitted
    assert limiter.admit("file:F1", user="U1", channel="C1").admitted  # file_shared: no token
    assert limiter.admit("file:F2", user="U1", channel="C1").admitted
    skipped = limiter.admit("file:F3", user="U1", channel="C1")
    again = limiter.admit("file:F3", user="U1", channel="C1")
    assert not skipped.admitted and skipped.tell
    assert not again.admitted and not again.tell
    clock.now += SKIPPED_MEMORY_SECONDS + 60  # shared again later: decided afresh
    assert limiter.admit("file:F3", user="U1", channel="C1").admitted


def test_the_channel_limit_tells_each_person_it_stops() -> None:
    limiter = FloodLimiter(user_per_minute=0, channel_per_minute=4, clock=Clock())
    verdicts = [limiter.admit(f"file:F{n}", user=f"U{n % 3}", channel="C1") for n in range(12)]
    assert sum(v.admitted for v in verdicts) == 4
    told = [n % 3 for n, v in enumerate(verdicts) if v.tell]
    assert sorted(told) == [0, 1, 2] and {v.scope for v in verdicts[4:]} == {"channel"}
    assert FloodLimiter(user_per_minute=0, channel_per_minute=0).enabled is False


async def test_the_front_door_runs_some_queues_a_bounded_line_and_turns_the_rest_away() -> None:
    """Two slots and a line of 32 (WAITING_PER_SLOT each); with the handlers held, more are
    answered 503 at once; let go, and every request that got in line is served."""
    release = asyncio.Event()

    async def held(request: web.Request) -> web.Response:
        await release.wait()
        return web.Response(text="ok")

    door = FrontDoor(2, wait_seconds=600)
    site = web.Application(middlewares=[door])
    site.router.add_post("/slack/events", held)
    runner, origin = await serve_locally(site)
    line = 2 * WAITING_PER_SLOT
    try:
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as http:

            async def post() -> int:
                async with http.post(f"{origin}/slack/events", data=b"{}") as response:
                    return response.status

            admitted = [asyncio.create_task(post()) for _ in range(2 + line)]
            await until(lambda: door.running == 2 and door.waiting == line)
            turned_away = [await post() for _ in range(3)]
            release.set()
            served = [await task for task in admitted]
    finally:
        await runner.cleanup()
    assert turned_away == [503] * 3
    assert served == [200] * (2 + line)


# -- a running server ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def clock() -> Iterator[Clock]:
    """The server's limiter reads this clock (it takes `time.monotonic` when built)."""
    frozen = Clock()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(slack_flood, "time", types.SimpleNamespace(monotonic=frozen))
        yield frozen


@pytest.fixture(scope="module")
async def server(slack: FakeSlack, database_dsn: str, clock: Clock) -> AsyncIterator[Server]:
    async with serving(
        slack,
        database_dsn,
        slack_user_requests_per_minute=USER_LIMIT,
        slack_channel_requests_per_minute=CHANNEL_LIMIT,
    ) as started:
        yield started


def _notices(slack: FakeSlack, channel: str) -> list[Any]:
    return [c for c in slack.calls_to("chat.postEphemeral") if c.params.get("channel") == channel]


def _findings(slack: FakeSlack, channel: str) -> list[Any]:
    return [
        c for c in posts(slack, channel) if str(c.params.get("text", "")).startswith("Review of")
    ]


def _limited(scope: str, kind: str) -> float:
    labels = {"scope": scope, "kind": kind}
    return metrics.REGISTRY.get_sample_value("docsense_slack_limited_total", labels) or 0.0


async def _share(app: App, slack: FakeSlack, channel: str, user: str) -> tuple[dict[str, Any], str]:
    """A file shared by `user`, acknowledged: the file object and its message ts."""
    ts = _ts()
    file = slack.add_file(_id("F"), f"spec_{ts}.md", SPEC, channel=channel, ts=ts, user=user)
    response = await app.event(file_share_message(channel, user, [file], ts))
    assert response.status == 200
    return file, ts


async def test_one_person_flooding_uploads_gets_their_limit_reviewed_and_one_notice(
    app: App, slack: FakeSlack, clock: Clock
) -> None:
    channel, bystander = _id("C"), _id("C")
    before = _limited("user", "file")
    shared = [await _share(app, slack, channel, "UFLOODER") for _ in range(20)]
    for file, _ in shared:  # the other event of each upload pair, as Slack sends it
        assert (await app.event(file_shared_event(file["id"], channel, "UFLOODER"))).status == 200
    await _share(app, slack, bystander, "UCALM")

    await until(
        lambda: len(_findings(slack, channel)) >= USER_LIMIT and _findings(slack, bystander)
    )
    await asyncio.sleep(1.0)  # room for anything that should not happen
    assert len(_findings(slack, channel)) == USER_LIMIT
    reviewed = {c.params["thread_ts"] for c in _findings(slack, channel)}
    assert reviewed == {ts for _, ts in shared[:USER_LIMIT]}  # the first ones, in order
    notices = _notices(slack, channel)
    assert len(notices) == 1 and notices[0].params["user"] == "UFLOODER"
    assert "Review with DocSense" in notices[0].params["text"]
    assert f"more than {USER_LIMIT}" in notices[0].params["text"]
    assert _limited("user", "file") - before == 20 - USER_LIMIT
    assert _notices(slack, bystander) == []

    # A skipped file is reviewed on request: the shortcut is one deliberate act, not limited.
    skipped, ts = shared[-1]
    slack.add_channel(channel, ["UFLOODER"])
    message = {"type": "message", "user": "UFLOODER", "ts": ts, "text": "", "files": [skipped]}
    url = slack.response_url()
    response = await app.form(
        message_action("review_with_docsense", "UFLOODER", channel, message, response_url=url)
    )
    assert response.status == 200
    await until(lambda: len(_findings(slack, channel)) == USER_LIMIT + 1)

    clock.now += 60  # a minute later the bucket is full again
    await _share(app, slack, channel, "UFLOODER")
    await until(lambda: len(_findings(slack, channel)) == USER_LIMIT + 2)
    assert len(_notices(slack, channel)) == 1


async def test_a_message_with_more_files_than_are_left_has_the_rest_skipped(
    app: App, slack: FakeSlack, clock: Clock
) -> None:
    clock.now += 120
    channel = _id("C")
    ts = _ts()
    files = [
        slack.add_file(_id("F"), f"part_{n}.md", SPEC, channel=channel, ts=ts, user="UMANY")
        for n in range(USER_LIMIT + 3)
    ]
    assert (await app.event(file_share_message(channel, "UMANY", files, ts))).status == 200
    await until(lambda: len(_findings(slack, channel)) >= USER_LIMIT)
    notices = await until(lambda: _notices(slack, channel))
    await asyncio.sleep(1.0)
    assert len(_findings(slack, channel)) == USER_LIMIT and len(notices) == 1
    names = " ".join(str(c.params["text"]) for c in posts(slack, channel))
    assert all(f"part_{n}.md" in names for n in range(USER_LIMIT))
    assert not any(f"part_{n}.md" in names for n in range(USER_LIMIT, USER_LIMIT + 3))


async def test_a_channel_flooded_by_several_people_tells_each_of_them_once(
    app: App, slack: FakeSlack, clock: Clock
) -> None:
    clock.now += 120
    channel = _id("C")
    users = ["UA", "UB", "UC"]
    for n in range(15):  # 5 each: every person under their own limit
        await _share(app, slack, channel, users[n % 3])
    await until(lambda: len(_findings(slack, channel)) >= CHANNEL_LIMIT)
    await until(lambda: len(_notices(slack, channel)) >= 3)
    await asyncio.sleep(1.0)
    assert len(_findings(slack, channel)) == CHANNEL_LIMIT
    assert sorted(c.params["user"] for c in _notices(slack, channel)) == users
    assert all("This channel" in c.params["text"] for c in _notices(slack, channel))


async def test_questions_over_the_limit_get_one_notice_in_their_thread_and_chatter_none(
    app: App, slack: FakeSlack, clock: Clock
) -> None:
    clock.now += 120
    channel = _id("C")
    await _share(app, slack, channel, "UASKER")
    thread = (await until(lambda: _findings(slack, channel)))[0].params["thread_ts"]
    answered_before = len(posts(slack, channel))
    for n in range(10):  # the upload used one token: four questions are answered
        question = thread_reply(
            channel, "UASKER", f"What is the stop-loss, take {n}?", _ts(), thread
        )
        assert (await app.event(question)).status == 200
    await until(lambda: len(posts(slack, channel)) >= answered_before + USER_LIMIT - 1)
    notices = await until(lambda: _notices(slack, channel))
    await asyncio.sleep(1.0)
    assert len(posts(slack, channel)) == answered_before + USER_LIMIT - 1
    assert len(notices) == 1 and notices[0].params["thread_ts"] == thread

    # Talk in a thread that is not a document's is no question: never counted, never told.
    chat = _id("C")
    root = _ts()
    for n in range(3 * USER_LIMIT):
        assert (
            await app.event(thread_reply(chat, "UCHATTY", f"lunch? {n}", _ts(), root))
        ).status == 200
    await _share(app, slack, chat, "UCHATTY")
    await until(lambda: _findings(slack, chat))
    assert _notices(slack, chat) == []


async def test_bodies_over_a_mebibyte_are_refused_unread(
    app: App, server: Server, slack: FakeSlack
) -> None:
    channel = _id("C")
    ts = _ts()
    file = slack.add_file(_id("F"), "padded.md", SPEC, channel=channel, ts=ts)
    event = file_share_message(channel, "UBIG", [file], ts, text="x" * MAX_BODY_BYTES)
    body = event_callback(event)
    headers = {"Content-Type": "application/json", **sign(SECRET, body)}
    async with app.http.post(app.url, data=body, headers=headers) as response:
        assert response.status == 413  # by its Content-Length, signed or not

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(body), 65536):
            yield body[start : start + 65536]

    async with app.http.post(app.url, data=chunks(), headers=headers) as response:
        assert response.status == 413  # no Content-Length: aiohttp's read limit stops it
    await asyncio.sleep(0.5)
    stored = await server.runtime.pool.fetchval(
        "SELECT count(*) FROM events WHERE data->>'file_key' = $1", f"slack:{file['id']}"
    )
    assert stored == 0 and posts(slack, channel) == []
    refused = metrics.REGISTRY.get_sample_value(
        "docsense_slack_refused_total", {"reason": "too_large"}
    )
    assert refused is not None and refused >= 1
    assert (await app.event(file_share_message(channel, "UBIG", [file], ts))).status == 200


async def test_a_declared_oversized_body_is_refused_before_it_is_sent(server: Server) -> None:
    """Headers that announce 10 MiB and no body: the answer comes at once, unread (aiohttp
    alone would wait for the body)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", server.ports["http"])
    try:
        writer.write(
            b"POST /slack/events HTTP/1.1\r\nHost: localhost\r\n"
            b"Content-Type: application/json\r\nContent-Length: 10485760\r\n\r\n"
        )
        await writer.drain()
        status_line = await asyncio.wait_for(reader.readline(), 30)
    finally:
        writer.close()
    assert status_line.split()[1] == b"413"


APPEND_LOCK = 7311001
"""The advisory lock every event-store append takes (eventstore/migrations/0001_events.sql)."""


async def test_more_requests_than_the_door_takes_are_answered_503_and_lost_nowhere(
    slack: FakeSlack, database_dsn: str
) -> None:
    """Two requests in progress and two waiting; the rest 503 at once. With every append
    held by the test, nothing can finish until it lets go, so the counts are exact; each
    503 is then delivered again, as Slack does, and every upload is reviewed once."""
    async with (
        serving(slack, database_dsn, slack_max_inflight=2) as server,
        aiohttp.ClientSession() as http,
    ):
        app = App(server, http)
        channels = [_id("C") for _ in range(8)]
        bodies = []
        for n, channel in enumerate(channels):
            ts = _ts()
            file = slack.add_file(_id("F"), f"busy_{n}.md", SPEC, channel=channel, ts=ts)
            bodies.append(file_share_message(channel, f"UBUSY{n}", [file], ts))
        async with server.runtime.pool.acquire() as holder, holder.transaction():
            await holder.execute("SELECT pg_advisory_xact_lock($1)", APPEND_LOCK)
            sent = [asyncio.create_task(app.event(body)) for body in bodies]
            await until(lambda: sum(t.done() for t in sent) == 6, timeout=60)
            assert [t.result().status for t in sent if t.done()] == [503] * 6
        statuses = [(await t).status for t in sent]
        assert sorted(statuses) == [200, 200] + [503] * 6
        for body, status in zip(bodies, statuses, strict=True):
            if status == 503:
                retried = await app.event(body, retry_num=1, retry_reason="http_error")
                assert retried.status == 200
        await until(lambda: all(_findings(slack, channel) for channel in channels), timeout=90)
        await asyncio.sleep(1.0)
        assert [len(_findings(slack, channel)) for channel in channels] == [1] * 8
