"""The channels a Slack user shares with DocSense, for the surfaces that are not in a channel.

`/docsense status` answers for the channel it is typed in, which its user can see. App Home
and the assistant side panel have no channel, so they read documents from every channel
this returns, through the same filter (`channels=` in `domain.queries`): public channels
the user is in, and private channels, group DMs and the DM that the user and DocSense are
both in. What the bot cannot see, or the user is not in, is never listed.
"""

from __future__ import annotations

import structlog
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

log = structlog.get_logger(__name__)

_TYPES = "public_channel,private_channel,mpim,im"
_PAGE = 200  # Slack's recommended page size for users.conversations
_MAX_PAGES = 25
"""5,000 conversations; a user in more sees documents from the first 5,000 only (a
shorter list can hide documents, never show one from elsewhere)."""

MISSING_SCOPE = (
    "DocSense cannot list the channels you share with it yet: its Slack app lacks the "
    "channels:read, groups:read, im:read and mpim:read scopes. Ask a Slack admin to "
    "update the app from deploy/slack-app-manifest.yaml and reinstall it."
)


class ScopeUnavailable(Exception):
    """Slack would not list the user's channels; the message is for the user."""


async def visible_channels(client: AsyncWebClient, user_id: str) -> dict[str, str]:
    """Channel id to how to name it (`#name`, "a direct message", "a group DM")."""
    channels: dict[str, str] = {}
    cursor = ""
    for _ in range(_MAX_PAGES):
        try:
            page = await client.users_conversations(
                user=user_id, types=_TYPES, limit=_PAGE, cursor=cursor or None
            )
        except SlackApiError as error:
            if error.response.get("error") == "missing_scope":
                raise ScopeUnavailable(MISSING_SCOPE) from None
            raise
        for channel in page.get("channels", []):
            channels[channel["id"]] = _label(channel)
        cursor = (page.get("response_metadata") or {}).get("next_cursor") or ""
        if not cursor:
            return channels
    log.warning("slack.scope_truncated", user_id=user_id, channels=len(channels))
    return channels


def _label(channel: dict[str, object]) -> str:
    if channel.get("is_im"):
        return "a direct message"
    if channel.get("is_mpim"):
        return "a group DM"
    return f"#{channel.get('name') or channel['id']}"
