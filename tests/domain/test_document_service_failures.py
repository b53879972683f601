"""A review where an extractor fails still completes, on a real PostgreSQL: the failure is
recorded in `AnalysisCompleted`, and the reader is told in the note."""

from __future__ import annotations

import uuid

from structlog.testing import capture_logs

from domain import events as ev
from domain.ingest import ingest
from domain.ir import DocumentIR
from domain.review import RulesReview, review_document
from domain.semantics import extract_semantics
from domain.service import DocumentService, ReviewDocument, SubmitDocument
from eventstore import EventStore, JobQueue
from tests.domain.semantics.test_semantics_isolation import hostile_table

SPEC = b"""# Value Strategy

## 1. Universe

Stocks with a market capitalisation above USD 1 billion are eligible. See Appendix C.

## 2. Signal

Score_i = B_i / P_i

where B_i is book value and P_i is the price.
"""


async def _analyse_with_a_hostile_table(
    data: bytes, filename: str, media_type: str | None
) -> tuple[DocumentIR, RulesReview]:
    """The real ingest and review, over a document whose table the table extractors
    cannot read: the IR records what failed, as ingest does."""
    ir = ingest(data, filename, media_type, max_bytes=1024 * 1024)
    semantics = extract_semantics(ir.sections, [*ir.tables, hostile_table()])
    ir = ir.model_copy(update={"failed_checks": semantics.failures})
    return ir, review_document(ir)


async def test_failed_extractors_are_recorded_and_noted(store: EventStore) -> None:
    service = DocumentService(store, _analyse_with_a_hostile_table, JobQueue(store.pool))
    document_id = uuid.uuid4()
    await service.submit(SubmitDocument.local(document_id, "value.md", None, SPEC, actor="U1"))
    with capture_logs() as logs:
        review = await service.review(ReviewDocument(document_id, SPEC, actor="U1"))

    failed = [entry for entry in logs if entry["event"] == "review.check_failed"]
    assert [(entry["check"], entry["log_level"]) for entry in failed] == [
        ("semantics/definitions", "warning"),
        ("semantics/parameters", "warning"),
    ]
    assert all(entry["error"] for entry in failed)
    assert review.outcome == "analyzed" and review.analysis is not None
    assert [f.check for f in review.analysis.failed_checks] == [
        "semantics/definitions",
        "semantics/parameters",
    ]
    assert review.analysis.note == (
        "2 checks could not run on this document; the other findings are complete."
    )
    assert any("Appendix C" in f.evidence.quote for f in review.analysis.findings if f.evidence)
    stored = (await store.read_stream(f"document-{document_id}"))[-1]
    assert stored.type == "AnalysisCompleted"
    assert [f["check"] for f in stored.data["failed_checks"]] == [
        "semantics/definitions",
        "semantics/parameters",
    ]


def test_events_recorded_before_failed_checks_existed_still_load() -> None:
    old = {
        "analysis_id": str(uuid.uuid4()),
        "providers": ["rules"],
        "findings": [],
        "score": 100.0,
        "counts": {},
        "usage": ev.Usage().model_dump(),
        "duration_ms": 12,
    }
    assert ev.AnalysisCompleted.model_validate(old).failed_checks == []
