"""Procedures the document describes that are wrong in themselves, whatever else it covers:
choosing a model on the test data, ranking or scaling on the full sample, fundamentals used at
their period end, costs left out, trading that resumes on its own after a stop.

These read what the text says it does, so a document that mentions "point-in-time" and
"out-of-sample" elsewhere is still caught when one sentence describes the opposite.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from domain.findings import Category, Severity
from domain.review.context import Context
from domain.review.draft import Draft
from domain.review.screen import screened
from domain.review.text import quote_span

_I = re.IGNORECASE


@dataclass(frozen=True, slots=True)
class _Hazard:
    rule: str
    pattern: re.Pattern[str]
    # The sentence is fine when this also appears in it ("... with a 90-day reporting lag").
    unless: re.Pattern[str] | None
    title: str
    detail: str
    suggestion: str
    category: Category
    severity: Severity
    # True when a checklist red flag can quote the same words for the same problem, so the two
    # merge; False when the finding is about the procedure, apart from any other check on the
    # same words ("quarter-end" is also a calendar question).
    same_words: bool


def _hazard(
    rule: str, pattern: str, unless: str | None, *, same_words: bool = False, **fields: str
) -> _Hazard:
    return _Hazard(
        rule=rule,
        pattern=re.compile(pattern, _I),
        unless=re.compile(unless, _I) if unless else None,
        same_words=same_words,
        **fields,  # type: ignore[arg-type]
    )


_EVALUATION = r"(?:test|testing|hold[- ]?out|out[- ]of[- ]sample|validation|evaluation)"
HAZARDS = (
    _hazard(
        "selected-on-test-data",
        rf"\b(?:chosen|selected|picked|tuned|calibrated|optimi[sz]ed|best|highest|maximi[sz]\w*)\b"
        rf"[^.\n]{{0,80}}\b(?:on|using|from|in|by|over) (?:the )?{_EVALUATION}[- ](?:period|set|"
        rf"sample|data|window|years?)\b|\b(?:best|highest) {_EVALUATION}[- ](?:(?:period|set|"
        rf"sample)[- ])?(?:results?|sharpe|performance|returns?)\b|"
        rf"\b{_EVALUATION}[- ](?:period|set|sample|data)\b[^.\n]{{0,60}}\b(?:to (?:choose|"
        r"select|pick|tune)|for (?:model |parameter )?selection)\b",
        r"\bnever\b|\bnot\b|\bonly (?:once|after)\b|\bbefore (?:the )?test|\bheld out\b|"
        r"\bhold[- ]out as\b|\bset aside\b|\bkept aside\b|\breserved\b|\buntouched\b",
        title="The test data was used to choose the model",
        detail="The text says a setting or model was chosen on the data later reported as "
        "out of sample, so the reported test performance is in-sample and overstated.",
        suggestion="Choose settings on a validation period only, freeze them, then report one "
        "run on an untouched test period; or report the result as in-sample.",
        category="backtest_methodology",
        severity="high",
    ),
    _hazard(
        "full-sample-information",
        r"\b(?:full|entire|whole)[- ](?:sample|period|history)\b[^.\n]{0,60}\b(?:rank\w*|select\w*|"
        r"sort\w*|normali[sz]\w*|standardi[sz]\w*|scal\w*|mean|average|volume|statistics?)\b|"
        r"\b(?:rank\w*|select\w*|sort\w*|normali[sz]\w*|standardi[sz]\w*)\b[^.\n]{0,60}\b(?:full|"
        r"entire|whole)[- ](?:sample|period|history)\b",
        r"\bexpanding\b|\brolling\b|\bpoint[- ]in[- ]time\b|\bonly (?:past|prior)\b",
        title="Selection or scaling uses the full sample",
        detail="Ranking, selecting or normalising on statistics of the whole sample uses "
        "information from after each trade date: a look-ahead bias that flatters the backtest.",
        suggestion="Compute every statistic from data available at the time (expanding or "
        "rolling windows ending at t-1).",
        category="backtest_methodology",
        severity="high",
    ),
    _hazard(
        "fundamentals-at-period-end",
        r"\b(?:fundamentals?|accounting (?:data|figures)|earnings|book values?|financial "
        r"statements?)\b[^.\n]{0,60}\b(?:aligned|matched|dated|used|available|taken)\b[^.\n]{0,30}"
        r"\b(?:to|at|on|from) (?:the )?(?:fiscal )?(?:period|quarter|year)[- ]end\b|"
        r"\b(?:values|data|figures) (?:are|is) (?:aligned|dated|matched) to (?:the )?(?:fiscal )?"
        r"(?:period|quarter|year)[- ]end\b",
        r"\blag\w*\b|\bpublication\b|\breport(?:ing|ed) date\b|\bfiling date\b|\bannouncement\b",
        title="Fundamentals are used from their period end, before they were published",
        detail="Accounts become public weeks or months after the period ends; using them from "
        "the period-end date is a look-ahead bias.",
        suggestion="Date each fundamental value by its publication (filing) date, or apply a "
        "conservative reporting lag such as 90 days.",
        category="backtest_methodology",
        severity="high",
    ),
    _hazard(
        "same-price-fill",
        r"\b(?:filled|executed|traded|fills?)\b[^.\n]{0,30}\b(?:that|the) same (?:closing |close |"
        r"bar's |day's )?(?:price|close|bar|print)\b|\bat the (?:same )?close (?:used|from which|"
        r"on which) (?:the )?signals?\b",
        r"\bnext (?:open|close|bar|day)\b|\bt\s?\+\s?1\b",
        same_words=True,
        title="Trades fill at the price the signal was computed from",
        detail="The signal uses a closing price and the trade is assumed to fill at that same "
        "price, which nobody can do: the backtest trades on information it only has after the "
        "fact (look-ahead).",
        suggestion="Trade at the next open or next close after the signal, or at a later "
        "auction, and model the delay.",
        category="backtest_methodology",
        severity="high",
    ),
    _hazard(
        "costs-left-out",
        r"\b(?:transaction |trading |execution )?costs\b[^.\n]{0,50}\b(?:are|were) (?:not "
        r"(?:included|modell?ed|deducted)|excluded|ignored|omitted|left out)\b|"
        r"\b(?:transaction |trading |execution )?costs (?:are|were) (?:not (?:included|modell?ed|"
        r"deducted|considered|accounted for)|excluded|ignored|omitted|left out)\b|"
        r"\b(?:excluding|without|before|ignoring|net of no) (?:any |all )?(?:transaction |trading )"
        r"costs\b|\bno (?:transaction |trading )?costs are (?:charged|deducted|applied)\b|"
        r"\bexclud\w* (?:any |all )?(?:transaction |trading )?costs\b",
        r"\bnot (?:assumed )?(?:to be )?zero\b|\bas well as\b|\bafter (?:transaction )?costs\b",
        same_words=True,
        title="Results leave transaction costs out",
        detail="Returns are reported without trading costs; turnover decides how much that "
        "overstates them, and a strategy can look profitable only because trading is free.",
        suggestion="Deduct commissions, half-spread and impact (in bps, per side) from every "
        "trade and report both gross and net results.",
        category="costs_and_execution",
        severity="high",
    ),
    _hazard(
        "automatic-restart",
        r"\b(?:automatic(?:ally)?|auto-?)\s*(?:restart\w*|resum\w*|re-?enabl\w*|restor\w*|"
        r"reconnect\w*(?: and resumes?)?)\b|\b(?:restart\w*|resum\w*) (?:trading )?automatically\b",
        r"\b(?:approv\w*|sign[- ]?off|authori[sz]\w*|manual\w*|human|operator confirm\w*)\b",
        title="Trading resumes automatically after a stop",
        detail="After a kill, halt or break the algorithm restarts without anyone approving it, "
        "so the condition that stopped it can repeat at once (cf. RTS 6 Art 12, kill "
        "functionality).",
        suggestion="Require a named person to confirm the cause is fixed and approve the restart, "
        "and record who did.",
        category="risk_controls",
        severity="high",
    ),
)

screened(*(hazard.pattern for hazard in HAZARDS))


def review_hazards(context: Context) -> Iterator[Draft]:
    for hazard in HAZARDS:
        for sentence in context.sentences_for(hazard.pattern):
            match = hazard.pattern.search(sentence.section.text, sentence.start, sentence.end)
            if match is None or (hazard.unless and hazard.unless.search(sentence.text)):
                continue
            span = quote_span(sentence, match.start(), match.end())
            if not hazard.same_words:
                span = span.unfocused()
            yield Draft(
                rule=hazard.rule,
                category=hazard.category,
                severity=hazard.severity,
                title=hazard.title,
                detail=hazard.detail,
                suggestion=hazard.suggestion,
                span=span,
                # The checklist's own red flags speak first when they quote the same words.
                confidence=0.65,
            )
            break
