"""`/docsense` subcommands. Every answer is scoped to the channel the command came from."""

from __future__ import annotations

from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from bot.runtime import Runtime
from bot.slack_blocks import (
    Message,
    document_status_message,
    help_message,
    history_message,
    stats_message,
    status_message,
    unknown_command_message,
)
from bot.slack_export import export_review
from domain.document import DocumentError
from domain.queries import (
    DocumentNotFound,
    channel_stats,
    find_document,
    findings_of,
    history,
    list_documents,
)


class SlashCommands:
    def __init__(self, runtime: Runtime, client: AsyncWebClient) -> None:
        self.runtime = runtime
        self.client = client

    async def run(self, command: dict[str, Any]) -> Message:
        words = (command.get("text") or "").split(maxsplit=1)
        name, argument = (
            (words[0].lower(), words[1] if len(words) > 1 else "") if words else ("", "")
        )
        channel_id, user_id = command["channel_id"], command["user_id"]
        await self.runtime.catch_up()
        try:
            match name:
                case "" | "help":
                    return help_message()
                case "status" if not argument:
                    rows = await list_documents(self.runtime.pool, channels=[channel_id])
                    return status_message(rows)
                case "status":
                    row = await find_document(self.runtime.pool, argument, channel_id=channel_id)
                    return document_status_message(
                        row, await findings_of(self.runtime.pool, row.id)
                    )
                case "history" if argument:
                    row = await find_document(self.runtime.pool, argument, channel_id=channel_id)
                    return history_message(row.filename, await history(self.runtime.store, row.id))
                case "reanalyze" if argument:
                    return await self._reanalyze(argument, channel_id)
                case "export" if argument:
                    return await self._export(argument, channel_id, user_id)
                case "stats":
                    stats = await channel_stats(self.runtime.pool, channels=[channel_id])
                    return stats_message(
                        stats.documents,
                        stats.findings,
                        stats.accepted,
                        stats.rejected,
                        questions=stats.questions,
                        cost_usd=stats.cost_usd,
                    )
        except DocumentNotFound as error:
            return {"text": str(error), "blocks": []}
        return unknown_command_message(command.get("text") or "")

    async def _reanalyze(self, reference: str, channel_id: str) -> Message:
        row = await find_document(self.runtime.pool, reference, channel_id=channel_id)
        document = await self.runtime.documents.load(row.id)
        source = document.source
        if source is None or source.file_id is None:
            raise DocumentError("Only documents shared in Slack can be re-reviewed from Slack.")
        await self.runtime.documents.reanalyze(
            row.id,
            {
                "file_id": source.file_id,
                "channel_id": channel_id,
                "thread_ts": source.thread_ts,
                "message_ts": None,
                "reanalyze": True,
            },
        )
        text = f"Re-reviewing {row.filename}; the findings will appear in its thread."
        return {"text": text, "blocks": []}

    async def _export(self, reference: str, channel_id: str, user_id: str) -> Message:
        row = await find_document(self.runtime.pool, reference, channel_id=channel_id)
        filename = await export_review(
            self.runtime.documents, self.client, row.id, channel_id=channel_id, user_id=user_id
        )
        return {"text": f"Exported the full review of {filename} to its thread.", "blocks": []}
