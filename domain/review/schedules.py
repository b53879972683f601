"""When things happen, across markets: a schedule with no time of day or time zone, and
windows counted in days over several markets with no rule for their different holidays."""

from __future__ import annotations

import re
from collections.abc import Iterator

from domain.review.context import Context
from domain.review.draft import Draft
from domain.review.screen import screened
from domain.review.text import Span

_I = re.IGNORECASE
_SCHEDULE = re.compile(
    r"\b(?:rebalanc\w*|reconstitut\w*|reweight\w*|trades? (?:are|is) (?:placed|executed))\b"
    r"[^.\n]{0,60}?\b(?P<f>daily|weekly|monthly|quarterly|semi-?annually|annually|"
    r"month-?end|quarter-?end|year-?end|last (?:business |trading )?day)\b|"
    r"\b(?P<f2>daily|weekly|monthly|quarterly|semi-?annually|annually)\b[^.\n]{0,30}"
    r"\brebalanc\w*",
    _I,
)
_TIME_OF_DAY = re.compile(
    r"\b\d{1,2}[:.]\d\d\b|\b\d{1,2}\s?(?:am|pm)\b|\b(?:at|after|before|on) the (?:close|open)\b|"
    r"\b(?:closing|opening) (?:prices?|auction)\b|\bclose of (?:business|trading)\b|"
    r"\b(?-i:UTC|GMT|CET|CEST|ET|EST|EDT|BST|JST|HKT)\b|\b(?:London|New York|Tokyo|Frankfurt) "
    r"time\b|\btime zone\b|\b[A-Z][a-z]+/[A-Z][a-z_]+\b|\bend[- ]of[- ]day\b|\bEOD\b",
    _I,
)
_MARKETS = re.compile(
    r"\b(?:multi-?asset|cross-?asset|multi-?market|several markets|"
    r"(?:US|U\.S\.|European|Japanese|UK|Asian|Chinese|German|emerging)\s+(?:and|,)\s+"
    r"(?:US|U\.S\.|European|Japanese|UK|Asian|Chinese|German|emerging))\b|"
    r"\b(?:US|European|Japanese|UK|Asian)\b[^.\n]{0,40}\b(?:US|European|Japanese|UK|Asian)\b",
    _I,
)
_DAY_WINDOW = re.compile(r"\b\d+\s*(?:-\s*)?days?\b", _I)
_HOLIDAYS = re.compile(
    r"\bholidays?\b|\bexchange calendars?\b|\btrading calendars?\b|"
    r"\bcommon (?:trading|business) days?\b|\bunion of\b|\bintersection of\b|\bforward[- ]fill\w*",
    _I,
)

screened(_SCHEDULE, _TIME_OF_DAY, _MARKETS, _DAY_WINDOW, _HOLIDAYS)


def review_schedules(context: Context) -> Iterator[Draft]:
    if not context.document.search(_TIME_OF_DAY):
        yield from _untimed_schedule(context)
    if context.document.search(_MARKETS) or _MARKETS.search(context.ir.title):
        yield from _windows_across_markets(context)


def _untimed_schedule(context: Context) -> Iterator[Draft]:
    for sentence in context.sentences_for(_SCHEDULE):
        match = _SCHEDULE.search(sentence.section.text, sentence.start, sentence.end)
        if match is None:
            continue
        group = "f" if match.group("f") else "f2"
        focus = (match.start(group), match.end(group))
        yield Draft(
            rule="schedule-without-time",
            category="market_calendar",
            severity="medium",
            title="Time of day and time zone of the schedule are not stated",
            detail="The schedule says on which day trades happen but not at what time or in "
            "which time zone, nor which prices are used; for instruments on several exchanges "
            "that changes the prices and the fills.",
            suggestion="State the time and zone and the prices used, e.g. 'orders at 15:50 "
            "America/New_York, using the official close of the previous trading day'.",
            span=Span(sentence.section, sentence.start, sentence.end, focus),
            checklist_id="MC-03",
            confidence=0.55,
        )
        return


def _windows_across_markets(context: Context) -> Iterator[Draft]:
    if context.document.search(_HOLIDAYS) and not _only_alignment(context):
        return
    for sentence in context.sentences_for(_DAY_WINDOW):
        if context.is_background(sentence.section) or not _DAY_WINDOW.search(sentence.text):
            continue
        # The sentence as a whole: different holidays per market, not the words "60 days".
        yield Draft(
            rule="holidays-across-markets",
            category="market_calendar",
            severity="medium",
            title="Holiday handling across markets is not specified",
            detail="Windows are counted in days over assets that trade on different exchange "
            "calendars; the document does not say whose holidays apply, or how a day on which "
            "one market is closed is treated.",
            suggestion="Say which calendar counts the window (e.g. 'union of NYSE and TSE "
            "trading days, prices carried forward on local holidays').",
            span=sentence.unfocused(),
            checklist_id="MC-02",
            confidence=0.5,
        )
        return


def _only_alignment(context: Context) -> bool:
    """ "Align using common trading days" names a rule for pairs of series, not for windows."""
    mentions = [m.group().lower() for m in context.document.finditer(_HOLIDAYS)]
    return bool(mentions) and all("common" in m for m in mentions)
