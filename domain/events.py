"""The Document aggregate's events: past-tense facts, validated on the way in and out.

Each payload is a pydantic model named after its event type. Metadata common to every
event (schema version, when, who, correlation id) travels in the store's metadata.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict

from domain.checks import CheckFailure
from domain.findings import Finding
from eventstore import NewEvent

SCHEMA_VERSION = 1


class Event(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    @classmethod
    def type_name(cls) -> str:
        return cls.__name__

    def to_new_event(self, *, actor: str, correlation_id: str | None = None) -> NewEvent:
        metadata: dict[str, Any] = {
            "schema_version": SCHEMA_VERSION,
            "occurred_at": datetime.now(UTC).isoformat(),
            "actor": actor,
        }
        if correlation_id:
            metadata["correlation_id"] = correlation_id
        return NewEvent(self.type_name(), self.model_dump(mode="json"), metadata)


class Source(BaseModel):
    """Where a document came from; Slack fields stay empty for the CLI."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal["cli", "slack"]
    team_id: str | None = None
    channel_id: str | None = None
    thread_ts: str | None = None
    user_id: str | None = None
    file_id: str | None = None


class DocumentSubmitted(Event):
    """`file_key` identifies the file (its Slack file id, or its sha256 for local files),
    so the same file delivered twice is recognised; `sha256` is known only once the
    bytes are (Slack files are downloaded later, by the review job)."""

    filename: str
    media_type: str | None
    size: int
    file_key: str
    sha256: str | None
    source: Source


class VersionSubmitted(Event):
    filename: str
    media_type: str | None
    size: int
    file_key: str
    sha256: str | None
    source: Source
    file_version: int


class DocumentConverted(Event):
    sha256: str
    title: str
    media_type: str
    pages: int
    sections: int
    words: int


class DocumentRejected(Event):
    reason: str
    message: str


class AnalysisStarted(Event):
    analysis_id: UUID
    providers: list[str]
    model: str | None
    checklist_version: str


class Usage(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    cost_usd: float = 0.0
    cache_saved_usd: float = 0.0
    """What prompt caching saved against sending everything uncached (0 in older events)."""


class AnalysisCompleted(Event):
    analysis_id: UUID
    providers: list[str]
    findings: list[Finding]
    score: float
    counts: dict[str, int]
    usage: Usage
    duration_ms: int
    note: str | None = None
    """Shown with the review, e.g. "AI review unavailable: …; showing rules findings"."""
    failed_checks: list[CheckFailure] = []
    """Extractors and rules that raised on this document; empty in events recorded before."""


class AnalysisFailed(Event):
    analysis_id: UUID
    reason: str
    retryable: bool


class FindingAccepted(Event):
    finding_id: str
    by: str


class FindingRejected(Event):
    finding_id: str
    by: str
    reason: str | None = None


class Citation(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    quote: str
    section: str
    page: int | None = None


class QuestionAsked(Event):
    question_id: UUID
    text: str
    user_id: str
    message_ts: str | None = None


class QuestionAnswered(Event):
    question_id: UUID
    answer: str
    citations: list[Citation]
    provider: str
    usage: Usage
    note: str | None = None


class SlackMessagePosted(Event):
    """What was posted where, under a key, so a retried job never posts it twice."""

    key: str
    channel_id: str
    ts: str
    thread_ts: str | None


class ReportExported(Event):
    channel_id: str
    thread_ts: str | None
    file_id: str | None
    user_id: str


class ThreadLinked(Event):
    """Someone chose this document as what a Slack thread it was not shared in is about
    (an assistant thread in the side panel): questions asked there are about it, and the
    answers go there. The latest link of a thread wins."""

    channel_id: str
    thread_ts: str
    user_id: str


class JobRetried(Event):
    """An operator put a dead-lettered job back in the queue with a full set of attempts
    (the operator is the event's actor). Recorded in the stream of the document the job
    is about, else in the `operations` stream; it changes no document state."""

    job_id: int
    kind: str
    attempts: int
    """Attempts the job had spent when it was retried."""
    last_error: str | None


EVENT_TYPES: dict[str, type[Event]] = {
    cls.type_name(): cls
    for cls in (
        DocumentSubmitted,
        VersionSubmitted,
        DocumentConverted,
        DocumentRejected,
        AnalysisStarted,
        AnalysisCompleted,
        AnalysisFailed,
        FindingAccepted,
        FindingRejected,
        QuestionAsked,
        QuestionAnswered,
        SlackMessagePosted,
        ReportExported,
        ThreadLinked,
        JobRetried,
    )
}


def _identified_by_content(data: dict[str, Any]) -> dict[str, Any]:
    """Uploads recorded before `file_key` existed were all local files named by content."""
    return {"file_key": f"sha256:{data['sha256']}", **data}


# Events are immutable: a payload written under an older schema is brought up to date
# as it is read, never rewritten in the store.
_UPCASTERS = {
    "DocumentSubmitted": _identified_by_content,
    "VersionSubmitted": _identified_by_content,
}


def decode(type_name: str, data: dict[str, Any]) -> Event:
    """The typed payload of a stored event; unknown types are a programming error."""
    if type_name in _UPCASTERS and "file_key" not in data:
        data = _UPCASTERS[type_name](data)
    return EVENT_TYPES[type_name].model_validate(data)
