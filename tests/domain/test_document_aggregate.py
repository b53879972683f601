"""The Document aggregate's rules, without a database."""

from __future__ import annotations

import uuid

import pytest

from domain import events as ev
from domain.document import Document, DocumentError, decision, evolve, submission
from domain.findings import Evidence, Finding, finding_id

CLI = ev.Source(kind="cli")


def _finding(rule: str, quote: str) -> Finding:
    evidence = Evidence(quote=quote, section="2 Selection", page=1)
    return Finding(
        id=finding_id(rule, evidence),
        rule=rule,
        category="undefined_parameter",
        severity="high",
        title="t",
        detail="d",
        suggestion="s",
        evidence=evidence,
    )


def _fold(*events: ev.Event) -> Document:
    document = Document(id=uuid.uuid4())
    for version, event in enumerate(events, start=1):
        document = evolve(document, event, version)
    return document


def _submitted(sha: str = "a" * 64) -> ev.DocumentSubmitted:
    return ev.DocumentSubmitted(
        filename="s.md", media_type=None, size=10, file_key=f"sha256:{sha}", sha256=sha, source=CLI
    )


def _completed(*findings: Finding) -> ev.AnalysisCompleted:
    return ev.AnalysisCompleted(
        analysis_id=uuid.uuid4(),
        providers=["rules"],
        findings=list(findings),
        score=0.5,
        counts={},
        usage=ev.Usage(),
        duration_ms=3,
    )


def test_first_upload_is_submitted_same_bytes_again_change_nothing() -> None:
    fresh = Document(id=uuid.uuid4())
    file = {"filename": "s.md", "media_type": None, "size": 3, "sha256": None, "source": CLI}
    [event] = submission(fresh, file_key="slack:F1", **file)
    assert isinstance(event, ev.DocumentSubmitted)
    document = evolve(fresh, event, 1)
    assert submission(document, file_key="slack:F1", **file) == []


def test_new_bytes_are_a_new_version() -> None:
    document = _fold(_submitted("a" * 64))
    [event] = submission(
        document,
        filename="s2.md",
        media_type=None,
        size=4,
        file_key="sha256:" + "b" * 64,
        sha256="b" * 64,
        source=CLI,
    )
    assert isinstance(event, ev.VersionSubmitted) and event.file_version == 2
    assert evolve(document, event, 2).status == "submitted"


def test_states_follow_the_review_lifecycle() -> None:
    started = ev.AnalysisStarted(
        analysis_id=uuid.uuid4(), providers=["rules"], model=None, checklist_version="1"
    )
    converted = ev.DocumentConverted(
        sha256="a" * 64, title="T", media_type="text/markdown", pages=1, sections=2, words=9
    )
    assert _fold(_submitted(), converted).status == "converted"
    assert _fold(_submitted(), converted, started).status == "analyzing"
    assert _fold(_submitted(), converted, started, _completed()).status == "analyzed"
    rejected = ev.DocumentRejected(reason="empty", message="The file is empty.")
    assert _fold(_submitted(), rejected).status == "rejected"


def test_decisions_survive_a_re_review_of_the_same_finding() -> None:
    kept, dropped = _finding("vague-threshold", "the threshold"), _finding("tbd", "TBD")
    document = _fold(_submitted(), _completed(kept, dropped))
    [accept] = decision(document, kept.id, accept=True, by="U1", reason=None)
    document = evolve(document, accept, document.version + 1)
    document = evolve(document, _completed(kept), document.version + 1)
    assert document.findings == {kept.id: "accepted"}


def test_deciding_twice_the_same_way_is_a_no_op_and_unknown_findings_are_refused() -> None:
    finding = _finding("vague-threshold", "the threshold")
    document = _fold(_submitted(), _completed(finding))
    [reject] = decision(document, finding.id, accept=False, by="U1", reason="intended")
    assert isinstance(reject, ev.FindingRejected) and reject.reason == "intended"
    document = evolve(document, reject, document.version + 1)
    assert decision(document, finding.id, accept=False, by="U2", reason=None) == []
    with pytest.raises(DocumentError):
        decision(document, "no-such-finding", accept=True, by="U1", reason=None)


def test_events_round_trip_through_their_stored_form() -> None:
    event = _completed(_finding("vague-threshold", "the threshold"))
    stored = event.to_new_event(actor="cli", correlation_id="c-1")
    assert stored.type == "AnalysisCompleted"
    assert stored.metadata["actor"] == "cli" and stored.metadata["correlation_id"] == "c-1"
    assert ev.decode(stored.type, stored.data) == event


def test_uploads_recorded_before_file_keys_existed_still_load() -> None:
    old = {
        "filename": "s.md",
        "media_type": None,
        "size": 3,
        "sha256": "c" * 64,
        "source": {"kind": "cli"},
    }
    event = ev.decode("DocumentSubmitted", old)
    assert isinstance(event, ev.DocumentSubmitted)
    assert event.file_key == "sha256:" + "c" * 64
