"""The "Review with DocSense" message shortcut: review a file already posted.

For a file shared before DocSense was invited, or in a thread it was not watching. The
file takes the upload's path (`SlackHandlers.upload`): the same document id from its Slack
file id, the same thread, the same dedupe, so a second click, or the upload event of the
same file, reviews nothing twice.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

if TYPE_CHECKING:
    from bot.slack_app import Announcement, SlackHandlers

REVIEW_SHORTCUT = "review_with_docsense"

NO_FILE = (
    "That message has no file to review. Choose *Review with DocSense* on a message "
    "that carries a PDF, DOCX, Markdown or text file."
)
NOT_A_MEMBER = (
    "I'm not in this conversation, so I can't read its files or post the review here. "
    "Invite me with `/invite @DocSense`, then choose the shortcut again."
)


class ReviewShortcut:
    def __init__(self, client: AsyncWebClient, handlers: SlackHandlers) -> None:
        self.client = client
        self.handlers = handlers

    async def review(
        self, shortcut: dict[str, Any], announce: Callable[[Announcement], None]
    ) -> tuple[bool, str]:
        """Store a review for each file of the message (`announce` gets what to show for
        each new one); whether anything new was stored, and what to tell the user."""
        channel_id, user = shortcut["channel"]["id"], shortcut["user"]
        message = shortcut.get("message") or {}
        team_id = (shortcut.get("team") or {}).get("id") or user.get("team_id", "")
        files = [
            f for f in message.get("files", []) if f.get("id") and f.get("mode") != "tombstone"
        ]
        if not files:
            return False, NO_FILE
        if not await self._member_of(channel_id):
            return False, NOT_A_MEMBER
        started, already, gone = [], [], []
        for file in files:
            try:
                info = (await self.client.files_info(file=file["id"]))["file"]
            except SlackApiError as error:
                if error.response.get("error") not in ("file_not_found", "file_deleted"):
                    raise
                gone.append(file.get("name") or file["id"])
                continue
            announcement = await self.handlers.upload(
                team_id=team_id,
                channel_id=channel_id,
                user_id=user["id"],
                file=info,
                message_ts=message.get("ts"),
                thread_ts=message.get("thread_ts"),
            )
            name = info.get("name") or file["id"]
            if announcement is None:
                already.append(name)
            else:
                announce(announcement)
                started.append(name)
        return bool(started), _summary(started, already, gone)

    async def _member_of(self, channel_id: str) -> bool:
        """Whether DocSense is in the conversation (a DM with it counts); Slack answers
        `channel_not_found` for private conversations it is not in."""
        try:
            channel = (await self.client.conversations_info(channel=channel_id))["channel"]
        except SlackApiError as error:
            if error.response.get("error") == "channel_not_found":
                return False
            raise
        return bool(channel.get("is_member") or channel.get("is_im"))


def _names(names: list[str]) -> str:
    return ", ".join(f"*{name}*" for name in names)


def _summary(started: list[str], already: list[str], gone: list[str]) -> str:
    parts = []
    if started:
        parts.append(f"Reviewing {_names(started)}; the findings will appear in its thread.")
    if already:
        parts.append(
            f"{_names(already)} was already reviewed: the findings are in its thread, "
            "so nothing was reviewed again."
        )
    if gone:
        parts.append(f"{_names(gone)} is no longer in Slack.")
    return " ".join(parts)


async def reply(*, response_url: str, text: str) -> None:
    """The shortcut's answer, seen only by the person who chose it."""
    await AsyncWebhookClient(response_url).send(text=text, response_type="ephemeral")
