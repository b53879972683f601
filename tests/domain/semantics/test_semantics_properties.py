"""Property tests: no text, however odd, fails an extractor or the review.

Real methodologies reach corners no example-based test foresaw (a contents line wrapping a
title took the whole review down), so every extractor, the rules review and ingest are fed
generated and mutated documents: contents pages with dotted leaders, glossary tables,
footnote markers, running headers repeated on every page, Unicode maths, captions and
repeated section numbers. A failure recorded by a `CheckRunner` counts as a bug here too,
and every quote must be verbatim in its section and in the document text.
"""

from __future__ import annotations

import hashlib

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.ingest import IngestRefused, ingest
from domain.ir import DocumentIR, Section, Table
from domain.review import review_document
from domain.review.text import is_verbatim
from domain.semantics import extract_semantics
from domain.semantics.definitions import extract_definitions
from domain.semantics.formulas import extract_formulas
from domain.semantics.parameters import extract_parameters
from domain.semantics.references import extract_references
from domain.semantics.validation import validate

PROPERTY = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

_WORDS = [
    *[
        "the",
        "index",
        "level",
        "is",
        "rebalanced",
        "quarterly",
        "on",
        "third",
        "Friday",
        "of",
        "each",
        "month",
    ],
    *["weight", "cap", "divisor", "constituent", "eligible", "universe", "free", "float", "ADTV"],
    *[
        "Index",
        "Methodology",
        "Policy",
        "Framework",
        "Rules",
        "Calculation",
        "Corporate",
        "Actions",
    ],
    *["Section 4.2", "Sections 3 and 9", "§ 5", "Table 3", "Appendix A", "Appendix F"],
    *["Annex 2", "Figure 3", "Fig. 1", "see", "as set out in", "means", "is defined as"],
    *['"Business Day"', "(the “Index”)", "hereinafter", "where", "where:", "and", ","],
    *["5%", "10 bps", "2.5x", "USD 5 million", "60 Business Days", "1.5", "2024-03-15"],
    *["capped at", "of", "=", ":=", ":", ";", ".", "–", "-", "(", ")", "[", "]", "{", "}"],
    *["Σ", "σ", "∑", "√", "×", "·", "÷", "≤", "≥", "Δ", "λ", "π", "e", "t", "i"],
    *["w_i,t-1", "P_{i,t}", "I_{t-1}", "x₁", "σ²", "Σw_iP_i", "I_t=I_{t-1}×Σw", "P_i,t/P_i,t-1"],
    *["\\frac{a}{b}", "\\sigma_p", "\\sum_i", "^{2}", "_", "^", "'", "’", "*", "**", "`"],
    *["¹", "²", "³", "⁴", "[1]", "(a)", "•", "-", "1.", "iv)", "........", "…", "\t"],
]
_SEPARATORS = [" ", " ", " ", "  ", "\t", "\n", " \n ", "\u00a0", ""]

words = st.sampled_from(_WORDS)
numbers = st.lists(st.integers(1, 12), min_size=1, max_size=3).map(
    lambda parts: ".".join(map(str, parts))
)
titles = st.lists(words, min_size=1, max_size=5).map(" ".join)


@st.composite
def prose(draw: st.DrawFn) -> str:
    parts = draw(st.lists(st.tuples(words, st.sampled_from(_SEPARATORS)), max_size=40))
    return "".join(word + separator for word, separator in parts)


@st.composite
def contents_line(draw: st.DrawFn) -> str:
    """ "3.2 Rebalancing ........ 14", sometimes wrapping the title onto a second line."""
    title = draw(titles)
    if draw(st.booleans()):
        title = title.replace(" ", "\n", 1)
    dots = "." * draw(st.integers(2, 40))
    return f"{draw(numbers)} {title} {dots} {draw(st.integers(1, 200))}"


@st.composite
def glossary_line(draw: st.DrawFn) -> str:
    return f"{draw(titles)}{draw(st.sampled_from([': ', ' – ', ' - ', ':']))}{draw(prose())}"


@st.composite
def formula_line(draw: st.DrawFn) -> str:
    symbols = st.sampled_from(["I_t", "I_{t-1}", "w_i,t-1", "P_i,t", "σ", "Σ", "D_t", "x₁"])
    operators = st.sampled_from([" × ", " / ", " + ", " - ", "·", " * ", "^2", " Σ "])
    terms = draw(st.lists(st.tuples(symbols, operators), min_size=1, max_size=6))
    rhs = "".join(symbol + operator for symbol, operator in terms) + draw(symbols)
    where = draw(st.sampled_from(["", ", where x is the price", " where: ", "\nwhere"]))
    return f"{draw(symbols)} {draw(st.sampled_from(['=', ':=', '≈', '=']))} {rhs}{where}"


def _footnoted(text: str) -> str:
    return f"{text}¹" if text else text


lines = st.one_of(
    prose(),
    contents_line(),
    glossary_line(),
    formula_line(),
    prose().map(_footnoted),
    st.builds(lambda n, t: f"Figure {n}: {t}", st.integers(0, 9), titles),
    st.builds(lambda n, t: f"Table {n} – {t}", st.integers(0, 9), titles),
    st.text(max_size=60),
)


@st.composite
def section_text(draw: st.DrawFn) -> str:
    """Lines, with a running header and footer repeated as if on every page."""
    body = draw(st.lists(lines, max_size=12))
    if draw(st.booleans()):
        header = draw(st.sampled_from(["Meridian Index Methodology", "Page 3 of 154", "- 7 -"]))
        body = [line for chunk in body for line in (chunk, header)]
    return draw(st.sampled_from(["\n", "\n\n"])).join(body)


_SECTION_TITLES = ["Glossary", "Definitions", "References", "Contents", "Notation"]


@st.composite
def documents(draw: st.DrawFn) -> tuple[list[Section], list[Table]]:
    count = draw(st.integers(1, 6))
    sections = []
    for index in range(count):
        number = draw(st.one_of(st.none(), numbers, st.sampled_from(["A", "B.1", "Appendix A"])))
        title = draw(st.one_of(st.sampled_from(_SECTION_TITLES), titles))
        sections.append(
            Section(
                id=f"s{index + 1}",
                number=number,
                title=title,
                level=draw(st.integers(1, 3)),
                text=draw(section_text()),
                page_start=index + 1,
            )
        )
    cells = st.one_of(words, prose(), st.sampled_from(["Term", "Definition", "Value", "5%"]))
    tables = [
        Table(
            id=f"t{index + 1}",
            number=draw(st.one_of(st.none(), st.integers(1, 5).map(str))),
            caption=draw(st.one_of(st.none(), st.just("Glossary"), titles)),
            section_id=draw(st.sampled_from([s.id for s in sections])),
            rows=draw(st.lists(st.lists(cells, min_size=1, max_size=3), max_size=5)),
        )
        for index in range(draw(st.integers(0, 2)))
    ]
    return sections, tables


def _mutate(text: str, edits: list[tuple[int, str]]) -> str:
    for position, inserted in edits:
        at = position % (len(text) + 1)
        text = text[:at] + inserted + text[at:]
    return text


_REAL = (
    "3.2 Rebalancing ........ 14\n"
    "The Index is rebalanced quarterly on the third Friday of March, June, September and "
    "December (each a “Rebalancing Day”), as set out in Section 6.1 and Table 2.\n"
    "I_t = I_{t-1} × Σ_i w_{i,t-1} × P_{i,t} / P_{i,t-1}\n"
    "where I_t is the Index Level and P_{i,t} is the Closing Price of constituent i.\n"
    "The maximum weight is capped at 5% of the Index; see Appendix F and the Corporate\n"
    "Actions  Policy of the Index Sponsor.¹\n"
    "Glossary\nBusiness Day: a day on which the Exchange is open\n"
)
mutated = st.lists(
    st.tuples(st.integers(0, 10_000), st.sampled_from([*_SEPARATORS, *_WORDS, "\n\n"])),
    max_size=25,
).map(lambda edits: _mutate(_REAL, edits))


@st.composite
def hostile_documents(draw: st.DrawFn) -> tuple[list[Section], list[Table]]:
    sections, tables = draw(documents())
    if draw(st.booleans()):
        sections[0] = sections[0].model_copy(update={"text": draw(mutated)})
    return sections, tables


def _assert_quotes_in(sections: list[Section], tables: list[Table], quotes: list[tuple]) -> None:
    texts = {s.id: s.text for s in sections}
    cells: dict[str | None, list[str]] = {}
    for table in tables:
        cells.setdefault(table.section_id, []).extend(c for row in table.rows for c in row)
    for quote, section_id in quotes:
        assert quote in texts[section_id] or any(quote in c for c in cells.get(section_id, []))


@PROPERTY
@given(hostile_documents())
def test_definitions_never_raise(document: tuple[list[Section], list[Table]]) -> None:
    sections, tables = document
    ids = {s.id for s in sections}
    for definition in extract_definitions(sections, tables):
        assert definition.term and definition.section_id in ids


@PROPERTY
@given(hostile_documents())
def test_formulas_are_quoted_verbatim(document: tuple[list[Section], list[Table]]) -> None:
    sections, _ = document
    formulas, _ = extract_formulas(sections)
    _assert_quotes_in(sections, [], [(f.text, f.section_id) for f in formulas])


@PROPERTY
@given(hostile_documents())
def test_parameters_are_quoted_verbatim(document: tuple[list[Section], list[Table]]) -> None:
    sections, tables = document
    parameters = extract_parameters(sections, tables)
    _assert_quotes_in(sections, tables, [(p.text, p.section_id) for p in parameters])


@PROPERTY
@given(hostile_documents())
def test_references_are_quoted_verbatim(document: tuple[list[Section], list[Table]]) -> None:
    sections, tables = document
    references = extract_references(sections, tables)
    _assert_quotes_in(sections, [], [(r.text, r.section_id) for r in references])


@PROPERTY
@given(hostile_documents())
def test_validation_and_extraction_record_no_failures(
    document: tuple[list[Section], list[Table]],
) -> None:
    sections, tables = document
    semantics = extract_semantics(sections, tables)
    assert semantics.failures == []
    validate(
        sections,
        tables,
        semantics.definitions,
        semantics.formulas,
        semantics.parameters,
        semantics.cross_references,
    )


def _ir(sections: list[Section], tables: list[Table]) -> DocumentIR:
    semantics = extract_semantics(sections, tables)
    return DocumentIR(
        title="Generated Methodology",
        filename="generated.md",
        media_type="markdown",
        sha256=hashlib.sha256(repr(sections).encode()).hexdigest(),
        pages=len(sections),
        words=sum(len(s.text.split()) for s in sections),
        sections=sections,
        tables=tables,
        definitions=semantics.definitions,
        formulas=semantics.formulas,
        parameters=semantics.parameters,
        cross_references=semantics.cross_references,
        issues=semantics.issues,
        failed_checks=semantics.failures,
    )


def assert_review_is_whole(ir: DocumentIR) -> int:
    """No check failed and every quote is verbatim; returns the number of findings."""
    review = review_document(ir)
    assert review.failures == []
    text = ir.text
    for finding in review.findings:
        if finding.evidence is None:
            continue
        quote = finding.evidence.quote
        homes = [s for s in ir.sections if s.label == finding.evidence.section]
        assert any(is_verbatim(quote, s.text) for s in homes), (quote, finding.rule)
        assert is_verbatim(quote, text)
    return len(review.findings)


@PROPERTY
@given(hostile_documents())
def test_rules_review_is_whole_on_generated_sections(
    document: tuple[list[Section], list[Table]],
) -> None:
    assert_review_is_whole(_ir(*document))


def _markdown(sections: list[Section], tables: list[Table]) -> bytes:
    parts = ["# Generated Index Methodology", ""]
    for section in sections:
        hashes = "#" * min(section.level + 1, 4)
        parts += [f"{hashes} {section.label}", "", section.text, ""]
        for table in tables:
            rows = [row for row in table.rows if row]
            if table.section_id == section.id and rows:
                width = max(len(row) for row in rows)
                cells = [[c.replace("|", "/").replace("\n", " ") for c in row] for row in rows]
                parts.append("| " + " | ".join(cells[0]) + " |")
                parts.append("|" + "---|" * width)
                parts += ["| " + " | ".join(row) + " |" for row in cells[1:]]
                parts.append("")
    return "\n".join(parts).encode()


@PROPERTY
@given(hostile_documents())
def test_ingest_and_review_of_generated_markdown(
    document: tuple[list[Section], list[Table]],
) -> None:
    try:
        ir = ingest(_markdown(*document), "generated.md", max_bytes=1024 * 1024)
    except IngestRefused:
        return
    assert ir.failed_checks == []
    assert_review_is_whole(ir)
