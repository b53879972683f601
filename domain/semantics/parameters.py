"""Named quantities with numeric values: the numbers a reviewer checks for consistency.

Each parameter keeps the verbatim fragment it came from, so a finding can quote
it. Only numbers that are tied to a name by a connector ("of", "=", "capped at")
or that carry a unit before a noun ("2.5x leverage") count; bare numbers, dates,
times and version strings do not.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import NamedTuple

from domain.ir import Parameter, Section, Table
from domain.semantics._text import TERM_PUNCTUATION, normalize_name
from domain.textscan import finditer

_NUMBER = (
    r"(?<![\w.,/:+-])"
    r"(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
    r"(?![-/.,:]\d)"
)
_UNIT = (
    r"(?P<unit>%|percent\b|per[ \t]+cent\b|bps\b|bp\b|basis[ \t]+points?\b"
    r"|(?:trading|business)[ \t]+days?\b|(?:calendar[ \t]+)?days?\b|months?\b|years?\b"
    r"|x\b|×|USD\b|EUR\b|GBP\b)"
)
_SCALE = r"(?P<scale>million\b|mn\b|billion\b|bn\b|thousand\b|m\b|k\b)"
# Atomic, so a formula such as "w = 100% / N" cannot backtrack into a bare "100".
_VALUE_CORE = (
    r"(?>(?:(?P<cur>[$€£])[ \t]?|(?P<code>USD|EUR|GBP)[ \t])?"
    + _NUMBER
    + r"(?:[ \t]?"
    + _SCALE
    + r")?(?:[ \t]?"
    + _UNIT
    + r")?)(?![\w%])"
    r"(?![ \t]*[-+*/×·÷^][ \t]*[\w(])"
)
# Qualifiers worth quoting with the value: "10% annualised", "5% of portfolio value".
_TAIL = (
    r"(?:[ \t]+(?:annuali[sz]ed|per[ \t]+annum|p\.a\.)"
    r"|(?<=%)[ \t]+of[ \t]+(?:the[ \t]+)?(?:portfolio|NAV|net asset value|ADV"
    r"|average daily volume|gross exposure|capital|equity|index|fund)(?:[ \t]+value)?\b)?"
)
_VALUE = _VALUE_CORE + _TAIL
# Possessive: what follows a word or a gap never starts with a word or gap character, so
# giving characters back could not help a match and only costs backtracking.
_WORD = r"(?!(?:is|are|was|were|be|must|should|shall|may|will|can)\b)[A-Za-z][\w'’-]*+"
_NAME_BEFORE = r"(?<![\w.'’-])(?P<name>(?:" + _WORD + r"[ \t]++){0,4}" + _WORD + ")"
_CONNECTOR = (
    r"(?P<conn>[ \t]*[=:][ \t]*"
    r"|[ \t]+(?:(?:is|are|will[ \t]+be|shall[ \t]+be|must[ \t]+be)[ \t]+)?"
    r"(?:capped|set|fixed|limited|floored|constrained|restricted)[ \t]+(?:at|to)[ \t]+"
    r"|[ \t]+(?:(?:is|are|must|should|shall|may)[ \t]+)?"
    r"(?:not[ \t]+exceed|(?:be[ \t]+)?(?:below|above|greater[ \t]+than|less[ \t]+than"
    r"|more[ \t]+than|over|under))[ \t]+"
    r"|[ \t]+(?:of|is|are|equals?)[ \t]+"
    r"(?:(?:up[ \t]+to|at[ \t]+least|at[ \t]+most|no[ \t]+more[ \t]+than|approximately"
    r"|around|a[ \t]+(?:maximum|minimum)[ \t]+of)[ \t]+)?)"
)
# Values are found first and names looked for just before them: scanning for names
# everywhere would try every word of the document as the start of a parameter.
_VALUE_RE = re.compile(_VALUE)
_NAMED_BEFORE = re.compile(_NAME_BEFORE + _CONNECTOR + r"$")
# How every `_CONNECTOR` ends: text before a value that ends otherwise names nothing, and
# `str.endswith` says so far sooner than a search trying each start in the look-back.
_CONNECTOR_SIGNS = ("=", ":")
_CONNECTOR_WORDS = ("at", "to", "exceed", "below", "above", "than", "over", "under", "of")
_CONNECTOR_WORDS += ("is", "are", "equal", "equals", "least", "most", "approximately", "around")
_LOOK_BACK = 80
_UNIT_FIRST = re.compile(
    r"(?:"
    + _VALUE_CORE.replace("(?P<", "(?P<a_")
    + r"|(?<![\w.,-])(?P<hnum>\d+(?:\.\d+)?)-(?P<hunit>trading-day|day|week|month|year)\b)"
    r"[ \t]+(?P<name>(?:[A-Za-z][\w'’-]*[ \t]+){0,3}[A-Za-z][\w'’-]*)"
)
_TABLE_VALUE = re.compile(r"^\s*" + _VALUE + r"\s*$")
_RAW_WORD = re.compile(r"\S+")

# Words that end a name when reading backwards from the connector ("uses a lookback").
_BOUNDARY = frozenset(
    {"a", "an", "the", "uses", "use", "using", "with", "and", "or", "is", "are", "has"}
    | {"have", "for", "to", "in", "on", "by", "at", "from", "of", "its", "their", "our"}
    | {"which", "that", "we", "will", "be", "applies", "apply", "applied", "this", "per"}
    | {"each", "any", "all", "than", "set", "sets", "over", "under", "into", "as", "if"}
    | {"subject", "employs", "targets", "maintains", "there", "it", "these", "those"}
    | {"assume", "assumes", "require", "requires", "impose", "imposes", "need", "needs"}
    | {"run", "runs", "hold", "holds", "pay", "pays", "include", "includes", "charge"}
)
_NOT_PARAMETERS = frozenset(
    {"section", "appendix", "table", "figure", "annex", "exhibit", "version", "page"}
    | {"date", "base date", "effective date", "time", "phone", "fax", "email", "address"}
    | {"step", "hours", "isin", "cusip", "sedol", "ticker", "code", "id", "no", "revision"}
    | {"v", "rev", "chapter", "article", "rule", "paragraph", "note", "item", "tel"}
)
# Names that take a bare number after a loose connector ("a threshold of 1.5").
_QUANTITY_WORDS = frozenset(
    {"threshold", "multiplier", "factor", "ratio", "limit", "cap", "floor", "ceiling"}
    | {"buffer", "level", "count", "number", "window", "lookback", "weight", "z-score"}
    | {"tolerance", "band", "cutoff", "cut-off", "coefficient", "exponent", "alpha", "beta"}
    | {"lambda", "decay", "half-life", "halflife", "size", "value", "target", "parameter"}
)
_UNITS = {
    "%": "%",
    "percent": "%",
    "per cent": "%",
    "bps": "bps",
    "bp": "bps",
    "basis point": "bps",
    "basis points": "bps",
    "x": "x",
    "×": "x",
    "usd": "USD",
    "eur": "EUR",
    "gbp": "GBP",
}
_SCALES = {"thousand": 1e3, "k": 1e3, "million": 1e6, "mn": 1e6, "m": 1e6}
_SCALES |= {"billion": 1e9, "bn": 1e9}
_TABLE_VALUE_HEADER = re.compile(r"^(?:value|default|setting|level|limit)s?$", re.IGNORECASE)


class _Value(NamedTuple):
    value: float
    unit: str | None


def _unit(raw: str | None) -> str | None:
    if not raw:
        return None
    word = " ".join(raw.lower().split())
    if word.endswith(("day", "days")):
        # A business day is an exchange trading day in these documents, not a calendar day.
        return "trading days" if word.startswith(("trading", "business")) else "days"
    if word.startswith("month"):
        return "months"
    if word.startswith("year"):
        return "years"
    return _UNITS.get(word)


def _value(match: re.Match[str], prefix: str = "") -> _Value | None:
    number = float(match[prefix + "num"].replace(",", ""))
    currency = match[prefix + "cur"] or match[prefix + "code"]
    scale = (match[prefix + "scale"] or "").lower()
    if scale in {"m", "k"} and not currency:
        return None
    number *= _SCALES.get(scale, 1.0)
    unit = _unit(match[prefix + "unit"]) or currency
    return _Value(number, unit)


def _name_backwards(raw: str) -> tuple[str, int]:
    """The noun phrase just before the connector, and where it starts in `raw`.

    "strategy uses a lookback" -> "lookback": reading back stops at the first boundary word.
    """
    words = list(re.finditer(r"\S+", raw))
    first = len(words)
    while first > 0 and words[first - 1].group().lower() not in _BOUNDARY:
        first -= 1
    if first == len(words):
        return "", len(raw)
    start = words[first].start()
    return normalize_name(raw[start:]), start


def _name_forwards(raw: str) -> tuple[str, int]:
    """The noun just after a unit, and where it ends in `raw`: "2.5x leverage on gross
    exposure" -> "leverage". The end is found in `raw` itself, not by searching it for the
    normalised (lower-cased, trimmed) name, so the quote ends exactly after the noun."""
    end = 0
    for word in _RAW_WORD.finditer(raw):
        if word.group().lower() in _BOUNDARY:
            break
        end = word.end()
    phrase = raw[:end]
    return normalize_name(phrase), len(phrase.rstrip(TERM_PUNCTUATION))


def _is_year(value: _Value) -> bool:
    return value.unit is None and value.value.is_integer() and 1900 <= value.value <= 2100


def _acceptable(name: str, value: _Value | None) -> bool:
    if not name or value is None or _is_year(value):
        return False
    return name not in _NOT_PARAMETERS and name.split()[-1] not in _NOT_PARAMETERS


def _connector_ends(before: str) -> bool:
    """Whether `before` ends as a `_CONNECTOR` does (a necessary condition, not sufficient)."""
    stripped = before.rstrip(" \t")
    if stripped.endswith(_CONNECTOR_SIGNS):
        return True
    return len(stripped) < len(before) and stripped.endswith(_CONNECTOR_WORDS)


def _from_section(section: Section) -> Iterable[Parameter]:
    text = section.text
    # Every offset inside an emitted parameter, so a unit-first match inside one is skipped.
    taken: set[int] = set()

    def make(name: str, value: _Value, start: int, end: int) -> Parameter:
        taken.update(range(start, end))
        return Parameter(
            name=name,
            value=value.value,
            unit=value.unit,
            text=text[start:end],
            section_id=section.id,
            page=section.page_at(start),
        )

    for match in finditer(_VALUE_RE, text):
        line_start = text.rfind("\n", 0, match.start()) + 1
        look_from = max(line_start, match.start() - _LOOK_BACK)
        if not _connector_ends(text[look_from : match.start()]):
            continue
        named = _NAMED_BEFORE.search(text, look_from, match.start())
        value = _value(match)
        if named is None or value is None:
            continue
        name, start = _name_backwards(named["name"])
        if not _acceptable(name, value):
            continue
        loose = named["conn"].split()[0] in {"of", "is", "are", "equal", "equals"}
        if loose and value.unit is None and name.split()[-1] not in _QUANTITY_WORDS:
            continue
        yield make(name, value, named.start("name") + start, match.end())

    for match in finditer(_UNIT_FIRST, text):
        if match.start() in taken:
            continue
        if match["hnum"]:
            value: _Value | None = _Value(float(match["hnum"]), _unit(match["hunit"] + "s"))
        else:
            value = _value(match, "a_")
            if value and value.unit is None:
                continue
        name, end = _name_forwards(match["name"])
        if _acceptable(name, value) and value:
            yield make(name, value, match.start(), match.start("name") + end)


def _from_table(table: Table) -> Iterable[Parameter]:
    rows = [row for row in table.rows if len(row) >= 2]
    if not rows:
        return
    column = next(
        (i for i, cell in enumerate(rows[0]) if i and _TABLE_VALUE_HEADER.match(cell.strip())), 1
    )
    for row in rows:
        if column >= len(row):
            continue
        match = _TABLE_VALUE.match(row[column])
        name = normalize_name(row[0])
        value = _value(match) if match else None
        if _acceptable(name, value) and value and len(name.split()) <= 6:
            yield Parameter(
                name=name,
                value=value.value,
                unit=value.unit,
                text=row[column].strip(),
                section_id=table.section_id,
                page=table.page,
            )


def extract_parameters(sections: list[Section], tables: list[Table]) -> list[Parameter]:
    """Parameters in document order: prose first, then parameter tables."""
    found = [parameter for section in sections for parameter in _from_section(section)]
    for table in tables:
        found.extend(_from_table(table))
    return found
