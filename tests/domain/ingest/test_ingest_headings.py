"""Heading recognition in flat lines, where PDF and plain-text structure comes from."""

from __future__ import annotations

import pytest

from domain.ingest.headings import Heading, LineHeadings, split_number


def _headings(lines: list[str]) -> list[Heading]:
    detector = LineHeadings()
    return [h for line in lines if (h := detector.classify(line)) is not None]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2. Stock Selection", Heading("Stock Selection", "2", 1)),
        ("2.1.3 Liquidity Filter", Heading("Liquidity Filter", "2.1.3", 3)),
        ("Appendix A: Data Sources", Heading("Data Sources", "Appendix A", 1)),
        ("Appendix B", Heading("Appendix B")),
        ("Section 3 - Universe", Heading("Universe", "3", 1)),
        ("A.2 Vendor List", Heading("Vendor List", "A.2", 2)),
        ("Stock Selection", Heading("Stock Selection")),
        ("12-month momentum", Heading("12-month momentum")),
    ],
)
def test_split_number(text: str, expected: Heading) -> None:
    assert split_number(text) == expected


def test_numbered_headings_must_continue_the_outline() -> None:
    lines = [
        "1. Introduction",
        "The process has three steps:",
        "1. Rank the stocks",
        "2. Select the Top Decile",
        "2. Stock Selection",
        "2.1 Liquidity",
        "3. Risk",
    ]

    assert [h.number for h in _headings(lines)] == ["1", "2", "2.1", "3"]


def test_sentences_and_wrapped_lines_are_not_headings() -> None:
    lines = [
        "1. Scope",
        "The strategy trades the 500 largest stocks by market capitalisation and",
        "Rebalances Monthly",
        "2. The weights are recomputed every month using the latest data.",
        "Section 3 describes the universe",
        "100 Basis Points",
        "",
        "FINAL REMARKS",
    ]

    assert _headings(lines) == [Heading("Scope", "1", 1), Heading("FINAL REMARKS")]


def test_title_case_lines_start_paragraphs_in_unnumbered_documents() -> None:
    lines = ["Overview", "We trade momentum.", "Position Sizing", "Inverse volatility", "weights."]

    assert [h.title for h in _headings(lines)] == ["Overview", "Position Sizing"]


def test_title_case_lines_are_ignored_once_headings_are_numbered() -> None:
    lines = ["1. Scope", "Equities.", "Parameter Value", "Lookback 60 days.", "RISK LIMITS"]

    assert _headings(lines) == [
        Heading("Scope", "1", 1),
        Heading("RISK LIMITS"),
    ]


def test_contents_entries_and_wrapped_citations_are_not_headings() -> None:
    """A contents page ("3.2 Rebalancing ........ 14") used to start sections, after which
    the real headings read as out of sequence; a wrapped line starting "Appendix F." with
    a sentence after it became an appendix."""
    detector = LineHeadings()
    lines = [
        "1 Introduction ................ 3",
        "3.2 Rebalancing\t14",
        "Appendix A: Historical Parameters ...... 149",
        "1 Introduction",
        "Appendix F. Historical values are shown in Appendix A. The cap is",
        "Appendix A: Historical Parameters",
    ]
    found = [detector.classify(line) for line in lines]
    assert [(h.number, h.title) if h else None for h in found] == [
        None,
        None,
        None,
        ("1", "Introduction"),
        None,
        ("Appendix A", "Historical Parameters"),
    ]


def test_a_wrapped_line_citing_a_later_section_is_not_a_heading() -> None:
    """PDF text wraps wherever the line ends; a line that starts with a cross-reference
    reads like a named heading unless its number is checked against the outline."""
    lines = [
        "4. Selection",
        "Section 7.2. The ranking is computed by the index agent on every review date",
        "Section 5 Weighting of the constituents",
        "Section 6: Rebalancing Calendar",
    ]
    assert _headings(lines) == [
        Heading("Selection", "4", 1),
        Heading("Weighting of the constituents", "5", 1),
        Heading("Rebalancing Calendar", "6", 1),
    ]
