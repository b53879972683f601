import pytest

from domain.ir import Section, Table
from domain.semantics import Semantics, extract_semantics

_SIGNAL = (
    "The signal uses a lookback of 60 trading days.\n"
    "Score_i = 0.5 * Z(Mom_i) + 0.5 * Z(Val_i)\n"
    "where Mom_i is the 12-1 month return and Val_i is the book-to-price ratio.\n"
    "Positions are capped at 5% as set out in Appendix A and the Execution Policy."
)


def _document() -> tuple[list[Section], list[Table]]:
    sections = [
        Section(id="s1", number="1", title="Signal", text=_SIGNAL, page_start=3),
        Section(id="s3", number="3", title="Exits", text="A lookback of 90 trading days applies."),
        Section(id="g", number="4", title="Glossary", text="ADV: average daily value traded"),
    ]
    tables = [Table(id="t1", section_id="s3", rows=[["Stop-loss", "8%"]])]
    return sections, tables


def test_empty_document_gives_empty_semantics() -> None:
    assert extract_semantics([], []) == Semantics()


def test_result_is_immutable() -> None:
    result = extract_semantics([], [])
    with pytest.raises(AttributeError):
        result.definitions = []  # type: ignore[misc]


def test_all_extractors_feed_the_result() -> None:
    result = extract_semantics(*_document())
    assert [f.lhs for f in result.formulas] == ["Score_i"]
    assert {d.term for d in result.definitions} == {"ADV", "Mom_i", "Val_i"}
    assert [(p.name, p.value, p.unit) for p in result.parameters] == [
        ("lookback", 60.0, "trading days"),
        ("positions", 5.0, "%"),
        ("lookback", 90.0, "trading days"),
        ("stop-loss", 8.0, "%"),
    ]
    assert [(r.target, r.resolved) for r in result.cross_references] == [
        ("A", False),
        ("Execution Policy", False),
    ]
    assert [i.code for i in result.issues] == [
        "numbering_gap",
        "unresolved_reference",
        "unresolved_reference",
        "conflicting_parameter",
    ]


def test_deterministic() -> None:
    assert extract_semantics(*_document()) == extract_semantics(*_document())


def test_long_document() -> None:
    """About 150 pages (75,000 words) of strategy prose: every page's formula is found. Speed
    is measured by tests/benchmarks/ingest_bench.py, not asserted here."""
    page = _SIGNAL + "\n" + "The desk reviews the book daily and escalates breaches. " * 50
    sections = [
        Section(id=f"s{n}", number=str(n), title=f"Part {n}", text=page, page_start=n)
        for n in range(1, 151)
    ]
    assert sum(len(s.text.split()) for s in sections) > 70_000
    result = extract_semantics(sections, [])
    assert len(result.formulas) == 150
