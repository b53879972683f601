"""Links to Slack messages, shaped like chat.getPermalink's answers.

Built from the workspace URL `auth.test` reports (asked once per process and kept), so a
Home tab listing twenty documents costs one call instead of twenty.
"""

from __future__ import annotations

import structlog
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

log = structlog.get_logger(__name__)


class Permalinks:
    def __init__(self, client: AsyncWebClient) -> None:
        self.client = client
        self._workspace: str | None = None

    async def message(self, channel_id: str, ts: str) -> str | None:
        """`https://<workspace>.slack.com/archives/<channel>/p<ts without the dot>`, or None
        while Slack cannot say which workspace this is (the link is then left out)."""
        workspace = await self._workspace_url()
        if workspace is None:
            return None
        return f"{workspace.rstrip('/')}/archives/{channel_id}/p{ts.replace('.', '')}"

    async def _workspace_url(self) -> str | None:
        if self._workspace is None:
            try:
                self._workspace = str((await self.client.auth_test())["url"])
            except (SlackApiError, KeyError) as error:
                log.warning("slack.workspace_url_unavailable", kind=type(error).__name__)
        return self._workspace
