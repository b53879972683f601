"""Vague parameters: words that stand where a number should be ("the threshold", "capped",
"periodically"), reported only when no number is attached in the same clause and no other
sentence, table row or parameter gives that quantity a value."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from domain.findings import Category, Severity
from domain.ir import Section
from domain.review.checklist import VENDORS
from domain.review.context import Context, content_words
from domain.review.draft import Draft
from domain.review.screen import fold, screened
from domain.review.text import Span, clause, flexible, has_number, quote_span

Kind = Literal["threshold", "frequency", "soft", "cost", "practice"]
Role = Literal["background", "selection", "rule"]

_I = re.IGNORECASE
_SELECTION = re.compile(
    r"\b(?:selection|universe|eligib\w*|screen\w*|criteria|constituents?|inclusion|exclusion|"
    r"entry|signals?|scor\w+|exit|filters?|stock picking)\b",
    _I,
)
_VERB = re.compile(
    r"\b(?:is|are|was|were|must|should|will|shall|exceeds?|exceeding|falls?|remains?|has|have|"
    r"be|being|gets?|drops?|rises?|stays?|above|below|greater|less|more|higher|lower|under|"
    r"over|within|at least|at most)\b",
    _I,
)
_CLAUSE_OPENER = re.compile(
    r".*\b(?:when|if|where|unless|until|while|whenever|once|whose|which|that)\b", _I | re.S
)
_LEADING = re.compile(r"^(?:(?:the|a|an|each|any|its|their|all)\s+)+", _I)


@dataclass(frozen=True, slots=True)
class _Entry:
    name: str
    kind: Kind
    pattern: re.Pattern[str]
    # {subject}: who the quantity belongs to ("Volatility"); {match}: the vague words.
    title: str
    fallback_title: str
    detail: str
    suggestion: str
    category: Category = "undefined_parameter"
    checklist_id: str | None = None
    # The clause must also match this for the phrase to be a rule about the portfolio.
    requires: re.Pattern[str] | None = None
    # The document answers the phrase wherever this matches.
    answered_by: re.Pattern[str] | None = None


def _entry(
    name: str,
    kind: Kind,
    pattern: str,
    *,
    requires: re.Pattern[str] | None = None,
    answered_by: re.Pattern[str] | None = None,
    **fields: str,
) -> _Entry:
    return _Entry(
        name=name,
        kind=kind,
        pattern=re.compile(flexible(pattern), _I),
        requires=requires,
        answered_by=answered_by,
        **fields,  # type: ignore[arg-type]
    )


_THRESHOLD_DETAIL = (
    "'{match}' decides the outcome of this rule, but no value is given here or anywhere else "
    "in the document, so two implementations will hold different positions."
)
_THRESHOLD_FIX = "State the value, its unit and how it is measured, e.g. '{example}'."

# What answers an entry besides a number: a schedule stated anywhere answers "the rebalance
# date"; a cap needs a quantity of the portfolio to cap ("limits capped the scope" caps none).
_SCHEDULE_STATED = re.compile(
    r"\b(?:rebalanc\w*|reconstitut\w*|review\w*|reset)\b[^.\n]{0,80}\b(?:daily|weekly|monthly|"
    r"quarterly|semi-?annually|annually|each (?:day|week|month|quarter|year)|every \w+)\b|"
    r"\b(?:daily|weekly|monthly|quarterly|semi-?annual|annual)\s+rebalanc\w*|"
    r"\b(?:last|first) (?:business|trading) day of (?:each|every|the) (?:month|quarter|year)\b",
    _I,
)
_CAPPABLE = re.compile(
    r"\b(?:weights?|positions?|exposures?|leverage|sizes?|allocations?|turnover|participation|"
    r"orders?|loss(?:es)?|holdings?|constituents?|shares?|sectors?|countr(?:y|ies)|issuers?|"
    r"notional|stakes?|investments?|bets?|trades?|gross|net|drawdowns?|risk)\b",
    _I,
)

ENTRIES: tuple[_Entry, ...] = (
    _entry(
        "vague-threshold",
        "threshold",
        r"\bthe (?:[a-z-]+ ){0,2}(?:threshold|cut-?off|hurdle|trigger level|tolerance)\b"
        r"(?!\s+(?:time|date))",
        title="{subject} {head} is never given",
        fallback_title="{head} is never given",
        detail=_THRESHOLD_DETAIL,
        suggestion=_THRESHOLD_FIX.format(example="annualised 60-day volatility below 18%"),
    ),
    _entry(
        "vague-limit",
        "threshold",
        r"\bthe (?:maximum|minimum) (?:allowed|permitted|permissible|acceptable(?: level)?|"
        r"required|requirement|level|limit|amount)\b",
        title="{head} {subject} is never given",
        fallback_title="Limit '{match}' is never given",
        detail=_THRESHOLD_DETAIL,
        suggestion=_THRESHOLD_FIX.format(example="beta to the benchmark below 0.8"),
    ),
    _entry(
        "cap-without-value",
        "threshold",
        r"\bcapped\b(?!\s+at\s+[\d$€£])|\bsubject to (?:a|the) (?:cap|ceiling|limit)\b",
        requires=_CAPPABLE,
        title="{subject} cap is never given",
        fallback_title="Cap is never given",
        detail="The text says '{match}' but gives no cap, so the concentration the rule is meant "
        "to prevent is not actually bounded.",
        suggestion="Give the cap as a number, e.g. 'no position above 5% of portfolio NAV at "
        "rebalance'.",
        checklist_id="SL-08",
    ),
    _entry(
        "enforced-without-value",
        "threshold",
        r"\b(?:is|are|will be|must be|shall be)\s+enforced\b",
        title="{subject} is enforced but never given",
        fallback_title="Enforced limit is never given",
        detail="'{match}' promises a limit but states no value; there is nothing to enforce.",
        suggestion="State the limit as a number and say what happens to positions that breach it.",
        checklist_id="SL-08",
    ),
    _entry(
        "vague-window",
        "threshold",
        r"\bthe (?:lookback|look-back|holding|observation|estimation|formation|averaging|"
        r"measurement) (?:period|window|horizon)\b",
        title="{head} is never given",
        fallback_title="{head} is never given",
        detail="'{match}' is an input to the calculation, but its length is never stated, so "
        "the values cannot be reproduced.",
        suggestion="Give the length and unit, e.g. '252 NYSE trading days ending at t-1'.",
        category="incomplete_formula",
    ),
    _entry(
        "limits-without-values",
        "threshold",
        r"\b(?:concentration |sector |country |position |risk )?(?:limits?|constraints?|caps?|"
        r"buffers?|buffer rules) (?:apply|applies|are applied|are in place|are used)\b|"
        r"\bsubject to (?:buffer rules|limits|constraints|caps)\b|\b(?:are|is) constrained\b",
        title="Limits are mentioned but never given",
        fallback_title="Limits are mentioned but never given",
        detail="'{match}' says limits exist but not what they are, so portfolios built by two "
        "teams will differ.",
        suggestion="List each limit with its value and reference, e.g. 'sector weight within "
        "±5% of the parent index weight'.",
        checklist_id="RK-01",
    ),
    _entry(
        "vague-frequency",
        "frequency",
        r"\bperiodically\b|\bregularly\b|\b(?:at )?regular intervals\b|\bfrom time to time\b|"
        r"\bas (?:needed|required|necessary|appropriate)\b|\bwhen(?:ever)? (?:appropriate|"
        r"necessary|needed)\b|\bon an ad[- ]hoc basis\b|\bin a timely manner\b",
        title="{topic} frequency is never given",
        fallback_title="{topic} frequency is never given",
        detail="'{match}' leaves the timing open: without a fixed schedule the turnover, costs "
        "and backtest cannot be reproduced.",
        suggestion="Give the schedule, e.g. 'monthly, on the last NYSE trading day, using "
        "closing prices of the previous trading day'.",
    ),
    _entry(
        "vague-schedule",
        "frequency",
        r"\bthe (?:rebalancing|review|reconstitution|rebalance) (?:frequency|schedule|dates?)\b",
        answered_by=_SCHEDULE_STATED,
        title="{topic} frequency is never given",
        fallback_title="{topic} frequency is never given",
        detail="'{match}' is referred to but never stated, so when the strategy trades cannot be "
        "reproduced.",
        suggestion="Give the schedule, e.g. 'quarterly, effective after the close of the third "
        "Friday of March, June, September and December'.",
    ),
    _entry(
        "vague-qualifier",
        "soft",
        r"\bsufficient(?:ly)? (?:liquid\w*|volume|trading|capacity|history|data|size)\b|"
        r"\badequate (?:liquidity|volume|diversification|history|capitali[sz]ation)\b|"
        r"\breasonable (?:tracking error|level|amount|range|period|time|size|deviation)\b|"
        r"\b(?:an? |the )?appropriate (?:level|amount|threshold|limit|time|size|weight|manner)\b|"
        r"\bsignificant (?:exposure|changes?|drops?|moves?|deviations?|declines?|increases?|"
        r"involvement|revenues?|share)\b|\bmanaged appropriately\b|\bappropriately managed\b|"
        r"\b(?:high|low)[- ](?:volatility|liquidity|momentum|beta|score|quality|turnover|"
        r"correlation)\b",
        title="'{match}' is never quantified",
        fallback_title="'{match}' is never quantified",
        detail="'{match}' is a judgement, not a rule: the document gives no number that decides "
        "it, so the outcome depends on who implements it.",
        suggestion="Replace the qualifier with a measurable test, e.g. '20-day ADV above USD "
        "10 million'.",
        category="ambiguous_methodology",
    ),
    _entry(
        "costs-not-quantified",
        "cost",
        r"\b(?:transaction |trading |execution )?costs? (?:are|is|will be|were) (?:considered|"
        r"taken into account|accounted for|included|reflected|incorporated|factored in|"
        r"deducted|estimated|modell?ed)\b",
        title="Transaction costs are mentioned but never quantified",
        fallback_title="Transaction costs are mentioned but never quantified",
        detail="'{match}' without a cost model or a number means the net results and any "
        "cost-based trading decision cannot be reproduced.",
        suggestion="Give the cost model in basis points (commission, half-spread, impact) and "
        "the rule that uses it.",
        category="costs_and_execution",
        checklist_id="EX-01",
    ),
    _entry(
        "deferred-to-practice",
        "practice",
        r"\b(?:consistent with|in line with|according to|following|per) (?:general |standard |"
        r"normal |usual |common |best )?(?:market|industry) (?:practice|conventions?|standards?)"
        r"\b|\bas commonly (?:defined|understood|used)\b|\b(?:generally accepted|customary) "
        r"(?:practice|methods?|approach)\b",
        title="Method deferred to unspecified '{match}'",
        fallback_title="Method deferred to unspecified '{match}'",
        detail="'{match}' points at a practice the document does not describe; practices "
        "differ between providers, so the rule is not defined.",
        suggestion="Write the rule out, or cite the exact external standard (title, version).",
        category="ambiguous_methodology",
    ),
)

_BY_PATTERN = {entry.pattern: entry for entry in ENTRIES}

_SEVERITY: dict[Kind, dict[Role, Severity | None]] = {
    "threshold": {"selection": "critical", "rule": "critical", "background": "low"},
    "frequency": {"selection": "high", "rule": "high", "background": "low"},
    "soft": {"selection": "high", "rule": "medium", "background": None},
    "cost": {"selection": "high", "rule": "high", "background": "low"},
    "practice": {"selection": "high", "rule": "high", "background": "low"},
}
_TOPICS = (
    ("rebalanc", "Rebalancing"),
    ("reconstitut", "Reconstitution"),
    ("review", "Review"),
    ("monitor", "Monitoring"),
    ("calibrat", "Recalibration"),
    ("estimat", "Re-estimation"),
    ("updat", "Update"),
    ("test", "Testing"),
)


def role(context: Context, section: Section) -> Role:
    if context.is_background(section):
        return "background"
    if _SELECTION.search(section.title):
        return "selection"
    return "rule"


def subject(text: str) -> str | None:
    """The noun phrase the vague quantity belongs to: "Volatility is below the threshold" ->
    "Volatility"; "rebalanced when drift exceeds ..." -> "drift"."""
    opener = _CLAUSE_OPENER.match(text)
    if opener:
        text = text[opener.end() :]
    verb = _VERB.search(text)
    phrase = text if verb is None else text[: verb.start()]
    phrase = " ".join(phrase.strip(" \t\n-•*:,").split())
    phrase = _LEADING.sub("", re.sub(r"^(?:and|or|but|so)\b\s*", "", phrase, flags=_I)).strip()
    words = phrase.split()
    if not words or len(words) > 4 or has_number(phrase) or not phrase[0].isalpha():
        return None
    return phrase


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


def _title(entry: _Entry, matched: str, sentence: str, owner: str | None) -> str:
    words = " ".join(matched.split())
    head = _LEADING.sub("", words)
    topic = next((label for stem, label in _TOPICS if stem in sentence.lower()), "Schedule")
    fields = {"match": words, "head": head, "topic": topic}
    if owner is None or "{subject}" not in entry.title:
        return _capitalise(entry.fallback_title.format(**fields))
    if entry.name == "vague-limit":
        limit_word = head.split()[0]
        return _capitalise(f"{limit_word} {owner.lower()} is never given")
    return _capitalise(entry.title.format(subject=owner, **fields))


def review_vague(context: Context) -> Iterator[Draft]:
    for sentence, patterns in context.screen(*_BY_PATTERN):
        entries = [_BY_PATTERN[pattern] for pattern in patterns]
        yield from _sentence(context, sentence, role(context, sentence.section), entries)


def _sentence(
    context: Context, sentence: Span, section_role: Role, entries: list[_Entry]
) -> Iterator[Draft]:
    """Each of `entries` (those that may match, in lexicon order) that is vague here, on
    words no earlier entry matched."""
    text = sentence.section.text
    taken: list[tuple[int, int]] = []
    for entry in entries:
        severity = _SEVERITY[entry.kind][section_role]
        if severity is None:
            continue
        match = entry.pattern.search(text, sentence.start, sentence.end)
        if match is None or any(a < match.end() and match.start() < b for a, b in taken):
            continue
        around = clause(sentence, match.start(), match.end())
        if has_number(around.text):
            continue
        if entry.requires is not None and not entry.requires.search(around.text):
            continue
        owner = subject(text[around.start : match.start()])
        if _given_elsewhere(context, entry, match.group(), owner, sentence):
            continue
        yield Draft(
            rule=entry.name,
            category=entry.category,
            severity=severity,
            title=_title(entry, match.group(), sentence.text, owner),
            detail=entry.detail.format(match=" ".join(match.group().split())),
            suggestion=entry.suggestion,
            span=quote_span(sentence, match.start(), match.end()),
            checklist_id=entry.checklist_id,
        )
        taken.append((match.start(), match.end()))


_HEADS = {
    "threshold": {"threshold"},
    "frequency": set(),
    "soft": set(),
    "cost": {"cost"},
    "practice": set(),
}


def _given_elsewhere(
    context: Context, entry: _Entry, matched: str, owner: str | None, sentence: Span
) -> bool:
    """A vague phrase is fine when the quantity it names is given a number somewhere else."""
    if entry.answered_by is not None and context.document.search(entry.answered_by):
        return True
    if entry.kind in ("frequency", "soft", "practice"):
        return False
    if entry.kind == "cost":
        return context.quantified_elsewhere({"cost"}, set(), sentence)
    phrase_words = content_words(_LEADING.sub("", matched))
    phrase_words -= {"allowed", "permitted", "permissible", "acceptable", "required", "level"}
    owner_words = content_words(owner or "")
    if not phrase_words:
        phrase_words, owner_words = owner_words, set()
    return context.quantified_elsewhere(phrase_words, owner_words, sentence)


# ---- Comparisons against an unnamed quantity ---------------------------------------------

_COMPARATOR = re.compile(
    r"\b(?:above|below|greater than|less than|more than|higher than|lower than|exceeds?|"
    r"exceeding|at least|at most|falls? below|rises? above|in excess of)\s+"
    r"(?P<rhs>[^,.;:\n()]{2,60})",
    _I,
)
_RHS_END = re.compile(
    r"\s+(?:and|or|whichever|with|while|to|for|in|over|during|on|at|of the|so|because|then|"
    r"before|after|unless|but)\b.*",
    _I | re.S,
)
_QUANTITY_HEADS = frozenset(
    re.findall(
        r"\S+",
        "rate cost level limit threshold cutoff cut-off value amount requirement target "
        "hurdle floor ceiling minimum maximum allowed tolerance band buffer trigger return "
        "yield spread premium average norm peer",
    )
)
_NAMED = re.compile(VENDORS + r"|\b[A-Z]{2,}\b")


def review_comparisons(context: Context) -> Iterator[Draft]:
    """'Dividend growth greater than inflation rate': a criterion compared with a quantity
    the document never defines, measures or sources."""
    defined = {d.term.lower() for d in context.ir.definitions}
    defined |= {f.lhs.lower() for f in context.ir.formulas if f.lhs}
    for sentence, patterns in context.screen(_COMPARATOR, *_BY_PATTERN):
        section_role = role(context, sentence.section)
        if patterns[0] is not _COMPARATOR or section_role == "background":
            continue
        # The lexicon already judged this sentence, with better knowledge of the words.
        if any(pattern.search(sentence.text) for pattern in patterns[1:]):
            continue
        draft = _comparison(context, sentence, section_role, defined)
        if draft is not None:
            yield draft


def _comparison(
    context: Context, sentence: Span, section_role: Role, defined: set[str]
) -> Draft | None:
    text = sentence.section.text
    for match in _COMPARATOR.finditer(text, sentence.start, sentence.end):
        rhs = _RHS_END.sub("", match.group("rhs")).strip()
        words = rhs.split()
        if not words or has_number(rhs) or _NAMED.search(rhs):
            continue
        head = words[-1].lower().rstrip("s")
        if head not in _QUANTITY_HEADS or _LEADING.sub("", rhs).lower() in defined:
            continue
        around = clause(sentence, match.start(), match.end())
        if has_number(around.text):
            continue
        rhs_words = content_words(rhs) - {"allowed", "expected", "current"}
        if context.quantified_elsewhere(rhs_words, set(), sentence):
            continue
        owner = subject(text[around.start : match.start()])
        name = " ".join(rhs.split())
        title = f"'{_LEADING.sub('', name)}' in the {owner.lower() if owner else 'criterion'} "
        return Draft(
            rule="undefined-comparison",
            category="undefined_parameter",
            severity="critical" if section_role == "selection" else "high",
            title=_capitalise(title + "test is never defined"),
            detail=f"The rule compares against '{name}', but the document gives it no value, "
            "source or calculation, so the test cannot be evaluated.",
            suggestion="Define the comparison quantity: its value or formula, data source, "
            "measurement date and lag.",
            span=quote_span(sentence, match.start(), match.end()),
        )
    return None


# ---- Reference points that are never named -----------------------------------------------

_REFERENT = re.compile(
    r"\b(?:the|its|their|a|an) (?P<what>benchmark|parent index|reference index|underlying "
    r"index|reference rate|risk-free rate|hurdle rate|base currency)\b",
    _I,
)
_PROPER_NAME = re.compile(
    VENDORS + r"|(?-i:FTSE|Russell|STOXX|Stoxx|Nikkei|TOPIX|Dow Jones|Hang Seng|DAX|CAC|SOFR|SONIA|"
    r"€STR|ESTR|EURIBOR|SARON|Treasury|T-bills?|USD|EUR|GBP|JPY|CHF)\b|"
    r"(?-i:[A-Z][\w&.]*(?:\s+[A-Z0-9][\w&.]*)*\s+(?:Index|Indices|Rate|Benchmark))"
)

screened(*_BY_PATTERN, _SCHEDULE_STATED, _COMPARATOR, _REFERENT)


def review_unnamed_referents(context: Context) -> Iterator[Draft]:
    """'Outperforms the benchmark' when no benchmark is named anywhere in the document."""
    reported: set[str] = set()
    named: dict[str, bool] = {}
    for sentence in context.sentences_for(_REFERENT):
        for match in _REFERENT.finditer(sentence.text):
            what = match.group("what").lower()
            if what not in named:
                named[what] = _named(context, what)
            if what in reported or named[what]:
                continue
            reported.add(what)
            start = sentence.start + match.start()
            yield Draft(
                rule="unnamed-reference-point",
                category="ambiguous_methodology",
                severity="high",
                title=f"{_capitalise(what)} is never named",
                detail=f"The text relies on '{' '.join(match.group().split())}', but no "
                f"{what} is identified anywhere, so performance, risk and any relative "
                "constraint cannot be measured.",
                suggestion=f"Name the {what} exactly (provider, index name, total or price "
                "return, currency), e.g. 'MSCI World Net Total Return USD'.",
                span=quote_span(sentence, start, start + len(match.group())),
            )


def _named(context: Context, what: str) -> bool:
    """Named if a sentence mentioning it carries a proper name other than the document's own
    (an index methodology names itself, not its parent). Asked once per kind of referent."""
    own = context.ir.title.strip()
    # Sentences holding the words, and (since cutting the title out joins what was around
    # it) those holding the title.
    holding = [*context.sentences_holding(what.split())]
    if own:
        holding += context.sentences_holding([fold(own)])
    by_place = {(context.order[s.section.id], s.start): s for s in holding}
    for place in sorted(by_place):
        sentence = by_place[place]
        text = sentence.text.replace(own, "") if own else sentence.text
        if what in text.lower() and _PROPER_NAME.search(text):
            return True
    return False
