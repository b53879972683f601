"""The service layer on a real PostgreSQL with the real ingest worker and rules review."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from functools import partial

import pytest

from domain.document import DocumentError
from domain.ingest.offload import shutdown_ingest_pool
from domain.ir_repository import load_ir
from domain.pipeline import read_and_review_in_worker
from domain.projections import DocumentsProjection
from domain.queries import DocumentNotFound, find_document, findings_of, list_documents
from domain.service import DecideFinding, DocumentService, ReviewDocument, SubmitDocument
from eventstore import EventStore, JobQueue
from eventstore.projections import Projector

VAGUE = b"""# Low Volatility Equity Strategy

## 1. Universe

The universe is the S&P 500. A stock is eligible when its volatility is below the
threshold and its liquidity exceeds the minimum requirement.

## 2. Rebalancing

The portfolio is rebalanced at regular intervals. See Appendix D for the procedure.
"""

FIXED = VAGUE.replace(b"at regular intervals", b"quarterly on the third Friday")


@pytest.fixture(scope="module")
async def service(store: EventStore) -> AsyncIterator[DocumentService]:
    jobs = JobQueue(store.pool)
    yield DocumentService(
        store, partial(read_and_review_in_worker, max_bytes=5 * 1024 * 1024), jobs
    )
    shutdown_ingest_pool()


@pytest.fixture
def projector(store: EventStore) -> Projector:
    return Projector(store, DocumentsProjection())


def _submit(document_id: uuid.UUID, data: bytes, name: str = "lowvol.md") -> SubmitDocument:
    return SubmitDocument.local(document_id, name, None, data, actor="U1")


async def test_review_records_every_step_and_stores_the_ir_once(
    service: DocumentService, store: EventStore, projector: Projector
) -> None:
    document_id = uuid.uuid4()
    await service.submit(_submit(document_id, VAGUE))
    review = await service.review(ReviewDocument(document_id, VAGUE, actor="U1"))

    assert review.outcome == "analyzed" and review.analysis is not None
    types = [e.type for e in await store.read_stream(f"document-{document_id}")]
    assert types == [
        "DocumentSubmitted",
        "DocumentConverted",
        "AnalysisStarted",
        "AnalysisCompleted",
    ]
    quotes = [f.evidence.quote for f in review.analysis.findings if f.evidence]
    assert any("below the\nthreshold" in q or "below the threshold" in q for q in quotes)
    assert any("Appendix D" in q for q in quotes)
    assert review.ir is not None
    stored = await load_ir(store.pool, review.ir.sha256)
    assert stored == review.ir

    await projector.catch_up()
    row = await find_document(store.pool, str(document_id)[:8])
    assert row.state == "analyzed" and row.filename == "lowvol.md"
    assert sum(row.counts.values()) == len(review.analysis.findings)
    assert row.open_findings == len(review.analysis.findings)


async def test_submitting_the_same_bytes_twice_records_one_submission(
    service: DocumentService, store: EventStore
) -> None:
    document_id = uuid.uuid4()
    await service.submit(_submit(document_id, VAGUE))
    await service.submit(_submit(document_id, VAGUE))
    assert [e.type for e in await store.read_stream(f"document-{document_id}")] == [
        "DocumentSubmitted"
    ]


async def test_unreadable_upload_is_rejected_with_a_reason(
    service: DocumentService, store: EventStore, projector: Projector
) -> None:
    document_id = uuid.uuid4()
    await service.submit(_submit(document_id, b"%PDF-1.7 this is not really a pdf", "spec.pdf"))
    review = await service.review(ReviewDocument(document_id, b"%PDF-1.7 junk", actor="U1"))

    assert review.outcome == "rejected" and review.rejection is not None
    assert review.rejection.reason == "corrupt"
    types = [e.type for e in await store.read_stream(f"document-{document_id}")]
    assert types == ["DocumentSubmitted", "DocumentRejected"]
    await projector.catch_up()
    row = await find_document(store.pool, str(document_id))
    assert row.state == "rejected" and row.reject_message == review.rejection.message
    with pytest.raises(DocumentError):
        await service.review(ReviewDocument(document_id, b"%PDF-1.7 junk", actor="U1"))


async def test_a_new_version_keeps_decisions_on_persisting_findings(
    service: DocumentService, store: EventStore, projector: Projector
) -> None:
    document_id = uuid.uuid4()
    await service.submit(_submit(document_id, VAGUE))
    first = await service.review(ReviewDocument(document_id, VAGUE, actor="U1"))
    assert first.analysis is not None
    interval = next(
        f
        for f in first.analysis.findings
        if "regular intervals" in (f.evidence.quote if f.evidence else "")
    )
    appendix = next(f for f in first.analysis.findings if f.rule == "unresolved-reference")
    await service.decide(
        DecideFinding(
            document_id,
            appendix.id,
            accept=False,
            actor="U2",
            reason="Appendix D is in the runbook",
        )
    )

    await service.submit(_submit(document_id, FIXED))
    second = await service.review(ReviewDocument(document_id, FIXED, actor="U1"))
    assert second.analysis is not None
    second_ids = {f.id for f in second.analysis.findings}
    assert interval.id not in second_ids and appendix.id in second_ids
    assert second.document.findings[appendix.id] == "rejected"

    await projector.catch_up()
    rows = {r["finding_id"]: r for r in await findings_of(store.pool, document_id)}
    assert rows[appendix.id]["status"] == "rejected"
    assert rows[appendix.id]["decision_reason"] == "Appendix D is in the runbook"
    assert interval.id not in rows
    row = await find_document(store.pool, str(document_id))
    assert row.file_versions == 2


async def test_rebuilding_the_read_models_gives_identical_rows(
    service: DocumentService, store: EventStore, projector: Projector
) -> None:
    document_id = uuid.uuid4()
    await service.submit(_submit(document_id, VAGUE, "rebuild.md"))
    await service.review(ReviewDocument(document_id, VAGUE, actor="U1"))
    await projector.catch_up()

    async def snapshot() -> tuple[list, list]:
        documents = await store.pool.fetch("SELECT * FROM documents ORDER BY id")
        findings = await store.pool.fetch("SELECT * FROM findings ORDER BY document_id, finding_id")
        return [tuple(r) for r in documents], [tuple(r) for r in findings]

    before = await snapshot()
    await projector.rebuild()
    assert await snapshot() == before
    assert len(before[1]) > 0


async def test_documents_are_found_by_name_id_or_prefix(store: EventStore) -> None:
    rows = await list_documents(store.pool)
    assert rows, "earlier tests stored documents"
    with pytest.raises(DocumentNotFound, match="several"):
        await find_document(store.pool, "lowvol.md")
    with pytest.raises(DocumentNotFound, match="No document"):
        await find_document(store.pool, "nothing-like-this.pdf")
    assert (await find_document(store.pool, "rebuild.md")).filename == "rebuild.md"


async def test_concurrent_deliveries_of_one_upload_record_it_once(
    service: DocumentService, store: EventStore
) -> None:
    document_id = uuid.uuid4()
    await asyncio.gather(*(service.submit(_submit(document_id, VAGUE)) for _ in range(6)))
    assert [e.type for e in await store.read_stream(f"document-{document_id}")] == [
        "DocumentSubmitted"
    ]


async def test_remembered_state_equals_a_fresh_fold(
    service: DocumentService, store: EventStore
) -> None:
    """Loads start from the state folded last time; another writer's events still count."""
    document_id = uuid.uuid4()
    await service.submit(_submit(document_id, VAGUE))
    await service.review(ReviewDocument(document_id, VAGUE, actor="U1"))
    other = DocumentService(store, service.analyse, service.jobs)  # another replica
    finding = next(iter((await other.load(document_id)).findings))
    await other.decide(DecideFinding(document_id, finding, accept=True, actor="U9"))

    remembered = await service.load(document_id)
    fresh = await DocumentService(store, service.analyse, service.jobs).load(document_id)
    assert remembered == fresh
    assert remembered.findings[finding] == "accepted"
