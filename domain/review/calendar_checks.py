"""Market-calendar problems in the sentences that fix dates and windows: day counts that do not
say trading or calendar, month-ends that do not say which day, roll rules that do not say
which market, and data from several markets aligned without a time zone."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import replace

from domain.review.checklist import EXCHANGES, RULES_BY_ID
from domain.review.context import Context
from domain.review.coverage import is_covered
from domain.review.draft import Draft
from domain.review.screen import screened
from domain.review.text import Span, clause, flexible, quote_span

_I = re.IGNORECASE
_PERIOD = re.compile(r"\b(?P<n>\d+)[- ](?P<unit>days?|months?|weeks?|years?)\b", _I)
_QUALIFIED = re.compile(
    r"(?:trading|business|calendar|working|exchange|settlement|NYSE|LSE)\s*$|^\s*(?:of\s+)?"
    r"(?:trading|business|calendar|working)\b",
    _I,
)
_SIGNAL_WORDS = re.compile(
    r"\breturns?\b|\bmomentum\b|\bvolatil\w*|\blook-?back\b|\bwindow\b|\bcorrelation\b|"
    r"\bcovariance\b|\bmoving average\b|\bz-?score\b|\bbeta\b|\bsignal\b|\bdrawdown\b",
    _I,
)
_DATA_WORDS = re.compile(
    r"\bvolume\b|\bprices?\b|\b(?-i:ADV)\b|\bhistory\b|\btrading\b|\bdata\b|\baverage\b|"
    r"\bturnover\b|\bliquidity\b",
    _I,
)
_DAY_CONVENTION = re.compile(
    r"\b(?:day counts?|days|periods|windows|look-?backs?)\b[^.\n]{0,50}\b(?:are|refer to|"
    r"means?|denote|counted in|measured in)\s+(?:\w+\s+)?(?:trading|business|calendar) days\b",
    _I,
)
_MONTH_END = re.compile(
    flexible(
        r"\b(?:last|first|final) (?:day|date) of (?:each|the|every) (?:month|quarter|year)\b|"
        r"\b(?:month|quarter|year)[- ]end\b"
    ),
    _I,
)
_ROLL = re.compile(
    flexible(
        r"\bnext (?:available|possible|valid|open|practicable) (?:day|date|business day|"
        r"trading day|opportunity)\b|\bnearest (?:business|trading|available) day\b"
    ),
    _I,
)
_REGIONS = (
    r"\bU\.?S\.?\b|\bUnited States\b|\bAmerican\b",
    r"\bU\.?K\.?\b|\bBritish\b|\bUnited Kingdom\b",
    r"\bJapan(?:ese)?\b",
    r"\bEurope(?:an)?\b|\bEurozone\b|\beuro area\b",
    r"\bChin(?:a|ese)\b",
    r"\bHong Kong\b",
    r"\bGerman(?:y)?\b",
    r"\bFrench\b|\bFrance\b",
    r"\bCanad(?:a|ian)\b",
    r"\bAustralian?\b",
    r"\bSwiss\b|\bSwitzerland\b",
    r"\bKorean?\b",
    r"\bIndian?\b",
    r"\bAsian?\b",
)
_REGION_PATTERNS = tuple(re.compile(pattern) for pattern in _REGIONS)
_ALIGNMENT = re.compile(
    flexible(
        r"\bcommon trading days\b|\bacross (?:all )?(?:markets|exchanges|time ?zones)\b|"
        r"\bdifferent (?:markets|time ?zones|calendars|exchanges)\b|\beach market'?s\b"
    ),
    _I,
)
_EXCHANGE = re.compile(EXCHANGES)


def review_calendar(context: Context) -> Iterator[Draft]:
    yield from _day_counts(context)
    yield from _once(context, _MONTH_END, _month_end)
    yield from _once(context, _ROLL, _roll)
    yield from _alignment(context)


# "N trading days" anywhere fixes the document's convention for every window in it.
_COUNTED_ANYWHERE = re.compile(
    r"\b(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten|twenty|sixty|ninety)\s+"
    r"(?:[A-Z][\w&]*\s+)?(?:trading|business|exchange)\s+days\b|\btrading sessions\b|"
    r"\b(?:windows?|lookbacks?|periods?) (?:are|is) (?:counted|measured) in (?:trading|business) "
    r"days\b",
    re.IGNORECASE,
)
# "1-month implied volatility", "3-month forward": an instrument's tenor, not a lookback.
_TENOR = re.compile(
    r"\b\d+[- ](?:day|week|month|year)s?\s+(?:implied|forwards?|futures|options?|"
    r"deposits?|bills?|rates?|tenor|maturity|swaps?|LIBOR|OIS)\b",
    re.IGNORECASE,
)
_COUNTED_IN_SENTENCE = re.compile(
    r"\b\d+\s+(?:[A-Z][\w&]*\s+)?(?:trading|business|exchange|calendar)\s+days\b|"
    r"\b(?:[A-Z][\w&]*\s+)?(?:trading\s+)?sessions\b[^.\n]{0,20}\d|\d+\s+(?:[A-Z][\w&]*\s+)?sessions\b"
)

screened(
    _PERIOD, _MONTH_END, _ROLL, *_REGION_PATTERNS, _ALIGNMENT, _DAY_CONVENTION, _COUNTED_ANYWHERE
)


_SEPARATE_WINDOWS = 6


def _day_counts(context: Context) -> Iterator[Draft]:
    """Each ambiguous window, or, when there are many, one finding for the first that lists
    the others: the convention is missing once, not once per window."""
    if context.document.search(_DAY_CONVENTION) or context.document.search(_COUNTED_ANYWHERE):
        return
    windows = list(_ambiguous_windows(context))
    if len(windows) <= _SEPARATE_WINDOWS:
        yield from (draft for _, draft in windows)  # a short list: each is its own question
        return
    (_, first), rest = windows[0], windows[1:]
    others = ", ".join(dict.fromkeys(f"'{words}'" for words, _ in rest))
    yield replace(first, detail=f"{first.detail} Also: {others}.")


def _ambiguous_windows(context: Context) -> Iterator[tuple[str, Draft]]:
    """Each ambiguous window's words and its finding."""
    for sentence in context.sentences_for(_PERIOD):
        text = sentence.section.text
        for match in _PERIOD.finditer(text, sentence.start, sentence.end):
            before = text[
                max(sentence.start, match.start() - 20) : match.end() - len(match.group("unit"))
            ]
            after = text[match.end() : match.end() + 12]
            if _QUALIFIED.search(before) or _QUALIFIED.search(after):
                continue
            unit = match.group("unit").lower().rstrip("s")
            around = clause(sentence, match.start(), match.end())
            signal = _SIGNAL_WORDS.search(around.text) is not None
            if not signal and (unit != "day" or not _DATA_WORDS.search(around.text)):
                continue
            if unit == "day" and _EXCHANGE.search(sentence.text):
                continue
            if _COUNTED_IN_SENTENCE.search(sentence.text) or _TENOR.search(sentence.text):
                # "the 12-month return, counted as 252 NYSE trading days" states its count.
                continue
            words = match.group()
            if unit == "day":
                title = f"'{words}' does not say trading or calendar days"
                days = int(match.group("n"))
                why = f"{days} calendar days is about {round(days * 252 / 365)} trading days"
            else:
                title = f"'{words}' window does not say how it is counted"
                why = (
                    "a calendar month, 21 trading days and a month-end-to-month-end window "
                    "give different values"
                )
            yield (
                words,
                Draft(
                    rule="ambiguous-day-count",
                    category="market_calendar",
                    severity="high" if signal else "medium",
                    title=title,
                    detail=f"'{words}' can be read as calendar or trading {unit}s ({why}), and no "
                    "calendar is named for counting them or for holidays inside the window.",
                    suggestion="Say 'N trading days on the <exchange> calendar, ending at t-1' (or "
                    "calendar days), and state it once for the whole document.",
                    span=quote_span(sentence, match.start(), match.end()),
                    checklist_id="MC-01",
                ),
            )
            break


def _once(
    context: Context,
    pattern: re.Pattern[str],
    build: Callable[[Context, Span, re.Match[str]], Draft],
) -> Iterator[Draft]:
    for sentence in context.sentences_for(pattern):
        match = pattern.search(sentence.section.text, sentence.start, sentence.end)
        if match is not None:
            yield build(context, sentence, match)
            return


def _no_time_zone(context: Context) -> bool:
    return not is_covered(RULES_BY_ID["MC-03"], context)


def _month_end(context: Context, sentence: Span, match: re.Match[str]) -> Draft:
    words = " ".join(match.group().split())
    zone = " nor in which time zone the day ends" if _no_time_zone(context) else ""
    return Draft(
        rule="ambiguous-schedule-date",
        category="market_calendar",
        severity="high",
        title=f"'{words}' does not say calendar or trading day",
        detail=f"'{words}' fixes when the strategy trades, but the document does not say whether "
        f"it is the last calendar day or the last trading day, on which exchange's calendar,"
        f"{zone or ' or how early closes are treated'}.",
        suggestion="Name the day exactly, e.g. 'the last NYSE trading day of the month, at "
        "the 16:00 America/New_York close'.",
        span=quote_span(sentence, match.start(), match.end()),
        checklist_id="MC-01",
    )


def _roll(context: Context, sentence: Span, match: re.Match[str]) -> Draft:
    words = " ".join(match.group().split())
    return Draft(
        rule="ambiguous-roll-convention",
        category="market_calendar",
        severity="high",
        title=f"Roll rule '{words}' does not say available where",
        detail=f"'{words}' leaves open which market's calendar decides that a day is available; "
        "for instruments on several exchanges each implementation can pick a different day.",
        suggestion="State the convention and calendar, e.g. 'the next day that is a trading "
        "day on every exchange in the universe (following convention)'.",
        span=quote_span(sentence, match.start(), match.end()),
        checklist_id="MC-02",
    )


_MARKET_DATA = re.compile(
    r"\b(?:returns?|prices?|data|series|closes|quotes|fixings?|align\w*|correlat\w*|"
    r"combin\w*|signals?)\b",
    _I,
)


def _alignment(context: Context) -> Iterator[Draft]:
    if not _no_time_zone(context):
        return
    best: tuple[int, Span] | None = None
    for sentence, patterns in context.screen(*_REGION_PATTERNS, _ALIGNMENT):
        regions = sum(1 for p in patterns if p is not _ALIGNMENT and p.search(sentence.text))
        aligned = _ALIGNMENT in patterns and _ALIGNMENT.search(sentence.text)
        score = regions + (2 if aligned else 0)
        if not aligned and not _MARKET_DATA.search(sentence.text):
            continue  # "clients across Europe and Asia" combines no data
        if score >= 2 and (best is None or score > best[0]):
            best = (score, sentence)
    if best is None:
        return
    sentence = best[1]
    yield Draft(
        rule="cross-market-alignment",
        category="market_calendar",
        severity="high",
        title="Data from several markets is aligned without calendars or time zones",
        detail="This sentence combines markets that close at different times and keep different "
        "holidays, but the document gives no time zone, cut-off or rule for a day that is a "
        "holiday in one market only.",
        suggestion="Name each market's calendar and closing time (with time zone), and the rule "
        "for days open in one market but not another (drop, carry forward, or use the last "
        "common close).",
        span=quote_span(sentence, sentence.start, sentence.end),
        checklist_id="MC-03",
    )
