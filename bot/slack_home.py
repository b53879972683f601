"""App Home: what a user sees on DocSense's Home tab, published each time they open it.

Scoped like `/docsense status`, through the same filter, to the channels the user shares
with DocSense (`bot.slack_scope`): a user in channel A sees nothing of channel B.
"""

from __future__ import annotations

from datetime import UTC, datetime

from slack_sdk.web.async_client import AsyncWebClient

from bot.runtime import Runtime
from bot.slack_blocks import HOME_DOCUMENTS, home_view
from bot.slack_links import Permalinks
from bot.slack_scope import ScopeUnavailable, visible_channels
from domain.queries import ai_usage, channel_stats, list_documents, month_start


class AppHome:
    def __init__(self, runtime: Runtime, client: AsyncWebClient, links: Permalinks) -> None:
        self.runtime = runtime
        self.client = client
        self.links = links

    async def publish(self, user_id: str, *, now: datetime | None = None) -> None:
        notice = None
        try:
            channels = await visible_channels(self.client, user_id)
        except ScopeUnavailable as unavailable:
            channels, notice = {}, str(unavailable)
        await self.runtime.catch_up()
        pool = self.runtime.pool
        rows = await list_documents(pool, channels=channels, limit=HOME_DOCUMENTS)
        links = {}
        for row in rows:
            if row.channel_id and row.thread_ts:
                link = await self.links.message(row.channel_id, row.thread_ts)
                if link:
                    links[row.id] = link
        since = month_start(now or datetime.now(UTC))
        usage = None
        if self.runtime.documents.ai is not None:  # AI usage only where a model is configured
            usage = await ai_usage(pool, channels=channels, since=since)
        view = home_view(
            user_id,
            rows,
            channels=channels,
            links=links,
            stats=None if notice else await channel_stats(pool, channels=channels),
            usage=usage,
            since=since,
            notice=notice,
        )
        await self.client.views_publish(user_id=user_id, view=view)
