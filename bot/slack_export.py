"""A review as a Markdown file in its thread: `/docsense export` and the Export button.

The command uploads at once (it answers the person who typed it); the button queues an
`export-review` job once per review (the dedupe key), so a double click or a click on
two replicas uploads one file.
"""

from __future__ import annotations

from pathlib import PurePath
from uuid import UUID

from slack_sdk.web.async_client import AsyncWebClient

from bot.observability import bind_correlation
from domain import events as ev
from domain.correlation import correlation_id
from domain.document import DocumentError
from domain.report import render_markdown, review_payload
from domain.service import DocumentService
from eventstore import JobQueue
from eventstore.worker import JobContext, PermanentJobError

EXPORT_JOB = "export-review"


def export_dedupe_key(document_id: UUID, analysis_id: UUID) -> str:
    return f"export:{document_id}:{analysis_id}"


async def export_review(
    documents: DocumentService,
    client: AsyncWebClient,
    document_id: UUID,
    *,
    channel_id: str,
    user_id: str,
) -> str:
    """Upload the latest review into the document's thread and record it; the file name.
    A document without a completed review is a `DocumentError` the user reads."""
    review = await documents.latest_review(document_id)
    document = review.document if review else await documents.load(document_id)
    if review is None:
        raise DocumentError(f"{document.filename} has no completed review to export yet.")
    thread_ts = document.source.thread_ts if document.source else None
    filename = document.filename or str(document_id)
    uploaded = await client.files_upload_v2(
        channel=channel_id,
        thread_ts=thread_ts,
        content=render_markdown(review_payload(review)),
        filename=f"{PurePath(filename).stem}-review.md",
        title=f"DocSense review: {filename}",
    )
    file_id = (uploaded.get("file") or {}).get("id")
    await documents.record_export(
        document_id,
        ev.ReportExported(
            channel_id=channel_id, thread_ts=thread_ts, file_id=file_id, user_id=user_id
        ),
    )
    return filename


class Exports:
    """The Export button's side: queue the export, and the job that uploads it."""

    def __init__(self, documents: DocumentService, jobs: JobQueue, client: AsyncWebClient) -> None:
        self.documents = documents
        self.jobs = jobs
        self.client = client

    async def queue(self, *, document_id: str, channel_id: str, user_id: str) -> tuple[bool, str]:
        """Whether the click counted, and what to tell the person who clicked; nothing is
        queued for a click from another channel than the document's (a replayed button)."""
        document = await self.documents.load(UUID(document_id))
        if document.source is None or document.source.channel_id != channel_id:
            return False, "That review is not from this channel."
        if document.latest_analysis is None:
            return True, f"{document.filename} has no completed review to export yet."
        async with self.documents.store.transaction() as connection:
            queued = await self.jobs.enqueue(
                connection,
                EXPORT_JOB,
                {
                    "document_id": document_id,
                    "channel_id": channel_id,
                    "user_id": user_id,
                    "correlation_id": correlation_id.get(),
                },
                dedupe_key=export_dedupe_key(document.id, document.latest_analysis.analysis_id),
            )
        if queued is None:
            return True, f"This review of {document.filename} is already exported in its thread."
        return True, f"Exporting the review of {document.filename}; the file follows in its thread."

    async def export(self, context: JobContext) -> None:
        payload = context.job.payload
        bind_correlation(payload.get("correlation_id"))
        try:
            await export_review(
                self.documents,
                self.client,
                UUID(payload["document_id"]),
                channel_id=payload["channel_id"],
                user_id=payload["user_id"],
            )
        except DocumentError as error:  # its review is gone (a new version): no retry helps
            raise PermanentJobError(str(error)) from None
