"""The `documents` and `findings` read models, kept from the global event order.

Run by `eventstore.projections.Projector`, which commits these rows and the
checkpoint together; `reset` lets `docsense projections rebuild` replay from zero.
"""

from __future__ import annotations

from datetime import datetime

import asyncpg

from domain import events as ev
from domain.findings import Finding
from eventstore import RecordedEvent

DOCUMENT_PREFIX = "document-"


class DocumentsProjection:
    name = "documents"

    async def reset(self, connection: asyncpg.Connection) -> None:
        await connection.execute("TRUNCATE documents, findings")

    async def apply(self, connection: asyncpg.Connection, recorded: RecordedEvent) -> None:
        if not recorded.stream_id.startswith(DOCUMENT_PREFIX):
            return
        document_id = recorded.stream_id.removeprefix(DOCUMENT_PREFIX)
        at = recorded.recorded_at
        event = ev.decode(recorded.type, recorded.data)
        match event:
            case ev.DocumentSubmitted():
                await _submitted(connection, document_id, event, recorded.metadata, at)
            case ev.VersionSubmitted():
                await _new_version(connection, document_id, event, at)
            case ev.DocumentConverted():
                await connection.execute(
                    """UPDATE documents SET state = 'converted', title = $2, media_type = $3,
                           pages = $4, sections = $5, words = $6, updated_at = $7, sha256 = $8
                       WHERE id = $1""",
                    document_id,
                    event.title,
                    event.media_type,
                    event.pages,
                    event.sections,
                    event.words,
                    at,
                    event.sha256,
                )
            case ev.DocumentRejected():
                await connection.execute(
                    """UPDATE documents SET state = 'rejected', reject_reason = $2,
                           reject_message = $3, updated_at = $4 WHERE id = $1""",
                    document_id,
                    event.reason,
                    event.message,
                    at,
                )
            case ev.AnalysisStarted():
                await connection.execute(
                    """UPDATE documents SET state = 'analyzing', analysis_id = $2,
                           providers = $3, updated_at = $4 WHERE id = $1""",
                    document_id,
                    event.analysis_id,
                    event.providers,
                    at,
                )
            case ev.AnalysisCompleted():
                await _completed(connection, document_id, event, at)
            case ev.AnalysisFailed():
                await _set_state(connection, document_id, "failed", at)
            case ev.FindingAccepted() | ev.FindingRejected():
                await _decided(connection, document_id, event, at)
            case ev.QuestionAnswered():
                await connection.execute(
                    """UPDATE documents SET questions = questions + 1,
                           cost_usd = cost_usd + $2, updated_at = $3 WHERE id = $1""",
                    document_id,
                    event.usage.cost_usd,
                    at,
                )


async def _set_state(
    connection: asyncpg.Connection, document_id: str, state: str, at: datetime
) -> None:
    await connection.execute(
        "UPDATE documents SET state = $2, updated_at = $3 WHERE id = $1", document_id, state, at
    )


async def _submitted(
    connection: asyncpg.Connection,
    document_id: str,
    event: ev.DocumentSubmitted,
    metadata: dict,
    at: datetime,
) -> None:
    source = event.source
    await connection.execute(
        """INSERT INTO documents (id, filename, media_type, size_bytes, sha256, state, source,
               team_id, channel_id, thread_ts, submitted_by, submitted_at, updated_at)
           VALUES ($1, $2, $3, $4, $5, 'submitted', $6, $7, $8, $9, $10, $11, $11)""",
        document_id,
        event.filename,
        event.media_type,
        event.size,
        event.sha256,
        source.kind,
        source.team_id,
        source.channel_id,
        source.thread_ts,
        source.user_id or metadata.get("actor"),
        at,
    )


async def _new_version(
    connection: asyncpg.Connection, document_id: str, event: ev.VersionSubmitted, at: datetime
) -> None:
    await connection.execute(
        """UPDATE documents SET state = 'submitted', filename = $2, media_type = $3,
               size_bytes = $4, sha256 = $5, file_versions = $6, reject_reason = NULL,
               reject_message = NULL, updated_at = $7
           WHERE id = $1""",
        document_id,
        event.filename,
        event.media_type,
        event.size,
        event.sha256,
        event.file_version,
        at,
    )


async def _completed(
    connection: asyncpg.Connection, document_id: str, event: ev.AnalysisCompleted, at: datetime
) -> None:
    await connection.execute(
        """UPDATE documents SET state = 'analyzed', score = $2, providers = $3, updated_at = $4,
               cost_usd = cost_usd + $5
           WHERE id = $1""",
        document_id,
        event.score,
        event.providers,
        at,
        event.usage.cost_usd,
    )
    ids = [f.id for f in event.findings]
    await connection.execute(
        "DELETE FROM findings WHERE document_id = $1 AND NOT (finding_id = ANY($2))",
        document_id,
        ids,
    )
    # Decisions on findings that persist across reviews are kept (ON CONFLICT keeps status).
    await connection.executemany(
        """INSERT INTO findings (document_id, finding_id, ordinal, rule, category, severity,
               title, detail, suggestion, quote, section, page, source)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
           ON CONFLICT (document_id, finding_id) DO UPDATE SET
               ordinal = EXCLUDED.ordinal, severity = EXCLUDED.severity,
               title = EXCLUDED.title, detail = EXCLUDED.detail,
               suggestion = EXCLUDED.suggestion, quote = EXCLUDED.quote,
               section = EXCLUDED.section, page = EXCLUDED.page""",
        [_finding_row(document_id, ordinal, f) for ordinal, f in enumerate(event.findings)],
    )


def _finding_row(document_id: str, ordinal: int, finding: Finding) -> tuple:
    evidence = finding.evidence
    return (
        document_id,
        finding.id,
        ordinal,
        finding.rule,
        finding.category,
        finding.severity,
        finding.title,
        finding.detail,
        finding.suggestion,
        evidence.quote if evidence else None,
        evidence.section if evidence else None,
        evidence.page if evidence else None,
        finding.source,
    )


async def _decided(
    connection: asyncpg.Connection,
    document_id: str,
    event: ev.FindingAccepted | ev.FindingRejected,
    at: datetime,
) -> None:
    accepted = isinstance(event, ev.FindingAccepted)
    await connection.execute(
        """UPDATE findings SET status = $3, decided_by = $4, decided_at = $5,
               decision_reason = $6
           WHERE document_id = $1 AND finding_id = $2""",
        document_id,
        event.finding_id,
        "accepted" if accepted else "rejected",
        event.by,
        at,
        None if accepted else event.reason,
    )
    await connection.execute("UPDATE documents SET updated_at = $2 WHERE id = $1", document_id, at)
