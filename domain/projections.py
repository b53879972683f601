"""The `documents` and `findings` read models (with `ai_usage`, what each review and answer
cost, and `document_threads`, the threads a document was chosen in), kept from the global
event order.

Run by `eventstore.projections.Projector`, which commits these rows and the
checkpoint together; `reset` lets `docsense projections rebuild` replay from zero.

A review's findings go from the `AnalysisCompleted` row of the event log to the `findings`
table inside PostgreSQL: decoding and inserting a thousand of them in this process would
hold the event loop that acknowledges Slack for tens of milliseconds.
"""

from __future__ import annotations

from datetime import datetime

import asyncpg

from domain import events as ev
from eventstore import RecordedEvent

DOCUMENT_PREFIX = "document-"


class DocumentsProjection:
    name = "documents"
    undecoded_types = frozenset({ev.AnalysisCompleted.type_name()})

    async def reset(self, connection: asyncpg.Connection) -> None:
        await connection.execute("TRUNCATE documents, findings, ai_usage, document_threads")

    async def apply(self, connection: asyncpg.Connection, recorded: RecordedEvent) -> None:
        if not recorded.stream_id.startswith(DOCUMENT_PREFIX):
            return
        document_id = recorded.stream_id.removeprefix(DOCUMENT_PREFIX)
        at = recorded.recorded_at
        if recorded.type in self.undecoded_types:
            await _completed(connection, document_id, recorded.position, at)
            await _review_usage(connection, document_id, recorded.position, at)
            return
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
                await _answer_usage(connection, document_id, recorded.position, event.usage, at)
            case ev.ThreadLinked():
                await connection.execute(
                    """INSERT INTO document_threads
                           (channel_id, thread_ts, document_id, user_id, position, linked_at)
                       VALUES ($1, $2, $3, $4, $5, $6)
                       ON CONFLICT (channel_id, thread_ts) DO UPDATE SET
                           document_id = EXCLUDED.document_id, user_id = EXCLUDED.user_id,
                           position = EXCLUDED.position, linked_at = EXCLUDED.linked_at
                       WHERE document_threads.position < EXCLUDED.position""",
                    event.channel_id,
                    event.thread_ts,
                    document_id,
                    event.user_id,
                    recorded.position,
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


# The findings of the review at $1, in order from 0 (the JSON of each Finding).
_FINDINGS = """
    SELECT x.finding, x.n - 1 AS ordinal
    FROM events e, jsonb_array_elements(e.data -> 'findings') WITH ORDINALITY AS x(finding, n)
    WHERE e.position = $1
"""


async def _completed(
    connection: asyncpg.Connection, document_id: str, position: int, at: datetime
) -> None:
    """The review at `position`, read from its stored payload (`AnalysisCompleted`)."""
    await connection.execute(
        """UPDATE documents d SET state = 'analyzed',
               score = (e.data ->> 'score')::double precision,
               providers = ARRAY(SELECT jsonb_array_elements_text(e.data -> 'providers')),
               updated_at = $3,
               cost_usd = d.cost_usd + (e.data -> 'usage' ->> 'cost_usd')::double precision
           FROM events e WHERE e.position = $1 AND d.id = $2""",
        position,
        document_id,
        at,
    )
    await connection.execute(
        f"""DELETE FROM findings WHERE document_id = $2
              AND finding_id NOT IN (SELECT finding ->> 'id' FROM ({_FINDINGS}) given)""",
        position,
        document_id,
    )
    # Decisions on findings that persist across reviews are kept (ON CONFLICT keeps status).
    # A finding id given twice (same rule and quote in two sections) is one row: the
    # first occurrence's rule, category and source, the last one's other columns, as
    # when each finding was upserted in turn. `source` defaults as in Finding.
    await connection.execute(
        f"""INSERT INTO findings (document_id, finding_id, ordinal, rule, category, severity,
                title, detail, suggestion, quote, section, page, source)
            SELECT DISTINCT ON (finding ->> 'id') $2::uuid, finding ->> 'id', ordinal,
                first_value(finding ->> 'rule') OVER earliest,
                first_value(finding ->> 'category') OVER earliest,
                finding ->> 'severity', finding ->> 'title', finding ->> 'detail',
                finding ->> 'suggestion', finding -> 'evidence' ->> 'quote',
                finding -> 'evidence' ->> 'section',
                (finding -> 'evidence' ->> 'page')::integer,
                first_value(coalesce(finding ->> 'source', 'rules')) OVER earliest
            FROM ({_FINDINGS}) given
            WINDOW earliest AS (PARTITION BY finding ->> 'id' ORDER BY ordinal)
            ORDER BY finding ->> 'id', ordinal DESC
            ON CONFLICT (document_id, finding_id) DO UPDATE SET
                ordinal = EXCLUDED.ordinal, severity = EXCLUDED.severity,
                title = EXCLUDED.title, detail = EXCLUDED.detail,
                suggestion = EXCLUDED.suggestion, quote = EXCLUDED.quote,
                section = EXCLUDED.section, page = EXCLUDED.page""",
        position,
        document_id,
    )


async def _review_usage(
    connection: asyncpg.Connection, document_id: str, position: int, at: datetime
) -> None:
    """What the models cost for the review at `position`, read from its stored payload."""
    await connection.execute(
        """INSERT INTO ai_usage (position, document_id, kind, recorded_at, input_tokens,
               output_tokens, cost_usd, cache_read_tokens, cache_write_tokens, cache_saved_usd)
           SELECT $1, $2::uuid, 'review', $3, u.input_tokens, u.output_tokens, u.cost_usd,
               u.cache_read_tokens, u.cache_write_tokens, u.cache_saved_usd
           FROM events e, LATERAL (SELECT
               coalesce((e.data -> 'usage' ->> 'input_tokens')::bigint, 0) AS input_tokens,
               coalesce((e.data -> 'usage' ->> 'output_tokens')::bigint, 0) AS output_tokens,
               coalesce((e.data -> 'usage' ->> 'cost_usd')::double precision, 0) AS cost_usd,
               coalesce((e.data -> 'usage' ->> 'cache_read_tokens')::bigint, 0)
                   AS cache_read_tokens,
               coalesce((e.data -> 'usage' ->> 'cache_write_tokens')::bigint, 0)
                   AS cache_write_tokens,
               coalesce((e.data -> 'usage' ->> 'cache_saved_usd')::double precision, 0)
                   AS cache_saved_usd
           ) u
           WHERE e.position = $1 AND (u.input_tokens > 0 OR u.output_tokens > 0 OR u.cost_usd > 0)
           ON CONFLICT (position) DO NOTHING""",
        position,
        document_id,
        at,
    )


async def _answer_usage(
    connection: asyncpg.Connection, document_id: str, position: int, usage: ev.Usage, at: datetime
) -> None:
    if not (usage.input_tokens or usage.output_tokens or usage.cost_usd):
        return  # answered offline, by quoting the document
    await connection.execute(
        """INSERT INTO ai_usage (position, document_id, kind, recorded_at, input_tokens,
               output_tokens, cost_usd, cache_read_tokens, cache_write_tokens, cache_saved_usd)
           VALUES ($1, $2, 'answer', $3, $4, $5, $6, $7, $8, $9)
           ON CONFLICT (position) DO NOTHING""",
        position,
        document_id,
        at,
        usage.input_tokens,
        usage.output_tokens,
        usage.cost_usd,
        usage.cache_read_tokens,
        usage.cache_write_tokens,
        usage.cache_saved_usd,
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
