"""The read side of the Slack surfaces: channel scoping, AI usage per month, the threads a
document was chosen in, and where an answer goes. Real PostgreSQL, events appended as the
service appends them, read models kept by the real projector."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone
from functools import partial
from pathlib import Path

import pytest

from domain import events as ev
from domain.document import DocumentError
from domain.pipeline import read_and_review_in_worker
from domain.projections import DocumentsProjection
from domain.queries import (
    ai_usage,
    channel_stats,
    list_documents,
    month_start,
    thread_subject,
)
from domain.service import ANSWER_JOB, AskQuestion, DocumentService, SubmitDocument
from eventstore import EventStore, JobQueue
from eventstore.projections import Projector

MIGRATION = Path(__file__).resolve().parents[2] / "domain" / "migrations"


def _service(store: EventStore) -> DocumentService:
    return DocumentService(
        store, partial(read_and_review_in_worker, max_bytes=1 << 20), JobQueue(store.pool)
    )


async def _shared(service: DocumentService, channel: str, name: str, thread_ts: str) -> uuid.UUID:
    document_id = uuid.uuid4()
    source = ev.Source(
        kind="slack", team_id="T1", channel_id=channel, thread_ts=thread_ts, user_id="U1"
    )
    await service.submit(
        SubmitDocument(document_id, name, None, 10, f"slack:F{document_id.hex}", None, source, "U1")
    )
    return document_id


def _completed(cost: float, tokens: int) -> ev.AnalysisCompleted:
    return ev.AnalysisCompleted(
        analysis_id=uuid.uuid4(),
        providers=["rules", "anthropic"],
        findings=[],
        score=1.0,
        counts={},
        usage=ev.Usage(input_tokens=tokens, output_tokens=tokens // 10, cost_usd=cost),
        duration_ms=10,
    )


def _answered(cost: float) -> ev.QuestionAnswered:
    return ev.QuestionAnswered(
        question_id=uuid.uuid4(),
        answer="Monthly.",
        citations=[],
        provider="anthropic" if cost else "rules",
        usage=ev.Usage(input_tokens=100 if cost else 0, cost_usd=cost),
    )


async def _record(store: EventStore, document_id: uuid.UUID, *events: ev.Event) -> None:
    await store.append(
        f"document-{document_id}", None, [e.to_new_event(actor="docsense") for e in events]
    )


def test_this_month_starts_at_midnight_utc_on_the_first() -> None:
    late = datetime(2026, 3, 31, 23, 30, tzinfo=UTC)
    assert month_start(late) == datetime(2026, 3, 1, tzinfo=UTC)
    # Already April in Zurich, still March in UTC: "this month" is UTC's.
    zurich = datetime(2026, 4, 1, 1, 30, tzinfo=timezone(timedelta(hours=2)))
    assert month_start(zurich) == datetime(2026, 3, 1, tzinfo=UTC)


async def test_documents_stats_and_ai_usage_are_scoped_to_the_given_channels(
    store: EventStore,
) -> None:
    service = _service(store)
    a = await _shared(service, "CSCOPEA", "a.md", "1.1")
    b = await _shared(service, "CSCOPEB", "b.md", "2.2")
    await _record(store, a, _completed(0.25, 1000), _answered(0.05), _answered(0.0))
    await _record(store, b, _completed(4.0, 50_000))
    await Projector(store, DocumentsProjection()).catch_up()

    assert [r.filename for r in await list_documents(store.pool, channels=["CSCOPEA"])] == ["a.md"]
    assert await list_documents(store.pool, channels=[]) == []
    everything = {r.filename for r in await list_documents(store.pool)}
    assert {"a.md", "b.md"} <= everything
    [row] = await list_documents(store.pool, channels={"CSCOPEB", "CNONE"})
    assert (row.channel_id, row.thread_ts) == ("CSCOPEB", "2.2")
    assert (await channel_stats(store.pool, channels=["CSCOPEA"])).documents == 1

    since = month_start(datetime.now(UTC))
    usage = await ai_usage(store.pool, channels=["CSCOPEA"], since=since)
    assert (usage.reviews, usage.answers) == (1, 1), "an offline answer cost nothing"
    assert (usage.input_tokens, usage.output_tokens) == (1100, 100)
    assert usage.cost_usd == pytest.approx(0.30)
    both = await ai_usage(store.pool, channels=["CSCOPEA", "CSCOPEB"], since=since)
    assert both.cost_usd == pytest.approx(4.30)
    later = await ai_usage(store.pool, channels=["CSCOPEA"], since=since + timedelta(days=40))
    assert later.cost_usd == 0 and later.reviews == 0
    assert (await ai_usage(store.pool, channels=[], since=since)).reviews == 0


async def test_the_migrations_backfill_equals_what_the_projection_records(
    store: EventStore,
) -> None:
    """Deployments upgraded with reviews already projected get their usage from the log."""
    service = _service(store)
    document_id = await _shared(service, "CBACKFILL", "c.md", "3.3")
    await _record(store, document_id, _completed(1.5, 700), _answered(0.5), _answered(0.0))
    await Projector(store, DocumentsProjection()).catch_up()

    async def rows() -> list[tuple]:
        records = await store.pool.fetch("SELECT * FROM ai_usage ORDER BY position")
        return [tuple(r) for r in records]

    projected = await rows()
    assert len(projected) >= 2
    backfill = (MIGRATION / "0004_slack_surfaces.sql").read_text()
    statement = backfill[backfill.index("INSERT INTO ai_usage") : backfill.index("ON CONFLICT")]
    async with store.pool.acquire() as connection, connection.transaction():
        await connection.execute("TRUNCATE ai_usage")
        await connection.execute(statement)
        backfilled = [
            tuple(r) for r in await connection.fetch("SELECT * FROM ai_usage ORDER BY position")
        ]
        await connection.execute(statement + " ON CONFLICT (position) DO NOTHING")
        again = await connection.fetchval("SELECT count(*) FROM ai_usage")
    assert backfilled == projected and again == len(projected)


async def test_a_thread_is_about_the_document_chosen_in_it_last(store: EventStore) -> None:
    service = _service(store)
    shared = await _shared(service, "CLINKS", "shared.md", "5.5")
    other = await _shared(service, "CLINKS2", "other.md", "6.6")
    projector = Projector(store, DocumentsProjection())
    await projector.catch_up()

    in_upload_thread = await thread_subject(store.pool, channel_id="CLINKS", thread_ts="5.5")
    assert in_upload_thread is not None and not in_upload_thread.linked
    assert in_upload_thread.document_id == shared
    assert await thread_subject(store.pool, channel_id="DASSIST", thread_ts="9.9") is None

    link = ev.ThreadLinked(channel_id="DASSIST", thread_ts="9.9", user_id="U1")
    await service.link_thread(shared, link, request_key="pick:1")
    await service.link_thread(shared, link, request_key="pick:1")  # the same request again
    await service.link_thread(other, link, request_key="pick:2")
    await projector.catch_up()
    subject = await thread_subject(store.pool, channel_id="DASSIST", thread_ts="9.9")
    assert subject is not None and subject.linked
    assert (subject.document_id, subject.channel_id) == (other, "CLINKS2")

    await service.link_thread(shared, link, request_key="pick:3")  # back to the first one
    await projector.catch_up()
    subject = await thread_subject(store.pool, channel_id="DASSIST", thread_ts="9.9")
    assert subject is not None and subject.document_id == shared
    links = await store.pool.fetchval(
        "SELECT count(*) FROM events WHERE type = 'ThreadLinked' AND stream_id = $1",
        f"document-{shared}",
    )
    assert links == 2, "a redelivered request links once"

    before = await store.pool.fetch("SELECT * FROM document_threads ORDER BY channel_id")
    await projector.rebuild()
    assert await store.pool.fetch("SELECT * FROM document_threads ORDER BY channel_id") == before
    with pytest.raises(DocumentError):
        await service.link_thread(uuid.uuid4(), link, request_key="pick:4")


async def test_an_answer_job_carries_where_the_question_was_asked(store: EventStore) -> None:
    service = _service(store)
    document_id = await _shared(service, "CASK", "ask.md", "7.7")
    question = AskQuestion(document_id, uuid.uuid4(), "Why?", "U1", "8.8", "U1")
    await service.ask(question, reply_to={"channel_id": "DASSIST", "thread_ts": "9.9"})
    payload = await store.pool.fetchval(
        "SELECT payload FROM jobs WHERE kind = $1 AND payload->>'question_id' = $2",
        ANSWER_JOB,
        str(question.question_id),
    )
    assert payload["reply_to"] == {"channel_id": "DASSIST", "thread_ts": "9.9"}
