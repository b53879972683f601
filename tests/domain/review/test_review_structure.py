"""Formula, reference, consistency and calendar checks over the IR the semantic layer builds."""

from __future__ import annotations

from review_builders import document, quoted, review

from domain.ir import CrossReference, Definition, Formula, Parameter

SCORE = "Score = w1 × Value + w2 × Quality"


def test_undefined_symbols_are_listed_in_one_finding() -> None:
    formula = Formula(text=SCORE, lhs="Score", variables=["w1", "Value", "w2", "Quality"])
    findings = review(
        document(("Signal", f"The score is:\n{SCORE}"), formulas=(formula,)),
    )
    (finding,) = quoted(findings, "undefined-symbol")
    assert finding.evidence.quote == SCORE
    assert finding.severity == "critical"
    assert "'w1'" in finding.detail and "'Quality'" in finding.detail


PRICES = "Total = P_ACME + P_BOLT + P_CORE"


def test_a_family_over_listed_constituents_is_only_a_low_finding() -> None:
    formula = Formula(text=PRICES, lhs="Total", variables=["P_ACME", "P_BOLT", "P_CORE"])
    listed = "The index holds exactly three stocks:\n1. ACME\n2. BOLT\n3. CORE"
    findings = review(
        document(
            ("Constituents", listed), ("Level", f"The level is:\n{PRICES}"), formulas=(formula,)
        )
    )
    (finding,) = quoted(findings, "undefined-symbol")
    assert finding.severity == "low" and "'P_*'" in finding.title


def test_a_family_over_unlisted_names_stays_critical() -> None:
    formula = Formula(text=PRICES, lhs="Total", variables=["P_ACME", "P_BOLT", "P_CORE"])
    findings = review(document(("Level", f"The level is:\n{PRICES}"), formulas=(formula,)))
    (finding,) = quoted(findings, "undefined-symbol")
    assert finding.severity == "critical"


def test_where_list_defines_symbols() -> None:
    formula = Formula(text=SCORE, lhs="Score", variables=["w1", "Value", "w2", "Quality"])
    text = (
        f"The score is:\n{SCORE}\nwhere:\n- w1 = 0.6\n- w2 = 0.4\n- Value: book-to-price rank\n"
        "- Quality: return-on-equity rank"
    )
    findings = review(document(("Signal", text), formulas=(formula,)))
    assert not quoted(findings, "undefined-symbol")


def test_definition_defines_a_symbol() -> None:
    formula = Formula(text="Signal = Momentum / Vol", lhs="Signal", variables=["Momentum", "Vol"])
    findings = review(
        document(
            ("Signal", "Signal = Momentum / Vol"),
            formulas=(formula,),
            definitions=(
                Definition(term="Momentum", meaning="12-1 month return", source="means"),
                Definition(term="Vol", meaning="60-day realised volatility", source="means"),
            ),
        )
    )
    assert not quoted(findings, "undefined-symbol")
    assert quoted(findings, "unguarded-division")


def test_circular_formula() -> None:
    first = Formula(text="A = B + 1", lhs="A", variables=["B"], section_id="s1")
    second = Formula(text="B = 2 × A", lhs="B", variables=["A"], section_id="s1")
    findings = review(document(("Model", "A = B + 1\nB = 2 × A"), formulas=(first, second)))
    (finding,) = quoted(findings, "circular-formula")
    assert "a -> b -> a" in finding.title
    assert finding.severity == "critical"


def test_missing_appendix_from_the_ir_and_from_text() -> None:
    text = "Scores follow the model in Appendix A. Countries are listed in Appendix B."
    reference = CrossReference(
        kind="appendix", target="A", text="Appendix A", resolved=False, section_id="s1"
    )
    findings = review(document(("Selection", text), references=(reference,)))
    titles = sorted(f.title for f in quoted(findings, "unresolved-reference"))
    assert titles == [
        "Appendix A is referenced but not included",
        "Appendix B is referenced but not included",
    ]
    assert all(f.severity == "critical" for f in quoted(findings, "unresolved-reference"))


def test_present_appendix_resolves() -> None:
    findings = review(
        document(
            ("Selection", "Countries are listed in Appendix B."),
            ("Appendix B Country list", "Brazil, India, Mexico."),
        )
    )
    assert not quoted(findings, "unresolved-reference")


def test_external_document() -> None:
    reference = CrossReference(
        kind="document",
        target="Risk Limits Policy",
        text="Risk Limits Policy",
        resolved=False,
        section_id="s1",
    )
    findings = review(
        document(
            ("Risk", "Exposure limits follow the Risk Limits Policy."), references=(reference,)
        )
    )
    (finding,) = quoted(findings, "external-document")
    assert finding.category == "external_dependency"


def test_conflicting_parameter_quotes_both_places() -> None:
    first = Parameter(
        name="lookback", value=12, unit="months", text="lookback of 12 months", section_id="s1"
    )
    second = Parameter(
        name="lookback", value=6, unit="months", text="lookback of 6 months", section_id="s2"
    )
    findings = review(
        document(
            ("Signal", "Momentum uses a lookback of 12 months."),
            ("Amendment", "From April the signal uses a lookback of 6 months."),
            parameters=(first, second),
        )
    )
    (finding,) = quoted(findings, "conflicting-parameter")
    assert finding.evidence.section == "2 Amendment"
    assert "lookback of 12 months" in finding.detail and "lookback of 6 months" in finding.detail


def test_day_counts_must_say_which_days() -> None:
    vague = review(document(("Signal", "Momentum is the return over the previous 60 days.")))
    (finding,) = quoted(vague, "ambiguous-day-count")
    assert finding.severity == "high"
    clear = review(
        document(("Signal", "Momentum is the return over the previous 60 NYSE trading days."))
    )
    assert not quoted(clear, "ambiguous-day-count")


def test_month_end_roll_rule_and_cross_market_alignment() -> None:
    findings = review(
        document(
            ("Schedule", "The portfolio is rebalanced on the last day of each month."),
            ("Holidays", "If that day is closed, trades move to the next available day."),
            ("Data", "Returns of US equities and Japanese bonds are aligned on common dates."),
        )
    )
    assert quoted(findings, "ambiguous-schedule-date")[0].evidence.section == "1 Schedule"
    assert quoted(findings, "ambiguous-roll-convention")[0].evidence.section == "2 Holidays"
    assert quoted(findings, "cross-market-alignment")[0].evidence.section == "3 Data"


def test_time_zone_silences_cross_market_alignment() -> None:
    findings = review(
        document(
            ("Data", "Returns of US equities and Japanese bonds are aligned on common dates."),
            ("Timing", "All closes are snapped at 16:00 UTC."),
        )
    )
    assert not quoted(findings, "cross-market-alignment")
