"""Vague parameters are quoted where they stand, and only when no number is given anywhere."""

from __future__ import annotations

import pytest
from review_builders import document, quoted, review

VAGUE = [
    ("vague-threshold", "Volatility is below the threshold.", "Volatility threshold"),
    ("vague-limit", "Beta is less than the maximum allowed.", "Maximum beta"),
    ("vague-limit", "Liquidity exceeds the minimum requirement.", "Minimum liquidity"),
    ("vague-threshold", "Market cap is above the cutoff.", "Market cap cutoff"),
    ("cap-without-value", "Each position is capped to prevent concentration.", "cap"),
    ("enforced-without-value", "A minimum trade size is enforced.", "enforced"),
    ("vague-window", "Returns are measured over the lookback period.", "Lookback period"),
    ("limits-without-values", "Sector concentration limits apply.", "Limits"),
    ("vague-frequency", "Weights are rebalanced periodically.", "Rebalancing frequency"),
    ("vague-frequency", "The model is recalibrated from time to time.", "frequency"),
    ("vague-qualifier", "Only stocks with sufficient liquidity are bought.", "sufficient"),
    ("costs-not-quantified", "Transaction costs are taken into account.", "costs"),
    ("deferred-to-practice", "Splits are handled according to market practice.", "practice"),
]


def selection(text: str, *more: tuple[str, str]) -> list:
    return review(document(("Stock Selection", text), *more))


@pytest.mark.parametrize(("rule", "sentence", "title"), VAGUE, ids=[v[1] for v in VAGUE])
def test_vague_parameter_is_quoted(rule: str, sentence: str, title: str) -> None:
    (finding,) = quoted(selection(sentence), rule)
    assert finding.evidence.quote == sentence
    assert finding.evidence.section == "1 Stock Selection"
    assert title.lower() in finding.title.lower()
    assert finding.severity in ("critical", "high", "medium")


@pytest.mark.parametrize(
    "sentence",
    [
        "Volatility is below the threshold of 18% annualised.",
        "Beta is less than the maximum allowed (0.8).",
        "Each position is capped at 5% of NAV.",
        "Weights are rebalanced monthly on the last NYSE trading day.",
        "Only stocks with 20-day ADV above USD 10 million are bought.",
        "Transaction costs of 3 bps per side are deducted.",
    ],
)
def test_number_in_the_clause_silences_it(sentence: str) -> None:
    findings = selection(sentence)
    assert not [f for f in findings if f.evidence and f.rule.startswith(("vague", "cap", "cost"))]


def test_value_given_elsewhere_silences_it() -> None:
    findings = selection(
        "Volatility is below the threshold.",
        ("Parameters", "The volatility threshold is 18% annualised over 60 days."),
    )
    assert not quoted(findings, "vague-threshold")


def test_severity_follows_impact() -> None:
    selection_rule = quoted(selection("Volatility is below the threshold."), "vague-threshold")
    background = quoted(
        review(document(("Overview", "Volatility is kept below the threshold."))),
        "vague-threshold",
    )
    schedule = quoted(selection("Weights are rebalanced at regular intervals."), "vague-frequency")
    assert selection_rule[0].severity == "critical"
    assert schedule[0].severity == "high"
    assert background[0].severity == "low"


def test_comparison_with_an_undefined_quantity() -> None:
    (finding,) = quoted(
        selection("Dividend growth must be greater than the average of its peers."),
        "undefined-comparison",
    )
    assert "average of its peers" in finding.title
    assert finding.severity == "critical"
    assert not quoted(selection("Dividend growth must be greater than 3%."), "undefined-comparison")


def test_unnamed_benchmark() -> None:
    findings = review(document(("Objective", "The portfolio aims to outperform the benchmark.")))
    (finding,) = quoted(findings, "unnamed-reference-point")
    assert finding.title == "Benchmark is never named"
    named = review(
        document(
            ("Objective", "The portfolio aims to outperform the benchmark."),
            ("Benchmark", "The benchmark is the MSCI World Net Total Return Index."),
        )
    )
    assert not quoted(named, "unnamed-reference-point")


def test_two_checks_on_the_same_words_are_one_finding() -> None:
    findings = selection("Stocks must show sufficient liquidity.")
    located = [f for f in findings if f.evidence is not None]
    assert [f.title for f in located] == ["'sufficient liquidity' is never quantified"]


def test_two_problems_in_one_sentence_are_two_findings() -> None:
    findings = selection(
        "Returns over 20 days are ranked, and volatility stays below the threshold."
    )
    rules = {f.rule for f in findings if f.evidence is not None}
    assert {"ambiguous-day-count", "vague-threshold"} <= rules
