"""The detectors for classes of problem: each must fire on the problem written in plain
words of the field, and stay silent when the same words carry their value or name."""

from __future__ import annotations

import pytest
from review_builders import document, review

from domain.findings import Finding
from domain.ir import Formula


def rules(findings: list[Finding]) -> set[str]:
    return {f.rule for f in findings if f.evidence is not None}


def quotes(findings: list[Finding], rule: str) -> list[str]:
    return [f.evidence.quote for f in findings if f.rule == rule and f.evidence is not None]


@pytest.mark.parametrize(
    ("heading", "text", "rule"),
    [
        ("Eligibility", "Issuers need a minimum credit rating to enter the portfolio.",
         "bound-without-value"),
        ("Eligibility", "A stock qualifies when it shows adequate free float and deep market "
         "depth.", "open-criterion"),
        ("Eligibility", "Only large-cap names are bought.", "term-not-defined"),
        ("Risk", "Trailing stops protect every position.", "control-without-level"),
        ("Construction", "We overweight the cheapest stocks relative to the parent "
         "weights.", "action-without-size"),
        ("Risk", "Gross exposure is tracked intraday by the desk.",
         "monitoring-without-trigger"),
        ("Exclusions", "Issuers are excluded when they are engaged in thermal coal mining.",
         "exclusion-without-threshold"),
    ],
)  # fmt: skip
def test_open_criteria_are_reported(heading: str, text: str, rule: str) -> None:
    findings = review(document((heading, text)))
    assert rule in rules(findings), [f.rule for f in findings]


@pytest.mark.parametrize(
    ("heading", "text"),
    [
        ("Eligibility", "Issuers need a minimum credit rating of BBB- from S&P."),
        ("Eligibility", "A stock qualifies when it shows adequate free float, at least 25%."),
        ("Eligibility", "Only large-cap names, market cap above USD 10bn, are bought."),
        ("Risk", "Trailing stops at 6% below the high protect every position."),
        ("Risk", "Gross exposure is tracked intraday; above 180% the desk is alerted."),
        ("Exclusions", "Issuers are excluded when they are engaged in thermal coal mining "
         "above 5% of revenue."),
    ],
)  # fmt: skip
def test_criteria_with_their_value_are_fine(heading: str, text: str) -> None:
    found = rules(review(document((heading, text))))
    assert not found & {
        "bound-without-value",
        "open-criterion",
        "term-not-defined",
        "control-without-level",
        "monitoring-without-trigger",
        "exclusion-without-threshold",
    }, found


def test_a_value_given_elsewhere_answers_the_criterion() -> None:
    findings = review(
        document(
            ("Eligibility", "Issuers need a minimum credit rating to enter the portfolio."),
            ("Parameters", "Minimum credit rating: A- (lowest of Moody's, S&P and Fitch)."),
        )
    )
    assert "bound-without-value" not in rules(findings)


def test_unnamed_suppliers_and_dependencies_are_reported() -> None:
    findings = review(
        document(
            ("Inputs", "Closing marks are taken from an external pricing service."),
            ("Signals", "Default risk is estimated with our in-house scoring system."),
            ("Universe", "Names come from the approved watchlist."),
        )
    )
    assert quotes(findings, "unnamed-source") == [
        "Closing marks are taken from an external pricing service."
    ]
    assert len(quotes(findings, "unnamed-dependency")) == 2


def test_a_named_supplier_is_fine_here_or_elsewhere() -> None:
    findings = review(
        document(
            ("Inputs", "Closing marks are taken from the pricing service (ICE Data Services)."),
            ("Signals", "Default risk comes from the risk model."),
            ("Appendix", "The risk model is Moody's EDF, version 9."),
        )
    )
    assert not rules(findings) & {"unnamed-source", "unnamed-dependency"}


def test_contradictory_bounds_on_one_quantity() -> None:
    findings = review(
        document(
            ("Screens", "Free float must be between 15% and 40%."),
            ("Checks", "The free float of a holding is at least 20%."),
        )
    )
    (finding,) = [f for f in findings if f.rule == "contradictory-bounds"]
    assert "15% and 40%" in finding.title and "at least 20%" in finding.title


@pytest.mark.parametrize(
    "second",
    [
        "Free float must be between 15% and 40%.",
        "Existing holdings remain while free float stays above 10%.",
        "The free float is at most 40%.",
    ],
)
def test_consistent_or_buffered_bounds_are_fine(second: str) -> None:
    findings = review(
        document(
            ("Screens", "Free float must be between 15% and 40%."),
            ("Checks", second),
        )
    )
    assert "contradictory-bounds" not in rules(findings)


def test_two_frequencies_and_two_weighting_schemes() -> None:
    findings = review(
        document(
            ("Maintenance", "The basket is rebalanced monthly."),
            ("Operations", "Rebalancing happens every quarter after the close."),
            ("Weights", "Members are equally weighted."),
            ("Caps", "Members are weighted in proportion to their float-adjusted value."),
        )
    )
    assert {"contradictory-frequency", "contradictory-weighting"} <= rules(findings)


def test_a_comparison_scheme_is_not_a_contradiction() -> None:
    findings = review(
        document(
            ("Weights", "Members are weighted by market capitalisation."),
            ("Results", "Compared with an equal-weighted basket, turnover is lower."),
        )
    )
    assert "contradictory-weighting" not in rules(findings)


def test_leverage_and_a_return_target_need_their_downside() -> None:
    findings = review(
        document(
            ("Approach", "The fund borrows to invest, running exposure at 2x net asset value."),
            ("Goal", "We target annual returns of 18% over a cycle."),
        )
    )
    assert {"leverage-risk-undisclosed", "target-without-downside"} <= rules(findings)
    disclosed = review(
        document(
            ("Approach", "The fund borrows to invest, running exposure at 2x net asset value."),
            ("Goal", "We target annual returns of 18% over a cycle."),
            ("Risks", "Leverage doubles losses and margin calls can force sales; investors "
             "may lose capital, and the maximum drawdown in simulation was 41%."),
        )
    )  # fmt: skip
    assert not rules(disclosed) & {"leverage-risk-undisclosed", "target-without-downside"}


def test_instrument_specifics_are_asked_for_where_the_instrument_appears() -> None:
    findings = review(
        document(
            ("Execution", "Exposure is taken through equity index futures."),
            ("Pricing", "Signals use corporate bond spreads over the curve."),
        )
    )
    assert {"futures-roll-unspecified", "bond-conventions-unspecified"} <= rules(findings)
    specified = review(
        document(
            ("Execution", "Exposure is taken through equity index futures, front month, rolled "
             "five days before expiry."),
            ("Pricing", "Signals use corporate bond spreads (OAS, bid side, ACT/365)."),
        )
    )  # fmt: skip
    assert not rules(specified) & {"futures-roll-unspecified", "bond-conventions-unspecified"}


def test_reported_numbers_that_cannot_hold_together() -> None:
    findings = review(
        document(
            ("Samples", "Models are fitted on training data 2003-2014; the hold-out sample runs "
             "2012-2019."),
            ("Results", "Net of costs the Sharpe ratio reaches 62%."),
            ("Mix", "- 55% credit\n- 35% rates"),
        )
    )  # fmt: skip
    assert {"periods-do-not-nest", "ratio-in-percent", "allocations-do-not-sum"} <= rules(findings)


def test_consistent_numbers_are_fine() -> None:
    findings = review(
        document(
            ("Samples", "Models are fitted on training data 2003-2011; the hold-out sample runs "
             "2012-2019."),
            ("Results", "Net of costs the Sharpe ratio reaches 0.62."),
            ("Mix", "- 65% credit\n- 35% rates"),
        )
    )  # fmt: skip
    assert not rules(findings) & {
        "periods-do-not-nest",
        "ratio-in-percent",
        "allocations-do-not-sum",
    }


@pytest.mark.parametrize(
    "sentence",
    [
        "For example, a minimum credit rating could be imposed by a client.",
        "Table 4: minimum credit rating by sleeve.",
        "The unit test checks that zero transaction costs gives gross equal to net returns.",
    ],
)
def test_illustrations_tests_and_captions_are_not_assertions(sentence: str) -> None:
    findings = review(document(("Eligibility", sentence)))
    assert not [f for f in findings if f.evidence is not None and f.severity == "critical"]
    assert "bound-without-value" not in rules(findings)


def test_a_negated_red_flag_does_not_fire() -> None:
    findings = review(document(("Backtest", "Results are not shown gross of trading costs.")))
    assert not [f for f in findings if f.rule == "EX-01/frictionless"]
    asserted = review(document(("Backtest", "Results are shown gross of trading costs.")))
    assert [f for f in asserted if f.rule == "EX-01/frictionless"]


def test_two_problems_in_one_sentence_are_two_findings_and_one_problem_is_one() -> None:
    findings = review(
        document(("Universe", "Select issuers with strong scores from the reference index."))
    )
    assert {"open-criterion", "unnamed-reference-point"} <= rules(findings)


def test_a_statistic_over_past_data_needs_its_window() -> None:
    findings = review(document(("Signal", "Go long when the basis is above its rolling mean.")))
    assert "window-not-given" in rules(findings)
    stated = review(
        document(("Signal", "Go long when the basis is above its rolling mean over 40 days."))
    )
    assert "window-not-given" not in rules(stated)


def test_several_formulas_without_rounding_rules() -> None:
    formulas = (
        ("Level", "Level = Previous Level × (1 + Return)"),
        ("Return", "Return = Sum(Weight × Asset Return)"),
    )

    ir = document(
        *formulas,
        formulas=(
            Formula(text=formulas[0][1], lhs="Level", variables=["Previous Level", "Return"],
                    section_id="s1"),
            Formula(text=formulas[1][1], lhs="Return", variables=["Weight", "Asset Return"],
                    section_id="s2"),
        ),
    )  # fmt: skip
    findings = review(ir)
    assert any(
        f.rule == "rounding-unspecified"
        or (f.rule == "more-not-covered" and "Rounding and precision" in f.detail)
        for f in findings
    )


def test_one_measure_with_two_lookbacks_in_different_sections() -> None:
    findings = review(
        document(
            ("Summary", "Positions follow momentum over the past 9 months."),
            ("Signal", "Momentum is the total return over the past 12 months, skipping one."),
        )
    )
    assert "contradictory-lookback" in rules(findings)
    horizons = review(
        document(("Signal", "Momentum blends the 3-month, 6-month and 12-month momentum."))
    )
    assert "contradictory-lookback" not in rules(horizons)


def test_a_schedule_under_its_heading_counts_as_that_activity() -> None:
    findings = review(
        document(
            ("Summary", "The book is rebalanced weekly."),
            ("Rebalancing", "Targets are traded on the last business day of each month."),
        )
    )
    assert "contradictory-frequency" in rules(findings)


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("We kept the lookback that produced the highest out-of-sample Sharpe ratio.",
         "selected-on-test-data"),
        ("Stocks are ranked on their average volume over the whole sample.",
         "full-sample-information"),
        ("Earnings are used from the quarter-end date of each report.",
         "fundamentals-at-period-end"),
        ("Orders are executed at the same closing price the scores are computed from.",
         "same-price-fill"),
        ("Reported returns exclude all trading costs.", "costs-left-out"),
        ("After a kill the engine reconnects and resumes automatically.", "automatic-restart"),
    ],
)  # fmt: skip
def test_procedures_that_are_wrong_in_themselves(text: str, rule: str) -> None:
    found = rules(review(document(("Method", text))))
    # The checklist's own red flag for the same words is the same finding.
    twins = {"same-price-fill": "DA-04/same-bar-close", "costs-left-out": "EX-01/frictionless"}
    assert rule in found or twins.get(rule) in found, found


@pytest.mark.parametrize(
    "text",
    [
        "The out-of-sample period was never used to choose any setting.",
        "Stocks are ranked on average volume over a rolling 60-day window ending at t-1.",
        "Earnings are used from the quarter-end date plus a 90-day reporting lag.",
        "Orders are executed at the next open after the close the scores use.",
        "Returns are shown after trading costs of 4 bps per side.",
        "After a kill the engine resumes only after the head of trading approves it.",
    ],
)
def test_the_same_procedures_done_right_are_fine(text: str) -> None:
    found = rules(review(document(("Method", text))))
    assert not found & {
        "selected-on-test-data",
        "full-sample-information",
        "fundamentals-at-period-end",
        "same-price-fill",
        "costs-left-out",
        "automatic-restart",
    }, found


def test_optimising_before_a_held_out_period_is_the_right_procedure() -> None:
    findings = review(
        document(
            (
                "Backtest",
                "Lookbacks were optimised by grid search over 2004-2015, and 2016-2023 is held "
                "out as an out-of-sample period.",
            )
        )
    )
    assert "selected-on-test-data" not in rules(findings)


def test_a_sharpe_ratio_that_return_and_volatility_cannot_give() -> None:
    impossible = review(
        document(("Results", "Annual return was 8%, volatility 16%, and the Sharpe ratio 1.9."))
    )
    assert "implausible-ratios" in rules(impossible)
    plausible = review(
        document(("Results", "Annual return was 8%, volatility 16%, and the Sharpe ratio 0.4."))
    )
    assert "implausible-ratios" not in rules(plausible)


def test_many_ambiguous_windows_are_one_finding_that_lists_them() -> None:
    windows = " ".join(
        f"Signal {i} is the {n}-day return." for i, n in enumerate((5, 10, 20, 40, 60, 120, 250))
    )
    findings = review(document(("Signal", windows)))
    (finding,) = [f for f in findings if f.rule == "ambiguous-day-count"]
    assert "'250-day'" in finding.detail and "'10-day'" in finding.detail
    few = review(
        document(("Signal", "Signal A is the 20-day return. Signal B is the 60-day return."))
    )
    assert len([f for f in few if f.rule == "ambiguous-day-count"]) == 2
