"""Formulas and the "where" clauses that define their symbols.

A formula is kept only when its right-hand side does arithmetic on at least one
symbol: that rejects prose with a stray "=", worked examples that only combine
numbers, and plain assignments such as "threshold = 1.5" (those are parameters).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from domain.ir import Definition, Formula, Section
from domain.semantics._text import clean_term, is_term, iter_lines, sentence_end, strip_list_marker
from domain.semantics.symbols import FUNCTIONS, GREEK, is_index, to_unicode

_INDEX_ARGS = (
    r"\((?:[ijktnT](?:\s*[+-]\s*\d+)?|\d+)(?:\s*,\s*(?:[ijktnT](?:\s*[+-]\s*\d+)?|\d+))*\)"
)
_SUBSCRIPT = r"(?:_(?:\{[^{}\n]*\}|[A-Za-z0-9]+(?:\.[A-Za-z0-9]+)*))"
_SUPERSCRIPT = r"(?:\^(?:\{[^{}\n]*\}|\w+))"
_TOKEN = re.compile(
    r"(?P<space>\s+)"
    r"|(?P<number>\d+(?:[.,]\d+)*(?:-[A-Za-z]+)?%?)"
    r"|(?P<ident>(?:[A-Za-z]{2,}(?:-[A-Za-z]{2,})+"
    r"|\\[A-Za-z]+|[A-Za-zΑ-Ωα-ω][A-Za-z0-9Α-Ωα-ω]*)"
    + _SUBSCRIPT
    + r"*(?:"
    + _INDEX_ARGS
    + r")?)"
    + _SUPERSCRIPT
    + r"?['’]*"
    r"|(?P<op>[-+*/×·÷√∑∏∂<>≤≥≈|^!])"
    r"|(?P<open>[(\[{])"
    r"|(?P<close>[)\]}])"
    r"|(?P<other>.)"
)
_ARITHMETIC = frozenset("+-*/×·÷√∑∏^")
_PROSE = frozenset(
    {"the", "a", "an", "is", "are", "was", "were", "be", "been", "will", "shall", "to"}
    | {"in", "for", "at", "on", "with", "that", "which", "by", "from", "as", "and", "or"}
    | {"if", "when", "all", "each", "then", "than", "based", "applied", "set", "where"}
    | {"this", "its", "their", "over", "using", "used", "calculated", "divided", "times"}
)
_LATEX_COMMAND = re.compile(r"\\(?:frac|dfrac|sum|sqrt|prod|cdot|times)\b")
_MATH_WITHOUT_EQUALS = re.compile(r"\\(?:frac|dfrac|sum|sqrt|prod)\b|[∑√∏]|Σ_")
_EQUALS = re.compile(r"(?<![<>!=:])(?::=|=)(?!=)")
_INLINE_WHERE = re.compile(r",?\s*\bwhere\b:?\s*", re.IGNORECASE)
_WHERE_START = re.compile(r"^where\b\s*:?\s*", re.IGNORECASE)
_FENCE = re.compile(r"^(?:`{3}|\${2}|\\\[|\\\])")
_CLAUSE_TERM = r"(?:the\s+)?(?P<term>[^\s,;:=]+(?:\s+[^\s,;:=]+){0,3}?)"
_CLAUSE_VERB = r"(?:\s*(?:=|:|–|—)\s*|\s+(?:is|are|denotes|represents|means|refers\s+to)\s+)"
_CLAUSE = re.compile(r"^\s*" + _CLAUSE_TERM + _CLAUSE_VERB + r"(?P<meaning>\S.*)$", re.I)
_CLAUSE_SPLIT = re.compile(
    r"(?:;\s*|,?\s+and\s+|,\s+)(?=(?:the\s+)?[^\s,;:=]+(?:\s+[^\s,;:=]+){0,2}"
    r"\s+(?:is|are|denotes|represents)\s)",
    re.I,
)
_WHERE_WINDOW = 4
# "x = the 3-month forward" describes x in words; it is a definition, not a formula.
_ARTICLE = re.compile(r"\s*(?:the|a|an)\s", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class _Operands:
    variables: list[str]
    arithmetic: bool


def _operands(expression: str) -> _Operands:
    """Symbols on one side of a formula; runs of plain words become one name ("Current Price")."""
    tokens = [m for m in _TOKEN.finditer(expression) if m.lastgroup != "space" or m.group()]
    variables: list[str] = []
    arithmetic = bool(_LATEX_COMMAND.search(expression))
    run: list[str] = []

    def flush(followed_by_call: bool) -> None:
        words = list(run)
        run.clear()
        if not words:
            return
        if followed_by_call and words[-1].lower() not in GREEK:
            words.pop()
        if not words:
            return
        lowered = [w.lower() for w in words]
        if len(words) > 1 and (len(words) > 4 or any(w in _PROSE for w in lowered)):
            candidates = [w for w in words if _is_notation(w)]
        elif len(words) > 1 and all(w.replace("-", "").isalpha() and len(w) > 1 for w in words):
            candidates = [" ".join(words)]
        else:
            candidates = words
        for name in candidates:
            lowered_name = name.lower().removeprefix("\\")
            if lowered_name in FUNCTIONS or lowered_name in _PROSE:
                continue
            symbol = to_unicode(name)
            if symbol not in variables and not is_index(symbol):
                variables.append(symbol)

    nonspace = [m for m in tokens if m.lastgroup != "space"]
    for position, match in enumerate(nonspace):
        kind = match.lastgroup
        if kind == "ident":
            run.append(match.group("ident"))
            continue
        if kind == "op" and match.group() in _ARITHMETIC:
            arithmetic = True
        previous = nonspace[position - 1] if position else None
        call = (
            match.group() == "("
            and previous is not None
            and previous.lastgroup == "ident"
            and previous.end() == match.start()
        )
        arithmetic = arithmetic or call
        flush(call)
    flush(False)
    return _Operands(variables, arithmetic)


def _lhs(candidate: str) -> tuple[int, str] | None:
    """The defined name and its start within `candidate`, or None if it reads as prose."""
    stripped = candidate.rstrip()
    start = max(stripped.rfind(":"), stripped.rfind(". ")) + 1
    name = stripped[start:].strip()
    words = name.split()
    first = _TOKEN.match(name)
    prose = any(w.lower() in _PROSE for w in words)
    if 0 < len(words) <= 5 and not prose and first and first.lastgroup == "ident":
        return stripped.index(name, start), name
    if words and _is_symbolic(words[-1]):
        return stripped.rindex(words[-1]), words[-1]
    return None


def _is_symbolic(word: str) -> bool:
    return (
        len(word) <= 2 or any(c in word for c in "_\\(") or any(c in GREEK.values() for c in word)
    )


def _is_notation(word: str) -> bool:
    """Symbols that survive inside a prose phrase: "V_i" in "V_i for each stock"."""
    greek = set(GREEK.values())
    return (len(word) == 1 and word not in "aAI") or any(c in "_\\" or c in greek for c in word)


def _formula_end(line: str, start: int) -> int:
    where = _INLINE_WHERE.search(line, start)
    end = where.start() if where else len(line)
    end = min(end, sentence_end(line, start))
    return len(line[:end].rstrip(" \t.,;:$`"))


def _clauses(text: str, offset: int) -> list[tuple[int, str, str]]:
    """(offset, term, meaning) for each "x is ..." / "x = ..." clause of a where-text."""
    found = []
    position = 0
    for part in [*_CLAUSE_SPLIT.split(text)]:
        start = text.find(part, position)
        position = start + len(part)
        match = _CLAUSE.match(part)
        if match:
            term = clean_term(match["term"])
            meaning = clean_term(match["meaning"])
            if is_term(term) and meaning:
                found.append((offset + start + match.start("term"), term, meaning))
    return found


class _Extractor:
    def __init__(self, section: Section) -> None:
        self.section = section
        self.formulas: list[Formula] = []
        self.definitions: list[Definition] = []

    def _define(self, clauses: list[tuple[int, str, str]]) -> None:
        for offset, term, meaning in clauses:
            self.definitions.append(
                Definition(
                    term=to_unicode(term),
                    meaning=meaning,
                    source="means",
                    section_id=self.section.id,
                    page=self.section.page_at(offset),
                )
            )

    def _formula(self, line: str, offset: int) -> bool:
        """Record a formula found on `line`; also its inline where-clause."""
        equals = _EQUALS.search(line)
        if equals:
            lhs = _lhs(line[: equals.start()])
            if lhs is None:
                return False
            start, name = lhs
            rhs_start = equals.end()
        elif _MATH_WITHOUT_EQUALS.search(line):
            start, name, rhs_start = len(line) - len(line.lstrip()), None, 0
        else:
            return False
        end = _formula_end(line, rhs_start)
        if _ARTICLE.match(line, rhs_start):
            return False
        rhs = _operands(line[rhs_start:end])
        if not rhs.variables or not rhs.arithmetic:
            return False
        text = line[start:end]
        self.formulas.append(
            Formula(
                text=text,
                lhs=to_unicode(name) if name else None,
                variables=rhs.variables,
                section_id=self.section.id,
                page=self.section.page_at(offset + start),
            )
        )
        where = _INLINE_WHERE.search(line, end)
        if where and not line[end : where.start()].strip():
            self._define(_clauses(line[where.end() :], offset + where.end()))
        return True

    def run(self) -> None:
        since_formula = _WHERE_WINDOW + 1
        in_where_list = listed = False
        for offset, raw in iter_lines(self.section.text):
            if not raw.strip():
                # A blank line ends a where-list, unless the list has not started yet.
                in_where_list = in_where_list and not listed
                continue
            if _FENCE.match(raw.strip()):
                continue
            skipped, line = strip_list_marker(raw)
            offset += skipped
            if in_where_list:
                clauses = _clauses(line, offset)
                if len(clauses) == 1:
                    listed = True
                    self._define(clauses)
                    self._formula(line, offset)
                    continue
                in_where_list = False
            where = _WHERE_START.match(line.strip())
            if where and since_formula <= _WHERE_WINDOW:
                lead = len(line) - len(line.lstrip())
                rest = line.strip()[where.end() :]
                self._define(_clauses(rest, offset + lead + where.end()))
                in_where_list = not rest or rest.rstrip().endswith(":")
                listed = False
                continue
            since_formula = 0 if self._formula(line, offset) else since_formula + 1


def extract_formulas(sections: list[Section]) -> tuple[list[Formula], list[Definition]]:
    """Formulas in document order, plus where-clause definitions of their symbols."""
    formulas: list[Formula] = []
    definitions: list[Definition] = []
    for section in sections:
        extractor = _Extractor(section)
        extractor.run()
        formulas.extend(extractor.formulas)
        definitions.extend(extractor.definitions)
    return formulas, definitions
