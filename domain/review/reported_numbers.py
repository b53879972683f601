"""Numbers checked against each other: reported performance figures that cannot hold
together (a Sharpe ratio in percent, a Calmar ratio implying an impossible return, one metric
stated twice with two values), allocations that should sum to 100%, and sample periods that
should nest (training, test and holdout inside the backtest, test after training).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

from domain.review.context import Context
from domain.review.draft import Draft
from domain.review.screen import screened
from domain.review.text import Span, normalise, quote_span

_I = re.IGNORECASE
_VALUE = r"(?P<value>-?\d+(?:\.\d+)?)\s?(?P<pct>%|percent\b)?"
_LINK = (
    r"(?:\s+(?:ratio|rate))?\s*(?:of|is|was|=|:|at|reach(?:es|ed)?|equals?|comes? to|came to|"
    r"stands at|around|about|≈|~|\|)?\s*"
)
_METRICS = {
    "Sharpe ratio": r"sharpe(?:\s+ratio)?",
    "Sortino ratio": r"sortino(?:\s+ratio)?",
    "Calmar ratio": r"calmar(?:\s+ratio)?",
    "Information ratio": r"information\s+ratio",
    "Maximum drawdown": r"max(?:imum|\.)?\s+drawdown",
    "Annual return": r"(?:annual(?:i[sz]ed)?|yearly)\s+return|CAGR",
    "Volatility": r"(?:annual(?:i[sz]ed)?\s+)?volatility",
    "Win rate": r"(?:win|hit)\s+rate",
    "Accuracy": r"(?:classification\s+|directional\s+|prediction\s+)?accuracy",
}


def _metric_pattern(index: int, pattern: str) -> str:
    value = _VALUE.replace("value", f"v{index}").replace("pct", f"p{index}")
    return rf"\b(?P<m{index}>{pattern})\b{_LINK}{value}"


_METRIC = re.compile(
    "|".join(_metric_pattern(index, pattern) for index, pattern in enumerate(_METRICS.values())),
    _I,
)
_NAMES = list(_METRICS)
# Two values for one metric are a comparison, not a contradiction, when the sentence says so.
_DISTINGUISHED = re.compile(
    r"\b(?:in[- ]sample|out[- ]of[- ]sample|train\w*|test\w*|validation|holdout|gross|net|"
    r"before|after|benchmark|vs\.?|versus|compared|comparison|respectively|baseline|each|per|"
    r"between|from|to|range|ranges|ranging|increase\w*|decrease\w*|improv\w*|fell|rose|"
    r"(?:19|20)\d\d|strategy [A-Z]|portfolio [A-Z]|variant|alternative|scenario|"
    r"target|minimum|maximum|at least|at most|below|above|exceed\w*|threshold|limit|cap)\b",
    _I,
)


@dataclass(frozen=True, slots=True)
class _Reported:
    metric: str
    value: float
    percent: bool
    span: Span
    words: str
    distinguished: bool


def _reported(context: Context) -> list[_Reported]:
    found = []
    for sentence in context.sentences_for(_METRIC):
        text = sentence.section.text
        matches = list(_METRIC.finditer(text, sentence.start, sentence.end))
        # A sentence listing many figures compares them; its values are not contradictions.
        distinguished = _DISTINGUISHED.search(sentence.text) is not None or len(matches) > 2
        for match in matches:
            index = next(i for i in range(len(_NAMES)) if match.group(f"m{i}") is not None)
            found.append(
                _Reported(
                    metric=_NAMES[index],
                    value=float(match.group(f"v{index}")),
                    percent=match.group(f"p{index}") is not None,
                    span=quote_span(sentence, match.start(), match.end()),
                    words=" ".join(match.group().split()),
                    distinguished=distinguished,
                )
            )
    return found


def review_reported_numbers(context: Context) -> Iterator[Draft]:
    reported = _reported(context)
    yield from _ratio_in_percent(reported)
    yield from _stated_twice(reported)
    yield from _implied_return(reported)
    yield from _allocations(context)
    yield from _periods(context)


def _ratio_in_percent(reported: list[_Reported]) -> Iterator[Draft]:
    for item in reported:
        if item.percent and item.metric.endswith("ratio"):
            yield Draft(
                rule="ratio-in-percent",
                category="inconsistent_content",
                severity="high",
                title=f"{item.metric} is given in percent ('{item.words}')",
                detail=f"A {item.metric.lower()} is a pure number (return per unit of risk); "
                f"'{item.words}' leaves the reader guessing whether it means "
                f"{item.value:g} or {item.value / 100:g}, which changes its meaning entirely.",
                suggestion="Give the ratio as a number with its basis, e.g. 'annualised Sharpe "
                "ratio 0.85 (daily returns, risk-free rate deducted)'.",
                span=item.span,
                checklist_id="CL-03",
                confidence=0.8,
            )


def _stated_twice(reported: list[_Reported]) -> Iterator[Draft]:
    by_metric: dict[str, list[_Reported]] = defaultdict(list)
    for item in reported:
        if not item.distinguished:
            by_metric[item.metric].append(item)
    for metric, items in by_metric.items():
        first = items[0]
        other = next((i for i in items[1:] if i.value != first.value), None)
        if other is None or other.span.overlaps(first.span):
            continue
        yield Draft(
            rule="metric-stated-twice",
            category="inconsistent_content",
            severity="high",
            title=f"{metric} is stated twice with different values: {first.value:g} and "
            f"{other.value:g}",
            detail=f"'{normalise(first.span.text)}' ({first.span.section.label}) and "
            f"'{normalise(other.span.text)}' ({other.span.section.label}) report the same "
            "figure differently, and nothing says which sample or variant each refers to.",
            suggestion="Report each figure once, with its sample, period and variant, in one "
            "results table that the text refers to.",
            span=other.span,
            checklist_id="CL-04",
            confidence=0.6,
        )


def _implied_return(reported: list[_Reported]) -> Iterator[Draft]:
    """Calmar = annual return / maximum drawdown: with both ratio and drawdown given, the
    implied return must be plausible and match any stated return."""
    single = {}
    for item in reported:
        single.setdefault(item.metric, item)
    yield from _sharpe_against_return_and_volatility(single)
    calmar, drawdown = single.get("Calmar ratio"), single.get("Maximum drawdown")
    if calmar is None or drawdown is None or drawdown.value == 0:
        return
    implied = calmar.value * abs(drawdown.value)
    stated = single.get("Annual return")
    problem = None
    if implied > 100:
        problem = f"implies an annual return of {implied:.0f}%"
    elif stated is not None and abs(stated.value - implied) > max(2.0, 0.3 * abs(implied)):
        problem = f"implies an annual return of {implied:.1f}%, not the {stated.value:g}% stated"
    if problem is None:
        return
    yield Draft(
        rule="implausible-ratios",
        category="inconsistent_content",
        severity="high",
        title=f"Calmar ratio and maximum drawdown do not fit together: {problem}",
        detail=f"'{calmar.words}' with '{drawdown.words}' {problem}; at least one of the "
        "reported figures is wrong or measured on a different basis.",
        suggestion="Recompute the performance table from one return series and state the "
        "basis (period, frequency, annualisation) of every ratio.",
        span=calmar.span,
        checklist_id="BT-06",
        confidence=0.7,
    )


def _sharpe_against_return_and_volatility(single: dict[str, _Reported]) -> Iterator[Draft]:
    """Sharpe ~ (return - risk-free) / volatility: a ratio far above return / volatility cannot
    hold (a risk-free rate only lowers it); far below it needs a risk-free rate that large."""
    sharpe, annual, volatility = (
        single.get("Sharpe ratio"),
        single.get("Annual return"),
        single.get("Volatility"),
    )
    if sharpe is None or annual is None or volatility is None or sharpe.percent:
        return
    if not (annual.percent and volatility.percent) or volatility.value <= 0:
        return
    implied = annual.value / volatility.value
    if sharpe.value <= implied + max(0.3, 0.25 * implied):
        return
    yield Draft(
        rule="implausible-ratios",
        category="inconsistent_content",
        severity="high",
        title=f"Sharpe ratio {sharpe.value:g} exceeds return over volatility ({implied:.2f})",
        detail=f"'{annual.words}' and '{volatility.words}' allow a Sharpe ratio of at most "
        f"{implied:.2f} (before deducting any risk-free rate), but the document reports "
        f"'{sharpe.words}'; one of the figures is wrong or measured on another basis.",
        suggestion="Recompute the performance table from one return series and state the "
        "period, frequency and annualisation of every figure.",
        span=sharpe.span,
        checklist_id="BT-06",
        confidence=0.7,
    )


_ALLOCATION_LINE = re.compile(
    r"^\s*(?:[-*•]\s*)?(?P<value>\d+(?:\.\d+)?)\s?%\s+(?:in\s+|to\s+)?(?P<what>[A-Za-z][^\n]{0,60})$",
    re.M,
)


def _allocations(context: Context) -> Iterator[Draft]:
    """Lines that each give a share ("- 70% technology stocks") should add up to 100%."""
    for section in context.sections:
        text = section.section.text
        lines = list(_ALLOCATION_LINE.finditer(text))
        if len(lines) < 2:
            continue
        total = sum(float(m.group("value")) for m in lines)
        if abs(total - 100) <= 0.5 or not 50 <= total <= 150:
            continue
        first = lines[0]
        sentence = section.sentence_at(first.start("value"))
        yield Draft(
            rule="allocations-do-not-sum",
            category="inconsistent_content",
            severity="high",
            title=f"Allocations add up to {total:g}%, not 100%",
            detail=f"The {len(lines)} shares listed in {section.section.label} sum to "
            f"{total:g}%; either a bucket is missing or a figure is wrong.",
            suggestion="Make the allocations sum to 100% or name the remainder (cash, other).",
            span=quote_span(sentence, first.start("value"), first.end()),
            checklist_id="SL-08",
            confidence=0.75,
        )


_YEAR = r"(?P<{n}>(?:19|20)\d\d)"
_PERIOD = re.compile(
    r"\b(?P<role>in[- ]sample|training|train|out[- ]of[- ]sample|test(?:ing)?|validation|"
    r"hold[- ]?out|backtest(?:ing)?|sample)(?:\s+(?:period|set|window|sample|data))?\b"
    r"[^.\n]{0,50}?"
    + _YEAR.format(n="start")
    + r"(?:-\d\d)?\s*(?:-|–|—|to|through|until|and)\s*"
    + _YEAR.format(n="end"),
    _I,
)
_ROLE = {"in-sample": "training", "insample": "training", "in sample": "training",
         "training": "training", "train": "training", "out-of-sample": "test",
         "out of sample": "test", "outofsample": "test", "test": "test", "testing": "test",
         "validation": "validation", "holdout": "test", "hold-out": "test", "hold out": "test",
         "backtest": "backtest", "backtesting": "backtest", "sample": "backtest"}  # fmt: skip

screened(_METRIC, _PERIOD)


def _periods(context: Context) -> Iterator[Draft]:
    periods: dict[str, tuple[int, int, Span]] = {}
    for sentence in context.sentences_for(_PERIOD):
        text = sentence.section.text
        for match in _PERIOD.finditer(text, sentence.start, sentence.end):
            role = _ROLE.get(" ".join(match.group("role").lower().split()))
            start, end = int(match.group("start")), int(match.group("end"))
            if role is None or end < start:
                continue
            span = quote_span(sentence, match.start(), match.end())
            periods.setdefault(role, (start, end, span))
    training, test = periods.get("training"), periods.get("test")
    if training and test and test[0] < training[1] and training[0] < test[1]:
        yield _period_draft(
            "Test period overlaps the training period",
            f"Training runs {training[0]}-{training[1]} and the test {test[0]}-{test[1]}: the "
            "years they share were seen while fitting, so the test is not out of sample.",
            test[2],
        )
    backtest = periods.get("backtest")
    if backtest:
        for role in ("training", "test", "validation"):
            inner = periods.get(role)
            if inner and (inner[0] < backtest[0] or inner[1] > backtest[1]):
                yield _period_draft(
                    f"The {role} period lies outside the backtest period",
                    f"The backtest covers {backtest[0]}-{backtest[1]} but the {role} period is "
                    f"{inner[0]}-{inner[1]}; the periods do not nest, so it is unclear which "
                    "data the results use.",
                    inner[2],
                )


def _period_draft(title: str, detail: str, span: Span) -> Draft:
    return Draft(
        rule="periods-do-not-nest",
        category="backtest_methodology",
        severity="high",
        title=title,
        detail=detail,
        suggestion="Give one table of sample periods (training, validation, test, holdout) "
        "with exact dates, and keep the test after the training data.",
        span=span,
        checklist_id="BT-02",
        confidence=0.75,
    )
