from domain.ir import Section, Table
from domain.semantics.definitions import extract_definitions


def _section(text: str, title: str = "Overview", **kwargs) -> Section:
    return Section(id="s1", title=title, text=text, page_start=4, **kwargs)


def _terms(text: str, title: str = "Overview") -> dict[str, tuple[str, str]]:
    return {d.term: (d.source, d.meaning) for d in extract_definitions([_section(text, title)], [])}


def test_quoted_term_with_means() -> None:
    found = _terms('"Trading Day" means a day on which the LSE is open. Orders follow.')
    assert found == {"Trading Day": ("means", "a day on which the LSE is open")}


def test_curly_quotes_and_defined_as() -> None:
    found = _terms("“Eligible Stock” is defined as a listed share with ADV above the floor.")
    assert found["Eligible Stock"] == ("defined_as", "a listed share with ADV above the floor")


def test_introduced_term_takes_the_preceding_phrase() -> None:
    found = _terms('The Northwind Carry Strategy (the "Strategy") trades G10 currencies.')
    assert found == {"Strategy": ("quoted", "The Northwind Carry Strategy")}


def test_unquoted_means_and_refers_to() -> None:
    text = (
        "Rebalance Date means the second Monday of each quarter.\n"
        "- Drawdown refers to the fall from the running peak, e.g. 12.5% in 2022."
    )
    found = _terms(text)
    assert found["Rebalance Date"] == ("means", "the second Monday of each quarter")
    assert found["Drawdown"] == ("means", "the fall from the running peak, e.g. 12.5% in 2022")


def test_symbol_defined_with_denotes() -> None:
    assert _terms("σ_b denotes benchmark volatility.")["σ_b"] == ("means", "benchmark volatility")


def test_glossary_rows_only_inside_a_glossary_section() -> None:
    text = "ADV: average daily traded value over 20 days\n- **NAV** – net asset value"
    glossary = _terms(text, title="Glossary of Terms")
    assert glossary == {
        "ADV": ("glossary", "average daily traded value over 20 days"),
        "NAV": ("glossary", "net asset value"),
    }
    assert _terms(text, title="Risk Limits") == {}


def test_glossary_table_with_header() -> None:
    table = Table(
        id="t1",
        section_id="s9",
        page=12,
        rows=[["Term", "Definition"], ["Carry", "the interest rate differential"]],
    )
    (found,) = extract_definitions([], [table])
    assert (found.term, found.meaning, found.source) == (
        "Carry",
        "the interest rate differential",
        "glossary",
    )
    assert (found.section_id, found.page) == ("s9", 12)


def test_two_column_table_outside_glossary_is_not_definitions() -> None:
    table = Table(id="t1", rows=[["Lookback", "60 days"], ["Cap", "5%"]])
    assert extract_definitions([], [table]) == []


def test_page_comes_from_the_page_offsets() -> None:
    text = "Intro paragraph.\n" + "x" * 50 + '\n"Cut-off Time" means 16:00 London time.'
    section = _section(text, page_offsets=[(0, 4), (30, 5)])
    (found,) = extract_definitions([section], [])
    assert (found.term, found.page, found.section_id) == ("Cut-off Time", 5, "s1")


def test_pronoun_subjects_and_scare_quotes_are_not_definitions() -> None:
    text = (
        "This means that positions are halved in stress.\n"
        'The so-called "smart beta" label is avoided.\n'
        "It is defined as needed by the desk."
    )
    assert _terms(text) == {}
