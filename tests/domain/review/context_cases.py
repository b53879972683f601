"""Context cases for quoted findings: words that look like a problem but are not one here.

Each case is a few sections of a small, realistic strategy document and a predicate on the
findings of the rules review: no (or, for positive controls, at least one) finding of the
given categories whose quote or title contains `needle` (case-insensitive), optionally
restricted to some severities. Negative cases cover negation, hypotheticals and worked
examples, descriptions of tests, quoted counter-examples, figurative verbs, captions and
appendices that do exist, stated day-count conventions, recursions and symbols defined in
the same sentence. Positive controls are the same kinds of wording where the finding is
right.

Written without reading the engine's lexicons, on purpose.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import get_args

from domain.findings import Category

COSTS = frozenset({"costs_and_execution"})
PARAMETER = frozenset({"undefined_parameter", "ambiguous_methodology"})
REFERENCE = frozenset({"missing_reference"})
CALENDAR = frozenset({"market_calendar"})
FORMULA = frozenset({"incomplete_formula", "ambiguous_methodology", "inconsistent_content"})
SOURCE = frozenset({"data_source_unspecified", "external_dependency"})
VAGUE = frozenset({"ambiguous_methodology", "undefined_parameter", "clarity"})
RISK = frozenset({"risk_controls", "undefined_parameter"})
ANY = frozenset(get_args(Category))


@dataclass(frozen=True)
class ContextCase:
    name: str
    kind: str
    sections: tuple[tuple[str, str], ...]
    needle: str
    categories: frozenset[str]
    present: bool = False
    severities: frozenset[str] | None = field(default=None)


def _neg(name: str, kind: str, needle: str, categories: frozenset[str], *sections, **kw):
    return ContextCase(name, kind, tuple(sections), needle, categories, present=False, **kw)


def _pos(name: str, kind: str, needle: str, categories: frozenset[str], *sections, **kw):
    return ContextCase(name, kind, tuple(sections), needle, categories, present=True, **kw)


NEGATIVE: list[ContextCase] = [
    # negation
    _neg(
        "costs-not-zero",
        "negation",
        "zero",
        COSTS,
        (
            "Costs",
            "Costs are not assumed to be zero: every trade pays 2 bps of commission and half "
            "the quoted spread.",
        ),
    ),
    _neg(
        "never-free",
        "negation",
        "free",
        COSTS,
        (
            "Costs",
            "Unlike many published studies, the backtest never treats trading as free; it "
            "charges 3 bps a side.",
        ),
    ),
    _neg(
        "no-zero-slippage",
        "negation",
        "zero slippage",
        COSTS,
        (
            "Costs",
            "We do not assume zero slippage; fills are one tick worse than the decision price.",
        ),
    ),
    _neg(
        "no-leverage",
        "negation",
        "leverage",
        RISK,
        ("Risk", "The strategy does not use leverage or derivatives; gross exposure is 100%."),
    ),
    _neg(
        "no-third-party",
        "negation",
        "third-party",
        SOURCE,
        (
            "Data",
            "Daily prices come from Bloomberg; no third-party index provider is involved.",
        ),
    ),
    _neg(
        "no-discretion",
        "negation",
        "discretion",
        VAGUE,
        (
            "Rebalancing",
            "No discretion is used: the rebalance is computed and sent by the production "
            "system without manual changes.",
        ),
    ),
    # hypotheticals and worked examples
    _neg(
        "example-zero-costs",
        "hypothetical",
        "zero transaction costs",
        COSTS,
        (
            "Costs",
            "For example, a naive simulation that assumed zero transaction costs would "
            "overstate the Sharpe ratio by about 0.4; ours charges 3 bps per trade.",
        ),
    ),
    _neg(
        "if-merely-capped",
        "hypothetical",
        "capped",
        PARAMETER,
        (
            "Position limits",
            "If positions were merely capped without a number, one stock could dominate the "
            "book; here the cap is 5% of NAV per name.",
        ),
    ),
    _neg(
        "example-threshold",
        "hypothetical",
        "threshold of 2",
        PARAMETER,
        (
            "Signal",
            "For example, a threshold of 2 would admit about 5% of days; the production "
            "threshold is fixed at 2.5 standard deviations.",
        ),
    ),
    _neg(
        "say-mid-cap",
        "hypothetical",
        "mid-cap",
        PARAMETER,
        (
            "Changes",
            "If the committee ever wished to add, say, a mid-cap sleeve, a new version of "
            "this document would have to be approved first.",
        ),
    ),
    # descriptions of tests
    _neg(
        "unit-test-zero-costs",
        "test-description",
        "zero costs",
        COSTS,
        ("Testing", "The unit test checks that zero costs gives gross = net."),
    ),
    _neg(
        "regression-zero-volume",
        "test-description",
        "zero volume",
        ANY,
        (
            "Testing",
            "A regression test feeds the engine a day with zero volume and checks that no "
            "order is created.",
        ),
        severities=frozenset({"critical", "high"}),
    ),
    _neg(
        "integration-no-liquidity",
        "test-description",
        "no liquidity",
        ANY,
        (
            "Testing",
            "The integration test replays 16 March 2020 with no liquidity at the touch and "
            "confirms that the kill switch halts the algorithm.",
        ),
        severities=frozenset({"critical"}),
    ),
    # quoted counter-examples
    _neg(
        "quoted-capped",
        "quoted-counter-example",
        "positions are capped",
        PARAMETER,
        (
            "Drafting rules",
            'Reviewers reject wording such as "positions are capped" with no number; in this '
            "document every cap has a value, for instance 5% of NAV per name.",
        ),
    ),
    _neg(
        "quoted-discretion",
        "quoted-counter-example",
        "discretion",
        VAGUE,
        (
            "Drafting rules",
            'Phrases such as "at the manager\'s discretion" do not appear in the rules: every '
            "decision is mechanical.",
        ),
    ),
    _neg(
        "withdrawn-wording",
        "quoted-counter-example",
        "zero transaction costs",
        COSTS,
        (
            "Change history",
            'An earlier draft said "results assume zero transaction costs"; that wording was '
            "withdrawn and costs are now charged at 2 bps per trade.",
        ),
    ),
    # figurative words
    _neg(
        "capped-scope",
        "figurative",
        "capped",
        PARAMETER,
        (
            "Limitations",
            "Computational limits capped the scope of the study, so only large caps were "
            "simulated.",
        ),
    ),
    _neg(
        "ambitions-capped",
        "figurative",
        "capped",
        PARAMETER,
        (
            "Limitations",
            "Our ambitions were capped by the short data history available for the asset class.",
        ),
    ),
    _neg(
        "history-limited",
        "figurative",
        "limited",
        RISK,
        ("Limitations", "The thin history of the market limited how far the research could go."),
    ),
    # captions and appendices that do exist
    _neg(
        "figure-caption",
        "caption",
        "Figure 10",
        REFERENCE,
        ("Results", "Figure 10 shows that cumulative returns flattened after 2021."),
        (
            "Charts",
            "![Cumulative returns](figure10.png)\n\n"
            "Figure 10: Cumulative returns of the strategy, 2005-2024",
        ),
    ),
    _neg(
        "caption-before-mention",
        "caption",
        "Figure 2",
        REFERENCE,
        ("Charts", "Figure 2: Drawdowns of the strategy and the benchmark"),
        ("Results", "As Figure 2 shows, the deepest drawdown came in 2008."),
    ),
    _neg(
        "table-caption",
        "caption",
        "Table 2",
        REFERENCE,
        (
            "Results",
            "Table 2 shows yearly returns.\n\nTable 2: Yearly returns\n\n"
            "| Year | Return |\n|---|---|\n| 2023 | 5.1% |\n| 2024 | 7.4% |",
        ),
    ),
    _neg(
        "appendix-present",
        "caption",
        "Appendix A",
        REFERENCE,
        ("Parameters", "The full parameter list is set out in Appendix A."),
        (
            "Appendix A: Parameter list",
            "Lookback 252 NYSE trading days; entry threshold 1.5; stop-loss 8%.",
        ),
    ),
    _neg(
        "section-present",
        "caption",
        "Section 3",
        REFERENCE,
        ("Orders", "The limits in Section 3 apply to every order."),
        ("Limits", "No order may exceed USD 5 million or 5% of average daily volume."),
    ),
    # stated day-count conventions
    _neg(
        "daycount-same-sentence",
        "day-count",
        "12-month",
        CALENDAR,
        ("Signal", "Momentum is the 12-month return, counted as 252 NYSE trading days."),
    ),
    _neg(
        "daycount-document-convention",
        "day-count",
        "60-day",
        CALENDAR,
        (
            "Conventions",
            "Returns use 252 trading days a year, and every window is counted in NYSE "
            "trading days.",
        ),
        (
            "Risk model",
            "Volatility is the 60-day standard deviation of daily returns, annualised with "
            "the square root of 252.",
        ),
    ),
    _neg(
        "daycount-sessions",
        "day-count",
        "3-month",
        CALENDAR,
        ("Signal", "The 3-month lookback is measured in Eurex sessions, 63 of them."),
    ),
    _neg(
        "daycount-calendar-days",
        "day-count",
        "30 calendar days",
        CALENDAR,
        ("Exit", "Every position is closed after 30 calendar days."),
    ),
    # recursions and symbols defined in the same sentence
    _neg(
        "recursion-with-definition",
        "formula",
        "x_{t-1}",
        FORMULA,
        (
            "Inventory model",
            "The inventory follows x_t = x_{t-1} + w_t, where w_t is the signed order flow "
            "on day t and x_0 = 0.",
        ),
    ),
    _neg(
        "ewma-recursion",
        "formula",
        "v_{t-1}",
        FORMULA,
        (
            "Risk model",
            "The variance estimate is updated as v_t = 0.94 * v_{t-1} + 0.06 * r_t^2, where "
            "r_t is the daily log return.",
        ),
    ),
    _neg(
        "symbols-in-sentence",
        "formula",
        "R - B",
        frozenset({"incomplete_formula"}),
        ("Signal", "The signal S is the 12-month return R minus the sector return B, S = R - B."),
    ),
    _neg(
        "let-n",
        "formula",
        "1/N",
        frozenset({"incomplete_formula"}),
        ("Weights", "Let N be the number of index constituents; each weight is w = 1/N."),
    ),
    _neg(
        "where-clause",
        "formula",
        "(r - m)",
        frozenset({"incomplete_formula"}),
        (
            "Signal",
            "The score is z = (r - m) / s, where r is the stock's 20-day return, m the "
            "cross-sectional mean of r and s its cross-sectional standard deviation.",
        ),
    ),
]


POSITIVE: list[ContextCase] = [
    _pos(
        "zero-costs",
        "costs",
        "zero transaction costs",
        COSTS,
        ("Backtest", "Backtest results assume zero transaction costs."),
    ),
    _pos(
        "capped-no-value",
        "undefined-cap",
        "capped",
        PARAMETER,
        ("Position limits", "Positions are capped."),
    ),
    _pos(
        "appendix-missing",
        "missing-reference",
        "Appendix D",
        REFERENCE,
        ("Universe", "The universe is defined in Appendix D."),
    ),
    _pos(
        "figure-missing",
        "missing-reference",
        "Figure 7",
        REFERENCE,
        ("Results", "Figure 7 shows the drawdowns of the strategy."),
    ),
    _pos(
        "table-missing",
        "missing-reference",
        "Table 5",
        REFERENCE,
        ("Weights", "Table 5 lists the sector caps."),
    ),
    _pos(
        "daycount-missing",
        "day-count",
        "12-month",
        CALENDAR,
        ("Signal", "Momentum is the 12-month return."),
    ),
    _pos(
        "lookback-days",
        "day-count",
        "60 days",
        CALENDAR,
        ("Signal", "The lookback is 60 days."),
    ),
    _pos(
        "undefined-symbol",
        "formula",
        "w_t",
        frozenset({"incomplete_formula"}),
        ("Inventory model", "The inventory follows x_t = x_{t-1} + w_t."),
    ),
    _pos(
        "reasonable-size",
        "vague",
        "reasonable size",
        VAGUE,
        ("Position limits", "Positions are limited to a reasonable size."),
    ),
    _pos(
        "approved-list",
        "unnamed-source",
        "approved counterparty list",
        SOURCE,
        ("Counterparties", "Counterparties must be on the approved counterparty list."),
    ),
    _pos(
        "adequate-free-float",
        "undefined-threshold",
        "adequate free float",
        PARAMETER,
        ("Universe", "Stocks must have adequate free float."),
    ),
    _pos(
        "third-party-provider",
        "unnamed-source",
        "third-party index provider",
        SOURCE,
        ("Data", "Data are taken from a third-party index provider."),
    ),
]


CASES: list[ContextCase] = NEGATIVE + POSITIVE
