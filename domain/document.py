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
    analysis_id: UUID | None = None
    findings: dict[str, FindingStatus] = field(default_factory=dict)

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
            )
        case ev.DocumentConverted():
            return replace(document, status="converted", media_type=event.media_type)
        case ev.DocumentRejected():
            return replace(document, status="rejected")
        case ev.AnalysisStarted():
            return replace(document, status="analyzing", analysis_id=event.analysis_id)
        case ev.AnalysisCompleted():
            # A finding that survives a re-review keeps the decision people made on it.
            findings = {f.id: document.findings.get(f.id, "open") for f in event.findings}
            return replace(document, status="analyzed", findings=findings)
        case ev.AnalysisFailed():
            return replace(document, status="failed")
        case ev.FindingAccepted():
            return replace(document, findings={**document.findings, event.finding_id: "accepted"})
        case ev.FindingRejected():
            return replace(document, findings={**document.findings, event.finding_id: "rejected"})
    return document


def submission(
    document: Document,
    *,
    filename: str,
    media_type: str | None,
    size: int,
    sha256: str,
    source: ev.Source,
) -> list[ev.Event]:
    """A first upload, a new version, or nothing when the same bytes arrive again."""
    if not document.exists:
        return [
            ev.DocumentSubmitted(
                filename=filename, media_type=media_type, size=size, sha256=sha256, source=source
            )
        ]
    if document.sha256 == sha256:
        return []
    return [
        ev.VersionSubmitted(
            filename=filename,
            media_type=media_type,
            size=size,
            sha256=sha256,
            source=source,
            file_version=document.file_versions + 1,
        )
    ]


def require_reviewable(document: Document) -> None:
    if not document.exists:
        raise DocumentError("There is no such document.")
    if document.status == "rejected":
        raise DocumentError("This version was rejected; upload a readable version first.")


def decision(
    document: Document, finding_id: str, *, accept: bool, by: str, reason: str | None
) -> list[ev.Event]:
    """Accept or reject an open finding; deciding the same way twice changes nothing."""
    current = document.findings.get(finding_id)
    if current is None:
        raise DocumentError("That finding is not part of this document's latest review.")
    wanted: FindingStatus = "accepted" if accept else "rejected"
    if current == wanted:
        return []
    if accept:
        return [ev.FindingAccepted(finding_id=finding_id, by=by)]
    return [ev.FindingRejected(finding_id=finding_id, by=by, reason=reason)]
