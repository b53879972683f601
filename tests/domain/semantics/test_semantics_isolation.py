"""Each extractor runs isolated: one that raises costs only its own output."""

from __future__ import annotations

from domain.ir import Section, Table
from domain.semantics import extract_semantics

_TEXT = (
    "Positions are capped at 5% of portfolio value.\n"
    "I_t = I_{t-1} × (1 + r_t)\n"
    "where r_t is the daily return.\n"
    "See Section 9 for costs."
)


def hostile_table() -> Table:
    """A table cell no reader produces (None): the table extractors fail on it, the
    others never read tables. Built unvalidated, as a buggy reader would hand it over."""
    return Table.model_construct(
        id="t1", number=None, caption=None, section_id="s1", page=None, rows=[["Term", None]]
    )


def test_failing_extractors_cost_only_their_own_output() -> None:
    sections = [Section(id="s1", number="1", title="Signal", text=_TEXT)]
    result = extract_semantics(sections, [hostile_table()])
    assert [f.check for f in result.failures] == ["semantics/definitions", "semantics/parameters"]
    assert all(f.error.startswith(("AttributeError", "TypeError")) for f in result.failures)
    # What is left of the definitions is the formulas' where-clause, found by their extractor.
    assert [d.term for d in result.definitions] == ["r_t"] and result.parameters == []
    assert [f.lhs for f in result.formulas] == ["I_t"]
    assert [(r.target, r.resolved) for r in result.cross_references] == [("9", False)]
    assert [i.code for i in result.issues] == ["unresolved_reference"]


def test_contents_page_that_crashed_references_now_extracts_cleanly() -> None:
    """Regression: this contents page raised ValueError inside `extract_references`."""
    contents = "3.2 Rebalancing ........ 14\n3.3 Index Calculation\nMethodology ........ 15"
    result = extract_semantics([Section(id="s1", title="Contents", text=contents)], [])
    assert result.failures == []
    assert [r.text for r in result.cross_references] == ["Index Calculation\nMethodology"]
