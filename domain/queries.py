"""Read-side queries over the read models and the event log, for status and history.

Slack callers scope by channel: a list of channel ids the asker can see (the channel a
command came from, or every channel a user shares with the bot), and nothing outside it.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import asyncpg

from domain.service import stream_id
from eventstore import EventStore, RecordedEvent

_HEX_PREFIX = re.compile(r"^[0-9a-f-]{4,36}$")


class DocumentNotFound(Exception):
    """A DOC argument that names no document, or more than one; the message says which."""


@dataclass(frozen=True, slots=True)
class DocumentRow:
    id: UUID
    filename: str
    title: str | None
    state: str
    file_versions: int
    pages: int | None
    words: int | None
    score: float | None
    counts: dict[str, int]
    open_findings: int
    reject_message: str | None
    updated_at: Any
    cost_usd: float = 0.0
    channel_id: str | None = None
    thread_ts: str | None = None

    @property
    def short_id(self) -> str:
        return str(self.id)[:8]


_DOCUMENT_SELECT = """
    SELECT d.id, d.filename, d.title, d.state, d.file_versions, d.pages, d.words, d.score,
           d.reject_message, d.updated_at, d.cost_usd, d.channel_id, d.thread_ts,
           count(f.*) FILTER (WHERE f.severity = 'critical') AS critical,
           count(f.*) FILTER (WHERE f.severity = 'high') AS high,
           count(f.*) FILTER (WHERE f.severity = 'medium') AS medium,
           count(f.*) FILTER (WHERE f.severity = 'low') AS low,
           count(f.*) FILTER (WHERE f.severity = 'info') AS info,
           count(f.*) FILTER (WHERE f.status = 'open') AS open_findings
    FROM documents d LEFT JOIN findings f ON f.document_id = d.id
"""


def _row(record: asyncpg.Record) -> DocumentRow:
    return DocumentRow(
        id=record["id"],
        filename=record["filename"],
        title=record["title"],
        state=record["state"],
        file_versions=record["file_versions"],
        pages=record["pages"],
        words=record["words"],
        score=record["score"],
        counts={s: record[s] for s in ("critical", "high", "medium", "low", "info")},
        open_findings=record["open_findings"],
        reject_message=record["reject_message"],
        updated_at=record["updated_at"],
        cost_usd=record["cost_usd"],
        channel_id=record["channel_id"],
        thread_ts=record["thread_ts"],
    )


def _scope(channels: Collection[str] | None) -> list[str] | None:
    """None reads everything (the CLI); a collection, only those channels (empty: nothing)."""
    return None if channels is None else sorted(channels)


# The one channel filter of every scoped read: `$1` is `_scope(channels)`.
_IN_SCOPE = "($1::text[] IS NULL OR d.channel_id = ANY($1::text[]))"


async def list_documents(
    pool: asyncpg.Pool, *, channels: Collection[str] | None = None, limit: int = 50
) -> list[DocumentRow]:
    """Newest first; with `channels`, only what was shared in those channels or DMs."""
    rows = await pool.fetch(
        _DOCUMENT_SELECT
        + f""" WHERE {_IN_SCOPE}
              GROUP BY d.id ORDER BY d.updated_at DESC LIMIT $2""",
        _scope(channels),
        limit,
    )
    return [_row(r) for r in rows]


async def find_document(
    pool: asyncpg.Pool, reference: str, *, channel_id: str | None = None
) -> DocumentRow:
    """A document by id, unambiguous id prefix, or file name; with `channel_id`, only
    among those shared in that channel, so nothing leaks across channels."""
    reference = reference.strip()
    rows = await pool.fetch(
        _DOCUMENT_SELECT
        + """ WHERE (d.filename = $1 OR ($2 AND d.id::text LIKE $1 || '%'))
                AND ($3::text IS NULL OR d.channel_id = $3)
              GROUP BY d.id ORDER BY d.updated_at DESC LIMIT 6""",
        reference,
        bool(_HEX_PREFIX.match(reference.lower())),
        channel_id,
    )
    if not rows:
        raise DocumentNotFound(f"No document matches {reference!r}.")
    if len(rows) > 1:
        names = ", ".join(f"{r['filename']} ({str(r['id'])[:8]})" for r in rows)
        raise DocumentNotFound(f"{reference!r} matches several documents: {names}.")
    return _row(rows[0])


async def document_in_thread(pool: asyncpg.Pool, *, channel_id: str, thread_ts: str) -> UUID | None:
    """The document whose upload started this thread, if any."""
    return await pool.fetchval(
        "SELECT id FROM documents WHERE channel_id = $1 AND thread_ts = $2 "
        "ORDER BY submitted_at LIMIT 1",
        channel_id,
        thread_ts,
    )


@dataclass(frozen=True, slots=True)
class Stats:
    documents: int
    findings: int
    accepted: int
    rejected: int
    questions: int
    cost_usd: float


async def channel_stats(pool: asyncpg.Pool, *, channels: Collection[str] | None = None) -> Stats:
    row = await pool.fetchrow(
        f"""SELECT (SELECT count(*) FROM documents d WHERE {_IN_SCOPE}) AS documents,
                   (SELECT coalesce(sum(d.questions), 0) FROM documents d
                    WHERE {_IN_SCOPE}) AS questions,
                   (SELECT coalesce(sum(d.cost_usd), 0) FROM documents d
                    WHERE {_IN_SCOPE}) AS cost_usd,
                   count(f.*) AS findings,
                   count(f.*) FILTER (WHERE f.status = 'accepted') AS accepted,
                   count(f.*) FILTER (WHERE f.status = 'rejected') AS rejected
            FROM findings f JOIN documents d ON d.id = f.document_id
            WHERE {_IN_SCOPE}""",
        _scope(channels),
    )
    return Stats(
        documents=row["documents"],
        findings=row["findings"],
        accepted=row["accepted"],
        rejected=row["rejected"],
        questions=row["questions"],
        cost_usd=row["cost_usd"],
    )


@dataclass(frozen=True, slots=True)
class AIUsage:
    reviews: int
    answers: int
    input_tokens: int
    """Billed at the base rate: without the cache reads and writes."""
    output_tokens: int
    cost_usd: float
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    cache_saved_usd: float = 0.0

    @property
    def cache_hit_rate(self) -> float:
        """The share of prompt tokens read from the provider's cache."""
        prompt = self.input_tokens + self.cache_read_tokens + self.cache_write_tokens
        return self.cache_read_tokens / prompt if prompt else 0.0


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
"""`since` for all time."""


def month_start(now: datetime) -> datetime:
    """Midnight UTC on the first of `now`'s month (UTC): where "this month" begins."""
    return now.astimezone(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)


async def ai_usage(
    pool: asyncpg.Pool, *, channels: Collection[str] | None, since: datetime
) -> AIUsage:
    """What the language models did and cost since `since` for documents in `channels`."""
    row = await pool.fetchrow(
        f"""SELECT count(*) FILTER (WHERE u.kind = 'review') AS reviews,
                   count(*) FILTER (WHERE u.kind = 'answer') AS answers,
                   coalesce(sum(u.input_tokens), 0)::bigint AS input_tokens,
                   coalesce(sum(u.output_tokens), 0)::bigint AS output_tokens,
                   coalesce(sum(u.cost_usd), 0) AS cost_usd,
                   coalesce(sum(u.cache_read_tokens), 0)::bigint AS cache_read_tokens,
                   coalesce(sum(u.cache_write_tokens), 0)::bigint AS cache_write_tokens,
                   coalesce(sum(u.cache_saved_usd), 0) AS cache_saved_usd
            FROM ai_usage u JOIN documents d ON d.id = u.document_id
            WHERE u.recorded_at >= $2 AND {_IN_SCOPE}""",
        _scope(channels),
        since,
    )
    return AIUsage(**dict(row))  # the columns are named as the fields


@dataclass(frozen=True, slots=True)
class ThreadSubject:
    """The document a thread's questions are about."""

    document_id: UUID
    channel_id: str | None
    """Where the document was shared, which is not the thread's channel when `linked`."""
    linked: bool
    """Chosen in the thread (`ThreadLinked`) rather than shared in it."""


async def thread_subject(
    pool: asyncpg.Pool, *, channel_id: str, thread_ts: str
) -> ThreadSubject | None:
    """The document chosen in this thread last, else the one whose upload started it."""
    linked = await pool.fetchrow(
        """SELECT t.document_id, d.channel_id FROM document_threads t
           JOIN documents d ON d.id = t.document_id
           WHERE t.channel_id = $1 AND t.thread_ts = $2""",
        channel_id,
        thread_ts,
    )
    if linked is not None:
        return ThreadSubject(linked["document_id"], linked["channel_id"], linked=True)
    shared = await document_in_thread(pool, channel_id=channel_id, thread_ts=thread_ts)
    return None if shared is None else ThreadSubject(shared, channel_id, linked=False)


async def findings_of(pool: asyncpg.Pool, document_id: UUID) -> list[asyncpg.Record]:
    return await pool.fetch(
        "SELECT * FROM findings WHERE document_id = $1 ORDER BY ordinal", document_id
    )


async def history(store: EventStore, document_id: UUID) -> list[RecordedEvent]:
    return await store.read_stream(stream_id(document_id))


async def store_counts(store: EventStore) -> dict[str, int]:
    row = await store.pool.fetchrow(
        """SELECT count(*) AS events, count(DISTINCT stream_id) AS streams,
                  coalesce(max(position), 0) AS last_position FROM events"""
    )
    return dict(row)


async def projection_lag(store: EventStore) -> dict[str, int]:
    """How far each projection's checkpoint trails the log."""
    rows = await store.pool.fetch(
        """SELECT c.name, (SELECT coalesce(max(position), 0) FROM events) - c.position AS lag
           FROM checkpoints c ORDER BY c.name"""
    )
    return {r["name"]: r["lag"] for r in rows}
