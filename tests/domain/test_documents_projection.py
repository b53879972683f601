"""The `documents` projection of large reviews, done inside PostgreSQL, gives the rows that
upserting each finding in turn gives: odd text, duplicate ids, decisions and rebuilds."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import asyncpg

from domain import events as ev
from domain.findings import Evidence, Finding, finding_id
from domain.projections import DocumentsProjection
from domain.queries import find_document, findings_of
from eventstore import EventStore
from eventstore.projections import Projector, read_checkpoint

ODD_TEXT = [
    "it's \"quoted\" and 'single-quoted'",
    "back\\slash, \\n that is no newline, \\u0041 that is no A",
    "naïve café — “smart” ‘quotes’ … ±½ €",
    "日本語のテキストと한국어",
    "emoji 📈🚀, a family 👩‍👩‍👧 and a flag 🇨🇭",
    "RTL עברית and العربية mixed with LTR",
    "tab\tnewline\ncarriage return\r\nend",
    '{"looks": ["like", "json"], "n": 1.5e10}',
    "SQL-ish: $1, %s, ?, '; DROP TABLE findings; --",
    "combining e\u0301 and a zero-width\u200bspace and \u2028 line separator",
    "astral 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𝟙𝟚𝟛",
    "   leading and trailing spaces   ",
]
SEVERITIES = ("critical", "high", "medium", "low", "info")


def _finding(n: int, *, rule: str | None = None, quote: str | None = None) -> Finding:
    odd = ODD_TEXT[n % len(ODD_TEXT)]
    rule = rule or f"R-{n % 17:02d}/odd-{odd[:6]}"
    if n % 50 == 7:
        evidence = None  # an absence: nothing to quote
    else:
        quote = quote or (odd * 4000 if n % 250 == 3 else f"{odd} #{n}")  # some ~100 kB long
        page = None if n % 9 == 0 else n % 160 + 1
        evidence = Evidence(quote=quote, section=f"{n % 40}. Section {odd}", page=page)
    return Finding(
        id=finding_id(rule, evidence) if evidence else f"absent-{n}",
        rule=rule,
        category="clarity" if n % 2 else "market_calendar",
        severity=SEVERITIES[n % 5],
        title=f"Title {n}: {odd}",
        detail=f"Detail {n}: {odd} " * (1 + n % 3),
        suggestion=f"Suggestion {n}: {odd}",
        evidence=evidence,
        source="llm" if n % 3 == 0 else "rules",
    )


def _many_findings(count: int) -> list[Finding]:
    """`count` findings, the last few repeating earlier ids (same rule and quote in
    another section) with other columns, as a long document can."""
    findings = [_finding(n) for n in range(count - 5)]
    for n in (1, 2, 4, 5, 8):
        first = findings[n]
        assert first.evidence is not None
        repeat = _finding(n + 1001, rule=first.rule, quote=first.evidence.quote)
        assert repeat.category != first.category
        assert repeat.id == first.id
        findings.append(repeat)
    return findings


def _completed(findings: list[Finding], *, score: float, cost: float) -> ev.AnalysisCompleted:
    return ev.AnalysisCompleted(
        analysis_id=uuid.uuid4(),
        providers=["rules", "anthropic"],
        findings=findings,
        score=score,
        counts={},
        usage=ev.Usage(input_tokens=10, cost_usd=cost),
        duration_ms=1234,
    )


def upserted(rows: dict[str, dict[str, Any]], findings: list[Finding]) -> dict[str, dict[str, Any]]:
    """The projection's contract: drop the rows the review no longer has, then upsert each
    finding in turn (a new row takes its rule, category and source; a decision stays)."""
    ids = {f.id for f in findings}
    result = {key: dict(row) for key, row in rows.items() if key in ids}
    for ordinal, f in enumerate(findings):
        e = f.evidence
        latest = {
            "ordinal": ordinal,
            "severity": f.severity,
            "title": f.title,
            "detail": f.detail,
            "suggestion": f.suggestion,
            "quote": e.quote if e else None,
            "section": e.section if e else None,
            "page": e.page if e else None,
        }
        if f.id not in result:
            result[f.id] = {
                "finding_id": f.id,
                "rule": f.rule,
                "category": f.category,
                "source": f.source,
                "status": "open",
                "decided_by": None,
                "decided_at": None,
                "decision_reason": None,
            }
        result[f.id].update(latest)
    return result


async def _rows(pool: asyncpg.Pool, document_id: uuid.UUID) -> dict[str, dict[str, Any]]:
    records = await findings_of(pool, document_id)
    assert [r["ordinal"] for r in records] == sorted(r["ordinal"] for r in records)
    return {r["finding_id"]: {k: v for k, v in r.items() if k != "document_id"} for r in records}


async def _submit(store: EventStore, document_id: uuid.UUID, name: str) -> None:
    submitted = ev.DocumentSubmitted(
        filename=name,
        media_type="application/pdf",
        size=1,
        file_key=f"sha256:{document_id.hex}",
        sha256=document_id.hex,
        source=ev.Source(kind="cli"),
    )
    await store.append(f"document-{document_id}", 0, [submitted.to_new_event(actor="U1")])


async def _record(store: EventStore, document_id: uuid.UUID, *events: ev.Event) -> None:
    await store.append(
        f"document-{document_id}", None, [e.to_new_event(actor="U1") for e in events]
    )


async def test_a_review_of_a_thousand_odd_findings_projects_every_row_exactly(
    store: EventStore,
) -> None:
    projector = Projector(store, DocumentsProjection())
    document_id = uuid.uuid4()
    await _submit(store, document_id, "odd.pdf")
    findings = _many_findings(1000)
    first = _completed(findings, score=0.1 + 0.2, cost=0.000123)
    await _record(store, document_id, first)
    await projector.catch_up()

    rows = await _rows(store.pool, document_id)
    assert rows == upserted({}, findings)
    assert len(rows) == 995  # five ids given twice
    long_quotes = [r["quote"] for r in rows.values() if r["quote"] and len(r["quote"]) > 90_000]
    assert long_quotes
    document = await find_document(store.pool, str(document_id))
    assert (document.state, document.score, document.cost_usd) == ("analyzed", 0.1 + 0.2, 0.000123)
    assert document.open_findings == 995
    assert sum(document.counts.values()) == 995
    assert await store.pool.fetchval(
        "SELECT providers FROM documents WHERE id = $1", document_id
    ) == ["rules", "anthropic"]

    # Decide two findings, then re-review: half the findings are gone, the rest persist
    # (decisions kept) in a new order, and a new one appears.
    accepted, rejected = findings[10].id, findings[11].id
    await _record(
        store,
        document_id,
        ev.FindingAccepted(finding_id=accepted, by="U2"),
        ev.FindingRejected(finding_id=rejected, by="U3", reason="not a problem here"),
    )
    await projector.catch_up()
    decided = await _rows(store.pool, document_id)
    assert (decided[accepted]["status"], decided[rejected]["status"]) == ("accepted", "rejected")

    again = [*reversed(findings[:600:2]), _finding(5000), *findings[995:]]
    await _record(store, document_id, _completed(again, score=87.5, cost=1e-7))
    await projector.catch_up()
    assert await _rows(store.pool, document_id) == upserted(decided, again)
    document = await find_document(store.pool, str(document_id))
    assert (document.score, document.cost_usd) == (87.5, 0.000123 + 1e-7)


async def test_a_review_without_findings_empties_the_documents_findings(
    store: EventStore,
) -> None:
    projector = Projector(store, DocumentsProjection())
    document_id = uuid.uuid4()
    await _submit(store, document_id, "clean.pdf")
    await _record(store, document_id, _completed(_many_findings(20), score=50.0, cost=0.0))
    await projector.catch_up()
    await _record(store, document_id, _completed([], score=100.0, cost=0.0))
    await projector.catch_up()
    assert await _rows(store.pool, document_id) == {}
    assert (await find_document(store.pool, str(document_id))).score == 100.0


async def test_rebuild_gives_the_same_rows_for_large_reviews(store: EventStore) -> None:
    projector = Projector(store, DocumentsProjection())
    documents = [uuid.uuid4() for _ in range(3)]
    for n, document_id in enumerate(documents):
        await _submit(store, document_id, f"rebuild-{n}.pdf")
        await _record(store, document_id, _completed(_many_findings(400), score=n, cost=0.5))
    await projector.catch_up()

    async def snapshot() -> tuple[list[tuple], list[tuple]]:
        documents = await store.pool.fetch("SELECT * FROM documents ORDER BY id")
        findings = await store.pool.fetch("SELECT * FROM findings ORDER BY document_id, finding_id")
        return [tuple(r) for r in documents], [tuple(r) for r in findings]

    before = await snapshot()
    await projector.rebuild()
    assert await snapshot() == before
    for document_id in documents:
        assert len(await findings_of(store.pool, document_id)) == 395


async def test_two_projectors_on_one_database_never_double_apply(store: EventStore) -> None:
    """Costs and question counts add up per event, so any event applied twice shows."""
    single = Projector(store, DocumentsProjection())
    await single.catch_up()
    documents = [uuid.uuid4() for _ in range(8)]
    for n, document_id in enumerate(documents):
        await _submit(store, document_id, f"replicas-{n}.pdf")
        await _record(store, document_id, _completed(_many_findings(150), score=n, cost=0.25))
        answered = ev.QuestionAnswered(
            question_id=uuid.uuid4(),
            answer="Quarterly.",
            citations=[],
            provider="rules",
            usage=ev.Usage(cost_usd=0.125),
        )
        await _record(store, document_id, answered, answered)

    # One event a batch, so the two replicas contend for the checkpoint many times.
    replicas = [Projector(store, DocumentsProjection(), batch_bytes=1) for _ in range(2)]
    applied = await asyncio.gather(*(replica.catch_up() for replica in replicas))
    assert sum(applied) == len(documents) * 4
    assert await read_checkpoint(store.pool, "documents") == await store.last_position()
    for document_id in documents:
        document = await find_document(store.pool, str(document_id))
        assert document.cost_usd == 0.25 + 2 * 0.125
        assert (
            await store.pool.fetchval("SELECT questions FROM documents WHERE id = $1", document_id)
            == 2
        )
        assert len(await findings_of(store.pool, document_id)) == 145
