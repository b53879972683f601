"""Assistant threads: DocSense in Slack's side panel (Agents & AI Apps).

A thread opens with a greeting: drop a file to have it reviewed there, or pick a reviewed
document (a menu, or a suggested prompt "Open <file> (<id>)") from the channels the user
shares with DocSense (`bot.slack_scope`, the scoping App Home uses). A pick records
`ThreadLinked`; questions in the thread are then about that document, answered with the
same grounding as in its own thread, and posted in the assistant thread. While a review or
an answer is on its way the thread shows a status.

Bolt's `AsyncAssistant` middleware hands this module every message in a thread of a DM
with DocSense. Without the panel (the feature off) those are plain DM threads: a file
dropped there, or a reply in a reviewed one, behaves as before, and nothing here sets a
status, a title or prompts: Slack marks messages in the panel's threads (`assistant_thread`),
and only those get them. Statuses, titles and prompts are decorations: when Slack refuses
one, it is logged and the answer still comes.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import structlog
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.runtime import Runtime
from bot.slack_blocks import (
    QUESTION_PROMPTS,
    Message,
    assistant_greeting,
    assistant_hint_message,
    assistant_prompts,
    discussing_message,
)
from bot.slack_jobs import SlackNotifier
from bot.slack_scope import ScopeUnavailable, visible_channels
from domain import events as ev
from domain.queries import DocumentRow, document_in_thread, list_documents, thread_subject

if TYPE_CHECKING:
    from bot.slack_app import Announcement, SlackHandlers

log = structlog.get_logger(__name__)

Later = Callable[..., None]
"""`later(step, **arguments)`: a Slack call to make after the ack (see `bot.slack_app`)."""

_OPEN = re.compile(r"^open\s+(?P<name>.+?)(?:\s+\((?P<short>[0-9a-f]{8})\))?\s*$", re.I)
_PICKABLE = 100  # documents offered in the menu
NOT_FOUND = (
    "I can't find that document among the reviewed documents in the channels you share "
    "with me. Pick one from the menu, or drop the file here."
)
NO_LONGER_VISIBLE = (
    "You no longer share the channel of that document with me, so I can't answer about it "
    "here. Pick another document, or drop a file."
)


class AssistantThreads:
    def __init__(
        self,
        runtime: Runtime,
        client: AsyncWebClient,
        notifier: SlackNotifier,
        handlers: SlackHandlers,
        slack_namespace: uuid.UUID,
    ) -> None:
        self.runtime = runtime
        self.documents = runtime.documents
        self.client = client
        self.notifier = notifier
        self.handlers = handlers
        self.namespace = slack_namespace

    # -- before the ack: what to store ---------------------------------------------------

    async def message(self, event: dict[str, Any], *, team_id: str, later: Later) -> bool:
        """A message in a DM thread: files to review, a pick by name, or a question.
        False when there is nothing to do (chatter in a thread about no document)."""
        if event.get("bot_id") or event.get("subtype") not in (None, "file_share"):
            return False
        if event.get("subtype") == "file_share":
            return await self._dropped(event, team_id=team_id, later=later)
        channel, thread_ts, user = event["channel"], event["thread_ts"], event.get("user", "")
        in_panel = "assistant_thread" in event
        text = re.sub(r"<@[A-Z0-9]+>", "", event.get("text", "")).strip()
        if not text:
            return False
        if in_panel and (wanted := _OPEN.match(text)):
            rows, channels, _ = await self._pickable(user)
            found = [
                row
                for row in rows
                if row.short_id == wanted["short"] or row.filename == wanted["name"]
            ]
            if len(found) != 1:
                later("assistant_hint", channel_id=channel, thread_ts=thread_ts, text=NOT_FOUND)
                return True
            key = f"open:{channel}:{event['ts']}"
            await self.link(found[0], channels, user, channel, thread_ts, key, later)
            return True
        pool = self.runtime.pool
        subject = await thread_subject(pool, channel_id=channel, thread_ts=thread_ts)
        if subject is None and in_panel:
            await self.runtime.catch_up()  # the drop or pick that started it may be seconds old
            subject = await thread_subject(pool, channel_id=channel, thread_ts=thread_ts)
        linked = subject.document_id if subject and subject.linked else None
        if subject and subject.linked:
            channels = await self._channels(user)
            if subject.channel_id not in channels:
                later(
                    "assistant_hint",
                    channel_id=channel,
                    thread_ts=thread_ts,
                    text=NO_LONGER_VISIBLE,
                )
                return True
        # A thread of an upload (or of nothing) is looked up as outside the panel.
        asked = await self.handlers.question(
            channel_id=channel,
            user_id=user,
            text=text,
            ts=event["ts"],
            thread_ts=thread_ts,
            document_id=linked,
        )
        if not asked:
            if in_panel:  # a question before any document: offer them again
                later("assistant_greet", user_id=user, channel_id=channel, thread_ts=thread_ts)
            return in_panel
        if in_panel:
            later(
                "assistant_decorate",
                channel_id=channel,
                thread_ts=thread_ts,
                status="is reading the document…",
            )
        return asked

    async def _dropped(self, event: dict[str, Any], *, team_id: str, later: Later) -> bool:
        """Files dropped in the thread take the upload's path; in the panel the thread is
        then about the file dropped last."""
        channel, thread_ts, user = event["channel"], event["thread_ts"], event.get("user", "")
        files = event.get("files", [])
        for file in files:
            announcement = await self.handlers.upload(
                team_id=team_id,
                channel_id=channel,
                user_id=user,
                file=file,
                message_ts=event.get("ts"),
                thread_ts=thread_ts,
            )
            if announcement is not None:
                later("announce", **announcement)
            if "assistant_thread" not in event:
                continue
            document_id = await self._uploaded(announcement, team_id, channel, thread_ts, file)
            await self.documents.link_thread(
                document_id,
                ev.ThreadLinked(channel_id=channel, thread_ts=thread_ts, user_id=user),
                request_key=f"drop:{channel}:{event['ts']}:{file['id']}",
            )
            if announcement is not None:
                name = announcement["filename"]
                later(
                    "assistant_decorate",
                    channel_id=channel,
                    thread_ts=thread_ts,
                    status=f"is reviewing {name}…",
                    title=name,
                )
        return bool(files)

    async def _uploaded(
        self,
        announcement: Announcement | None,
        team_id: str,
        channel: str,
        thread_ts: str,
        file: dict[str, Any],
    ) -> uuid.UUID:
        """The document a dropped file went to: the announced one, or for a redelivered
        drop (already stored) the one the upload path picks, the thread's or the file's."""
        if announcement is not None:
            return uuid.UUID(announcement["document_id"])
        shared = await document_in_thread(
            self.runtime.pool, channel_id=channel, thread_ts=thread_ts
        )
        return shared or uuid.uuid5(self.namespace, f"{team_id}:{file['id']}")

    async def pick(
        self,
        *,
        document_id: str,
        user_id: str,
        channel_id: str,
        thread_ts: str,
        key: str,
        later: Later,
    ) -> bool:
        """A document chosen in the greeting's menu; False for one the user cannot see (a
        menu built before they left its channel, or a forged value)."""
        rows, channels, _ = await self._pickable(user_id)
        chosen = [row for row in rows if str(row.id) == document_id]
        if not chosen:
            later("assistant_hint", channel_id=channel_id, thread_ts=thread_ts, text=NOT_FOUND)
            return False
        await self.link(chosen[0], channels, user_id, channel_id, thread_ts, key, later)
        return True

    async def link(
        self,
        row: DocumentRow,
        channels: dict[str, str],
        user_id: str,
        channel_id: str,
        thread_ts: str,
        key: str,
        later: Later,
    ) -> None:
        await self.documents.link_thread(
            row.id,
            ev.ThreadLinked(channel_id=channel_id, thread_ts=thread_ts, user_id=user_id),
            request_key=key,
        )
        later(
            "assistant_say",
            document_id=str(row.id),
            key=f"discussing:{key}",
            channel_id=channel_id,
            thread_ts=thread_ts,
            message=discussing_message(row, channels),
        )
        later(
            "assistant_decorate",
            channel_id=channel_id,
            thread_ts=thread_ts,
            title=row.filename,
            prompts=list(QUESTION_PROMPTS),
        )

    # -- after the ack: what to show -----------------------------------------------------

    async def greet(
        self, *, user_id: str, channel_id: str, thread_ts: str, context_channel: str | None = None
    ) -> None:
        """The greeting with the menu of documents; the documents of the channel the user
        is looking at (`context_channel`) come first, and are the suggested prompts."""
        rows, channels, notice = await self._pickable(user_id, first=context_channel)
        message = assistant_hint_message(notice) if notice else assistant_greeting(rows, channels)
        await self.client.chat_postMessage(
            channel=channel_id, thread_ts=thread_ts, text=message["text"], blocks=message["blocks"]
        )
        if rows:
            await self.decorate(
                channel_id=channel_id, thread_ts=thread_ts, prompts=assistant_prompts(rows)
            )

    async def suggest(
        self, *, user_id: str, channel_id: str, thread_ts: str, context_channel: str
    ) -> None:
        """The user moved to another channel: its documents become the suggested prompts."""
        rows, _, _ = await self._pickable(user_id)
        here = [row for row in rows if row.channel_id == context_channel]
        if here:
            await self.decorate(
                channel_id=channel_id, thread_ts=thread_ts, prompts=assistant_prompts(here)
            )

    async def say(
        self, *, document_id: str, key: str, channel_id: str, thread_ts: str, message: Message
    ) -> None:
        """A reply about a document, posted once per key and recorded like every post."""
        await self.notifier.post_once(
            uuid.UUID(document_id), key, channel=channel_id, thread_ts=thread_ts, message=message
        )

    async def hint(self, *, channel_id: str, thread_ts: str, text: str) -> None:
        message = assistant_hint_message(text)
        await self.client.chat_postMessage(
            channel=channel_id, thread_ts=thread_ts, text=message["text"], blocks=message["blocks"]
        )

    async def decorate(
        self,
        *,
        channel_id: str,
        thread_ts: str,
        status: str | None = None,
        title: str | None = None,
        prompts: list[dict[str, str]] | None = None,
    ) -> None:
        """The panel's status, title and suggested prompts, each on its own: Slack may
        refuse one (the feature turned off since) without costing the others."""
        calls = []
        if status is not None:
            calls.append(("setStatus", self.client.assistant_threads_setStatus, {"status": status}))
        if title is not None:
            calls.append(("setTitle", self.client.assistant_threads_setTitle, {"title": title}))
        if prompts:
            calls.append(
                (
                    "setSuggestedPrompts",
                    self.client.assistant_threads_setSuggestedPrompts,
                    {"prompts": prompts},
                )
            )
        for name, call, arguments in calls:
            try:
                await call(channel_id=channel_id, thread_ts=thread_ts, **arguments)
            except SlackApiError as error:
                log.info("slack.assistant_refused", call=name, error=error.response.get("error"))

    # -- scoping --------------------------------------------------------------------------

    async def _channels(self, user_id: str) -> dict[str, str]:
        try:
            return await visible_channels(self.client, user_id)
        except ScopeUnavailable:
            return {}

    async def _pickable(
        self, user_id: str, *, first: str | None = None
    ) -> tuple[list[DocumentRow], dict[str, str], str | None]:
        """Reviewed documents the user can ask about, newest first (those of `first`
        before the rest), the channels they come from, or why there are none to offer."""
        try:
            channels = await visible_channels(self.client, user_id)
        except ScopeUnavailable as unavailable:
            return [], {}, str(unavailable)
        await self.runtime.catch_up()
        rows = await list_documents(self.runtime.pool, channels=channels, limit=_PICKABLE)
        reviewed = [row for row in rows if row.state == "analyzed"]
        reviewed.sort(key=lambda row: row.channel_id != first)  # stable: newest first within
        return reviewed, channels, None
