"""Service layer: command handlers that load a document, decide, and append events.

Entry points (CLI, Slack workers) call these and nothing lower; every state change
goes through the event store, and the read models follow from the events.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Literal
from uuid import UUID

import asyncpg

from domain import events as ev
from domain.document import Document, decision, evolve, require_reviewable, submission
from domain.findings import Finding
from domain.ingest import IngestRefused
from domain.ir import DocumentIR
from domain.ir_repository import save_ir
from domain.review import CHECKLIST_VERSION, review_rules, score
from eventstore import ConcurrencyError, EventStore, NewEvent

Ingest = Callable[[bytes, str, str | None], Awaitable[DocumentIR]]

_RETRIES_ON_CONFLICT = 5  # reloads after a concurrent writer overtook the command


@dataclass(frozen=True, slots=True)
class SubmitDocument:
    document_id: UUID
    filename: str
    media_type: str | None
    data: bytes
    source: ev.Source
    actor: str


@dataclass(frozen=True, slots=True)
class ReviewDocument:
    document_id: UUID
    data: bytes
    actor: str


@dataclass(frozen=True, slots=True)
class DecideFinding:
    document_id: UUID
    finding_id: str
    accept: bool
    actor: str
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class Review:
    """What one review produced, for the caller to present."""

    document: Document
    outcome: Literal["analyzed", "rejected"]
    ir: DocumentIR | None = None
    analysis: ev.AnalysisCompleted | None = None
    rejection: ev.DocumentRejected | None = None


class DocumentService:
    def __init__(self, store: EventStore, ingest: Ingest) -> None:
        self.store = store
        self.ingest = ingest

    async def load(self, document_id: UUID) -> Document:
        document = Document(id=document_id)
        for recorded in await self.store.read_stream(stream_id(document_id)):
            document = evolve(document, ev.decode(recorded.type, recorded.data), recorded.version)
        return document

    async def submit(self, command: SubmitDocument) -> Document:
        """Record an upload; the same bytes twice change nothing (retries, duplicate events)."""
        sha256 = hashlib.sha256(command.data).hexdigest()
        return await self._decide(
            command.document_id,
            lambda document: submission(
                document,
                filename=command.filename,
                media_type=command.media_type,
                size=len(command.data),
                sha256=sha256,
                source=command.source,
            ),
            actor=command.actor,
        )

    async def review(self, command: ReviewDocument) -> Review:
        """Ingest and review the document's current version with the rules engine."""
        document = await self.load(command.document_id)
        require_reviewable(document)
        assert document.filename is not None
        try:
            ir = await self.ingest(command.data, document.filename, document.media_type)
        except IngestRefused as refused:
            rejection = ev.DocumentRejected(reason=refused.reason.value, message=refused.message)
            document = await self._append(document, [rejection], actor=command.actor)
            return Review(document, "rejected", rejection=rejection)

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
            providers=["rules"],
            model=None,
            checklist_version=CHECKLIST_VERSION,
        )
        async with self.store.transaction() as connection:
            await save_ir(connection, ir)
            document = await self._append(
                document, [converted, started], actor=command.actor, connection=connection
            )

        began = time.perf_counter()
        try:
            findings = await asyncio.to_thread(review_rules, ir)
        except Exception as error:
            failed = ev.AnalysisFailed(
                analysis_id=analysis_id, reason=f"{type(error).__name__}: {error}", retryable=False
            )
            await self._append(document, [failed], actor=command.actor)
            raise
        completed = _completed(analysis_id, findings, time.perf_counter() - began)
        document = await self._append(document, [completed], actor=command.actor)
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
    ) -> Document:
        """Load, decide, append; decide again on fresh state when another writer got there
        first (two Slack deliveries of one upload, two people clicking at once)."""
        for _ in range(_RETRIES_ON_CONFLICT):
            document = await self.load(document_id)
            try:
                return await self._append(document, decide(document), actor=actor)
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
        recorded: list[NewEvent] = [event.to_new_event(actor=actor) for event in new]
        result = await self.store.append(
            stream_id(document.id),
            document.version,
            recorded,
            connection=connection,
        )
        for offset, event in enumerate(new):
            document = evolve(document, event, result.version - len(new) + offset + 1)
        return document


def stream_id(document_id: UUID) -> str:
    return f"document-{document_id}"


def _completed(analysis_id: UUID, findings: list[Finding], seconds: float) -> ev.AnalysisCompleted:
    result = score(findings)
    return ev.AnalysisCompleted(
        analysis_id=analysis_id,
        providers=["rules"],
        findings=findings,
        score=result.score,
        counts=dict(result.counts),
        usage=ev.Usage(),
        duration_ms=round(seconds * 1000),
    )
