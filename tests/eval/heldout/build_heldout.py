"""Write the held-out review documents doc_21 to doc_28 (DOCX) and their answer keys (JSON).

Usage: python tests/eval/heldout/build_heldout.py [OUTPUT_DIR]   (default /tmp/heldout)

The documents are short strategy and index texts written independently of the engine: one
clean, well-specified document and seven with planted problems (undefined thresholds, vague
qualifiers and discretion, unnamed sources and models, contradictions, incomplete formulas,
instrument-specific gaps, missing risk disclosures and references). Each key follows the
schema of the shared corpus (docsense-testdocs/doc_NN_*.json), so score_review.py can score
a review against it:

    python ../shared/eval/score_review.py --docsense .venv/bin/docsense \
        --corpus /tmp/heldout --docs 21-28 -v
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

import docx

CREATED = "2025-06-01T09:00:00"


@dataclass
class Issue:
    severity: str
    category: str
    title: str
    description: str
    section: int
    original_text: str | None
    suggested_fix: str
    confidence: float = 0.9


@dataclass
class Doc:
    document_id: str
    title: str
    complexity: str
    sections: list[tuple[str, list[str]]]
    issues: list[Issue] = field(default_factory=list)
    missing_documents: list[dict] = field(default_factory=list)
    strengths: list[str] = field(default_factory=list)
    formulae: list[str] = field(default_factory=list)
    cross_references: list[str] = field(default_factory=list)


DOCS: list[Doc] = [
    Doc(
        "doc_21_clean_nordic_index",
        "Nordic Large Cap Equal Weight Index Methodology",
        "low",
        [
            (
                "Index Overview",
                [
                    "The Nordic Large Cap Equal Weight Index measures the performance of the "
                    "40 largest companies listed on Nasdaq Stockholm, Nasdaq Copenhagen, Nasdaq "
                    "Helsinki and Oslo Børs. It is calculated in EUR by Example Index Services "
                    "AB, the index administrator, and is intended as a benchmark for passive "
                    "funds.",
                ],
            ),
            (
                "Eligibility",
                [
                    "A company is eligible if it meets all of the following on the selection date:",
                    "- Primary listing on one of the four exchanges named in Section 1.",
                    "- Free float of at least 15% of shares outstanding, as reported by FactSet.",
                    "- Average daily traded value of at least EUR 5 million over the 60 "
                    "trading days before the selection date, from Nasdaq Nordic and Oslo Børs "
                    "official closing prices and volumes.",
                    "The 40 eligible companies with the highest free-float market "
                    "capitalisation are selected.",
                ],
            ),
            (
                "Weighting and Rebalancing",
                [
                    "Each constituent receives a weight of 1/40 (2.5%) at every rebalancing. "
                    "The index is rebalanced quarterly, effective after the close on the third "
                    "Friday of March, June, September and December. The selection date is the "
                    "last trading day of the preceding month. If the third Friday is not a "
                    "trading day on all four exchanges, the rebalancing takes effect after the "
                    "close of the preceding day that is.",
                ],
            ),
            (
                "Calculation",
                [
                    "The index level on day t is I_t = I_{t-1} × (1 + Σ w_i × r_i), where w_i "
                    "is the weight of constituent i at the close of day t-1 and r_i is its "
                    "return in EUR from the close of day t-1 to the close of day t. Official "
                    "closing prices are converted to EUR at the WM/Reuters 16:00 London "
                    "fixing of day t. A trading day is a day on which at least one of the four "
                    "exchanges is open. The base level is 1,000 on 31 December 2019.",
                ],
            ),
            (
                "Corporate Actions, Risks and Governance",
                [
                    "Spin-offs are added at zero price and removed at the next rebalancing. A "
                    "delisted constituent is removed at its last traded price and is not "
                    "replaced before the next rebalancing.",
                    "The index holds only 40 companies in four countries and does not hedge "
                    "currency risk, so returns of non-EUR listings include exchange-rate "
                    "moves.",
                    "The Index Committee of the administrator owns this methodology, reviews "
                    "it annually and announces any change at least 30 days before it takes "
                    "effect.",
                ],
            ),
        ],
        strengths=[
            "Every threshold is numeric and sourced",
            "Holiday rule for the quarterly schedule",
            "Complete index formula with all symbols defined",
            "FX fixing time and source named",
            "Base date and level given",
            "Concentration and currency risk disclosed",
            "Owner, review cycle and change notice stated",
        ],
        formulae=["I_t = I_{t-1} × (1 + Σ w_i × r_i)"],
        cross_references=["Section 1"],
    ),
    Doc(
        "doc_22_undefined_thresholds",
        "European Mid-Cap Quality Equity Strategy",
        "medium",
        [
            (
                "Strategy Overview",
                [
                    "The strategy holds a concentrated portfolio of European companies with "
                    "strong balance sheets and stable earnings. It is managed against the MSCI "
                    "Europe Mid Cap Index and trades on the primary exchange of each stock.",
                ],
            ),
            (
                "Universe",
                [
                    "The universe consists of companies that meet all of the following criteria:",
                    "- Listed in a European Economic Area country, Switzerland or the United "
                    "Kingdom",
                    "- Classified as mid-cap at the annual review",
                    "- Adequate free float",
                    "- The issuer meets a minimum credit quality",
                    "- Sufficient trading liquidity for institutional investors",
                ],
            ),
            (
                "Stock Selection",
                [
                    "Eligible companies are ranked by a quality score equal to the average of "
                    "the cross-sectional z-scores of return on equity, the inverse of net debt "
                    "to EBITDA, and the stability of earnings. Companies with high leverage "
                    "are excluded before ranking. The 50 highest-ranked companies are "
                    "selected.",
                ],
            ),
            (
                "Portfolio Construction",
                [
                    "Selected companies are equally weighted. A single country may not exceed "
                    "a large share of the portfolio. The portfolio is rebalanced "
                    "semi-annually in June and December.",
                ],
            ),
            (
                "Data",
                [
                    "Fundamental data are taken from FactSet and prices from Bloomberg, both "
                    "updated daily.",
                ],
            ),
        ],
        issues=[
            Issue(
                "high",
                "undefined_parameter",
                "Mid-cap classification not defined",
                "The universe requires companies 'classified as mid-cap' but gives no market "
                "capitalisation band, ranking rule or classification source.",
                2,
                "Classified as mid-cap at the annual review",
                "Define mid-cap, e.g. free-float market capitalisation between EUR 2 billion and "
                "EUR 10 billion, or membership of the MSCI Europe Mid Cap Index on the review "
                "date.",
            ),
            Issue(
                "high",
                "undefined_parameter",
                "Free float requirement has no threshold",
                "'Adequate free float' is not quantified, so eligibility cannot be determined.",
                2,
                "Adequate free float",
                "State a minimum, e.g. free float of at least 25% of shares outstanding as "
                "reported by FactSet.",
            ),
            Issue(
                "high",
                "undefined_parameter",
                "Minimum credit quality not specified",
                "The issuer credit requirement names no rating level, agency or treatment of "
                "unrated issuers.",
                2,
                "The issuer meets a minimum credit quality",
                "Specify e.g. a long-term issuer rating of BBB- or better from S&P or Moody's; "
                "unrated issuers are excluded.",
            ),
            Issue(
                "medium",
                "undefined_parameter",
                "Liquidity screen not quantified",
                "'Sufficient trading liquidity' has no measure, threshold or lookback.",
                2,
                "Sufficient trading liquidity for institutional investors",
                "Require e.g. a 3-month median daily traded value of at least EUR 3 million.",
            ),
            Issue(
                "high",
                "undefined_parameter",
                "High leverage exclusion has no cut-off",
                "Companies with 'high leverage' are excluded, but no leverage measure or limit is "
                "given.",
                3,
                "Companies with high leverage are excluded before ranking",
                "Exclude e.g. companies with net debt to EBITDA above 3.5x; financials treated "
                "separately.",
            ),
            Issue(
                "medium",
                "incomplete_formula",
                "Stability of earnings not defined",
                "The quality score uses 'the stability of earnings' without a formula or window.",
                3,
                "the stability of earnings",
                "Define it, e.g. the negative of the standard deviation of annual EPS growth over "
                "the last five fiscal years.",
                0.85,
            ),
            Issue(
                "high",
                "undefined_parameter",
                "Country limit has no value",
                "The country cap is stated as 'a large share' with no percentage.",
                4,
                "A single country may not exceed a large share of the portfolio",
                "State the cap, e.g. no country above 25% of portfolio weight at rebalancing.",
            ),
            Issue(
                "medium",
                "market_calendar",
                "Rebalancing date within the month not specified",
                "Rebalancing is 'in June and December' without a day, cut-off or holiday rule.",
                4,
                "The portfolio is rebalanced semi-annually in June and December",
                "Specify e.g. after the close on the third Friday of June and December, moving "
                "to the preceding trading day if that day is a holiday.",
                0.8,
            ),
        ],
    ),
    Doc(
        "doc_23_vague_discretion",
        "Global Tactical Asset Allocation Strategy",
        "medium",
        [
            (
                "Overview",
                [
                    "The strategy allocates among global equities, government bonds, "
                    "investment grade credit and gold using exchange-traded futures. "
                    "Positions are set monthly from a trend signal and a valuation signal.",
                ],
            ),
            (
                "Signals",
                [
                    "The trend signal is the sign of the 10-month total return of each asset "
                    "class. The valuation signal compares each asset class with its own "
                    "history and is applied where appropriate. The two signals are combined "
                    "with equal weights.",
                ],
            ),
            (
                "Allocation",
                [
                    "Target weights are the strategic weights of 40% equities, 30% government "
                    "bonds, 20% credit and 10% gold, tilted by up to 10 percentage points per "
                    "asset class according to the combined signal. Tilts may be reduced at the "
                    "manager's discretion when markets are unusually volatile.",
                ],
            ),
            (
                "Implementation",
                [
                    "Trades are executed on the customary venues using the usual order types. "
                    "Rebalancing may be deferred if transaction costs are judged to be "
                    "excessive.",
                ],
            ),
            (
                "Oversight",
                [
                    "The portfolio manager reviews the allocation regularly and may override "
                    "the model in exceptional circumstances.",
                ],
            ),
        ],
        issues=[
            Issue(
                "high",
                "ambiguous_methodology",
                "Valuation signal has no definition",
                "The valuation signal 'compares each asset class with its own history' but no "
                "valuation measure, history length or scoring rule is given.",
                2,
                "The valuation signal compares each asset class with its own history",
                "Define the measure per asset class (e.g. CAPE, real yield), the lookback (e.g. "
                "20 years) and the scoring (e.g. percentile rank mapped to -1..+1).",
            ),
            Issue(
                "high",
                "ambiguous_methodology",
                "Condition for applying the valuation signal is vague",
                "'Where appropriate' leaves open when the valuation signal is used at all.",
                2,
                "applied where appropriate",
                "State the rule, e.g. the valuation signal is always applied, or only to asset "
                "classes with at least 20 years of valuation history.",
            ),
            Issue(
                "high",
                "missing_governance",
                "Discretionary reduction of tilts",
                "Tilts can be cut at the manager's discretion with no criteria, approval or "
                "record, making the strategy non-systematic and untestable.",
                3,
                "at the manager's discretion",
                "Replace with a rule, or require documented approval by the investment committee "
                "and a log of every discretionary change.",
            ),
            Issue(
                "high",
                "undefined_parameter",
                "'Unusually volatile' not quantified",
                "No volatility measure or threshold defines when markets are 'unusually volatile'.",
                3,
                "when markets are unusually volatile",
                "Define e.g. VIX above 30 or 20-day realised volatility above twice its 5-year "
                "median.",
            ),
            Issue(
                "medium",
                "costs_and_execution",
                "Execution venues and order types not specified",
                "'Customary venues' and 'usual order types' do not say where or how futures are "
                "traded.",
                4,
                "Trades are executed on the customary venues using the usual order types",
                "Name the exchanges (e.g. CME, Eurex, ICE) and the order types (e.g. limit "
                "orders worked by TWAP over the last hour).",
            ),
            Issue(
                "medium",
                "undefined_parameter",
                "Cost threshold for deferring rebalancing not given",
                "Rebalancing may be deferred if costs are 'judged to be excessive', without a "
                "cost estimate or threshold.",
                4,
                "judged to be excessive",
                "Give a rule, e.g. skip a trade when estimated cost exceeds 10 bps of the traded "
                "notional.",
            ),
            Issue(
                "medium",
                "missing_governance",
                "Review frequency not stated",
                "'Regularly' does not say how often the allocation is reviewed or by whom "
                "beyond the portfolio manager.",
                5,
                "reviews the allocation regularly",
                "State the frequency, e.g. monthly, with quarterly review by the investment "
                "committee.",
                0.8,
            ),
            Issue(
                "high",
                "missing_governance",
                "Model override without conditions or approval",
                "The manager may override the model in 'exceptional circumstances' with no "
                "definition, approval or documentation.",
                5,
                "may override the model in exceptional circumstances",
                "Define the circumstances, require sign-off by the CIO and risk, and record each "
                "override with its rationale.",
            ),
        ],
    ),
    Doc(
        "doc_24_unnamed_sources",
        "Investment Grade Credit Relative Value Strategy",
        "high",
        [
            (
                "Overview",
                [
                    "The strategy buys and sells US dollar investment grade corporate bonds "
                    "that screen as cheap or rich relative to their issuer curve. Trades are "
                    "executed with dealers on the approved counterparty list.",
                ],
            ),
            (
                "Universe",
                [
                    "Eligible bonds are members of the benchmark published by a third-party "
                    "index provider, with at least two years to maturity and an outstanding "
                    "amount of at least USD 500 million.",
                ],
            ),
            (
                "Valuation",
                [
                    "Each bond is scored by our internal scoring model, which combines its "
                    "spread to the issuer curve with a liquidity adjustment. Issuer curves are "
                    "fitted by the risk system each evening. Bond prices are taken from a "
                    "leading pricing service at the end of each day.",
                ],
            ),
            (
                "Trading",
                [
                    "Bonds scoring above 1.5 are bought and bonds scoring below -1.5 are sold, "
                    "subject to the limits in the firm's credit policy. Execution uses the "
                    "dealer's algorithm where available.",
                ],
            ),
            (
                "Hedging",
                [
                    "Spread duration is hedged with Treasury futures using hedge ratios "
                    "supplied by the vendor model.",
                ],
            ),
        ],
        issues=[
            Issue(
                "high",
                "external_dependency",
                "Approved counterparty list not identified",
                "Dealers must be on 'the approved counterparty list', which is neither included "
                "nor identified (owner, approval criteria, review).",
                1,
                "dealers on the approved counterparty list",
                "Name the list and its owner (e.g. Credit Risk Committee counterparty list, "
                "reviewed quarterly) or attach it.",
            ),
            Issue(
                "critical",
                "data_source_unspecified",
                "Benchmark and index provider not named",
                "The universe depends on a benchmark from 'a third-party index provider' that "
                "is not named.",
                2,
                "the benchmark published by a third-party index provider",
                "Name the index, e.g. Bloomberg US Corporate Index, and its provider.",
            ),
            Issue(
                "critical",
                "external_dependency",
                "Internal scoring model not documented",
                "The trading signal comes from 'our internal scoring model' whose inputs, "
                "weights and liquidity adjustment are not described.",
                3,
                "our internal scoring model",
                "Document the scoring formula, or reference a versioned model document that is "
                "supplied with this specification.",
            ),
            Issue(
                "high",
                "incomplete_formula",
                "Issuer curve fitting method not specified",
                "Issuer curves are 'fitted by the risk system' with no curve model, inputs or "
                "minimum number of bonds.",
                3,
                "Issuer curves are fitted by the risk system each evening",
                "Specify the curve model (e.g. Nelson-Siegel on z-spreads), the bonds used and "
                "the minimum of three bonds per issuer.",
            ),
            Issue(
                "high",
                "data_source_unspecified",
                "Pricing source not named",
                "Bond prices come from 'a leading pricing service' that is not identified.",
                3,
                "a leading pricing service",
                "Name the source, e.g. ICE Data Services evaluated prices at 16:00 New York time.",
            ),
            Issue(
                "medium",
                "market_calendar",
                "Pricing time not defined",
                "'At the end of each day' gives no snapshot time or time zone for bond prices.",
                3,
                "at the end of each day",
                "Specify the snapshot time, e.g. 16:00 America/New_York on SIFMA business days.",
                0.8,
            ),
            Issue(
                "high",
                "missing_reference",
                "Credit policy limits not provided",
                "Trading is subject to 'the limits in the firm's credit policy', which are not "
                "stated or attached.",
                4,
                "subject to the limits in the firm's credit policy",
                "State the limits (issuer, sector, rating) or attach the credit policy as an "
                "appendix.",
            ),
            Issue(
                "medium",
                "external_dependency",
                "Dealer execution algorithm unspecified",
                "Execution uses 'the dealer's algorithm' without naming it or the fallback when "
                "it is not available.",
                4,
                "Execution uses the dealer's algorithm where available",
                "Name the execution protocol (e.g. RFQ to at least three dealers on "
                "MarketAxess) and the fallback.",
            ),
            Issue(
                "high",
                "external_dependency",
                "Vendor hedge model not identified",
                "Hedge ratios come from 'the vendor model', which is neither named nor described.",
                5,
                "hedge ratios supplied by the vendor model",
                "Name the vendor and model, or define hedge ratios as spread duration divided "
                "by futures DV01.",
            ),
        ],
    ),
    Doc(
        "doc_25_contradictions",
        "Diversified Commodity Trend Strategy",
        "medium",
        [
            (
                "Overview",
                [
                    "The strategy trades 20 liquid commodity futures on CME, ICE and LME, "
                    "going long or short according to the trend over the past 100 trading "
                    "days. It is rebalanced weekly.",
                ],
            ),
            (
                "Signal",
                [
                    "The trend signal of each market is its total return over the past 120 "
                    "trading days divided by its 60-day volatility of daily returns. A "
                    "position is long when the signal is positive and short when it is "
                    "negative.",
                ],
            ),
            (
                "Position Sizing",
                [
                    "Each market receives an equal share of capital. Positions are then scaled "
                    "so that each market contributes the same risk to the portfolio. Gross "
                    "leverage is kept between 1x and 3x of capital.",
                ],
            ),
            (
                "Rebalancing",
                [
                    "Target positions are recomputed and traded on the first trading day of "
                    "each month, using the NYSE trading calendar.",
                ],
            ),
            (
                "Risk Limits",
                [
                    "Gross leverage must not exceed 2x of capital. Positions are held in the "
                    "front-month contract.",
                ],
            ),
        ],
        issues=[
            Issue(
                "high",
                "inconsistent_content",
                "Two different trend lookbacks",
                "Section 1 says the trend is measured over 100 trading days, Section 2 over 120 "
                "trading days.",
                2,
                "its total return over the past 120 trading days",
                "Use one lookback throughout and state it once in the signal section.",
            ),
            Issue(
                "high",
                "inconsistent_content",
                "Weekly versus monthly rebalancing",
                "Section 1 says the strategy is rebalanced weekly; Section 4 says positions are "
                "traded on the first trading day of each month.",
                4,
                "traded on the first trading day of each month",
                "State a single rebalancing frequency and date rule.",
            ),
            Issue(
                "high",
                "inconsistent_content",
                "Equal capital and equal risk weighting both stated",
                "Positions are said to receive an equal share of capital and also to contribute "
                "equal risk; these are different weighting schemes.",
                3,
                "Each market receives an equal share of capital",
                "Choose one scheme, e.g. inverse-volatility weights so each market contributes "
                "equal risk, and remove the other.",
            ),
            Issue(
                "high",
                "inconsistent_content",
                "Leverage range conflicts with leverage limit",
                "Section 3 allows gross leverage between 1x and 3x; Section 5 caps it at 2x.",
                5,
                "Gross leverage must not exceed 2x of capital",
                "Give one leverage range, e.g. 1x to 2x, in one place.",
            ),
            Issue(
                "high",
                "ambiguous_methodology",
                "No roll schedule for futures",
                "Positions are held in the front-month contract but the document never says "
                "when or how contracts are rolled.",
                5,
                "Positions are held in the front-month contract",
                "Define the roll, e.g. roll over the five trading days ending five days before "
                "first notice or last trading day, whichever is earlier.",
            ),
            Issue(
                "medium",
                "market_calendar",
                "Equity calendar used for commodity futures venues",
                "Trading days follow the NYSE calendar although the futures trade on CME, ICE "
                "and LME, whose holidays differ.",
                4,
                "using the NYSE trading calendar",
                "Use each exchange's trading calendar, and state what happens when one venue is "
                "closed.",
                0.8,
            ),
        ],
    ),
    Doc(
        "doc_26_incomplete_formulas",
        "US Equity Volatility Target Index",
        "high",
        [
            (
                "Index Overview",
                [
                    "The index applies a volatility target of 10% to the S&P 500 Total Return "
                    "Index, allocating between the equity index and cash each day.",
                ],
            ),
            (
                "Volatility Estimate",
                [
                    "Realised volatility is estimated as σ_t = sqrt(λ × σ_{t-1}^2 + (1 − λ) × "
                    "r_t^2), where r_t is the daily log return of the equity index.",
                ],
            ),
            (
                "Equity Exposure",
                [
                    "The equity exposure is E_t = min(TV / σ_{t-L}, E_max), where TV is the "
                    "target volatility.",
                ],
            ),
            (
                "Index Level",
                [
                    "The index level is I_t = I_{t-1} × (1 + E_{t-1} × R_t + (1 − E_{t-1}) × "
                    "c_t − f), where R_t is the daily return of the S&P 500 Total Return "
                    "Index. The base level is 100.",
                ],
            ),
            (
                "Rebalancing",
                [
                    "Exposure is adjusted daily when the new exposure differs from the current "
                    "exposure by more than a buffer.",
                ],
            ),
        ],
        issues=[
            Issue(
                "critical",
                "incomplete_formula",
                "Decay factor λ not defined",
                "The volatility recursion uses λ without giving its value.",
                2,
                "σ_t = sqrt(λ × σ_{t-1}^2 + (1 − λ) × r_t^2)",
                "Give the value, e.g. λ = 0.94, and the initial value σ_0.",
            ),
            Issue(
                "high",
                "incomplete_formula",
                "Volatility not annualised",
                "σ_t is a daily volatility but is compared with an annual 10% target; no "
                "annualisation factor or day count is given.",
                3,
                "E_t = min(TV / σ_{t-L}, E_max)",
                "Annualise, e.g. multiply σ_t by sqrt(252) with 252 NYSE trading days a year.",
            ),
            Issue(
                "high",
                "incomplete_formula",
                "Lag L not defined",
                "The exposure formula uses σ_{t-L} but L is never defined.",
                3,
                "σ_{t-L}",
                "Define the lag, e.g. L = 2 trading days, to reflect data availability.",
            ),
            Issue(
                "critical",
                "incomplete_formula",
                "Maximum exposure E_max not given",
                "E_max caps the equity exposure but its value is not stated.",
                3,
                "E_max",
                "State the cap, e.g. E_max = 150%.",
            ),
            Issue(
                "high",
                "incomplete_formula",
                "Cash rate c_t undefined",
                "The index formula uses c_t for the cash return without naming the rate, its "
                "source or day count.",
                4,
                "(1 − E_{t-1}) × c_t",
                "Define c_t, e.g. the SOFR rate published by the New York Fed on day t-1, "
                "accrued on an Actual/360 basis.",
            ),
            Issue(
                "high",
                "incomplete_formula",
                "Fee f undefined",
                "The index deducts f without its level or accrual convention.",
                4,
                "c_t − f",
                "Define f, e.g. 0.50% a year accrued daily on Actual/365.",
            ),
            Issue(
                "medium",
                "undefined_parameter",
                "Base date missing",
                "The base level of 100 has no base date.",
                4,
                "The base level is 100.",
                "State the base date, e.g. 100 on 31 December 2004.",
                0.8,
            ),
            Issue(
                "medium",
                "undefined_parameter",
                "Rebalancing buffer not quantified",
                "Exposure changes only beyond 'a buffer' whose size is not stated.",
                5,
                "by more than a buffer",
                "Give the buffer, e.g. exposure is changed when it moves by more than 10 "
                "percentage points.",
            ),
        ],
        formulae=[
            "σ_t = sqrt(λ × σ_{t-1}^2 + (1 − λ) × r_t^2)",
            "E_t = min(TV / σ_{t-L}, E_max)",
            "I_t = I_{t-1} × (1 + E_{t-1} × R_t + (1 − E_{t-1}) × c_t − f)",
        ],
    ),
    Doc(
        "doc_27_instrument_gaps",
        "Cross-Asset Hedging Overlay",
        "high",
        [
            (
                "Overview",
                [
                    "The overlay reduces the drawdowns of a balanced pension portfolio using "
                    "equity index futures, equity index options, government bonds and FX "
                    "forwards. It is run by the overlay desk and rebalanced monthly.",
                ],
            ),
            (
                "Equity Futures",
                [
                    "The overlay sells E-mini S&P 500 and Euro Stoxx 50 futures equal to 20% "
                    "of the equity allocation when the S&P 500 closes below its 200-day moving "
                    "average. Contracts are rolled before expiry.",
                ],
            ),
            (
                "Equity Options",
                [
                    "The overlay buys put options on the S&P 500 each month within a premium "
                    "budget of 0.5% of portfolio value per year. Options are chosen to give "
                    "good protection and are held until they are no longer useful.",
                ],
            ),
            (
                "Government Bonds",
                [
                    "The overlay holds 10-year US Treasury notes when the trend of yields is "
                    "down, valued at the market price. Accrued interest is included in the "
                    "return.",
                ],
            ),
            (
                "Currency Hedging",
                [
                    "Foreign currency exposure is hedged back to USD with one-month FX "
                    "forwards, rolled at month-end at the prevailing rate.",
                ],
            ),
        ],
        issues=[
            Issue(
                "high",
                "ambiguous_methodology",
                "Futures roll schedule not specified",
                "'Rolled before expiry' does not say when, over how many days, or into which "
                "contract.",
                2,
                "Contracts are rolled before expiry",
                "Define e.g. roll into the next quarterly contract over the five trading days "
                "ending eight days before expiry.",
            ),
            Issue(
                "critical",
                "undefined_parameter",
                "Option strike selection undefined",
                "'Chosen to give good protection' gives no strike rule (moneyness or delta).",
                3,
                "Options are chosen to give good protection",
                "Specify e.g. 90% moneyness puts, or 25-delta puts, on the third-Friday "
                "monthly expiry.",
            ),
            Issue(
                "high",
                "ambiguous_methodology",
                "Option expiry and exit rule undefined",
                "No expiry is given and options are held 'until they are no longer useful', "
                "which is not a rule.",
                3,
                "held until they are no longer useful",
                "State the tenor (e.g. three-month options) and the exit (e.g. hold to expiry, "
                "or sell when delta falls below 5).",
            ),
            Issue(
                "high",
                "ambiguous_methodology",
                "Bond trend signal not defined",
                "'When the trend of yields is down' has no measure, window or threshold.",
                4,
                "when the trend of yields is down",
                "Define e.g. the 10-year yield below its 50-day moving average at the "
                "rebalancing date.",
            ),
            Issue(
                "high",
                "data_source_unspecified",
                "Bond pricing source not named",
                "Notes are 'valued at the market price' with no source, side (bid/mid) or "
                "snapshot time.",
                4,
                "valued at the market price",
                "Name the source, e.g. Bloomberg BGN mid price at 16:00 New York time.",
            ),
            Issue(
                "medium",
                "market_calendar",
                "Day count for accrued interest missing",
                "Accrued interest is included without its day-count convention.",
                4,
                "Accrued interest is included in the return",
                "State the convention, e.g. Actual/Actual (ICMA) for US Treasury notes.",
                0.85,
            ),
            Issue(
                "high",
                "market_calendar",
                "FX fixing time and source missing",
                "Forwards roll 'at the prevailing rate' at month-end with no fixing source, "
                "time or definition of month-end.",
                5,
                "rolled at month-end at the prevailing rate",
                "Use e.g. the WM/Reuters 16:00 London fixing on the last London business day "
                "of the month.",
            ),
        ],
    ),
    Doc(
        "doc_28_missing_risks_references",
        "Leveraged Frontier Markets Debt Strategy",
        "high",
        [
            (
                "Overview",
                [
                    "The strategy invests in US dollar sovereign and quasi-sovereign bonds of "
                    "frontier market issuers, financed with repo and total return swaps. "
                    "Target leverage is up to 4 times net asset value.",
                ],
            ),
            (
                "Universe",
                [
                    "Eligible issuers are those in the J.P. Morgan NEXT GEM Index and the "
                    "additional countries listed in Annex 3.",
                ],
            ),
            (
                "Portfolio Construction",
                [
                    "Up to 25% of net asset value may be invested in a single issuer. "
                    "Positions are sized by expected carry, as set out in the sizing table in "
                    "Appendix B. Total return swaps are entered into with a single dealer.",
                ],
            ),
            (
                "Valuation and Liquidity",
                [
                    "Bonds are valued at the mid price from Bloomberg BVAL at 16:00 New York "
                    "time. Positions may be held in bonds that trade infrequently.",
                ],
            ),
            (
                "Risk Management",
                [
                    "Risk is monitored daily against the limits in the Risk Framework "
                    "document. Value at risk is computed at a 99% confidence level over a "
                    "10-day horizon.",
                ],
            ),
        ],
        issues=[
            Issue(
                "critical",
                "missing_reference",
                "Annex 3 referenced but not included",
                "Additional eligible countries are 'listed in Annex 3', which is not part of "
                "the document.",
                2,
                "the additional countries listed in Annex 3",
                "Attach Annex 3 or list the additional countries in the universe section.",
                0.95,
            ),
            Issue(
                "critical",
                "missing_reference",
                "Appendix B sizing table missing",
                "Position sizing depends on 'the sizing table in Appendix B', which is absent.",
                3,
                "as set out in the sizing table in Appendix B",
                "Include Appendix B or state the sizing rule in Section 3.",
                0.95,
            ),
            Issue(
                "high",
                "missing_reference",
                "Risk Framework document not provided",
                "Risk limits are in 'the Risk Framework document', which is not attached or "
                "identified by version.",
                5,
                "the limits in the Risk Framework document",
                "State the limits here or reference a versioned, attached Risk Framework.",
            ),
            Issue(
                "high",
                "risk_controls",
                "Leverage risk not disclosed or limited",
                "Leverage of up to 4x NAV via repo and swaps is stated without disclosing loss "
                "amplification, margin calls, financing roll risk or a deleveraging rule.",
                1,
                "Target leverage is up to 4 times net asset value",
                "Add a leverage risk disclosure and rules for margin calls and forced "
                "deleveraging, e.g. cut to 2x when drawdown exceeds 10%.",
            ),
            Issue(
                "high",
                "risk_controls",
                "Issuer concentration risk not addressed",
                "A single issuer may reach 25% of NAV (about 100% of NAV at 4x leverage) with "
                "no concentration risk disclosure.",
                3,
                "Up to 25% of net asset value may be invested in a single issuer",
                "Disclose concentration and default risk, and set a lower limit on "
                "leverage-adjusted issuer exposure.",
            ),
            Issue(
                "high",
                "risk_controls",
                "Single swap counterparty risk not disclosed",
                "All total return swaps face one dealer, with no counterparty risk disclosure, "
                "collateral terms or limit.",
                3,
                "Total return swaps are entered into with a single dealer",
                "Disclose counterparty risk, require daily collateral and at least two approved "
                "swap counterparties.",
            ),
            Issue(
                "high",
                "risk_controls",
                "Illiquidity risk not disclosed",
                "Holding bonds that 'trade infrequently' is stated without liquidity risk "
                "disclosure, liquidity limits or valuation fallback.",
                4,
                "Positions may be held in bonds that trade infrequently",
                "Disclose liquidity risk and set limits, e.g. at least 50% of NAV liquidable "
                "within five days; state the valuation fallback when BVAL is stale.",
            ),
            Issue(
                "medium",
                "incomplete_formula",
                "VaR method not specified",
                "Value at risk gives confidence and horizon but no method, lookback or scaling.",
                5,
                "Value at risk is computed at a 99% confidence level over a 10-day horizon",
                "State the method, e.g. historical simulation over 500 trading days, 1-day "
                "VaR scaled by sqrt(10).",
                0.8,
            ),
        ],
        missing_documents=[
            {
                "referenced_name": "Annex 3 - Additional Eligible Countries",
                "reference_location": "Section 2",
                "purpose": "Lists countries eligible beyond the NEXT GEM Index",
                "criticality": "critical",
            },
            {
                "referenced_name": "Appendix B - Sizing Table",
                "reference_location": "Section 3",
                "purpose": "Maps expected carry to position size",
                "criticality": "critical",
            },
            {
                "referenced_name": "Risk Framework",
                "reference_location": "Section 5",
                "purpose": "Risk limits the strategy is monitored against",
                "criticality": "high",
            },
        ],
        cross_references=["Annex 3", "Appendix B", "Risk Framework"],
    ),
]


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower()


def _words(doc: Doc) -> int:
    return sum(len(p.split()) for _, paragraphs in doc.sections for p in paragraphs) + len(
        doc.title.split()
    )


def _check(doc: Doc) -> None:
    words = _words(doc)
    assert 120 <= words <= 400, (doc.document_id, words)
    if doc.document_id.startswith("doc_21"):
        assert not doc.issues
    else:
        assert 5 <= len(doc.issues) <= 10, doc.document_id
    for issue in doc.issues:
        assert 1 <= issue.section <= len(doc.sections), (doc.document_id, issue.title)
        if issue.original_text:
            paragraphs = doc.sections[issue.section - 1][1]
            assert any(_norm(issue.original_text) in _norm(p) for p in paragraphs), (
                doc.document_id,
                issue.original_text,
            )


def write_docx(doc: Doc, path: Path) -> None:
    document = docx.Document()
    document.add_heading(doc.title, level=1)
    for number, (heading, paragraphs) in enumerate(doc.sections, start=1):
        document.add_heading(f"{number}. {heading}", level=2)
        for paragraph in paragraphs:
            document.add_paragraph(paragraph)
    document.save(str(path))


def answer_key(doc: Doc) -> dict:
    issues = [
        {
            "severity": i.severity,
            "category": i.category,
            "title": i.title,
            "description": i.description,
            "location": f"Section {i.section} - {doc.sections[i.section - 1][0]}",
            "original_text": i.original_text,
            "suggested_fix": i.suggested_fix,
            "confidence": i.confidence,
        }
        for i in doc.issues
    ]
    key: dict = {
        "document_id": doc.document_id,
        "title": doc.title,
        "version": "1.0",
        "created_date": CREATED,
        "complexity": doc.complexity,
        "issue_count": len(issues),
        "issues": issues,
    }
    if doc.strengths:
        key["strengths"] = doc.strengths
    if doc.missing_documents:
        key["missing_documents"] = doc.missing_documents
    critical = sum(1 for i in doc.issues if i.severity == "critical")
    key["self_containment_score"] = round(max(0.1, 0.95 - 0.1 * len(doc.missing_documents)), 2)
    key["implementability_score"] = round(max(0.1, 0.98 - 0.07 * len(issues) - 0.05 * critical), 2)
    key["expected_semantic_ir"] = {
        "definitions": [],
        "formulae": [
            {"id": f"formula_{n}", "name": None, "expression": e, "variables": [], "parameters": []}
            for n, e in enumerate(doc.formulae, start=1)
        ],
        "tables": [],
        "cross_references": [
            {"id": f"ref_{n}", "target": t} for n, t in enumerate(doc.cross_references, start=1)
        ],
    }
    return key


def main(argv: list[str]) -> int:
    out = Path(argv[1] if len(argv) > 1 else "/tmp/heldout")
    out.mkdir(parents=True, exist_ok=True)
    for doc in DOCS:
        _check(doc)
        write_docx(doc, out / f"{doc.document_id}.docx")
        with open(out / f"{doc.document_id}.json", "w", encoding="utf-8") as handle:
            json.dump(answer_key(doc), handle, indent=2, ensure_ascii=False)
            handle.write("\n")
        print(f"{doc.document_id}: {_words(doc)} words, {len(doc.issues)} issues")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
