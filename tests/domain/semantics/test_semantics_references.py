from domain.ir import Section, Table
from domain.semantics.references import extract_references

_SECTIONS = [
    Section(id="s1", number="1", title="Purpose"),
    Section(id="s3", number="3", title="Signal"),
    Section(id="s42", number="4.2", title="Position Sizing"),
    Section(id="sb", title="Appendix B: Holiday Calendar"),
    Section(id="sd", number="D", title="Cost Model"),
    Section(
        id="ref", number="8", title="Referenced Documents", text="- Market Abuse Policy (2024)"
    ),
]


def _refs(text: str, tables: list[Table] | None = None) -> list[tuple[str, str, bool, str]]:
    body = Section(id="body", number="2", title="Body", text=text, page_start=6)
    found = extract_references([*_SECTIONS, body], tables or [])
    for reference in found:
        assert reference.text in text
    return [(r.kind, r.target, r.resolved, r.text) for r in found if r.section_id == "body"]


def test_section_numbers_resolve_only_when_present() -> None:
    found = _refs("See Section 4.2 and Sections 3 and 9; section 4 covers sizing.")
    assert found == [
        ("section", "4.2", True, "Section 4.2"),
        ("section", "3", True, "Sections 3 and 9"),
        ("section", "9", False, "Sections 3 and 9"),
        ("section", "4", True, "section 4"),
    ]


def test_generic_use_of_section_is_not_a_reference() -> None:
    assert _refs("This section and the following sections describe the signal.") == []


def test_appendix_by_title_or_letter_number() -> None:
    found = _refs("Holidays are in Appendix B, costs in Appendix D, stress tests in Appendix C.")
    assert found == [
        ("appendix", "B", True, "Appendix B"),
        ("appendix", "D", True, "Appendix D"),
        ("appendix", "C", False, "Appendix C"),
    ]


def test_tables_figures_annexes_exhibits() -> None:
    tables = [Table(id="t", number="3"), Table(id="u", caption="Exhibit 2: Fee schedule")]
    text = "Figure 1: Equity curve\nSee Table 3, Table 5, Exhibit 2, Annex 1 and Figure 1."
    assert _refs(text, tables) == [
        ("exhibit", "2", True, "Exhibit 2"),
        ("annex", "1", False, "Annex 1"),
        ("table", "3", True, "Table 3"),
        ("table", "5", False, "Table 5"),
        ("figure", "1", True, "Figure 1"),
    ]


def test_external_documents() -> None:
    text = (
        "Limits are set as described in the Risk Management Framework and per the "
        "Market Abuse Policy. The Index Rulebook prevails. Refer to document ABC-4471."
    )
    assert _refs(text) == [
        ("document", "Risk Management Framework", False, "Risk Management Framework"),
        ("document", "Market Abuse Policy", True, "Market Abuse Policy"),
        ("document", "Index Rulebook", False, "Index Rulebook"),
        ("document", "ABC-4471", False, "document ABC-4471"),
    ]


def test_section_of_another_document_is_a_document_reference() -> None:
    found = _refs("Section 3.2 of the Execution Policy sets the venues.")
    assert found == [("document", "Execution Policy", False, "Execution Policy")]


def test_document_resolved_by_a_section_of_that_title() -> None:
    extra = Section(id="x", number="9", title="Kill Switch Procedures")
    body = Section(id="body", title="Body", text="Operators follow the Kill Switch Procedures.")
    (found,) = extract_references([extra, body], [])
    assert (found.kind, found.target, found.resolved) == (
        "document",
        "Kill Switch Procedures",
        True,
    )


def test_versions_and_plain_prose_are_not_references() -> None:
    assert _refs("Version 2.1 of this policy replaced v1.9. Table tennis is not a table.") == []


def test_page_of_a_reference() -> None:
    body = Section(
        id="body", title="Body", text="Intro.\nSee Appendix C.", page_offsets=[(0, 2), (7, 3)]
    )
    (found,) = extract_references([body], [])
    assert (found.page, found.resolved) == (3, False)


def test_document_title_wrapped_over_lines_is_quoted_as_written() -> None:
    """Regression: a table of contents line wrapping a title ("Calculation\\nMethodology")
    raised `ValueError: substring not found` and failed the whole review."""
    toc = (
        "3.2 Rebalancing ........ 14\n"
        "3.3 Index Calculation\nMethodology ........ 15\n"
        "3.4 The Corporate  Actions Policy ..... 16"
    )
    assert _refs(toc) == [
        ("document", "Index Calculation Methodology", False, "Index Calculation\nMethodology"),
        ("document", "Corporate Actions Policy", False, "Corporate  Actions Policy"),
    ]


def test_named_part_resolves_by_the_number_ingest_gives_it() -> None:
    """Ingest numbers "Appendix A: Historical Parameters" as "Appendix A"; a citation of it
    was reported as missing."""
    sections = [
        Section(id="a", number="Appendix A", title="Historical Parameters"),
        Section(id="c", number="Annex 2", title="Costs"),
        Section(id="b", title="Body", text="Values are in Appendix A and Annex 2, not Annex 3."),
    ]
    assert [(r.target, r.resolved) for r in extract_references(sections, [])] == [
        ("A", True),
        ("2", True),
        ("3", False),
    ]
