from domain.ir import CrossReference, Definition, Formula, Parameter, Section, Table
from domain.semantics.validation import validate


def _issues(
    sections: list[Section] | None = None,
    tables: list[Table] | None = None,
    definitions: list[Definition] | None = None,
    formulas: list[Formula] | None = None,
    parameters: list[Parameter] | None = None,
    references: list[CrossReference] | None = None,
) -> list[tuple[str, str, str | None]]:
    found = validate(
        sections or [],
        tables or [],
        definitions or [],
        formulas or [],
        parameters or [],
        references or [],
    )
    return [(i.code, i.message, i.section_id) for i in found]


def _section(number: str, level: int = 1, text: str = "Body text.") -> Section:
    return Section(id=f"s{number}", number=number, title=f"Part {number}", level=level, text=text)


def test_duplicate_numbers_and_gaps() -> None:
    sections = [_section("1"), _section("2"), _section("2"), _section("4"), _section("4.1")]
    sections.append(_section("4.3", level=2))
    assert _issues(sections) == [
        (
            "duplicate_section_number",
            'Section number 2 is used twice: "2 Part 2" and "2 Part 2".',
            "s2",
        ),
        (
            "numbering_gap",
            "Section numbering jumps from 2 to 4; 1 section(s) missing in between.",
            "s4",
        ),
        (
            "numbering_gap",
            "Section numbering jumps from 4.1 to 4.3; 1 section(s) missing in between.",
            "s4.3",
        ),
    ]


def test_empty_section_but_not_a_parent_heading() -> None:
    sections = [_section("1", text=""), _section("1.1", level=2), _section("2", text="  ")]
    assert _issues(sections) == [
        ("empty_section", 'Section "2 Part 2" has a heading but no content.', "s2")
    ]


def test_undefined_symbols_named_in_message() -> None:
    formulas = [
        Formula(
            text="S = a * Trend + b * Carry_i - P_{t-1}",
            lhs="S",
            variables=["a", "Trend", "b", "Carry_i", "P_{t-1}"],
            section_id="s3",
        ),
        Formula(text="Trend = EMA_fast - EMA_slow", lhs="Trend", variables=["EMA_fast"]),
    ]
    definitions = [Definition(term="P_t", meaning="close", source="means")]
    parameters = [Parameter(name="a", value=0.5, text="a = 0.5")]
    glossary = [Definition(term="Carry", meaning="rate differential", source="glossary")]
    assert _issues(
        definitions=definitions + glossary, formulas=formulas, parameters=parameters
    ) == [
        (
            "undefined_symbol",
            'Formula "S = a * Trend + b * Carry_i - P_{t-1}" uses b, which is not defined '
            "anywhere in the document.",
            "s3",
        ),
        (
            "undefined_symbol",
            'Formula "Trend = EMA_fast - EMA_slow" uses EMA_fast, which is not defined '
            "anywhere in the document.",
            None,
        ),
    ]


def test_circular_formulas_but_not_lagged_recursion() -> None:
    formulas = [
        Formula(text="A = B + 1", lhs="A", variables=["B"], section_id="s1"),
        Formula(text="B = 2 * A", lhs="B", variables=["A"], section_id="s2"),
        Formula(text="L(t) = L(t-1) * R", lhs="L(t)", variables=["L(t-1)", "R"]),
        Formula(text="R = A / 3", lhs="R", variables=["A"]),
    ]
    circular = [i for i in _issues(formulas=formulas) if i[0] == "circular_formula"]
    assert circular == [
        ("circular_formula", "Formulas define each other in a circle: A -> B -> A.", "s1")
    ]


def test_unresolved_references_once_per_target_and_section() -> None:
    references = [
        CrossReference(
            kind="appendix", target="C", text="Appendix C", resolved=False, section_id="s2"
        ),
        CrossReference(
            kind="appendix", target="C", text="Appendix C", resolved=False, section_id="s2"
        ),
        CrossReference(kind="section", target="3", text="Section 3", resolved=True),
        CrossReference(
            kind="document",
            target="Risk Framework",
            text="Risk Framework",
            resolved=False,
            section_id="s4",
        ),
    ]
    assert _issues(references=references) == [
        (
            "unresolved_reference",
            '"Appendix C" refers to appendix C, which does not exist in the document.',
            "s2",
        ),
        (
            "unresolved_reference",
            '"Risk Framework" refers to the external document "Risk Framework", which is '
            "neither included nor listed in a references section.",
            "s4",
        ),
    ]


def test_conflicting_parameter_values() -> None:
    parameters = [
        Parameter(
            name="lookback", value=12, unit="months", text="lookback of 12 months", section_id="s2"
        ),
        Parameter(
            name="Lookback", value=6, unit="months", text="lookback of 6 months", section_id="s6"
        ),
        Parameter(name="stop-loss", value=5, unit="%", text="stop-loss of 5%"),
        Parameter(name="stop-loss", value=5, unit="%", text="stop-loss of 5%"),
        Parameter(name="return", value=1, unit="months", text="1-month return"),
        Parameter(name="return", value=3, unit="months", text="3-month return"),
    ]
    assert _issues(parameters=parameters) == [
        (
            "conflicting_parameter",
            'Parameter "lookback" is stated with different values (6 months, 12 months): '
            '"lookback of 12 months"; "lookback of 6 months".',
            "s6",
        )
    ]
