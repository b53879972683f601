"""What the content itself calls for: risks the strategy takes but never discloses
(leverage, concentration, derivatives, illiquidity, return targets without a downside),
instrument specifics an implementer needs once an instrument appears (futures roll, option
strike and expiry, bond pricing and day count, FX fixing), and validation for the models it
relies on.

Each finding quotes the sentence that creates the need, so the reader sees why it applies.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from domain.findings import Category, Severity
from domain.review.context import Context
from domain.review.draft import Draft
from domain.review.screen import screened
from domain.review.text import Span, quote_span

_I = re.IGNORECASE


@dataclass(frozen=True, slots=True)
class _Need:
    name: str
    trigger: re.Pattern[str]
    # Any of these anywhere in the document answers the need.
    answered: re.Pattern[str]
    title: str
    detail: str
    suggestion: str
    category: Category
    severity: Severity


def _need(name: str, trigger: str, answered: str, **fields: str) -> _Need:
    return _Need(
        name=name,
        trigger=re.compile(trigger, _I),
        answered=re.compile(answered, _I),
        **fields,  # type: ignore[arg-type]
    )


_BONDS = (
    r"\b(?:bond|treasury|gilt|bund|corporate|sovereign) (?:yields?|prices?|spreads?)\b|"
    r"\bcredit spreads?\b|\byield curves?\b|\baccrued interest\b|\b(?:treasury|government|"
    r"corporate|sovereign) (?:notes|bonds)\b(?! futures| \(\d)|\b(?:trend|level|change) of yields\b"
)
# A risk is disclosed when the document pairs it with what can go wrong.
_HARM = (
    r"(?:risks?|loss(?:es)?|lose|amplif\w* (?:the )?loss\w*|margin calls?|forced (?:sales?|"
    r"selling|liquidation)|drawdowns?|downside|adverse|wipe|default)"
)
RISK_NEEDS = (
    _need(
        "leverage-risk-undisclosed",
        r"\bleverage[ds]?\b|\b\d+(?:\.\d+)?\s?x\s+(?:net asset value|NAV|gross|exposure|equity)\b"
        r"|\bborrow\w* to (?:invest|buy|increase)\b|\bon margin\b",
        rf"\bleverage\w*\b[^.\n]{{0,120}}\b{_HARM}|\b{_HARM}\b[^.\n]{{0,120}}\bleverage|"
        r"\bleverage[^.\n]{0,40}\b(?:at most|capped|limited|no more than|not (?:to )?exceed\w*|"
        r"never above|maximum|max\.?)|\b(?:maximum|max\.?) (?:gross |net )?leverage\b|"
        r"\bleverage (?:limit|cap)s?\b",
        title="Leverage is used but its risks are not disclosed",
        detail="The strategy borrows or scales exposure, which multiplies losses and can force "
        "sales at the worst time (margin calls, financing withdrawn), but the document never "
        "says so or limits it.",
        suggestion="Add a risk section: maximum gross and net leverage, how losses scale with "
        "it, financing and margin-call risk, and the de-leveraging rule.",
        category="compliance_gap",
        severity="high",
    ),
    _need(
        "concentration-risk-undisclosed",
        r"\bconcentrat\w+ (?:positions?|portfolio|holdings?|book)\b|\btop \d+ (?:holdings|"
        r"positions|names|stocks)\b|\b(?:few|small number of|handful of) (?:positions|holdings|"
        r"names|stocks)\b",
        rf"\bconcentrat\w*\b[^.\n]{{0,120}}\b{_HARM}|\b{_HARM}\b[^.\n]{{0,120}}\bconcentrat|"
        r"\b(?:position|issuer|single[- ]name) (?:limits?|caps?)\b|\bmaximum weight\b",
        title="Concentration risk is not disclosed",
        detail="Holdings are concentrated in few names, so one issuer's news can move the whole "
        "portfolio; the document neither warns of this nor limits it.",
        suggestion="Disclose the concentration risk and give the limits: maximum weight per "
        "name, minimum number of holdings, and what happens when they are breached.",
        category="compliance_gap",
        severity="high",
    ),
    _need(
        "sector-concentration-undisclosed",
        r"\b(?:[5-9]\d|100)\s?% (?:in |of |to )?(?:the )?(?:[a-z]+ ){0,2}(?:stocks|sectors?|"
        r"industr\w+|shares|equities|companies)\b|\b(?:[5-9]\d|100)\s?% (?:in |to )?(?:technology|"
        r"financials?|energy|health ?care|biotech\w*|real estate|utilities|materials)\b",
        rf"\bsector\w*\b[^.\n]{{0,120}}\b{_HARM}|\b{_HARM}\b[^.\n]{{0,120}}\bsector|"
        r"\bsector (?:limits?|caps?|constraints?|neutral\w*)\b",
        title="Sector concentration risk is not disclosed",
        detail="Most of the portfolio sits in one or two sectors, so a sector shock hits it "
        "whole; the document does not say so or limit sector weights.",
        suggestion="Disclose the sector concentration and state sector limits (e.g. 'no sector "
        "above 35%'), or explain why the concentration is intended.",
        category="compliance_gap",
        severity="high",
    ),
    _need(
        "derivatives-risk-undisclosed",
        r"\b(?:equity|index|call|put|listed|OTC|stock|FX|currency) options?\b|\boptions? (?:on|"
        r"contracts?|positions?|overlay|strategy|premiums?|writing)\b|\bfutures\b|\bswaps?\b|"
        r"\bforward contracts?\b|\bCFDs?\b|\bderivatives?\b|\bwarrants\b",
        rf"\b(?:derivatives?|options?|futures|swaps?)\b[^.\n]{{0,120}}\b(?:{_HARM}|counterparty|"
        r"collateral|margin)\b|\bcounterparty (?:risk|exposure)\b",
        title="Derivatives are used but their risks are not disclosed",
        detail="Derivatives add leverage, margin, counterparty and liquidity risk beyond the "
        "underlying; the document does not describe them.",
        suggestion="Describe the derivative exposures, margin and collateral, counterparty "
        "limits and what happens in a margin call.",
        category="compliance_gap",
        severity="low",
    ),
    _need(
        "illiquidity-risk-undisclosed",
        r"\b(?:illiquid\w*|thinly traded|micro[- ]cap\w*|small[- ]cap\w*|frontier markets?|"
        r"private (?:credit|equity|placements?)|high[- ]yield)\b",
        rf"\b(?:liquidity|illiquid\w*)\b[^.\n]{{0,120}}\b{_HARM}|\b{_HARM}\b[^.\n]{{0,120}}"
        r"\b(?:liquidity|illiquid)|\b(?:ADV|average daily (?:volume|value)|participation)\b",
        title="Liquidity risk is not disclosed",
        detail="The instruments named can be hard to sell in stress, with wide spreads and "
        "delays; the document says nothing about that risk or how positions are sized to it.",
        suggestion="Disclose liquidity risk and size positions to it, e.g. 'no position above "
        "20% of 20-day average daily volume; liquidation within 5 days'.",
        category="compliance_gap",
        severity="medium",
    ),
    _need(
        "target-without-downside",
        r"\b(?:target(?:ed|s)?|aims? to (?:deliver|achieve|return|outperform)|expected) "
        r"(?:annual |annuali[sz]ed |net |gross )?(?:returns?|performance|outperformance|by)\b"
        r"[^.\n]{0,60}\d|\boutperform\w* [^.\n]{0,40}\bby \d",
        r"\b(?:maximum drawdown|drawdowns?|potential loss(?:es)?|loss of (?:capital|principal)|"
        r"capital at risk|may lose|could lose|value at risk|VaR|worst (?:month|year|case)|"
        r"no guarantee|not guaranteed)\b",
        title="Return target given without the downside",
        detail="A return or outperformance target is stated, but nothing about potential "
        "losses, drawdowns or that the target may not be met; readers get only the upside.",
        suggestion="Give the downside next to the target: expected volatility, historical or "
        "simulated maximum drawdown, and a statement that the target is not guaranteed.",
        category="compliance_gap",
        severity="high",
    ),
)

INSTRUMENT_NEEDS = (
    _need(
        "futures-roll-unspecified",
        r"\bfutures\b",
        r"\broll(?:s|ed|ing|over)?\b|\bexpir\w+\b|\bcontinuous contracts?\b|"
        r"\bback[- ]adjust\w*\b|\bfirst notice\b|\blast trading day\b",
        title="Futures are traded but the roll is not specified",
        detail="Which contract month is held and when and how positions roll decide returns "
        "(roll yield, calendar spread costs) and the backtest's continuous price series.",
        suggestion="Give the contract choice and roll rule, e.g. 'front month, rolled 5 "
        "business days before first notice, back-adjusted series for signals'.",
        category="ambiguous_methodology",
        severity="high",
    ),
    _need(
        "option-terms-unspecified",
        r"\b(?:options?|calls?|puts?|straddles?|strangles?) (?:are|is) (?:bought|sold|"
        r"written|traded|purchased|used)\b|\b(?:buy|sell|write|writes|buys|sells) (?:\w+ ){0,2}"
        r"(?:options|calls|puts|straddles|strangles)\b|\boption (?:overlay|strategy|writing)\b",
        r"\bstrikes?\b|\bmoneyness\b|\bdelta\b|\bat[- ]the[- ]money\b|\b(?:ATM|OTM|ITM)\b",
        title="Option strike and expiry rules are not specified",
        detail="Strike selection, expiry, roll and the handling of early exercise or "
        "assignment decide the payoff; the document gives none of them.",
        suggestion="Give strike (e.g. 25-delta), tenor (e.g. 30 days), roll timing, and what "
        "happens on early assignment or exercise.",
        category="ambiguous_methodology",
        severity="high",
    ),
    _need(
        "bond-pricing-unspecified",
        _BONDS,
        r"\b(?:bid|mid|ask|offer)(?:[- ]side)?\b|\bevaluated prices?\b|\bBVAL\b|\bclean price\b|"
        r"\bdirty price\b|\bpricing (?:source|service) (?:is|are)\b|\bcomposite prices?\b",
        title="Bond prices: side and source are not specified",
        detail="Bond prices differ by side (bid, mid, offer), by source (dealer quotes, "
        "evaluated pricing, exchange) and by clean or dirty convention; the document does not "
        "say which it uses, so values and signals cannot be reproduced.",
        suggestion="State the price side, the source and whether prices are clean or dirty, "
        "e.g. 'ICE evaluated bid prices, clean, at 16:00 New York'.",
        category="data_source_unspecified",
        severity="medium",
    ),
    _need(
        "bond-conventions-unspecified",
        _BONDS,
        r"\b(?:30/360|act(?:ual)?/(?:360|365|act)|day[- ]count|yield to (?:maturity|worst)|"
        r"YTM|YTW|OAS|option[- ]adjusted|Z[- ]spread|G[- ]spread|I[- ]spread)\b",
        title="Bond yield and day-count conventions are not specified",
        detail="Yields, spreads and accrued interest depend on the yield measure (to maturity, to "
        "worst, option-adjusted), the benchmark curve and the day-count convention; none are "
        "given.",
        suggestion="State the yield or spread measure, the benchmark curve and the day-count "
        "convention (e.g. ACT/ACT for Treasuries, 30/360 for US corporates).",
        category="incomplete_formula",
        severity="medium",
    ),
    _need(
        "fx-fixing-unspecified",
        r"\bFX\b|\bforeign exchange\b|\bexchange rates?\b|\bcurrenc(?:y|ies) (?:pairs?|"
        r"forwards?|positions?|exposures?|conversion|hedg\w*|trad\w*|legs?)\b|\bconverted "
        r"(?:in)?to (?:USD|EUR|GBP|JPY|the base currency)\b",
        r"\bfix(?:ing)?\b|\bWM/?R\b|\bWM/Reuters\b|\breference rates?\b|\b\d{1,2}(?::\d\d)?\s?"
        r"(?:pm|am)\b|\b\d\d:\d\d\b|\bspot\b|\bsettle\w*\b|\bvalue date\b|\bT\+\d\b",
        title="FX rate source and fixing time are not specified",
        detail="Currency conversion and FX signals depend on which rate is used and when "
        "(e.g. a 4pm London fixing vs a local close); the document does not say.",
        suggestion="Name the FX rate and time (e.g. 'WM/Reuters 4pm London closing spot'), and "
        "the settlement convention for FX trades.",
        category="market_calendar",
        severity="medium",
    ),
)

_MODEL = re.compile(
    r"\b(?:quantitative|statistical|proprietary|internal|machine[- ]learning|ML|risk|"
    r"scoring|pricing|forecasting|predictive|factor) models?\b",
    _I,
)
_VALIDATED = re.compile(
    r"\bvalidat\w+\b|\bback-?test\w*\b|\bout[- ]of[- ]sample\b|\bmodel (?:review|approval|"
    r"governance|risk)\b|\bperformance (?:review|monitoring)\b|\bchallenger\b",
    _I,
)


_RISK_SECTION = re.compile(r"\brisks?\b|\bdisclosures?\b|\bdisclaimer\b|\bwarnings?\b", _I)

screened(
    *(need.trigger for need in RISK_NEEDS + INSTRUMENT_NEEDS),
    *(need.answered for need in RISK_NEEDS + INSTRUMENT_NEEDS),
    _MODEL,
    _VALIDATED,
)


def review_disclosures(context: Context) -> Iterator[Draft]:
    if context.kind == "product":
        return  # a vendor's note is not a specification; its gaps are due-diligence questions
    if context.kind == "strategy":
        risks = list(_needs(context, RISK_NEEDS))
        yield from risks
        if len(risks) >= 2 and not any(_RISK_SECTION.search(s.title) for s in context.ir.sections):
            yield Draft(
                rule="no-risk-disclosure",
                category="compliance_gap",
                severity="high",
                title="No risk disclosure section",
                detail="The strategy takes risks its own text describes (see the findings "
                "above), but the document has no section that discloses risks to readers or "
                "investors.",
                suggestion="Add a risk section covering each risk the strategy takes, with its "
                "limits and what can be lost.",
                confidence=0.6,
            )
    yield from _needs(context, INSTRUMENT_NEEDS)
    if context.kind != "research":
        yield from _unvalidated_model(context)


def _needs(context: Context, needs: tuple[_Need, ...]) -> Iterator[Draft]:
    document = context.document
    for need in needs:
        if document.search(need.answered) is not None:
            continue
        first = _first(context, need.trigger)
        if first is None:
            continue
        sentence, start, end = first
        yield Draft(
            rule=need.name,
            category=need.category,
            severity=need.severity,
            title=need.title,
            detail=need.detail,
            suggestion=need.suggestion,
            # About what the document lacks, not about these words: findings of other checks
            # on the same words stay separate.
            span=quote_span(sentence, start, end).unfocused(),
            confidence=0.6,
        )


def _first(context: Context, pattern: re.Pattern[str]) -> tuple[Span, int, int] | None:
    """The first sentence, outside background prose where possible, that raises the need."""
    fallback = None
    for sentence in context.sentences_for(pattern):
        match = pattern.search(sentence.section.text, sentence.start, sentence.end)
        if match is None:
            continue
        found = (sentence, match.start(), match.end())
        if not context.is_background(sentence.section):
            return found
        fallback = fallback or found
    return fallback


def _unvalidated_model(context: Context) -> Iterator[Draft]:
    if context.document.search(_VALIDATED):
        return
    first = _first(context, _MODEL)
    if first is None:
        return
    sentence, start, end = first
    yield Draft(
        rule="model-without-validation",
        category="missing_governance",
        severity="high",
        title="Models are relied on with no validation or approval process",
        detail="The strategy depends on a model, but the document says nothing about how it "
        "was validated, who approved it, how it is monitored or when it is reviewed.",
        suggestion="Describe the model (inputs, method, outputs), its validation (out-of-"
        "sample tests, independent review), its owner and approver, and its review cycle.",
        span=quote_span(sentence, start, end),
        confidence=0.6,
    )
