"""Service layer: command handlers that load a document, decide, and append events.

Entry points (CLI, Slack workers) call these and nothing lower; every state change
goes through the event store, and the read models follow from the events.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
import uuid
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Literal
from uuid import UUID

import asyncpg
import structlog

from domain import events as ev
from domain.ai.merge import merge_findings
from domain.ai.provider import TokenUsage
from domain.answers import answer_offline
from domain.checks import CheckFailure, failure_note
from domain.correlation import correlation_id
from domain.document import (
    Document,
    DocumentError,
    decision,
    evolve,
    question,
    rejection,
    require_reviewable,
    submission,
)
from domain.findings import Finding
from domain.ingest import IngestRefused
from domain.ir import DocumentIR
from domain.ir_repository import load_ir, save_ir
from domain.review import CHECKLIST_VERSION, RulesReview, score
from eventstore import ConcurrencyError, EventStore, JobQueue, NewEvent

if TYPE_CHECKING:  # the orchestrator is built, and imported, only with a provider
    from domain.ai.orchestrator import AIAnswerer, AIReviewer

Analyse = Callable[[bytes, str, str | None], Awaitable[tuple[DocumentIR, RulesReview]]]
"""Bytes to the semantic IR plus the rules review and its failed checks (see `domain.pipeline`)."""

log = structlog.get_logger(__name__)

_RETRIES_ON_CONFLICT = 5  # reloads after a concurrent writer overtook the command
_RECENT_DOCUMENTS = 256  # folded states kept per process (see DocumentService.load)
_LINK_NAMESPACE = uuid.UUID("6a0c1d52-8f3e-4e1b-9b7a-2c5d4e3f1a09")


REVIEW_JOB = "review-document"
ANSWER_JOB = "answer-question"


@dataclass(frozen=True, slots=True)
class SubmitDocument:
    """An upload. `file_key` identifies the file across deliveries (see DocumentSubmitted)."""

    document_id: UUID
    filename: str
    media_type: str | None
    size: int
    file_key: str
    sha256: str | None
    source: ev.Source
    actor: str

    @classmethod
    def local(
        cls, document_id: UUID, filename: str, media_type: str | None, data: bytes, actor: str
    ) -> SubmitDocument:
        """A file whose bytes are at hand (the CLI): identified by its content."""
        sha256 = hashlib.sha256(data).hexdigest()
        return cls(
            document_id=document_id,
            filename=filename,
            media_type=media_type,
            size=len(data),
            file_key=f"sha256:{sha256}",
            sha256=sha256,
            source=ev.Source(kind="cli"),
            actor=actor,
        )


@dataclass(frozen=True, slots=True)
class ReviewDocument:
    document_id: UUID
    data: bytes
    actor: str


@dataclass(frozen=True, slots=True)
class AskQuestion:
    document_id: UUID
    question_id: UUID
    text: str
    user_id: str
    message_ts: str | None
    actor: str


@dataclass(frozen=True, slots=True)
class DecideFinding:
    document_id: UUID
    finding_id: str
    accept: bool
    actor: str
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class Submission:
    document: Document
    new: bool
    """False when this file was already recorded (a retried or duplicate delivery)."""


@dataclass(frozen=True, slots=True)
class Review:
    """What one review produced, for the caller to present."""

    document: Document
    outcome: Literal["analyzed", "rejected"]
    ir: DocumentIR | None = None
    analysis: ev.AnalysisCompleted | None = None
    rejection: ev.DocumentRejected | None = None


@dataclass(frozen=True, slots=True)
class AIServices:
    """The configured language models; absent, DocSense reviews and answers offline."""

    reviewer: AIReviewer
    answerer: AIAnswerer

    @property
    def provider_names(self) -> list[str]:
        return [p.name for p in self.reviewer.providers]

    @property
    def model(self) -> str | None:
        return self.reviewer.providers[0].model if self.reviewer.providers else None


class DocumentService:
    def __init__(
        self, store: EventStore, analyse: Analyse, jobs: JobQueue, ai: AIServices | None = None
    ) -> None:
        self.store = store
        self.analyse = analyse
        self.jobs = jobs
        self.ai = ai
        self._recent: OrderedDict[UUID, Document] = OrderedDict()

    async def load(self, document_id: UUID) -> Document:
        """The document's current state. A stream never changes below its last version, so
        state folded earlier stays valid: only events after it are read and decoded (a
        review's findings are decoded once, not on every load)."""
        document = self._recent.pop(document_id, None) or Document(id=document_id)
        for recorded in await self.store.read_stream(
            stream_id(document_id), after_version=document.version
        ):
            document = evolve(document, ev.decode(recorded.type, recorded.data), recorded.version)
        self._remember(document)
        return document

    def _remember(self, document: Document) -> None:
        if not document.exists:
            return
        current = self._recent.get(document.id)
        if current is None or current.version <= document.version:
            self._recent[document.id] = document
            self._recent.move_to_end(document.id)
        while len(self._recent) > _RECENT_DOCUMENTS:
            self._recent.popitem(last=False)

    async def submit(
        self, command: SubmitDocument, *, review_job: dict[str, Any] | None = None
    ) -> Submission:
        """Record an upload; the same file twice changes nothing (retries, duplicate events).

        With `review_job`, a review job carrying that payload is enqueued in the same
        transaction as the submission, so neither exists without the other.
        """

        async def enqueue(connection: asyncpg.Connection, document: Document) -> None:
            if review_job is not None:
                await self.jobs.enqueue(
                    connection,
                    REVIEW_JOB,
                    {"document_id": str(document.id), **_correlated(review_job)},
                    dedupe_key=f"review:{document.id}:{command.file_key}",
                )

        appended = False

        async def record(connection: asyncpg.Connection, document: Document) -> None:
            nonlocal appended
            appended = True
            await enqueue(connection, document)

        document = await self._decide(
            command.document_id,
            lambda document: submission(
                document,
                filename=command.filename,
                media_type=command.media_type,
                size=command.size,
                file_key=command.file_key,
                sha256=command.sha256,
                source=command.source,
            ),
            actor=command.actor,
            then=record,
        )
        return Submission(document, new=appended)

    async def fail(self, document_id: UUID, reason: str) -> Document:
        """Record that reviewing this version failed for good (a bug, not the file)."""
        document = await self.load(document_id)
        failed = ev.AnalysisFailed(
            analysis_id=document.analysis_id or uuid.uuid4(), reason=reason, retryable=False
        )
        return await self._decide(document_id, lambda _: [failed], actor="docsense")

    async def reject(self, document_id: UUID, *, reason: str, message: str) -> Document:
        return await self._decide(
            document_id,
            lambda document: rejection(document, reason=reason, message=message),
            actor="docsense",
        )

    async def latest_review(self, document_id: UUID) -> Review | None:
        """The last completed review of the current version, for re-posting or export."""
        document = await self.load(document_id)
        if document.status != "analyzed" or document.latest_analysis is None:
            return None
        if document.sha256 is None:
            return None
        ir = await load_ir(self.store.pool, document.sha256)
        if ir is None:
            return None
        return Review(document, "analyzed", ir=ir, analysis=document.latest_analysis)

    async def reanalyze(self, document_id: UUID, review_job: dict[str, Any]) -> None:
        """Queue another review of the current version (each request is its own job)."""
        document = await self.load(document_id)
        require_reviewable(document)
        async with self.store.transaction() as connection:
            await self.jobs.enqueue(
                connection, REVIEW_JOB, {"document_id": str(document_id), **_correlated(review_job)}
            )

    async def ask(
        self,
        command: AskQuestion,
        *,
        answer_job: bool = True,
        reply_to: dict[str, str] | None = None,
    ) -> Document:
        """Record a question, once per question id, and queue its answer (the Slack path);
        without `answer_job` the caller answers it itself (the CLI). `reply_to` (a
        `channel_id` and `thread_ts`) travels with the job: where the question was asked,
        which is not the document's thread when it was asked in an assistant thread."""

        async def enqueue(connection: asyncpg.Connection, document: Document) -> None:
            if not answer_job:
                return
            payload = {"document_id": str(document.id), "question_id": str(command.question_id)}
            await self.jobs.enqueue(
                connection,
                ANSWER_JOB,
                _correlated({**payload, **({"reply_to": reply_to} if reply_to else {})}),
                dedupe_key=f"answer:{command.question_id}",
            )

        return await self._decide(
            command.document_id,
            lambda document: question(
                document,
                command.question_id,
                text=command.text,
                user_id=command.user_id,
                message_ts=command.message_ts,
            ),
            actor=command.actor,
            then=enqueue,
        )

    async def answer(self, document_id: UUID, question_id: UUID) -> ev.QuestionAnswered:
        """Answer from the document's latest readable version, with verbatim citations.

        Answering twice (a retried job) returns the first answer unchanged.
        """
        document = await self.load(document_id)
        if question_id in document.answers:
            return document.answers[question_id]
        if question_id not in document.questions:
            raise DocumentError("That question was never asked.")
        ir = await load_ir(self.store.pool, document.sha256) if document.sha256 else None
        question_text = document.questions[question_id]
        if ir is None:
            reply = ev.QuestionAnswered(
                question_id=question_id,
                answer="I can't answer yet: no readable version of this document has been "
                "reviewed.",
                citations=[],
                provider="rules",
                usage=ev.Usage(),
            )
        else:
            reply = await self._answer_from(ir, document, question_id, question_text)
        document = await self._decide(
            document_id,
            lambda current: [] if question_id in current.answers else [reply],
            actor="docsense",
        )
        return document.answers[question_id]

    async def _answer_from(
        self, ir: DocumentIR, document: Document, question_id: UUID, question_text: str
    ) -> ev.QuestionAnswered:
        """The model's answer when one is configured and reachable, else the offline one."""
        note = None
        if self.ai is not None:
            history = [
                (document.questions[asked], answer.answer)
                for asked, answer in document.answers.items()
                if asked in document.questions
            ]
            written = await self.ai.answerer.answer(ir, question_text, history)
            if written is not None:
                return ev.QuestionAnswered(
                    question_id=question_id,
                    answer=written.text,
                    citations=[
                        ev.Citation(quote=c.quote, section=c.section, page=c.page)
                        for c in written.citations
                    ],
                    provider=written.provider,
                    usage=_usage(written.usage, written.cost_usd, written.cache_saved_usd),
                    note=written.note,
                )
            note = "AI answer unavailable; quoting the document directly"
        found = await asyncio.to_thread(answer_offline, ir, question_text)
        return ev.QuestionAnswered(
            question_id=question_id,
            answer=found.text,
            citations=[
                ev.Citation(quote=c.quote, section=c.section, page=c.page) for c in found.citations
            ],
            provider="rules",
            usage=ev.Usage(),
            note=note,
        )

    async def posted(self, document_id: UUID, key: str) -> str | None:
        """The ts of the message posted under `key`, if any. Reads only those small
        events, not the whole stream: the notifier asks before every post."""
        return await self.store.pool.fetchval(
            """SELECT data->>'ts' FROM events
               WHERE stream_id = $1 AND type = 'SlackMessagePosted' AND data->>'key' = $2
               LIMIT 1""",
            stream_id(document_id),
            key,
        )

    async def record_posted(
        self, document_id: UUID, key: str, *, channel_id: str, ts: str, thread_ts: str | None
    ) -> None:
        """Appended at any version: a record of a fact in Slack, valid whatever else
        happened to the document meanwhile (so no reload, no conflict retries)."""
        posted = ev.SlackMessagePosted(key=key, channel_id=channel_id, ts=ts, thread_ts=thread_ts)
        await self.store.append(
            stream_id(document_id),
            None,
            [posted.to_new_event(actor="docsense", correlation_id=correlation_id.get())],
        )

    async def link_thread(
        self, document_id: UUID, linked: ev.ThreadLinked, *, request_key: str
    ) -> None:
        """Make `linked`'s thread about this document. Appended at any version, like a post
        record; the event id comes from `request_key` (one Slack request), so a redelivered
        request adds nothing while a later choice of the same document does."""
        document = await self.load(document_id)
        if not document.exists:
            raise DocumentError("That document does not exist.")
        event = linked.to_new_event(actor=linked.user_id, correlation_id=correlation_id.get())
        event = replace(event, event_id=uuid.uuid5(_LINK_NAMESPACE, request_key))
        await self.store.append(stream_id(document_id), None, [event])

    async def record_export(self, document_id: UUID, exported: ev.ReportExported) -> Document:
        return await self._decide(document_id, lambda _: [exported], actor=exported.user_id)

    async def review(self, command: ReviewDocument) -> Review:
        """Ingest and review the document's current version with the rules engine.

        Its appends go through `_decide`, so Slack notes recorded meanwhile (a posted
        reply, a reaction) never cost a re-review.
        """
        document = await self.load(command.document_id)
        require_reviewable(document)
        assert document.filename is not None
        actor = command.actor
        began = time.perf_counter()
        try:
            ir, rules = await self.analyse(command.data, document.filename, document.media_type)
        except IngestRefused as refused:
            rejected = ev.DocumentRejected(reason=refused.reason.value, message=refused.message)
            document = await self._decide(document.id, lambda _: [rejected], actor=actor)
            return Review(document, "rejected", rejection=rejected)

        converted = ev.DocumentConverted(
            sha256=ir.sha256,
            title=ir.title,
            media_type=ir.media_type,
            pages=ir.pages,
            sections=len(ir.sections),
            words=ir.words,
        )
        analysis_id = uuid.uuid4()
        started = ev.AnalysisStarted(
            analysis_id=analysis_id,
            providers=["rules", *(self.ai.provider_names if self.ai else [])],
            model=self.ai.model if self.ai else None,
            checklist_version=CHECKLIST_VERSION,
        )

        async def store_ir(connection: asyncpg.Connection, _: Document) -> None:
            await save_ir(connection, ir)

        document = await self._decide(
            document.id, lambda _: [converted, started], actor=actor, then=store_ir
        )
        for failure in rules.failures:
            log.warning(
                "review.check_failed",
                check=failure.check,
                error=failure.error,
                document_id=str(document.id),
            )
        findings, providers, usage, ai_note = rules.findings, ["rules"], ev.Usage(), None
        if self.ai is not None:
            # Never raises for provider trouble: an outage degrades to the rules findings.
            ai = await self.ai.reviewer.review(ir)
            findings = merge_findings(findings, ai.findings, ir)
            providers += ai.providers_used
            usage, ai_note = _usage(ai.usage, ai.cost_usd, ai.cache_saved_usd), ai.note
        completed = _completed(
            analysis_id,
            findings,
            time.perf_counter() - began,
            providers=providers,
            usage=usage,
            note=_joined_note(ai_note, failure_note(rules.failures)),
            failed_checks=rules.failures,
        )
        document = await self._decide(document.id, lambda _: [completed], actor=actor)
        return Review(document, "analyzed", ir=ir, analysis=completed)

    async def decide(self, command: DecideFinding) -> Document:
        return await self._decide(
            command.document_id,
            lambda document: decision(
                document,
                command.finding_id,
                accept=command.accept,
                by=command.actor,
                reason=command.reason,
            ),
            actor=command.actor,
        )

    async def _decide(
        self,
        document_id: UUID,
        decide: Callable[[Document], list[ev.Event]],
        *,
        actor: str,
        then: Callable[[asyncpg.Connection, Document], Awaitable[None]] | None = None,
    ) -> Document:
        """Load, decide, append; decide again on fresh state when another writer got there
        first (two Slack deliveries of one upload, two people clicking at once). `then`
        runs in the appending transaction, only when something was appended."""
        for _ in range(_RETRIES_ON_CONFLICT):
            document = await self.load(document_id)
            new = decide(document)
            if not new:
                return document
            try:
                async with self.store.transaction() as connection:
                    document = await self._append(document, new, actor=actor, connection=connection)
                    if then is not None:
                        await then(connection, document)
                self._remember(document)  # only once committed
                return document
            except ConcurrencyError:
                continue
        raise ConcurrencyError(stream_id(document_id), None, -1)

    async def _append(
        self,
        document: Document,
        new: list[ev.Event],
        *,
        actor: str,
        connection: asyncpg.Connection | None = None,
    ) -> Document:
        if not new:
            return document
        cid = correlation_id.get()
        recorded: list[NewEvent] = [
            event.to_new_event(actor=actor, correlation_id=cid) for event in new
        ]
        result = await self.store.append(
            stream_id(document.id),
            document.version,
            recorded,
            connection=connection,
        )
        for offset, event in enumerate(new):
            document = evolve(document, event, result.version - len(new) + offset + 1)
        return document


def _correlated(payload: dict[str, Any]) -> dict[str, Any]:
    """Jobs carry the correlation id of the request that caused them."""
    cid = correlation_id.get()
    return {**payload, "correlation_id": cid} if cid else payload


def stream_id(document_id: UUID) -> str:
    return f"document-{document_id}"


def _completed(
    analysis_id: UUID,
    findings: list[Finding],
    seconds: float,
    *,
    providers: list[str],
    usage: ev.Usage,
    note: str | None,
    failed_checks: list[CheckFailure],
) -> ev.AnalysisCompleted:
    result = score(findings)
    return ev.AnalysisCompleted(
        analysis_id=analysis_id,
        providers=providers,
        findings=findings,
        score=result.score,
        counts=dict(result.counts),
        usage=usage,
        duration_ms=round(seconds * 1000),
        note=note,
        failed_checks=failed_checks,
    )


def _joined_note(*notes: str | None) -> str | None:
    """One note for the reader: the AI's and the failed checks', each a sentence of its own."""
    given = [note for note in notes if note]
    if len(given) <= 1:
        return given[0] if given else None
    return " ".join(note if note.endswith(".") else f"{note}." for note in given)


def _usage(tokens: TokenUsage, cost_usd: float, cache_saved_usd: float) -> ev.Usage:
    return ev.Usage(
        input_tokens=tokens.input_tokens,
        output_tokens=tokens.output_tokens,
        cache_read_tokens=tokens.cache_read_tokens,
        cache_write_tokens=tokens.cache_write_tokens,
        cost_usd=round(cost_usd, 6),
        cache_saved_usd=round(cache_saved_usd, 6),
    )
