"""The Document aggregate: its state folded from events, and the rules its commands obey.

Pure: no I/O. The service layer loads the events, asks this module what may happen
next, and appends what it returns.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Literal
from uuid import UUID

from domain import events as ev

Status = Literal["submitted", "converted", "analyzing", "analyzed", "failed", "rejected"]
FindingStatus = Literal["open", "accepted", "rejected"]


class DocumentError(Exception):
    """A command that this document's state does not allow; the message is for users."""


@dataclass(frozen=True, slots=True)
class Document:
    id: UUID
    version: int = 0
    status: Status | None = None
    filename: str | None = None
    sha256: str | None = None
    media_type: str | None = None
    file_versions: int = 0
    source: ev.Source | None = None
    file_keys: frozenset[str] = frozenset()
    analysis_id: UUID | None = None
    findings: dict[str, FindingStatus] = field(default_factory=dict)
    decided_by: dict[str, str] = field(default_factory=dict)
    latest_analysis: ev.AnalysisCompleted | None = None
    rejection: ev.DocumentRejected | None = None
    questions: dict[UUID, str] = field(default_factory=dict)
    answers: dict[UUID, ev.QuestionAnswered] = field(default_factory=dict)

    @property
    def exists(self) -> bool:
        return self.version > 0


def evolve(document: Document, event: ev.Event, version: int) -> Document:
    """The state after one event; the stream version is the event's version."""
    document = replace(document, version=version)
    match event:
        case ev.DocumentSubmitted() | ev.VersionSubmitted():
            return replace(
                document,
                status="submitted",
                filename=event.filename,
                sha256=event.sha256,
                media_type=event.media_type,
                file_versions=document.file_versions + 1,
                source=event.source,
                file_keys=document.file_keys | {event.file_key},
            )
        case ev.DocumentConverted():
            return replace(
                document, status="converted", media_type=event.media_type, sha256=event.sha256
            )
        case ev.DocumentRejected():
            return replace(document, status="rejected", rejection=event)
        case ev.AnalysisStarted():
            return replace(document, status="analyzing", analysis_id=event.analysis_id)
        case ev.AnalysisCompleted():
            # A finding that survives a re-review keeps the decision people made on it.
            findings = {f.id: document.findings.get(f.id, "open") for f in event.findings}
            return replace(document, status="analyzed", findings=findings, latest_analysis=event)
        case ev.AnalysisFailed():
            return replace(document, status="failed")
        case ev.FindingAccepted() | ev.FindingRejected():
            status: FindingStatus = (
                "accepted" if isinstance(event, ev.FindingAccepted) else "rejected"
            )
            return replace(
                document,
                findings={**document.findings, event.finding_id: status},
                decided_by={**document.decided_by, event.finding_id: event.by},
            )
        case ev.QuestionAsked():
            return replace(
                document, questions={**document.questions, event.question_id: event.text}
            )
        case ev.QuestionAnswered():
            return replace(document, answers={**document.answers, event.question_id: event})
    return document


def submission(
    document: Document,
    *,
    filename: str,
    media_type: str | None,
    size: int,
    file_key: str,
    sha256: str | None,
    source: ev.Source,
) -> list[ev.Event]:
    """A first upload, a new version, or nothing when the same file arrives again."""
    file = {
        "filename": filename,
        "media_type": media_type,
        "size": size,
        "file_key": file_key,
        "sha256": sha256,
        "source": source,
    }
    if not document.exists:
        return [ev.DocumentSubmitted(**file)]
    if file_key in document.file_keys:
        return []
    return [ev.VersionSubmitted(**file, file_version=document.file_versions + 1)]


def question(
    document: Document, question_id: UUID, *, text: str, user_id: str, message_ts: str | None
) -> list[ev.Event]:
    """Ask once per Slack message, however many events (reply, mention, retry) carry it."""
    if not document.exists:
        raise DocumentError("There is no such document.")
    if question_id in document.questions:
        return []
    return [
        ev.QuestionAsked(question_id=question_id, text=text, user_id=user_id, message_ts=message_ts)
    ]


def rejection(document: Document, *, reason: str, message: str) -> list[ev.Event]:
    """Refuse the current version (a download that cannot succeed, for example)."""
    if not document.exists:
        raise DocumentError("There is no such document.")
    if document.status == "rejected":
        return []
    return [ev.DocumentRejected(reason=reason, message=message)]


def require_reviewable(document: Document) -> None:
    if not document.exists:
        raise DocumentError("There is no such document.")
    if document.status == "rejected":
        raise DocumentError("This version was rejected; upload a readable version first.")


def decision(
    document: Document, finding_id: str, *, accept: bool, by: str, reason: str | None
) -> list[ev.Event]:
    """Accept or reject a finding. Deciding the same way again changes nothing, except that
    a rejection may be given (or given again with) a reason afterwards."""
    current = document.findings.get(finding_id)
    if current is None:
        raise DocumentError("That finding is not part of this document's latest review.")
    if accept:
        return [] if current == "accepted" else [ev.FindingAccepted(finding_id=finding_id, by=by)]
    if current == "rejected" and not reason:
        return []
    return [ev.FindingRejected(finding_id=finding_id, by=by, reason=reason)]
