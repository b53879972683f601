import pytest

from domain.ai.grounding import fold, ground_citations, ground_findings, locate, normalise
from domain.ai.provider import ModelCitation
from domain.findings import finding_id
from domain.ir import Section
from domain.review.text import is_verbatim
from tests.domain.ai.ai_fakes import make_ir, model_finding

SIGNAL = (
    "The signal is the 12-month return minus the last month.\n"
    "Positions are rebalanced when drift exceeds the “tolerance threshold” – see below…"
)
RISK = "Gross exposure is capped at 150% of NAV.\nThe kill switch is owned by the desk head."
IR = make_ir(("2", "Signal", SIGNAL), ("3", "Risk Limits", RISK))


def test_normalise_folds_unicode_quotes_dashes_ellipsis_and_whitespace() -> None:
    assert normalise("  a\u00a0 “b”\t‘c’ – d — e − f… \n") == "a \"b\" 'c' - d - e - f..."
    assert normalise("ﬁve") == "five"  # NFKC
    assert normalise("Threshold") != normalise("threshold")
    assert normalise("Threshold", ignore_case=True) == "threshold"


def test_fold_maps_every_character_back_to_the_original() -> None:
    text = "x\u2026  e\u0301"
    folded = fold(text)
    assert folded.text == "x... é"
    assert [text[s:e] for s, e in zip(folded.starts, folded.ends, strict=True)] == [
        "x",
        "\u2026",
        "\u2026",
        "\u2026",
        "  ",
        "e\u0301",
    ]


def test_exact_quote_is_located_with_its_section_and_offset() -> None:
    location = locate("Gross exposure is capped at 150% of NAV.", IR)
    assert location is not None
    assert location.section.label == "3 Risk Limits"
    assert location.offset == 0
    assert location.text == "Gross exposure is capped at 150% of NAV."


def test_variant_quote_maps_back_to_the_documents_own_text() -> None:
    quote = 'rebalanced when drift exceeds the "tolerance threshold" - see below...'
    location = locate(quote, IR)
    assert location is not None
    assert location.text == "rebalanced when drift exceeds the “tolerance threshold” – see below…"
    assert location.text in SIGNAL


def test_quote_spanning_a_line_break_is_found_with_a_space() -> None:
    location = locate("minus the last month. Positions are rebalanced", IR)
    assert location is not None
    assert location.text == "minus the last month.\nPositions are rebalanced"


def test_named_section_is_preferred_when_the_quote_is_in_several() -> None:
    ir = make_ir(("1", "Intro", "The cap applies."), ("2", "Caps", "The cap applies."))
    first = locate("The cap applies.", ir)
    named = locate("The cap applies.", ir, section="Section 2")
    assert first is not None and first.section.id == "s1"
    assert named is not None and named.section.id == "s2"


def test_ground_findings_keeps_verbatim_evidence_that_the_rules_check_accepts() -> None:
    findings, dropped = ground_findings(
        [model_finding('the "tolerance threshold"', "2 Signal", severity="critical")], IR
    )
    assert not dropped
    [finding] = findings
    assert finding.evidence is not None
    assert finding.evidence.quote == "the “tolerance threshold”"
    assert finding.evidence.section == "2 Signal"
    assert finding.evidence.page == 1
    assert finding.rule == "llm:undefined_parameter"
    assert finding.source == "llm"
    assert finding.id == finding_id("llm:undefined_parameter", finding.evidence)
    assert is_verbatim(finding.evidence.quote, IR.sections[0].text)


def test_hallucinated_quote_is_dropped_and_counted() -> None:
    findings, dropped = ground_findings(
        [
            model_finding("The stop-loss is set at the discretion of the PM."),
            model_finding("Gross exposure is capped at 200% of NAV."),
            model_finding("Gross exposure is capped at 150% of NAV.", category="risk_controls"),
        ],
        IR,
    )
    assert dropped["quote_not_found"] == 2
    assert [f.evidence.quote for f in findings if f.evidence] == [
        "Gross exposure is capped at 150% of NAV."
    ]


def test_wrong_section_name_is_corrected_from_where_the_quote_is() -> None:
    findings, _ = ground_findings([model_finding("kill switch is owned", "2 Signal")], IR)
    assert findings[0].evidence is not None
    assert findings[0].evidence.section == "3 Risk Limits"
    assert findings[0].evidence.page == 2


def test_absence_finding_is_kept_without_evidence() -> None:
    findings, dropped = ground_findings(
        [model_finding("", "", category="backtest_methodology", title="No out-of-sample test")],
        IR,
    )
    assert not dropped
    assert findings[0].evidence is None
    assert findings[0].id == finding_id(
        "llm:backtest_methodology", None, missing="No out-of-sample test"
    )


def test_the_same_finding_twice_is_kept_once_at_the_higher_severity() -> None:
    findings, dropped = ground_findings(
        [
            model_finding("tolerance threshold", severity="medium"),
            model_finding("tolerance  threshold", severity="critical"),
        ],
        IR,
    )
    assert dropped["duplicate"] == 1
    assert [f.severity for f in findings] == ["critical"]


def test_page_comes_from_the_page_break_inside_the_section() -> None:
    text = "First page text.\nSecond page has the cap of 5%."
    section = Section(
        id="s1", title="Limits", text=text, page_start=4, page_end=5, page_offsets=[(0, 4), (17, 5)]
    )
    ir = make_ir(("1", "Other", "x")).model_copy(update={"sections": [section]})
    findings, _ = ground_findings([model_finding("the cap of 5%")], ir)
    assert findings[0].evidence is not None
    assert findings[0].evidence.page == 5


def test_citations_are_grounded_and_hallucinations_dropped() -> None:
    citations, dropped = ground_citations(
        [
            ModelCitation(quote="“Gross exposure is capped at 150% of NAV.”", section="Risk"),
            ModelCitation(quote="Net exposure is capped at 50%.", section="3 Risk Limits"),
            ModelCitation(quote="", section="3 Risk Limits"),
        ],
        IR,
    )
    assert [(c.quote, c.section, c.page) for c in citations] == [
        ("Gross exposure is capped at 150% of NAV.", "3 Risk Limits", 2)
    ]
    assert dropped == {"quote_not_found": 1, "empty_quote": 1}


RULES = make_ir(
    ("1", "Scope", "The strategy trades liquid futures."),
    ("2", "Entry", "Enter long when the z-score is ≥ 2.0 and the spread is ≤ 5 bps.\nTBD"),
    ("3", "Exit", "Exit when the z-score falls below 0.5 or after 10 days. TBD"),
    ("4", "Risk", "Gross exposure is capped at 150% of NAV; the cap is reviewed quarterly."),
    ("5", "Governance", "The Head of Trading approves changes. Changes are logged."),
)


def grounded_quote(quote: str, section: str) -> tuple[str | None, str | None, dict[str, int]]:
    findings, dropped = ground_findings([model_finding(quote, section)], RULES)
    if not findings:
        return None, None, dict(dropped)
    evidence = findings[0].evidence
    assert evidence is not None
    return evidence.quote, evidence.section, dict(dropped)


@pytest.mark.parametrize(
    ("quote", "found"),
    [
        (
            "the z-score is >= 2.0 and the spread is <= 5 bps",
            "the z-score is ≥ 2.0 and the spread is ≤ 5 bps",
        ),
        ("ENTER LONG when the Z-score", "Enter long when the z-score"),
        (
            "the z-score is ≥ 2.0 and the spread is ≤ 5 bps",
            "the z-score is ≥ 2.0 and the spread is ≤ 5 bps",
        ),
    ],
    ids=["ascii-operators", "case", "as-written"],
)
def test_case_and_symbol_variants_are_found_by_normalisation(quote: str, found: str) -> None:
    assert grounded_quote(quote, "2 Entry") == (found, "2 Entry", {})


def test_an_elided_quote_is_found_piecewise_in_order() -> None:
    quote, section, dropped = grounded_quote("Gross exposure is capped … reviewed quarterly.", "4")
    assert quote == "Gross exposure is capped at 150% of NAV; the cap is reviewed quarterly."
    assert (section, dropped) == ("4 Risk", {})
    # Pieces out of order, or from two sections, are not one quote.
    assert grounded_quote("reviewed quarterly ... Gross exposure", "4")[2] == {"quote_not_found": 1}
    assert grounded_quote("Gross exposure is capped [...] Changes are logged", "4")[2] == {
        "quote_not_found": 1
    }


def test_a_quote_must_be_in_the_named_section_or_next_to_it() -> None:
    assert grounded_quote("Exit when the z-score falls below 0.5", "2 Entry")[1] == "3 Exit"
    assert grounded_quote("Exit when the z-score falls below 0.5", "Risk")[1] == "3 Exit"
    assert grounded_quote("The Head of Trading approves changes.", "1 Scope") == (
        None,
        None,
        {"wrong_section": 1},
    )


def test_a_short_quote_must_point_at_one_place() -> None:
    assert grounded_quote("TBD", "2 Entry") == (None, None, {"too_short": 1})
    assert grounded_quote("10 days", "3 Exit") == ("10 days", "3 Exit", {})  # only there
