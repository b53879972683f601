"""Criteria that decide an outcome but carry no value: a judgement word on a measurable
quantity ("sufficient market depth", "strong scores"), a bound with no number ("minimum
credit rating"), a control with no level ("stop losses are in place"), an action with no
size ("tilt weights toward..."), monitoring with no trigger, an exclusion with no threshold.

Each is reported only where the document states a rule (not in background prose), when the
clause has no number and no other sentence, table row or parameter gives that quantity one.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from domain.findings import Category, Severity
from domain.review.checklist import lexicon
from domain.review.context import Context, content_words
from domain.review.draft import Draft
from domain.review.screen import screened
from domain.review.terms import alternation
from domain.review.text import Span, clause, has_number, quote_span
from domain.review.vague import role, subject

_I = re.IGNORECASE


@dataclass(frozen=True, slots=True)
class _Kind:
    rule: str
    category: Category
    title: str
    detail: str
    suggestion: str
    confidence: float = 0.6


QUALIFIERS = lexicon("judgement_qualifiers")
QUANTITIES = lexicon("measurable_quantities")
_JUDGEMENT = re.compile(
    rf"\b(?P<q>{alternation(QUALIFIERS)})\s+(?:[a-z-]+\s+){{0,2}}?"
    rf"(?P<n>{alternation(QUANTITIES)})\b(?!\s*(?:of|above|below|over|under|>|<|≥|≤)?\s*[\d$€£])"
    r"(?<!material changes)(?<!material change)",
    _I,
)
# A bound named without its number: "minimum credit rating", "maximum position size".
_BOUND = re.compile(
    rf"\b(?P<q>minimum|maximum|min\.|max\.)\s+(?:[a-z-]+\s+){{0,2}}?"
    rf"(?P<n>{alternation(QUANTITIES)}|position size|holding|allocation|participation|age)\b",
    _I,
)
# Terms of art that mean different things to different providers until pinned down.
_TERM_OF_ART = re.compile(
    r"\b(?P<n>(?:large|mid|small|micro|mega)[- ]cap(?:itali[sz]ation)?s?|blue[- ]chips?|"
    r"investment[- ]grade|high[- ]yield|sub[- ]investment[- ]grade|"
    r"(?:emerging|developed|frontier) markets?|market[- ]neutral(?:ity)?)\b",
    _I,
)
_TERM_PINNED = re.compile(
    r"\b(?:S&P|Moody'?s|Fitch|DBRS|MSCI|FTSE|Russell|STOXX|classification|defined as|means|"
    r"dollar[- ]neutral|beta[- ]neutral|sector[- ]neutral|net exposure|i\.e\.)",
)
_NEUTRAL_PINNED = re.compile(
    r"\bhedge ratios?\b|\b(?:beta|dollar|sector)[- ]neutral\w*\b|\bbeta[- ]hedg\w*", _I
)
# A universe drawn from a named size index settles what "large-cap" means.
_SIZE_PINNED = re.compile(
    r"\b(?-i:S&P|Russell|MSCI|FTSE|STOXX|Nikkei|TOPIX|Nasdaq|Dow Jones)\b[^.\n]{0,20}\d|"
    r"\bmarket cap\w*\b[^.\n]{0,30}\d",
    _I,
)
# A risk control named without its level.
_CONTROL = re.compile(
    r"\b(?P<n>stop[- ]loss(?:es)?|stop losses|take[- ]profits?|trailing stops?|loss limits?|"
    r"drawdown limits?|position limits?|exposure limits?|risk limits?|concentration limits?|"
    r"volatility targets?|target volatility|leverage limits?)\b",
    _I,
)
# An action whose size decides the portfolio: "tilt weights toward", "leverage is adjusted".
_ACTION = re.compile(
    r"\b(?P<n>tilt(?:s|ed|ing)?|overweight(?:s|ed|ing)?|underweight(?:s|ed|ing)?|"
    r"(?:adjust|reduc|scal|cut|trimm?|increas)(?:e|es|ed|ing|s)?(?: back| down| up)?)\b"
    r"(?=[^.;\n]{0,60}\b(?:weights?|leverage|exposures?|positions?|allocations?|"
    r"holdings?|gross|net)\b)|"
    r"\b(?:weights?|leverage|exposures?|positions?|allocations?) (?:is|are) (?P<n2>adjusted|"
    r"reduced|scaled(?: back| down)?|cut|trimmed|increased|tilted)\b",
    _I,
)
# A statistic over past data named without its window: "exceeds its historical average".
_WINDOWLESS = re.compile(
    r"\b(?P<n>(?:historical|long[- ]term|trailing|rolling|moving|recent|past) (?:average|mean|"
    r"median|volatility|range|levels?|highs?|lows?|norms?)|moving averages?|rolling windows?)\b",
    _I,
)
# Discretion: who decides, when, within which bounds, is left open.
_DISCRETION = re.compile(
    r"\b(?P<n>at (?:the |its |their |his |her )?(?:sole |absolute |full )?(?:[\w']+ )?discretion"
    r"(?: of [\w' ]{1,40}?)?|discretionary (?:basis|decision|override|adjustments?)|"
    r"may (?:be )?(?:override|overridden|overrule\w*)|in exceptional circumstances|"
    r"where (?:appropriate|applicable|necessary|relevant|possible)|if (?:necessary|needed|"
    r"appropriate|required)|as (?:deemed|considered|judged) (?:appropriate|necessary|fit)|"
    r"(?:is|are) judged to be|reserves? the right|on a case[- ]by[- ]case basis|"
    r"as (?:needed|appropriate|applicable))\b",
    _I,
)
_DISCRETION_KIND = _Kind(
    "discretion-undefined",
    "ambiguous_methodology",
    "Discretion is left open: '{match}'",
    "'{match}' hands the decision to someone's judgement without saying who decides, on what "
    "criteria, within which bounds, and how the decision is recorded; the rule cannot be "
    "reproduced or audited.",
    "Replace the discretion with the rule it stands for, or name who may exercise it, the "
    "limits, and how each use is recorded and reviewed.",
)
# Qualifiers that often only say a rule has exceptions ("FTT where applicable").
_WEAK_DISCRETION = re.compile(
    r"where (?:applicable|relevant|possible)|if (?:necessary|needed|required)|as applicable", _I
)
# A judgement stated as a predicate: "costs are judged to be excessive", "markets are
# unusually volatile".
_PREDICATE = re.compile(
    r"\b(?:is|are|be|being|becomes?|deemed|considered|judged to be|seems?)\s+"
    r"(?:(?:unusually|exceptionally|abnormally|excessively|very|too|sufficiently|particularly)\s+)?"
    r"(?P<n>excessive|volatile|illiquid|elevated|extreme|unusual|abnormal|stressed|adverse|"
    r"expensive|cheap|overvalued|undervalued|attractive|crowded|unfavourable|unfavorable)\b|"
    r"\b(?P<n2>(?:unusually|exceptionally|abnormally|excessively) [a-z]+)\b",
    _I,
)
# "the customary venues", "the usual order types": practice named but not written down.
_CUSTOMARY = re.compile(
    r"\b(?P<n>(?:customary|usual|normal|typical|conventional|standard|common) (?:[a-z-]+ )?"
    r"(?:venues?|order types?|practices?|methods?|methodology|methodologies|conventions?|"
    r"procedures?|approach|process|models?|assumptions?|sources?|brokers?|channels?))\b",
    _I,
)
_CUSTOMARY_KIND = _Kind(
    "practice-not-stated",
    "ambiguous_methodology",
    "'{match}' is not stated",
    "'{match}' points at a practice the reader is expected to know; practices differ between "
    "desks and providers, so what is actually done is undefined.",
    "Name them: the venues, order types, methods or sources used, and where they are documented.",
)
_MONITORED = re.compile(
    r"\b(?:is|are) (?P<n>monitored|tracked|watched|observed|checked|supervised)\b", _I
)
_TRIGGER = re.compile(
    r"\b(?:if|when|whenever|once|breach\w*|exceed\w*|limits?|thresholds?|alerts?|alarms?|"
    r"escalat\w*|triggers?|above|below|outside|within|against|reduc\w*|halt\w*|stop\w*)\b|\d",
    _I,
)
_INVOLVED = re.compile(
    r"\b(?P<n>(?:are |is |be )?(?:involved|involvement|engaged|exposed|exposure|ties|linked|"
    r"associated|connected)\s+(?:in|with|to))\b",
    _I,
)
_EXCLUSION = re.compile(r"\bexclu\w*|\bscreen(?:ed|s)? out\b|\bineligible\b|\bprohibit\w*", _I)


_JUDGEMENT_KIND = _Kind(
    "open-criterion",
    "undefined_parameter",
    "'{match}' is never quantified",
    "'{match}' decides what this rule does, but no number says what counts as {q}, so two "
    "implementations will select or size differently.",
    "Replace the judgement with a measurable test and its source, e.g. '20-day median "
    "traded value above USD 5 million'.",
)
_BOUND_KIND = _Kind(
    "bound-without-value",
    "undefined_parameter",
    "{Match} is never given",
    "The rule depends on '{match}', but the value is not stated anywhere in the document.",
    "State the bound with its unit and measurement, e.g. 'minimum rating BBB- (S&P or "
    "equivalent; lowest of available ratings)'.",
)
_TERM_KIND = _Kind(
    "term-not-defined",
    "ambiguous_methodology",
    "'{match}' is not defined",
    "'{match}' is used as a rule, but providers define it differently (size bands, rating "
    "scales, market classifications, which exposure is neutral); the document never says "
    "which definition applies.",
    "Define the term: the numeric band or the named classification and its provider, and how "
    "borderline cases are treated.",
)
_CONTROL_KIND = _Kind(
    "control-without-level",
    "undefined_parameter",
    "Level of '{match}' is never given",
    "'{match}' is mentioned as a control, but its level and how it is measured are not, so "
    "nobody can say when it fires.",
    "Give the level, the measure and the action, e.g. 'a position is closed when it has lost "
    "8% from its entry price, measured at the close'.",
)
_ACTION_KIND = _Kind(
    "action-without-size",
    "ambiguous_methodology",
    "Size of the adjustment is never given",
    "The text says '{match}' but not by how much or by what formula, so the resulting "
    "weights cannot be reproduced.",
    "Give the adjustment as a formula or number, e.g. 'leverage is scaled by 10% / realised "
    "60-day volatility, capped at 1.5x'.",
)
_WINDOW_NUMBER = re.compile(
    r"\d+(?:\s+[A-Z]\w*)?[- ]?(?:trading[- ]|business[- ]|calendar[- ])?(?:days?|weeks?|"
    r"months?|years?|sessions?|bars?|observations|periods)\b",
    _I,
)
_WINDOW_STATED = re.compile(
    r"\b(?:lookback|look-back|window|averaging period|estimation period)\b[^.\n]{0,40}\d", _I
)
_WINDOW_KIND = _Kind(
    "window-not-given",
    "undefined_parameter",
    "Window of the {lower} is never given",
    "'{match}' depends on how far back it looks and how often it is sampled; neither is "
    "stated, so the signal cannot be reproduced.",
    "Give the window and sampling, e.g. 'mean of daily spreads over the previous 250 business "
    "days, excluding the current day'.",
)
_MONITOR_KIND = _Kind(
    "monitoring-without-trigger",
    "ambiguous_methodology",
    "{Subject} is monitored but no limit or action is given",
    "Monitoring without a limit, a time or an action is not a control: nothing says what "
    "value is a breach or what happens then.",
    "State the limit, when it is checked, who is alerted and what action follows a breach.",
)
_INVOLVED_KIND = _Kind(
    "exclusion-without-threshold",
    "undefined_parameter",
    "Exclusion '{match}' has no threshold",
    "'{match}' decides exclusions, but the document does not say what degree of "
    "involvement counts (revenue share, ownership, any involvement) or who assesses it.",
    "Give the threshold and the data source, e.g. 'more than 5% of revenue from thermal coal "
    "according to <named provider>'.",
)


# Measures a rule is decided on whose estimation must be stated: window, frequency, method.
_MEASURE = re.compile(
    r"(?<!smart )(?<!smart-)\b(?P<n>volatility|beta|correlations?|tracking error|momentum|"
    r"liquidity)\b",
    _I,
)
_MEASURED = re.compile(
    r"\d+(?:\s+[A-Z]\w*)?[- ]?(?:trading[- ]|business[- ]|calendar[- ])?(?:days?|weeks?|"
    r"months?|years?|sessions?|bars?)\b|\b(?:standard deviation|realised|realized|implied|"
    r"EWMA|GARCH|least squares|OLS|estimated over|"
    r"exponentially|regression|rolling|trailing|ADV|average daily|turnover ratio|"
    r"peak[- ]to[- ]trough|log returns?|daily returns?|weekly returns?|monthly returns?|"
    r"exponentially weighted|EWMA|standard deviations?)\b",
    _I,
)
_MEASURE_KIND = _Kind(
    "measure-undefined",
    "ambiguous_methodology",
    "How {lower} is measured is never stated",
    "The rules depend on {match}, but the document never says how it is calculated: which "
    "returns, over which window, at what frequency, with which method. Different choices "
    "select different securities.",
    "State the estimator, e.g. 'volatility: standard deviation of daily log returns over the "
    "last 252 trading days, annualised by sqrt(252)'.",
)


_RULE_WORDS = re.compile(
    r"\b(?:above|below|exceed\w*|less than|more than|greater than|under|at least|at most|"
    r"thresholds?|limits?|caps?|capped|if|when|whenever|rank\w*|select\w*|screen\w*|filter\w*|"
    r"exclud\w*|scal\w*|siz\w*|divid\w*|weight\w*|must|minimum|maximum)\b",
    _I,
)
_CRITERIA = (
    _JUDGEMENT, _BOUND, _TERM_OF_ART, _CONTROL, _ACTION, _MONITORED, _INVOLVED, _WINDOWLESS,
    _DISCRETION, _PREDICATE, _CUSTOMARY,
)  # fmt: skip
screened(*_CRITERIA, _MEASURE, _NEUTRAL_PINNED, _SIZE_PINNED, _WINDOW_STATED)


def review_measures(context: Context) -> Iterator[Draft]:
    """One finding per measure used in a rule whose estimation the document never gives."""
    described: set[str] = set()
    for section in context.sections:
        for sentence in section.sentences:
            if _MEASURED.search(sentence.text):
                described |= {m.lower() for m in _MEASURE.findall(sentence.text)}
                if re.search(r"standard deviation|EWMA|exponentially weighted", sentence.text, _I):
                    described.add("volatility")
    reported: set[str] = set()
    for sentence in context.sentences_for(_MEASURE):
        if role(context, sentence.section) == "background" or context.is_narrative(
            sentence.section
        ):
            continue
        if not _RULE_WORDS.search(sentence.text):
            continue  # "Correlation with the MSCI World is -0.08" reports, it decides nothing
        for match in _MEASURE.finditer(sentence.section.text, sentence.start, sentence.end):
            name = match.group("n").lower().rstrip("s")
            if name in reported or any(d.rstrip("s") == name for d in described):
                continue
            reported.add(name)
            yield _draft(_MEASURE_KIND, sentence, match, "medium")


def review_criteria(context: Context) -> Iterator[Draft]:
    terms_pinned = _pinned_terms(context)
    for sentence, possible in context.screen(*_CRITERIA):
        section_role = role(context, sentence.section)
        if section_role == "background":
            # Prose may introduce a term of art, but it is not where rules are stated.
            possible = [p for p in possible if p is _TERM_OF_ART]
        if context.is_narrative(sentence.section):
            # Results, limitations and discussion report what happened; they set no rules.
            continue
        for pattern in possible:
            draft = _check(context, sentence, pattern, section_role, terms_pinned)
            if draft is not None:
                yield draft


def _pinned_terms(context: Context) -> set[str]:
    """Terms of art the document defines somewhere (a band, a named scale or a classification)."""
    pinned = set()
    for section in context.sections:
        for sentence in section.sentences:
            text = sentence.text
            for match in _TERM_OF_ART.finditer(text):
                if has_number(text) or _TERM_PINNED.search(text):
                    pinned.add(_stem(match.group("n")))
    pinned |= {_stem(d.term) for d in context.ir.definitions}
    if context.document.search(_NEUTRAL_PINNED):
        pinned |= {"market neutral", "market neutrality"}
    if context.document.search(_SIZE_PINNED):
        pinned |= {f"{size} cap" for size in ("large", "mid", "small", "micro", "mega")}
    return pinned


def _stem(term: str) -> str:
    return re.sub(r"[\s-]+", " ", term.lower()).rstrip("s")


def _check(
    context: Context,
    sentence: Span,
    pattern: re.Pattern[str],
    section_role: str,
    terms_pinned: set[str],
) -> Draft | None:
    text = sentence.section.text
    for match in pattern.finditer(text, sentence.start, sentence.end):
        around = clause(sentence, match.start(), match.end())
        if pattern is _MONITORED:
            if _TRIGGER.search(_rest_of(sentence, match.end())) or _followed_by_rule(sentence):
                continue
            owner = subject(text[around.start : match.start()]) or "The quantity"
            return _draft(_MONITOR_KIND, sentence, match, "medium", owner)
        if pattern is _DISCRETION:
            if _WEAK_DISCRETION.fullmatch(match.group()) and section_role != "selection":
                continue
            return _draft(_DISCRETION_KIND, sentence, match, "medium")
        if pattern is _CUSTOMARY:
            return _draft(_CUSTOMARY_KIND, sentence, match, "medium")
        if pattern is _WINDOWLESS:
            if _WINDOW_NUMBER.search(sentence.text) or context.document.search(_WINDOW_STATED):
                continue
            return _draft(_WINDOW_KIND, sentence, match, "high")
        if has_number(around.text) or _labelled_value(text, around):
            continue
        if pattern is _TERM_OF_ART:
            if _stem(match.group("n")) in terms_pinned:
                continue
            return _draft(_TERM_KIND, sentence, match, "medium")
        if pattern is _INVOLVED:
            lead = text[max(0, sentence.start - 200) : sentence.end]
            if not _EXCLUSION.search(lead):
                continue
            end = _clause_end(text, match.end())
            phrase = re.sub(r"^(?:are|is|be)\s+", "", " ".join(text[match.start() : end].split()))
            if has_number(phrase):
                continue
            return _draft(_INVOLVED_KIND, sentence, match, "high", phrase=phrase, end=end)
        quantity = match.group("n") or match.groupdict().get("n2") or ""
        if pattern is _PREDICATE:
            quantity = _subject_of(text, sentence, match) or quantity
        words = content_words(quantity) - {"level", "limit", "target"}
        if context.quantified_elsewhere(words, content_words(around.text) - words, sentence):
            continue
        if pattern in (_JUDGEMENT, _PREDICATE):
            severity: Severity = "high" if section_role == "selection" else "medium"
            return _draft(_JUDGEMENT_KIND, sentence, match, severity)
        if pattern is _BOUND:
            severity = "critical" if section_role == "selection" else "high"
            return _draft(_BOUND_KIND, sentence, match, severity)
        if pattern is _CONTROL:
            if has_number(sentence.text):
                continue
            return _draft(_CONTROL_KIND, sentence, match, "high")
        if pattern is _ACTION:
            return _draft(_ACTION_KIND, sentence, match, "medium")
    return None


def _subject_of(text: str, sentence: Span, match: re.Match[str]) -> str:
    """The noun before "are judged to be excessive": what the judgement is about."""
    before = text[sentence.start : match.start()].split()
    return " ".join(before[-2:]) if before else ""


def _rest_of(sentence: Span, offset: int) -> str:
    return sentence.section.text[offset : sentence.end]


def _labelled_value(text: str, around: Span) -> bool:
    """ "Minimum credit rating: A-" gives the value after the colon that ends the clause."""
    after = text[around.end : around.end + 60]
    return after.lstrip().startswith(":") and has_number(after)


def _followed_by_rule(sentence: Span) -> bool:
    """ "Beta is monitored daily. If it exceeds 0.2 ..." states the trigger next."""
    text = sentence.section.text
    following = re.split(r"(?<=[.!?])\s", text[sentence.end : sentence.end + 160].lstrip())[0]
    return _TRIGGER.search(following) is not None and has_number(following)


def _clause_end(text: str, start: int) -> int:
    """Where the words after "involved in" stop: what the exclusion is about."""
    ends = [found for stop in ".;\n," if (found := text.find(stop, start)) != -1]
    return min(ends, default=len(text))


def _draft(
    kind: _Kind,
    sentence: Span,
    match: re.Match[str],
    severity: Severity,
    owner: str | None = None,
    phrase: str | None = None,
    end: int | None = None,
) -> Draft:
    words = phrase or " ".join(match.group().split())
    qualifier = match.groupdict().get("q") or words
    fields = {
        "match": words,
        "Match": words[:1].upper() + words[1:],
        "q": qualifier.lower(),
        "lower": words.lower(),
        "Subject": (owner or "")[:1].upper() + (owner or "")[1:],
    }
    return Draft(
        rule=kind.rule,
        category=kind.category,
        severity=severity,
        title=kind.title.format(**fields),
        detail=kind.detail.format(**fields),
        suggestion=kind.suggestion,
        span=quote_span(sentence, match.start(), end or match.end()),
        confidence=kind.confidence,
    )
