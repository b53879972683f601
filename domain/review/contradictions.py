"""Passages that cannot both be true: one quantity bounded two ways ("between 2% and 6%" vs
"at least 3%", "below 70%" vs "must not exceed 60%"), two frequencies for one activity, two
weighting schemes for one portfolio.

Bounds are read from the text, not from a phrase list: a comparator ("at least", "below",
"between ... and ..."), a number with its unit, and the content words around them as the
quantity's name. Two bounds speak of one quantity when their names share at least two
content words; entry and exit thresholds of a buffer rule are different quantities.
"""

from __future__ import annotations

import re
from collections import defaultdict, deque
from collections.abc import Iterator
from dataclasses import dataclass

from domain.review.context import Context, content_words
from domain.review.draft import Draft
from domain.review.screen import screened
from domain.review.terms import words
from domain.review.text import Span, clause, normalise, quote_span
from domain.review.vague import role

_I = re.IGNORECASE
_NUMBER = r"(?P<{name}>\d+(?:[.,]\d+)?)"
_UNIT = (
    r"\s*(?:(?:consecutive|calendar|trading|business|full|complete)\s+)?"
    r"(?P<unit{n}>%|percent\b|bps\b|basis points\b|x\b|years?\b|months?\b|days?\b|weeks?\b|"
    r"stocks\b|constituents\b|securities\b|names\b|holdings\b|(?:USD|EUR|GBP|\$|€|£)\s*\w*)?"
)
_LOWER = (
    r"at least|no less than|not less than|minimum(?: of)?|min\.?|above|over|more than|"
    r"greater than|exceeds?|exceeding|in excess of|>=?|≥"
)
_UPPER = (
    r"at most|no more than|not more than|maximum(?: of)?|max\.?|below|under|less than|"
    r"up to|not (?:to )?exceed|must not exceed|does not exceed|cannot exceed|<=?|≤"
)
_BOUND = re.compile(
    r"\bbetween\s+" + _NUMBER.format(name="low") + r"\s*(?:%|percent|x|bps)?\s*(?:and|to|-|–)\s*"
    + _NUMBER.format(name="high") + _UNIT.replace("{n}", "1")
    + r"|(?P<op>" + _LOWER + "|" + _UPPER + r")\s+(?:of\s+)?(?:[$€£]\s*)?"
    + _NUMBER.format(name="value") + _UNIT.replace("{n}", "2")
    + r"|" + _NUMBER.format(name="first") + _UNIT.replace("{n}", "3")
    + r"\s+or (?P<after>more|higher|above|greater|less|lower|below|fewer)\b",
    _I,
)  # fmt: skip
_LOWER_RE = re.compile(rf"^(?:{_LOWER})$", _I)
_BUFFER = re.compile(
    r"\b(?:existing|new|current constituents?|additions?|deletions?|remain\w*|retain\w*|"
    r"buffer\w*|entry|exit|initial\w*|incumbent|non-constituents?|stays?|drops? (?:out|below)|"
    r"removed|added|unless|except|for (?:the )?(?:first|second))\b",
    _I,
)
_NAME_NOISE = words(
    "must have should has have be been being at least most minimum maximum min max no not "
    "less more than greater above below over under up exceed exceeds exceeding between and "
    "or to per cent percent current constituent constituents company companies stock stocks "
    "security securities index portfolio required requirement eligible eligibility inclusion "
    "criteria criterion following year month day week bps basis point business trading "
    "calendar consecutive measured published once each level more less days within over "
    "period periods time times value values"
)


# What decides whether a bound conflicts with another: its name, unit and values.
_Signature = tuple[frozenset[str], str, float | None, float | None]


@dataclass(frozen=True, slots=True)
class _Bound:
    span: Span
    low: float | None
    high: float | None
    unit: str
    name: frozenset[str]
    words: str
    buffered: bool

    def describe(self) -> str:
        return self.words

    @property
    def signature(self) -> _Signature:
        return self.name, self.unit, self.low, self.high


def _unit(raw: str | None) -> str:
    unit = (raw or "").strip().lower()
    if unit in ("percent", "%"):
        return "%"
    if unit in ("bps", "basis points"):
        return "bps"
    return re.sub(r"s$", "", unit)


def _bounds(context: Context) -> list[_Bound]:
    found = []
    for section in context.sections:
        if context.is_background(section.section):
            continue
        for sentence in section.sentences:
            text = section.section.text
            for match in _BOUND.finditer(text, sentence.start, sentence.end):
                bound = _read(sentence, match)
                if bound is not None:
                    found.append(bound)
    return found


_TIME_UNITS = frozenset({"day", "week", "month", "year"})


def _read(sentence: Span, match: re.Match[str]) -> _Bound | None:
    groups = match.groupdict()
    unit = _unit(groups.get("unit1") or groups.get("unit2") or groups.get("unit3"))
    if groups.get("low") is not None:
        low, high = _float(groups["low"]), _float(groups["high"])
    elif groups.get("op") is not None:
        if groups["op"].lower() in ("over", "during") and unit in _TIME_UNITS:
            return None  # "measured over 60 days" is a window, not a bound
        value = _float(groups["value"])
        lower = _LOWER_RE.match(" ".join(groups["op"].lower().split())) is not None
        low, high = (value, None) if lower else (None, value)
    else:
        value = _float(groups["first"])
        lower = groups["after"].lower() in ("more", "higher", "above", "greater")
        low, high = (value, None) if lower else (None, value)
    around = clause(sentence, match.start(), match.end())
    text = sentence.section.text
    # The quantity's name: the clause minus the bound itself, and the lead-in of a list.
    name = _name(text[around.start : match.start()], match.group(), text[match.end() : around.end])
    if not name:
        return None
    return _Bound(
        span=quote_span(sentence, match.start(), match.end()),
        low=low,
        high=high,
        unit=unit,
        name=name,
        words=" ".join(match.group().split()),
        buffered=_BUFFER.search(sentence.text) is not None,
    )


def _name(left: str, bound: str, right: str) -> frozenset[str]:
    """What is bounded: the words just before the bound ("Payout ratio below 70%"), or, for
    a bound that opens its clause, the words after it ("Minimum 10 years of dividends"),
    never reaching past another number."""
    left = re.split(r"\d", left)[-1]
    right = re.split(r"\d", right)[0]
    before = _words(left)[-6:]
    words = before if before else _words(right)[:5]
    return frozenset([*words, *_words(bound)])


def _words(text: str) -> list[str]:
    """Content words in order (`content_words` folds plurals the same way)."""
    ordered = [next(iter(content_words(w)), "") for w in re.findall(r"[A-Za-z][\w-]*", text)]
    return [w for w in ordered if w and w not in _NAME_NOISE and w.isalpha()]


def _float(raw: str) -> float:
    return float(raw.replace(",", "."))


def _conflict(a: _Bound, b: _Bound) -> bool:
    """Whether two bounds on one quantity disagree: a side both give differs, or, sharing no
    side ("at least 2%", "at most 6%"), together they leave nothing."""
    if a.unit != b.unit or a.buffered or b.buffered:
        return False
    shared = [
        (x, y) for x, y in ((a.low, b.low), (a.high, b.high)) if x is not None and y is not None
    ]
    if shared:
        return any(x != y for x, y in shared)
    low = a.low if a.low is not None else b.low
    high = a.high if a.high is not None else b.high
    return low is not None and high is not None and low > high


def _same_quantity(a: _Bound, b: _Bound) -> bool:
    """Most of the shorter name must be shared: "dividend yield" and "current dividend
    yield" are one quantity; "market disruption days" and "error level days" are not."""
    shared = a.name & b.name
    smaller = min(len(a.name), len(b.name))
    return bool(shared) and len(shared) * 2 >= smaller


def review_bounds(context: Context) -> Iterator[Draft]:
    """Each bound against the first earlier one it contradicts. Whether two bounds conflict
    depends only on their signature (name, unit, values), so earlier bounds are grouped by
    it and a bound meets each signature sharing a word of its name once, not every bound
    before it: a long document repeats the same few bounds."""
    bounds = [bound for bound in _bounds(context) if not bound.buffered]
    reported: set[int] = set()
    groups: dict[_Signature, deque[int]] = {}
    by_word: dict[str, dict[_Signature, None]] = defaultdict(dict)
    for index, later in enumerate(bounds):
        found = _earliest_conflict(bounds, later, groups, by_word, reported)
        if found is not None:
            earlier = bounds[found]
            reported.update((found, index))
            what = " ".join(sorted(earlier.name & later.name)) or "the same quantity"
            yield Draft(
                rule="contradictory-bounds",
                category="inconsistent_content",
                severity="critical"
                if role(context, later.span.section)
                == role(context, earlier.span.section)
                == "selection"
                else "high",
                title=f"Two different bounds for {what}: '{earlier.words}' and '{later.words}'",
                detail=f"{earlier.span.section.label} says '{normalise(earlier.span.text)}' but "
                f"{later.span.section.label} says '{normalise(later.span.text)}'. Both cannot "
                "apply, and nothing says which one takes precedence.",
                suggestion="State the rule once, in one place (a parameter table), and say which "
                "passage governs if they are meant for different situations.",
                span=later.span,
                checklist_id="CL-04",
                confidence=0.8,
            )
            continue
        signature = later.signature
        groups.setdefault(signature, deque()).append(index)
        for word in later.name:
            by_word[word][signature] = None


def _earliest_conflict(
    bounds: list[_Bound],
    later: _Bound,
    groups: dict[_Signature, deque[int]],
    by_word: dict[str, dict[_Signature, None]],
    reported: set[int],
) -> int | None:
    """The first unreported earlier bound on the same quantity that `later` contradicts,
    outside `later`'s own words."""
    signatures = {s: None for word in later.name for s in by_word.get(word, ())}
    best: int | None = None
    for signature in signatures:
        members = groups[signature]
        while members and members[0] in reported:
            members.popleft()
        if not members:
            continue
        head = bounds[members[0]]
        if not (_same_quantity(head, later) and _conflict(head, later)):
            continue
        first = next(
            (i for i in members if i not in reported and not bounds[i].span.overlaps(later.span)),
            None,
        )
        if first is not None and (best is None or first < best):
            best = first
    return best


_FREQUENCY = re.compile(
    r"\b(?P<f>daily|weekly|fortnightly|bi-?weekly|monthly|bi-?monthly|quarterly|"
    r"semi-?annual(?:ly)?|half-?yearly|bi-?annual(?:ly)?|annual(?:ly)?|yearly|"
    r"every (?:day|week|month|quarter|year|\w+ (?:days|weeks|months|years))|"
    r"(?:of |in )?each (?:day|week|month|quarter|year))\b",
    _I,
)
_ACTIVITY = re.compile(
    r"\b(?P<a>rebalanc\w*|reconstitut\w*|review(?:ed|s)?|reweight\w*|re-weight\w*|"
    r"recalibrat\w*|reselect\w*|reset\w*|re-?optimi[sz]\w*)\b",
    _I,
)
_ROOTS = {"rebalanc": "rebalancing", "reconstitut": "reconstitution", "review": "review",
          "reweight": "reweighting", "re-weight": "reweighting", "recalibrat": "recalibration",
          "reselect": "reselection", "reset": "reset", "reoptimi": "re-optimisation",
          "re-optimi": "re-optimisation"}  # fmt: skip
# Rebalancing, reconstitution and reviews all decide when the portfolio changes.
_MAINTENANCE = frozenset({"rebalancing", "reconstitution", "review", "reweighting", "reselection"})


def _activity(word: str) -> str:
    lowered = word.lower()
    return next((label for root, label in _ROOTS.items() if lowered.startswith(root)), lowered)


def _frequency(word: str) -> str:
    lowered = re.sub(r"[\s-]+", "", word.lower())
    lowered = re.sub(r"^(?:of|in)?(?:each|every)(day|week|month|quarter|year)$", r"\1ly", lowered)
    lowered = {"dayly": "daily", "quarterly": "quarterly"}.get(lowered, lowered)
    return {"semiannual": "semiannually", "halfyearly": "semiannually",
            "biannual": "semiannually", "biannually": "semiannually", "annual": "annually",
            "yearly": "annually"}.get(lowered, lowered)  # fmt: skip


def review_frequencies(context: Context) -> Iterator[Draft]:
    """The first schedule that disagrees with an earlier one. Only the first sentence of each
    (activity, frequency), and of each per section for portfolio changes, can be the earlier
    one, so those are kept instead of every sentence seen."""
    seen = 0
    by_activity: dict[str, dict[str, tuple[int, _Schedule]]] = defaultdict(dict)
    by_section: dict[str, dict[tuple[str, str], tuple[int, _Schedule]]] = defaultdict(dict)
    for sentence in context.sentences_for(_FREQUENCY):
        if _BUFFER.search(sentence.text):
            continue
        # "Target positions are traded on the first day of each month" under "Rebalancing".
        activity = _ACTIVITY.search(sentence.text) or _ACTIVITY.search(sentence.section.title)
        frequency = _FREQUENCY.search(sentence.text)
        if activity is None or frequency is None or len(_FREQUENCY.findall(sentence.text)) > 1:
            continue
        label, often = _activity(activity.group("a")), _frequency(frequency.group("f"))
        section = sentence.section.id
        earlier = [entry for other, entry in by_activity[label].items() if other != often]
        if label in _MAINTENANCE:
            earlier += [e for (_, other), e in by_section[section].items() if other != often]
        if earlier:
            _, (other_label, _, other_span, other_words) = min(earlier, key=lambda e: e[0])
            same = other_label == label
            start = sentence.start + frequency.start()
            yield Draft(
                rule="contradictory-frequency",
                category="inconsistent_content",
                severity="high" if same else "medium",
                title=f"Two frequencies for {label if same else 'portfolio changes'}: "
                f"'{other_words}' and '{frequency.group('f')}'",
                detail=f"'{normalise(other_span.text)}' ({other_span.section.label}) and "
                f"'{normalise(sentence.text)}' give different schedules"
                + (
                    "."
                    if same
                    else "; the document does not say what a review between rebalancing "
                    "dates may change, or which schedule decides trades."
                ),
                suggestion="Give one schedule per activity and say how they interact (e.g. "
                "'reviewed quarterly; changes take effect only at the semi-annual rebalance').",
                span=quote_span(sentence, start, start + len(frequency.group())),
                checklist_id="CL-04",
                confidence=0.75 if same else 0.55,
            )
            return
        entry = (seen, (label, often, sentence, frequency.group("f")))
        seen += 1
        by_activity[label].setdefault(often, entry)
        if label in _MAINTENANCE:
            by_section[section].setdefault((label, often), entry)


# An activity, its frequency, the sentence and the frequency's words.
_Schedule = tuple[str, str, Span, str]


_SCHEME = re.compile(
    r"\b(?P<s>equal(?:ly)?[- ]weight\w*|equal weights?|(?:market|free[- ]float)[- ]cap"
    r"(?:itali[sz]ation)?[- ]weight\w*|cap[- ]weight\w*|price[- ]weight\w*|"
    r"(?:inverse[- ])?volatility[- ]weight\w*|risk[- ]parity|score[- ]weight\w*|"
    r"fundamental(?:ly)?[- ]weight\w*|equal (?:share|amount)s? of capital|equal capital|"
    r"(?:the )?same (?:amount of )?risk|equal risk(?: contributions?)?|"
    r"weighted (?:by|according to|in proportion to|proportional to) (?:their |its |the )?"
    r"(?P<by>[a-z-]+(?: [a-z-]+)?))",
    _I,
)
_NOT_A_SCHEME = re.compile(
    r"\b(?:compar\w*|benchmark|versus|vs\.?|relative to|alternative|sensitivity|robustness|"
    r"instead of|rather than|unlike|than)\b",
    _I,
)


def _scheme(match: re.Match[str]) -> str:
    raw = " ".join(match.group("s").lower().split())
    if "risk" in raw or raw.startswith(("inverse", "volatility")):
        return "risk"
    if raw.startswith("equal"):
        return "equal"
    if "cap" in raw:
        return "capitalisation"
    if match.group("by"):
        by = match.group("by").lower()
        return "capitalisation" if "capitali" in by or by.startswith("market cap") else by
    return raw.split("-")[0].split(" ")[0]


def review_weighting(context: Context) -> Iterator[Draft]:
    first: tuple[str, Span, str] | None = None
    for sentence in context.sentences_for(_SCHEME):
        if context.is_background(sentence.section) or _NOT_A_SCHEME.search(sentence.text):
            continue
        match = _SCHEME.search(sentence.text)
        if match is None:
            continue
        scheme = _scheme(match)
        if first is None:
            first = (scheme, sentence, match.group("s"))
            continue
        if scheme == first[0]:
            continue
        start = sentence.start + match.start()
        yield Draft(
            rule="contradictory-weighting",
            category="inconsistent_content",
            severity="high",
            title=f"Two weighting schemes: '{' '.join(first[2].split())}' and "
            f"'{' '.join(match.group('s').split())}'",
            detail=f"'{normalise(first[1].text)}' ({first[1].section.label}) and "
            f"'{normalise(sentence.text)}' ({sentence.section.label}) describe different "
            "weights for the same portfolio; the holdings depend on which one is applied.",
            suggestion="Keep one weighting scheme, or say exactly how they combine (e.g. "
            "'yield-weighted, then capped at 5% with the excess spread equally').",
            span=quote_span(sentence, start, start + len(match.group())),
            checklist_id="CL-04",
            confidence=0.75,
        )
        return


# A lookback: "over the past 120 trading days", "60-day volatility", "a 12-month window".
_WINDOW = re.compile(
    r"\b(?:over|during|in|across|for) (?:the )?(?:past|last|previous|prior|trailing|preceding) "
    r"(?P<n>\d+) (?:trading |business |calendar )?(?P<u>days?|weeks?|months?|years?|sessions?)\b|"
    r"\b(?P<n2>\d+)[- ](?P<u2>day|week|month|year|session)s?\b",
    _I,
)
_MEASURES = re.compile(
    r"\b(?:trend|momentum|returns?|volatility|correlations?|beta|averages?|mean|z-?score|"
    r"spread|drawdown|carry|reversal|breakout|range|liquidity|volume|ADV)\b",
    _I,
)

screened(_FREQUENCY, _SCHEME, _WINDOW)


def review_windows(context: Context) -> Iterator[Draft]:
    """One measure given two lookbacks in different sections ("the trend over the past 100
    days" in the overview, "return over the past 120 days" in the signal)."""
    lookbacks = _Lookbacks()
    for sentence in context.sentences_for(_WINDOW):
        text = sentence.section.text
        found = []
        for match in _WINDOW.finditer(text, sentence.start, sentence.end):
            length = int(match.group("n") or match.group("n2"))
            unit = (match.group("u") or match.group("u2")).lower().rstrip("s")
            lead = text[max(sentence.start, match.start() - 70) : match.end() + 25]
            measures = frozenset(m.lower().rstrip("s") for m in _MEASURES.findall(lead))
            if re.search(r"\bimplied\b", lead, _I):
                measures |= {"implied"}  # an option's implied volatility is not a realised one
            if measures:
                found.append((measures, length, unit, match))
        keys = [m for m, _, _, _ in found]
        for measures, length, unit, match in found:
            if keys.count(measures) > 1:
                continue  # a list of horizons in one sentence is a multi-horizon signal
            earlier = lookbacks.conflicting(measures, length, unit, sentence.section.id)
            if earlier is not None:
                other, span, words = earlier
                start = match.start()
                shared = " and ".join(sorted(other & measures))
                yield Draft(
                    rule="contradictory-lookback",
                    category="inconsistent_content",
                    severity="high",
                    title=f"Two lookbacks for the {shared}: '{words}' and "
                    f"'{' '.join(match.group().split())}'",
                    detail=f"'{normalise(span.text)}' ({span.section.label}) and "
                    f"'{normalise(sentence.text)}' ({sentence.section.label}) give the same "
                    "measure different windows; the signal depends on which is used.",
                    suggestion="State each window once, in a parameter table, and refer to it.",
                    # A relation between two passages, not a problem of these words: no
                    # other check's finding on "12 months" may absorb it.
                    span=quote_span(sentence, start, match.end()).unfocused(),
                    checklist_id="CL-04",
                    confidence=0.6,
                )
                return
        for measures, length, unit, match in found:
            lookbacks.add(measures, length, unit, sentence, " ".join(match.group().split()))


# The measures a lookback is of, the sentence, and the lookback's words.
_Lookback = tuple[frozenset[str], Span, str]


class _Lookbacks:
    """The lookbacks seen so far, by (implied or not, unit, measure) and length. The first
    one another conflicts with is the first of some bucket outside its section, so a bucket
    keeps its first lookback and the first from another section than that one's: a long
    document restates the same windows many times."""

    def __init__(self) -> None:
        self._count = 0
        self._buckets: dict[tuple[bool, str, str], dict[int, list[tuple[int, _Lookback]]]] = (
            defaultdict(dict)
        )

    def add(self, measures: frozenset[str], length: int, unit: str, span: Span, words: str) -> None:
        entry = (self._count, (measures, span, words))
        self._count += 1
        for measure in measures:
            kept = self._buckets["implied" in measures, unit, measure].setdefault(length, [])
            if not kept or (len(kept) == 1 and kept[0][1][1].section.id != span.section.id):
                kept.append(entry)

    def conflicting(
        self, measures: frozenset[str], length: int, unit: str, section: str
    ) -> _Lookback | None:
        """The first lookback of one of `measures` in `unit` with another length, from
        another section."""
        candidates = [
            next(entry for entry in kept if entry[1][1].section.id != section)
            for measure in measures
            for other, kept in self._buckets.get(("implied" in measures, unit, measure), {}).items()
            if other != length and any(entry[1][1].section.id != section for entry in kept)
        ]
        return min(candidates, key=lambda entry: entry[0])[1] if candidates else None
