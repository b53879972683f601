"""Floods: how much one request may carry, how many the front door takes at once, and how
much work one person or one channel may ask for.

- `FrontDoor` (an aiohttp middleware, before Bolt reads anything): a body over
  `MAX_BODY_BYTES` by its Content-Length is answered 413 unread (aiohttp's own read limit,
  the same 1 MiB, stops a chunked one); at most `max_inflight` requests are worked on at
  once and up to `WAITING_PER_SLOT` times as many wait up to `WAIT_SECONDS` for a turn
  (a stall of a second at 800 events/s fits). The rest are answered 503 at once, before
  anything is stored, so Slack delivers them again later: back-pressure on Slack's retry
  schedule instead of a queue in this process that grows without bound.
- `FloodLimiter` (pure): token buckets per user and per channel over the work events ask
  for, a file to review or a question to answer. Over either limit that work is skipped,
  and each person hears it once per flood (again only after a quiet minute), not once per
  file. What was decided for a file or a message is remembered, so the second event of
  an upload pair, and a retry, cost nothing and are decided alike.
- `FloodGuard` (a Bolt middleware) applies the limiter to events only: a click, a command
  or the *Review with DocSense* shortcut is one deliberate act, and the shortcut is how a
  skipped file gets reviewed.

Both are per process: with N replicas behind a load balancer a person may get up to N
times the limit, and up to N notices.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Literal

import asyncpg
import structlog
from aiohttp import web
from slack_bolt.response import BoltResponse
from slack_sdk.web.async_client import AsyncWebClient

from bot import metrics
from bot.runtime import Runtime
from domain.queries import document_in_thread

log = structlog.get_logger(__name__)

MAX_BODY_BYTES = 1024 * 1024
"""Slack's largest requests (a click in a 100-block Home view, form-encoded) stay far below."""
WAIT_SECONDS = 1.0
"""How long a request beyond `max_inflight` may wait for a turn: Slack waits 3 s in all."""
WAITING_PER_SLOT = 16
"""A waiting request holds only its headers; the line is bounded all the same."""
QUIET_SECONDS = 60.0
"""A flood is over once nothing was skipped for this long (a full bucket's refill)."""
ADMITTED_MEMORY_SECONDS = 600.0
"""Slack retries an unanswered event for about five minutes."""
SKIPPED_MEMORY_SECONDS = 30.0
"""Long enough for the other event of an upload pair; shorter than "share it again in a
minute", so the same file shared again later is decided afresh."""
MAX_KEYS = 10_000

Scope = Literal["user", "channel"]
Kind = Literal["file", "question"]
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class FrontDoor:
    """The aiohttp middleware described in the module docstring; `running` and `waiting`
    say how many requests it holds."""

    __middleware_version__ = 1  # aiohttp's mark of a new-style middleware

    def __init__(self, max_inflight: int, *, wait_seconds: float = WAIT_SECONDS) -> None:
        self.wait_seconds = wait_seconds
        self.most_waiting = max_inflight * WAITING_PER_SLOT
        self.running = self.waiting = 0
        self._slots = asyncio.Semaphore(max_inflight)

    async def __call__(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
            metrics.SLACK_REFUSED.labels(reason="too_large").inc()
            return web.Response(status=413, text="request body too large")
        if self._slots.locked() and self.waiting >= self.most_waiting:
            return _busy()
        self.waiting += 1
        try:
            await asyncio.wait_for(self._slots.acquire(), self.wait_seconds)
        except TimeoutError:
            return _busy()
        finally:
            self.waiting -= 1
        self.running += 1
        try:
            return await handler(request)
        finally:
            self.running -= 1
            self._slots.release()


def _busy() -> web.Response:
    metrics.SLACK_REFUSED.labels(reason="busy").inc()
    return web.Response(status=503, text="busy, deliver again later", headers={"Retry-After": "1"})


@dataclass
class _Bucket:
    tokens: float
    stamp: float


class TokenBuckets:
    """`per_minute` tokens at most per key, refilled at `per_minute` a minute."""

    def __init__(self, per_minute: int, *, max_keys: int = MAX_KEYS) -> None:
        self.capacity = float(per_minute)
        self.rate = per_minute / 60.0
        self.max_keys = max_keys
        self._buckets: dict[str, _Bucket] = {}

    def has(self, key: str, now: float) -> bool:
        return self._refilled(key, now).tokens >= 1.0

    def take(self, key: str, now: float) -> None:
        self._refilled(key, now).tokens -= 1.0

    def _refilled(self, key: str, now: float) -> _Bucket:
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= self.max_keys:
                self._forget_full(now)
            bucket = self._buckets[key] = _Bucket(self.capacity, now)
        bucket.tokens = min(self.capacity, bucket.tokens + (now - bucket.stamp) * self.rate)
        bucket.stamp = now
        return bucket

    def _forget_full(self, now: float) -> None:
        """A full bucket is the same as none; with none full (an attack from many keys at
        once), the oldest half goes, which only errs towards letting work through."""
        full = self.capacity / self.rate
        self._buckets = {k: b for k, b in self._buckets.items() if now - b.stamp < full}
        if len(self._buckets) >= self.max_keys:
            oldest = sorted(self._buckets.items(), key=lambda item: item[1].stamp)
            self._buckets = dict(oldest[len(oldest) // 2 :])

    def __len__(self) -> int:
        return len(self._buckets)


@dataclass(frozen=True)
class Verdict:
    admitted: bool
    scope: Scope | None = None
    """Which limit skipped it."""
    tell: bool = False
    """Whether this is the first skip of a flood for this person (and channel, for the
    channel limit): the one time they are told."""
    repeat: bool = False
    """Decided before (the other event of an upload pair, a retry): not counted again."""


class FloodLimiter:
    """Decides, for each piece of work (`unit`, a file or a message), whether it is done."""

    def __init__(
        self,
        *,
        user_per_minute: int,
        channel_per_minute: int,
        clock: Callable[[], float] | None = None,
    ) -> None:
        self.user_limit = user_per_minute
        self.channel_limit = channel_per_minute
        self.users = TokenBuckets(user_per_minute) if user_per_minute else None
        self.channels = TokenBuckets(channel_per_minute) if channel_per_minute else None
        self.clock = clock or time.monotonic
        self._decided: OrderedDict[str, tuple[Verdict, float]] = OrderedDict()
        self._told: dict[tuple[str, str], float] = {}

    @property
    def enabled(self) -> bool:
        return self.users is not None or self.channels is not None

    def limit_of(self, scope: Scope) -> int:
        return self.user_limit if scope == "user" else self.channel_limit

    def admit(self, unit: str, *, user: str, channel: str) -> Verdict:
        now = self.clock()
        earlier = self._recall(unit, now)
        if earlier is not None:
            return Verdict(earlier.admitted, earlier.scope, repeat=True)  # never told twice
        scope: Scope | None = None
        if self.users is not None and not self.users.has(user, now):
            scope = "user"
        elif self.channels is not None and not self.channels.has(channel, now):
            scope = "channel"
        if scope is None:
            if self.users is not None:
                self.users.take(user, now)
            if self.channels is not None:
                self.channels.take(channel, now)
            verdict = Verdict(True)
        else:
            verdict = Verdict(False, scope, self._first_skip(scope, user, channel, now))
        self._remember(unit, verdict, now)
        return verdict

    def _first_skip(self, scope: Scope, user: str, channel: str, now: float) -> bool:
        key = (scope, user if scope == "user" else f"{channel}:{user}")
        last = self._told.get(key)
        self._told[key] = now
        if len(self._told) > MAX_KEYS:
            self._told = {k: t for k, t in self._told.items() if now - t < QUIET_SECONDS}
        return last is None or now - last >= QUIET_SECONDS

    def _recall(self, unit: str, now: float) -> Verdict | None:
        found = self._decided.get(unit)
        if found is None:
            return None
        verdict, at = found
        memory = ADMITTED_MEMORY_SECONDS if verdict.admitted else SKIPPED_MEMORY_SECONDS
        if now - at >= memory:
            del self._decided[unit]
            return None
        return verdict

    def _remember(self, unit: str, verdict: Verdict, now: float) -> None:
        self._decided[unit] = (verdict, now)
        while len(self._decided) > MAX_KEYS:
            self._decided.popitem(last=False)


def skipped_message(scope: Scope, limit: int) -> str:
    """The one notice of a flood, seen only by the person whose work was skipped."""
    if scope == "user":
        lead = f"You've sent me more than {limit} files and questions in a minute"
    else:
        lead = f"This channel has sent me more than {limit} files and questions in a minute"
    return (
        f"{lead}, so I'm skipping the rest until things slow down (I'm telling you once, "
        "not for each one). To have a skipped file reviewed, choose *Review with DocSense* "
        "on it or share it again in a minute; ask a skipped question again in a minute."
    )


@dataclass(frozen=True)
class _Work:
    unit: str
    kind: Kind
    file: dict[str, Any] | None = None


class FloodGuard:
    """Applies a `FloodLimiter` to Slack events before their listeners run (a Bolt global
    middleware: `app.middleware(guard.middleware)`)."""

    def __init__(
        self,
        limiter: FloodLimiter,
        client: AsyncWebClient,
        pool: asyncpg.Pool,
        track: Callable[[], Any],
    ) -> None:
        self.limiter = limiter
        self.client = client
        self.pool = pool
        self.track = track
        """An async context manager factory counting the notice as work in flight."""
        self._notices: set[asyncio.Task[None]] = set()

    async def middleware(
        self, body: dict[str, Any], next: Callable[[], Awaitable[None]]
    ) -> BoltResponse | None:
        event = body.get("event") if body.get("type") == "event_callback" else None
        if not self.limiter.enabled or not isinstance(event, dict):
            await next()
            return None
        work = await self._work(event)
        if not work:
            await next()
            return None
        user = str(event.get("user") or event.get("user_id") or "")
        channel = str(event.get("channel") or event.get("channel_id") or "")
        admitted: list[_Work] = []
        for item in work:
            verdict = self.limiter.admit(item.unit, user=user, channel=channel)
            if verdict.admitted:
                admitted.append(item)
                continue
            assert verdict.scope is not None
            if not verdict.repeat:
                metrics.SLACK_LIMITED.labels(scope=verdict.scope, kind=item.kind).inc()
            if verdict.tell:
                self._tell(verdict.scope, user, channel, event.get("thread_ts"))
        if not admitted:
            metrics.SLACK_EVENTS.labels(type=str(event.get("type")), outcome="limited").inc()
            return BoltResponse(status=200, body="")  # acknowledged: skipped, not failed
        if len(admitted) < len(work) and event.get("files"):
            event["files"] = [item.file for item in admitted]
        await next()
        return None

    async def _work(self, event: dict[str, Any]) -> list[_Work]:
        """The reviews and answers an event asks for; nothing for what listeners ignore."""
        kind, subtype = event.get("type"), event.get("subtype")
        if kind == "file_shared":
            return [_Work(f"file:{event.get('file_id')}", "file")]
        if kind not in ("message", "app_mention") or event.get("bot_id"):
            return []
        if subtype == "file_share":
            files = [f for f in event.get("files") or [] if isinstance(f, dict) and f.get("id")]
            return [_Work(f"file:{f['id']}", "file", f) for f in files]
        if subtype not in (None, "thread_broadcast") or not await self._question(event):
            return []
        return [_Work(f"question:{event.get('channel')}:{event.get('ts')}", "question")]

    async def _question(self, event: dict[str, Any]) -> bool:
        """A reply in a DM thread (addressed to DocSense) or in a reviewed document's thread;
        chatter in other threads costs nothing and is never limited."""
        thread_ts, channel = event.get("thread_ts"), event.get("channel")
        if not thread_ts or thread_ts == event.get("ts") or not channel:
            return False
        if event.get("channel_type") == "im":
            return True
        try:
            found = await document_in_thread(self.pool, channel_id=channel, thread_ts=thread_ts)
        except (asyncpg.PostgresError, OSError):
            return False  # the listener meets the same outage and answers 500
        return found is not None

    def _tell(self, scope: Scope, user: str, channel: str, thread_ts: str | None) -> None:
        log.warning("slack.flood_limited", scope=scope, user_id=user, channel_id=channel)
        task = asyncio.create_task(self._notice(scope, user, channel, thread_ts))
        self._notices.add(task)
        task.add_done_callback(self._notices.discard)

    async def _notice(self, scope: Scope, user: str, channel: str, thread_ts: str | None) -> None:
        """After the ack; a notice that cannot be posted costs only the notice."""
        async with self.track():
            try:
                await self.client.chat_postEphemeral(
                    channel=channel,
                    user=user,
                    text=skipped_message(scope, self.limiter.limit_of(scope)),
                    thread_ts=thread_ts,
                )
            except Exception as error:
                metrics.ERRORS.labels(component="slack").inc()
                log.warning(
                    "slack.flood_notice_failed", error=str(error), kind=type(error).__name__
                )


def flood_guard(runtime: Runtime, client: AsyncWebClient, track: Callable[[], Any]) -> FloodGuard:
    """The guard `build_slack_app` registers, with the limits of `runtime.settings`."""
    settings = runtime.settings
    limiter = FloodLimiter(
        user_per_minute=settings.slack_user_requests_per_minute,
        channel_per_minute=settings.slack_channel_requests_per_minute,
    )
    return FloodGuard(limiter, client, runtime.pool, track)
