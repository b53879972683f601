"""The Slack app: turns events, button clicks and `/docsense` into commands.

Slack hears 200 only once what it sent is stored: Bolt runs with
`process_before_response`, so an event whose listener could not record it (the
database is down) is answered 500 and Slack delivers it again (at once, then after a
minute and after five). Listeners only record and enqueue; the Slack calls that show
what was recorded (reactions, "Reviewing…", button updates, the reason form) run after
the ack as Bolt lazy listeners (`later` and `follow_up`), and the slow work runs as
jobs. Every delivery may be a retry, so every command here is idempotent: uploads by
Slack file id, questions by message ts, decisions by state. Documents are scoped to the
channel or DM they were shared in.
"""

from __future__ import annotations

import asyncio
import functools
import json
import os
import re
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any, Literal, ParamSpec, TypedDict, TypeVar

import structlog
from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot import metrics
from bot.observability import bind_correlation
from bot.runtime import Runtime
from bot.slack_blocks import (
    FILTER_ACTION,
    PAGE_ACTION,
    decision_update,
    pager_update,
    parse_finding_value,
    parse_page_value,
    reject_reason_modal,
    reviewing_message,
)
from bot.slack_commands import SlashCommands
from bot.slack_flood import flood_guard
from bot.slack_jobs import FINDINGS_PAGE_JOB, SlackNotifier, page_dedupe_key
from domain import events as ev
from domain.correlation import correlation_id
from domain.document import DocumentError
from domain.queries import document_in_thread, projection_lag
from domain.service import AskQuestion, DecideFinding, SubmitDocument

log = structlog.get_logger(__name__)
SLACK_NAMESPACE = uuid.UUID("0d5b7f5e-3f0a-4c55-9a43-1b8f3c2d9e71")
_MENTION = re.compile(r"<@[A-Z0-9]+>")
P = ParamSpec("P")
R = TypeVar("R")
Outcome = Literal["handled", "ignored", "failed"]
Listener = Callable[..., Awaitable[Outcome]]
FOLLOW_UPS = "docsense_follow_ups"
"""Bolt context key of the steps a listener leaves for after the ack (see `later`)."""


class Announcement(TypedDict):
    """What :eyes: and "Reviewing…" need for an upload just stored."""

    document_id: str
    file_id: str
    channel_id: str
    message_ts: str | None
    root: str | None
    filename: str


def later(context: dict[str, Any], step: str, **arguments: Any) -> None:
    """Leave a Slack call that only shows what was stored for the lazy `follow_up`
    listener, after the ack. Bolt copies the context for it: plain data only."""
    context.setdefault(FOLLOW_UPS, []).append({"step": step, **arguments})


class InFlight:
    """Listener work still running after Bolt's ack, so a shutdown can let it finish
    instead of closing the database under it."""

    def __init__(self) -> None:
        self._running = 0
        self._idle = asyncio.Event()
        self._idle.set()

    @asynccontextmanager
    async def track(self) -> AsyncIterator[None]:
        self._running += 1
        self._idle.clear()
        try:
            yield
        finally:
            self._running -= 1
            if not self._running:
                self._idle.set()

    async def wait(self, timeout: float) -> bool:
        """True when everything finished within `timeout` seconds."""
        if self._idle.is_set():
            return True
        try:
            await asyncio.wait_for(self._idle.wait(), timeout)
        except TimeoutError:
            return False
        return True


def tracked(method: Callable[P, Awaitable[R]]) -> Callable[P, Awaitable[R]]:
    """Count a handler method as in flight (its object carries `inflight`)."""

    @functools.wraps(method)
    async def run(*args: P.args, **kwargs: P.kwargs) -> R:
        async with args[0].inflight.track():  # type: ignore[attr-defined]
            return await method(*args, **kwargs)

    return run


def counted(kind: str) -> Callable[[Listener], Callable[..., Awaitable[None]]]:
    """Count each request a Bolt listener gets once in `docsense_slack_events_total`: with
    the outcome it returns, or `failed` when it raises (Bolt's error handler logs it).
    Per listener, not in a global middleware: Bolt runs listeners after acking, when
    global middleware has long returned and cannot see how the request ended."""

    def wrap(listener: Listener) -> Callable[..., Awaitable[None]]:
        @functools.wraps(listener)  # Bolt reads the wrapped signature to pass arguments
        async def run(**arguments: Any) -> None:
            try:
                result = await listener(**arguments)
            except Exception:
                metrics.SLACK_EVENTS.labels(type=kind, outcome="failed").inc()
                raise
            metrics.SLACK_EVENTS.labels(type=kind, outcome=result).inc()

        return run

    return wrap


class SlackHandlers:
    """What each Slack interaction does, independent of how Bolt delivers it."""

    def __init__(
        self,
        runtime: Runtime,
        client: AsyncWebClient,
        notifier: SlackNotifier,
        inflight: InFlight,
    ) -> None:
        self.inflight = inflight
        self.runtime = runtime
        self.documents = runtime.documents
        self.client = client
        self.notifier = notifier

    async def _thread_document(self, channel_id: str, thread_ts: str) -> uuid.UUID | None:
        """The read model may trail an upload stored a moment ago (the one that started
        this thread): catch up only when it does, since catching up waits for the
        projection's lock and this runs before Slack hears back."""
        pool = self.runtime.pool
        found = await document_in_thread(pool, channel_id=channel_id, thread_ts=thread_ts)
        if found is None and any((await projection_lag(self.runtime.store)).values()):
            await self.runtime.catch_up()
            found = await document_in_thread(pool, channel_id=channel_id, thread_ts=thread_ts)
        return found

    @tracked
    async def upload(
        self,
        *,
        team_id: str,
        channel_id: str,
        user_id: str,
        file: dict[str, Any],
        message_ts: str | None,
        thread_ts: str | None,
    ) -> Announcement | None:
        """A file in a channel: a new document, or a new version when in a reviewed thread.
        What to announce once it is stored; None for a file already recorded (a retry)."""
        file_id = file["id"]
        existing = await self._thread_document(channel_id, thread_ts) if thread_ts else None
        # The uploader's workspace, which every path to this file agrees on; the event's or
        # the clicker's differs in a channel shared with another organisation.
        owner = file.get("user_team") or team_id
        document_id = existing or uuid.uuid5(SLACK_NAMESPACE, f"{owner}:{file_id}")
        root = thread_ts or message_ts
        filename = file.get("name") or file.get("title") or file_id
        submitted = await self.documents.submit(
            SubmitDocument(
                document_id=document_id,
                filename=filename,
                media_type=file.get("mimetype"),
                size=int(file.get("size") or 0),
                file_key=f"slack:{file_id}",
                sha256=None,
                source=ev.Source(
                    kind="slack",
                    team_id=team_id,
                    channel_id=channel_id,
                    thread_ts=root,
                    user_id=user_id,
                    file_id=file_id,
                ),
                actor=user_id,
            ),
            review_job={
                "file_id": file_id,
                "channel_id": channel_id,
                "thread_ts": root,
                "message_ts": message_ts,
            },
        )
        metrics.DOCUMENTS_SUBMITTED.labels(outcome="new" if submitted.new else "duplicate").inc()
        if not submitted.new:
            return None
        return Announcement(
            document_id=str(document_id),
            file_id=file_id,
            channel_id=channel_id,
            message_ts=message_ts,
            root=root,
            filename=filename,
        )

    @tracked
    async def announce(
        self,
        *,
        document_id: str,
        file_id: str,
        channel_id: str,
        message_ts: str | None,
        root: str | None,
        filename: str,
    ) -> None:
        await self.notifier.react(channel_id, message_ts, "eyes")
        await self.notifier.post_once(
            uuid.UUID(document_id),
            f"reviewing:{file_id}",
            channel=channel_id,
            thread_ts=root,
            message=reviewing_message(filename),
        )

    @tracked
    async def shared_file(
        self, *, team_id: str, channel_id: str, user_id: str, file_id: str
    ) -> tuple[bool, Announcement | None]:
        """`file_shared` carries no message: find where the file was posted via files.info.
        False when it is not (or no longer) shared in that channel; and what to announce."""
        info = await self.client.files_info(file=file_id)
        file = info["file"]
        shares = {
            **file.get("shares", {}).get("public", {}),
            **file.get("shares", {}).get("private", {}),
        }
        placements = shares.get(channel_id) or []
        if not placements:
            log.info("slack.file_shared.no_share", file_id=file_id, channel_id=channel_id)
            return False, None
        placement = placements[0]
        announcement = await self.upload(
            team_id=team_id,
            channel_id=channel_id,
            user_id=user_id,
            file=file,
            message_ts=placement.get("ts"),
            thread_ts=placement.get("thread_ts"),
        )
        return True, announcement

    @tracked
    async def question_in(self, event: dict[str, Any]) -> bool:
        """A message or mention inside a thread (not the thread's first message); False
        when it is not one, or not a question about a reviewed document."""
        thread_ts = event.get("thread_ts")
        if not thread_ts or thread_ts == event.get("ts"):
            return False
        return await self.question(
            channel_id=event["channel"],
            user_id=event.get("user", ""),
            text=event.get("text", ""),
            ts=event["ts"],
            thread_ts=thread_ts,
        )

    async def question(
        self,
        *,
        channel_id: str,
        user_id: str,
        text: str,
        ts: str,
        thread_ts: str,
        document_id: uuid.UUID | None = None,
    ) -> bool:
        """A reply (or mention) in a reviewed thread is a question about its document (or
        about `document_id`, the one chosen in an assistant thread); it is answered there."""
        document_id = document_id or await self._thread_document(channel_id, thread_ts)
        question = _MENTION.sub("", text).strip()
        if document_id is None or not question:
            return False
        await self.documents.ask(
            AskQuestion(
                document_id=document_id,
                question_id=uuid.uuid5(SLACK_NAMESPACE, f"question:{channel_id}:{ts}"),
                text=question,
                user_id=user_id,
                message_ts=ts,
                actor=user_id,
            ),
            reply_to={"channel_id": channel_id, "thread_ts": thread_ts},
        )
        return True

    @tracked
    async def decide(
        self,
        *,
        value: str,
        accept: bool,
        user_id: str,
        channel_id: str,
        reason: str | None = None,
    ) -> bool:
        """False when the click came from another channel than the document's."""
        document_id, finding_id = parse_finding_value(value)
        document = await self.documents.load(uuid.UUID(document_id))
        if document.source is None or document.source.channel_id != channel_id:
            return False  # a button replayed into another channel never touches the document
        await self.documents.decide(
            DecideFinding(
                document.id, finding_id, accept=accept, actor=user_id, reason=reason or None
            )
        )
        return True

    @tracked
    async def show_decision(
        self, *, channel_id: str, message: dict[str, Any], value: str, accept: bool, user_id: str
    ) -> None:
        """The clicked finding shows who decided what, instead of its buttons."""
        _, finding_id = parse_finding_value(value)
        blocks = decision_update(
            message["blocks"], finding_id, "accepted" if accept else "rejected", user_id
        )
        await self.client.chat_update(
            channel=channel_id, ts=message["ts"], text=message.get("text", ""), blocks=blocks
        )

    @tracked
    async def reason_modal(self, *, trigger_id: str, value: str, channel_id: str, ts: str) -> None:
        """Offer to say why a finding was rejected; an expired trigger (it lives three
        seconds after the click) costs only the form, never the decision."""
        document_id, finding_id = parse_finding_value(value)
        try:
            await self.client.views_open(
                trigger_id=trigger_id,
                view=reject_reason_modal(document_id, finding_id, channel_id, ts),
            )
        except SlackApiError as error:
            log.warning("slack.reason_modal_failed", error=error.response.get("error"))

    @tracked
    async def next_page(self, *, value: str, channel_id: str) -> bool:
        """A click on "Show more" or a severity filter choice: queue the page once per
        review, offset and filter (the job posts it from the latest review). False when
        there is nothing to show: another channel's click, or no review yet."""
        document_id, offset, min_severity = parse_page_value(value)
        document = await self.documents.load(uuid.UUID(document_id))
        if document.source is None or document.source.channel_id != channel_id:
            return False  # a button replayed into another channel never shows the document
        if document.latest_analysis is None:
            return False
        async with self.runtime.store.transaction() as connection:
            await self.runtime.jobs.enqueue(
                connection,
                FINDINGS_PAGE_JOB,
                {
                    "document_id": document_id,
                    "offset": offset,
                    "min_severity": min_severity,
                    "correlation_id": correlation_id.get(),
                },
                dedupe_key=page_dedupe_key(
                    document.id, document.latest_analysis.analysis_id, offset, min_severity
                ),
            )
        return True

    @tracked
    async def show_pager(self, *, channel_id: str, message: dict[str, Any], user_id: str) -> None:
        """The clicked "Show more" becomes a note that the page is posted below."""
        await self.client.chat_update(
            channel=channel_id,
            ts=message["ts"],
            text=message.get("text", ""),
            blocks=pager_update(message["blocks"], user_id),
        )


def outcome(acted: bool) -> Outcome:
    """What a listener that may find nothing to do reports to the events metric."""
    return "handled" if acted else "ignored"


def _bolt_app(client: AsyncWebClient, **options: Any) -> AsyncApp:
    """Bolt falls back to SLACK_BOT_TOKEN from the environment when no `token` is given,
    then warns at every start that the token will be unused beside `client` (which
    already carries it). Building the app without the variable in sight removes the
    cause; the variable is back before anything else can read it."""
    token = os.environ.pop("SLACK_BOT_TOKEN", None)
    try:
        return AsyncApp(client=client, **options)
    finally:
        if token is not None:
            os.environ["SLACK_BOT_TOKEN"] = token


def build_slack_app(
    runtime: Runtime,
    client: AsyncWebClient,
    notifier: SlackNotifier,
    *,
    signing_secret: str | None,
    inflight: InFlight,
) -> AsyncApp:
    """Bolt app with every listener; request signatures are verified in HTTP mode."""
    app = _bolt_app(
        client,
        signing_secret=signing_secret,
        request_verification_enabled=signing_secret is not None,
        process_before_response=True,  # Slack's 200 means stored (see the module)
    )
    handlers = SlackHandlers(runtime, client, notifier, inflight)
    commands = SlashCommands(runtime, client)

    @app.middleware
    async def correlate(body: dict[str, Any], next: Callable[[], Awaitable[None]]) -> None:
        bind_correlation(body.get("event_id") or body.get("trigger_id"))
        await next()

    app.middleware(flood_guard(runtime, client, inflight.track).middleware)  # before listeners

    steps: dict[str, Callable[..., Awaitable[None]]] = {
        "announce": handlers.announce,
        "show_decision": handlers.show_decision,
        "reason_modal": handlers.reason_modal,
        "show_pager": handlers.show_pager,
    }

    async def follow_up(context: dict[str, Any]) -> None:
        """Lazy listener: the steps `later` left, after Slack has its 200. One that fails
        is logged and counted; the stored state it would have shown is not affected."""
        for item in context.get(FOLLOW_UPS, []):
            arguments = dict(item)
            step = arguments.pop("step")
            try:
                await steps[step](**arguments)
            except Exception as error:
                metrics.ERRORS.labels(component="slack").inc()
                log.error(
                    "slack.follow_up_failed", step=step, error=str(error), kind=type(error).__name__
                )

    @counted("message")
    async def on_message(
        event: dict[str, Any], body: dict[str, Any], context: dict[str, Any]
    ) -> Outcome:
        subtype = event.get("subtype")
        if event.get("bot_id") or subtype not in (None, "file_share", "thread_broadcast"):
            return "ignored"  # other bots (Bolt drops our own), edits, deletions, joins
        if subtype != "file_share":
            return outcome(await handlers.question_in(event))
        files = event.get("files", [])
        for file in files:
            announcement = await handlers.upload(
                team_id=body.get("team_id", ""),
                channel_id=event["channel"],
                user_id=event.get("user", ""),
                file=file,
                message_ts=event.get("ts"),
                thread_ts=event.get("thread_ts"),
            )
            if announcement is not None:
                later(context, "announce", **announcement)
        return outcome(bool(files))

    app.event("message")(ack=on_message, lazy=[follow_up])

    @counted("file_shared")
    async def on_file_shared(
        event: dict[str, Any], body: dict[str, Any], context: dict[str, Any]
    ) -> Outcome:
        shared, announcement = await handlers.shared_file(
            team_id=body.get("team_id", ""),
            channel_id=event["channel_id"],
            user_id=event.get("user_id", ""),
            file_id=event["file_id"],
        )
        if announcement is not None:
            later(context, "announce", **announcement)
        return outcome(shared)

    app.event("file_shared")(ack=on_file_shared, lazy=[follow_up])

    @app.event("app_mention")
    @counted("app_mention")
    async def on_mention(event: dict[str, Any]) -> Outcome:
        return outcome(await handlers.question_in(event))

    async def decided(
        ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], *, accept: bool
    ) -> bool:
        """The click is the decision: stored, then acknowledged."""
        acted = await handlers.decide(
            value=action["value"],
            accept=accept,
            user_id=body["user"]["id"],
            channel_id=body["channel"]["id"],
        )
        await ack()
        return acted

    def show_decision_later(
        context: dict[str, Any], body: dict[str, Any], action: dict[str, Any], *, accept: bool
    ) -> None:
        if body.get("message"):
            later(
                context,
                "show_decision",
                channel_id=body["channel"]["id"],
                message=body["message"],
                value=action["value"],
                accept=accept,
                user_id=body["user"]["id"],
            )

    @counted("action")
    async def on_accept(
        ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], context: dict[str, Any]
    ) -> Outcome:
        acted = await decided(ack, body, action, accept=True)
        if acted:
            show_decision_later(context, body, action, accept=True)
        return outcome(acted)

    app.action("finding_accept")(ack=on_accept, lazy=[follow_up])

    @counted("action")
    async def on_reject(
        ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], context: dict[str, Any]
    ) -> Outcome:
        """Reject at once and offer to say why: the form first, right after the ack, as
        its trigger_id expires three seconds after the click."""
        acted = await decided(ack, body, action, accept=False)
        channel_id, message = body["channel"]["id"], body.get("message") or {}
        if acted:
            later(
                context,
                "reason_modal",
                trigger_id=body["trigger_id"],
                value=action["value"],
                channel_id=channel_id,
                ts=message.get("ts", ""),
            )
            show_decision_later(context, body, action, accept=False)
        return outcome(acted)

    app.action("finding_reject")(ack=on_reject, lazy=[follow_up])

    @counted("action")
    async def on_page(
        ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], context: dict[str, Any]
    ) -> Outcome:
        queued = await handlers.next_page(value=action["value"], channel_id=body["channel"]["id"])
        await ack()
        if queued and body.get("message"):
            later(
                context,
                "show_pager",
                channel_id=body["channel"]["id"],
                message=body["message"],
                user_id=body["user"]["id"],
            )
        return outcome(queued)

    app.action(PAGE_ACTION)(ack=on_page, lazy=[follow_up])

    # App Home, the shortcut, Export and assistant threads build on the helpers above.
    from bot.slack_surfaces import register_surfaces

    register_surfaces(
        app,
        runtime=runtime,
        client=client,
        notifier=notifier,
        handlers=handlers,
        steps=steps,
        follow_up=follow_up,
    )

    @app.action(FILTER_ACTION)
    @counted("action")
    async def on_filter(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]) -> Outcome:
        """The filter stays as it is, to choose another severity later."""
        queued = await handlers.next_page(
            value=action["selected_option"]["value"], channel_id=body["channel"]["id"]
        )
        await ack()
        return outcome(queued)

    @app.view("reject_reason")
    @counted("view")
    async def on_reject_reason(
        ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]
    ) -> Outcome:
        metadata = json.loads(view.get("private_metadata") or "{}")
        reason = _first_input(view.get("state", {}).get("values", {}))
        if not reason:
            await ack()
            return "ignored"
        acted = await handlers.decide(
            value=f"{metadata['document_id']}|{metadata['finding_id']}",
            accept=False,
            user_id=body["user"]["id"],
            channel_id=metadata["channel_id"],
            reason=reason,
        )
        await ack()
        return outcome(acted)

    async def ack_command(ack: AsyncAck) -> None:
        """A command is answered through its response_url, which lives 30 minutes."""
        await ack()

    @counted("command")
    async def on_command(command: dict[str, Any], respond: AsyncRespond) -> Outcome:
        result: Outcome = "handled"
        try:
            async with inflight.track():
                message = await commands.run(command)
        except DocumentError as error:
            message = {"text": str(error), "blocks": []}
        except Exception:
            result = "failed"
            metrics.ERRORS.labels(component="slack").inc()
            log.exception("slack.command_failed", text=command.get("text"))
            message = {"text": "Sorry, that failed on my side; it has been logged.", "blocks": []}
        await respond(response_type="ephemeral", text=message["text"], blocks=message["blocks"])
        return result

    app.command("/docsense")(ack=ack_command, lazy=[on_command])

    @app.error
    async def on_error(error: Exception, body: dict[str, Any]) -> None:
        """Bolt answers the request 500: Slack delivers an event again, and shows the
        person who clicked that it did not work."""
        metrics.ERRORS.labels(component="slack").inc()
        log.error(
            "slack.listener_failed", error=str(error), kind=type(error).__name__, answered=500
        )

    return app


def _first_input(values: dict[str, Any]) -> str | None:
    for block in values.values():
        for element in block.values():
            if element.get("value"):
                return str(element["value"]).strip()
    return None
