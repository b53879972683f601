"""Queued work for the Slack app: reviewing uploads and answering questions, then posting.

Each handler may run more than once (a worker dies, a lease lapses): everything it posts
goes through `SlackNotifier.post_once`, keyed and recorded as `SlackMessagePosted`, and
a review that already completed is re-posted from the store instead of being redone.
A post of something stored before the attempt began may have been made by an earlier
attempt that died before recording it: such posts are looked for in the thread first.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

import aiohttp
import structlog
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot import metrics
from bot.observability import bind_correlation
from bot.slack_blocks import (
    Message,
    answer_message,
    failure_message,
    findings_messages,
    findings_page_message,
    refusal_message,
    version_diff_messages,
)
from bot.slack_files import DownloadRefused, download
from domain import events as ev
from domain.answers import Answer, Citation
from domain.document import Document
from domain.report import review_payload
from domain.service import DocumentService, Review, ReviewDocument
from eventstore.worker import JobContext, PermanentJobError

log = structlog.get_logger(__name__)
# A click on "Show all"/"Next": queued once per review and page (the dedupe key), so a
# double click or a click on two replicas posts the page once.
FINDINGS_PAGE_JOB = "post-findings-page"
POST_METADATA_TYPE = "docsense_post"
"""Message metadata `event_type` of every post: its payload names the document and key."""
RECONCILE_PAGES = 10
"""Pages of 200 thread messages searched for a post an earlier attempt may have made."""


def page_dedupe_key(
    document_id: UUID, analysis_id: UUID, offset: int, min_severity: str | None = None
) -> str:
    return _filtered(f"findings-page:{document_id}:{analysis_id}:{offset}", min_severity)


def _filtered(key: str, min_severity: str | None) -> str:
    """A filtered page is another page than the unfiltered one at the same offset."""
    return f"{key}:{min_severity}" if min_severity else key


def decisions_of(document: Document) -> dict[str, tuple[str, str]]:
    """Decided findings as (decision, who), so a posted finding shows them, not buttons."""
    return {
        finding_id: (status, document.decided_by[finding_id])
        for finding_id, status in document.findings.items()
        if status != "open"
    }


class SlackNotifier:
    """Posts into threads at most once per key, and adds reactions idempotently.

    Slack offers no idempotency key for `chat.postMessage`, so a process that dies after
    Slack stored a post and before `SlackMessagePosted` is appended leaves a post nobody
    recorded. Every post therefore carries its key as message metadata, and a caller that
    knows an earlier attempt may have posted (`reconcile`) first looks for it in the
    thread and records it instead of posting again.
    """

    def __init__(self, client: AsyncWebClient, documents: DocumentService) -> None:
        self.client = client
        self.documents = documents

    async def post_once(
        self,
        document_id: UUID,
        key: str,
        *,
        channel: str,
        thread_ts: str | None,
        message: Message,
        reconcile: bool = False,
    ) -> str:
        if (ts := await self.documents.posted(document_id, key)) is not None:
            return ts
        found = await self._find_posted(document_id, key, channel, thread_ts) if reconcile else None
        if found is not None:
            log.info("slack.post_reconciled", key=key)
            ts = found
        else:
            response = await self.client.chat_postMessage(
                channel=channel,
                thread_ts=thread_ts,
                text=message["text"],
                blocks=message["blocks"],
                metadata={
                    "event_type": POST_METADATA_TYPE,
                    "event_payload": {"document": str(document_id), "key": key},
                },
            )
            ts = str(response["ts"])
        await self.documents.record_posted(
            document_id, key, channel_id=channel, ts=ts, thread_ts=thread_ts
        )
        return ts

    async def _find_posted(
        self, document_id: UUID, key: str, channel: str, thread_ts: str | None
    ) -> str | None:
        """The ts of our post under `key` in the thread, if Slack has one. A thread Slack
        cannot show (an API error, a missing history scope) counts as having none: the
        message is posted, and may then be there twice."""
        if thread_ts is None:
            return None
        wanted = {"document": str(document_id), "key": key}
        cursor: str | None = None
        for _ in range(RECONCILE_PAGES):
            try:
                page = await self.client.conversations_replies(
                    channel=channel,
                    ts=thread_ts,
                    include_all_metadata=True,
                    limit=200,
                    cursor=cursor,
                )
            except SlackApiError as error:
                log.warning("slack.reconcile_failed", key=key, error=error.response.get("error"))
                return None
            for posted in page.get("messages") or []:
                metadata = posted.get("metadata") or {}
                if (
                    metadata.get("event_type") == POST_METADATA_TYPE
                    and metadata.get("event_payload") == wanted
                ):
                    return str(posted["ts"])
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return None
        return None

    async def post_all(
        self,
        document_id: UUID,
        key: str,
        messages: list[Message],
        *,
        channel: str,
        thread_ts: str | None,
        reconcile: bool = False,
    ) -> None:
        for index, message in enumerate(messages):
            await self.post_once(
                document_id,
                f"{key}:{index}",
                channel=channel,
                thread_ts=thread_ts,
                message=message,
                reconcile=reconcile,
            )

    async def react(self, channel: str, ts: str | None, name: str) -> None:
        if ts is None:
            return
        try:
            await self.client.reactions_add(channel=channel, timestamp=ts, name=name)
        except SlackApiError as error:
            if error.response.get("error") != "already_reacted":
                raise


class SlackJobs:
    def __init__(
        self,
        documents: DocumentService,
        notifier: SlackNotifier,
        http: aiohttp.ClientSession,
        *,
        token: str,
        api_url: str,
        max_bytes: int,
    ) -> None:
        self.documents = documents
        self.notifier = notifier
        self.http = http
        self.token = token
        self.api_url = api_url
        self.max_bytes = max_bytes

    async def review(self, context: JobContext) -> None:
        """Download, review and post; or post why the file cannot be reviewed. When the
        last attempt fails too, the thread is told and the failure recorded: a review
        never just vanishes."""
        payload = context.job.payload
        bind_correlation(payload.get("correlation_id"))
        try:
            await self._review(payload)
        except Exception as error:
            job = context.job
            if isinstance(error, PermanentJobError) or job.attempts >= job.max_attempts:
                await self._give_up(payload, f"{type(error).__name__}: {error}")
            raise

    async def _give_up(self, payload: dict[str, Any], reason: str) -> None:
        document_id = UUID(payload["document_id"])
        metrics.ANALYSES_COMPLETED.labels(outcome="failed").inc()
        try:
            await self.documents.fail(document_id, reason)
            await self.notifier.post_once(
                document_id,
                f"failed:{payload['file_id']}:{payload.get('correlation_id')}",
                channel=payload["channel_id"],
                thread_ts=payload["thread_ts"],
                message=failure_message(
                    "something went wrong on my side and it has been logged; "
                    "try `/docsense reanalyze` later"
                ),
                reconcile=True,
            )
            await self.notifier.react(payload["channel_id"], payload.get("message_ts"), "x")
        except Exception:
            metrics.ERRORS.labels(component="worker").inc()
            log.exception("review.give_up_failed", document_id=str(document_id))

    async def _review(self, payload: dict[str, Any]) -> None:
        document_id = UUID(payload["document_id"])
        channel, thread_ts = payload["channel_id"], payload["thread_ts"]
        before = await self.documents.load(document_id)
        previous = before.latest_analysis
        review = (
            None if payload.get("reanalyze") else await self.documents.latest_review(document_id)
        )
        # An earlier attempt can only have posted what was stored before this one began.
        stored_before = review is not None
        if review is None and before.status != "rejected":
            review = await self._fetch_and_review(document_id, payload)
        document = await self.documents.load(document_id)
        if document.status == "rejected":
            assert document.rejection is not None
            await self.notifier.post_once(
                document_id,
                f"rejected:{payload['file_id']}",
                channel=channel,
                thread_ts=thread_ts,
                message=refusal_message(document.rejection.message),
                reconcile=before.status == "rejected",
            )
            await self.notifier.react(channel, payload.get("message_ts"), "x")
            return
        assert review is not None and review.analysis is not None
        await self._post_review(review, previous, payload, reconcile=stored_before)
        await self.notifier.react(channel, payload.get("message_ts"), "white_check_mark")

    async def _fetch_and_review(self, document_id: UUID, payload: dict[str, Any]) -> Review | None:
        try:
            info = await self.notifier.client.files_info(file=payload["file_id"])
        except SlackApiError as error:
            if error.response.get("error") not in ("file_not_found", "file_deleted"):
                raise
            await self.documents.reject(
                document_id,
                reason="file_deleted",
                message="The file was deleted from Slack before I could review it.",
            )
            metrics.ANALYSES_COMPLETED.labels(outcome="rejected").inc()
            return None
        file = info["file"]
        url = file.get("url_private_download") or file.get("url_private")
        if not url:
            raise PermanentJobError("files.info returned no download URL")
        try:
            data = await download(
                self.http,
                url,
                token=self.token,
                api_url=self.api_url,
                max_bytes=self.max_bytes,
                filename=file.get("name") or payload["file_id"],
            )
        except DownloadRefused as refused:
            await self.documents.reject(document_id, reason=refused.reason, message=refused.message)
            metrics.ANALYSES_COMPLETED.labels(outcome="rejected").inc()
            return None
        review = await self.documents.review(ReviewDocument(document_id, data, actor="docsense"))
        kind = _format(file.get("name") or "")
        if review.analysis is None:
            metrics.DOCUMENTS_CONVERTED.labels(format=kind, outcome="rejected").inc()
            metrics.ANALYSES_COMPLETED.labels(outcome="rejected").inc()
        else:
            metrics.DOCUMENTS_CONVERTED.labels(format=kind, outcome="converted").inc()
            metrics.ANALYSES_COMPLETED.labels(outcome="analyzed").inc()
            for finding in review.analysis.findings:
                metrics.FINDINGS.labels(
                    category=finding.category, severity=finding.severity, source=finding.source
                ).inc()
            for failure in review.analysis.failed_checks:
                metrics.REVIEW_CHECK_FAILURES.labels(check=failure.check).inc()
        return review

    async def _post_review(
        self,
        review: Review,
        previous: ev.AnalysisCompleted | None,
        payload: dict[str, Any],
        *,
        reconcile: bool,
    ) -> None:
        assert review.analysis is not None
        data = review_payload(review)
        if (
            previous is not None
            and previous.analysis_id != review.analysis.analysis_id
            and (not payload.get("reanalyze"))
        ):
            before = {f.id: f for f in previous.findings}
            after = {f.id: f for f in review.analysis.findings}
            messages = version_diff_messages(
                data,
                resolved=[f for i, f in before.items() if i not in after],
                new=[f for i, f in after.items() if i not in before],
                persisting=[f for i, f in after.items() if i in before],
                version=review.document.file_versions,
            )
        else:
            messages = findings_messages(data, decisions=decisions_of(review.document))
        await self.notifier.post_all(
            review.document.id,
            f"findings:{review.analysis.analysis_id}",
            messages,
            channel=payload["channel_id"],
            thread_ts=payload["thread_ts"],
            reconcile=reconcile,
        )

    async def findings_page(self, context: JobContext) -> None:
        """The next page of the latest review, in the thread where the document was
        shared; a page the review no longer has (it changed since the click) is skipped."""
        payload = context.job.payload
        bind_correlation(payload.get("correlation_id"))
        document_id, offset = UUID(payload["document_id"]), int(payload["offset"])
        min_severity = payload.get("min_severity")
        review = await self.documents.latest_review(document_id)
        if review is None:
            return
        source = review.document.source
        message = findings_page_message(
            review_payload(review),
            offset,
            decisions=decisions_of(review.document),
            min_severity=min_severity,
        )
        if message is None or source is None or source.channel_id is None:
            return
        assert review.analysis is not None
        await self.notifier.post_once(
            document_id,
            _filtered(f"page:{review.analysis.analysis_id}:{offset}", min_severity),
            channel=source.channel_id,
            thread_ts=source.thread_ts,
            message=message,
            reconcile=True,  # the page's review was stored before the click
        )

    async def answer(self, context: JobContext) -> None:
        payload = context.job.payload
        bind_correlation(payload.get("correlation_id"))
        document_id, question_id = UUID(payload["document_id"]), UUID(payload["question_id"])
        answered_before = question_id in (await self.documents.load(document_id)).answers
        reply = await self.documents.answer(document_id, question_id)
        source = (await self.documents.load(document_id)).source
        assert source is not None and source.channel_id is not None
        # Where the question was asked: the document's thread, or an assistant thread.
        reply_to = payload.get("reply_to") or {
            "channel_id": source.channel_id,
            "thread_ts": source.thread_ts,
        }
        answer = Answer(
            text=reply.answer + (f"\n_{reply.note}_" if reply.note else ""),
            citations=[
                Citation(quote=c.quote, section=c.section, page=c.page) for c in reply.citations
            ],
        )
        await self.notifier.post_once(
            document_id,
            f"answer:{reply.question_id}",
            channel=reply_to["channel_id"],
            thread_ts=reply_to["thread_ts"],
            message=answer_message(answer),
            reconcile=answered_before,
        )
        metrics.QUESTIONS_ANSWERED.inc()


_FORMATS = {
    "pdf": "pdf",
    "docx": "docx",
    "md": "markdown",
    "markdown": "markdown",
    "rst": "rst",
    "txt": "text",
}


def _format(filename: str) -> str:
    """A small fixed label set for metrics, whatever people name their files."""
    extension = filename.rpartition(".")[2].lower() if "." in filename else ""
    return _FORMATS.get(extension, "unknown")
