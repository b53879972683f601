"""Formula checks: symbols nobody defined, definitions that loop, divisions that can blow up,
and prices that never say which price."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache, lru_cache

from domain.findings import Severity
from domain.ir import Formula
from domain.review.context import Context
from domain.review.draft import Draft
from domain.review.screen import screened
from domain.review.text import SectionText, Span, focused, normalise

_FUNCTIONS = frozenset(
    re.findall(
        r"\S+",
        "sum max min log ln exp sqrt abs mean avg average std stdev var median count rank "
        "if else and or of for all each where i j k t n lim argmax argmin sign sgn cov corr",
    )
)
_SELF_DESCRIBING = re.compile(r"^(?:number|count|total number) of\b", re.IGNORECASE)
_ARTICLE = re.compile(r"^(?:the|a|an)\s+", re.IGNORECASE)
_ARGUMENT = re.compile(r"\([^()]*\)$|_\{?[a-z0-9,+-]+\}?$")
_TEMPORAL = re.compile(r"^(?:old|new|previous|prior|initial|final|adjusted|updated|last|next)\s+")
# Quantities that can be zero or negative; sums only when they add up signed scores.
# Summation, product, root and difference signs are operators, not symbols to define (their
# lower-case forms, such as σ, are variables and stay checked).
_OPERATORS = frozenset("Σ∑Π∏√∫∂∇∆")
# A lower-case name of two or more words describes itself ("price volatility in points").
_DESCRIPTIVE = re.compile(r"[a-z]+(?: [a-z]+)+")
_RISKY_DENOMINATOR = re.compile(
    r"volatil|\bvol\b|σ|sigma|std|deviation|variance|spread|range|beta|difference|dispersion|"
    r"\b(?:sum|total)\b.*\b(?:scores?|signals?|weights?|returns?|z)\b",
    re.IGNORECASE,
)
_ZERO_GUARD = re.compile(
    r"\bdivision by zero\b|\bfloor(?:ed)? at\b|\bepsilon\b|ε|\bnon-?zero\b|\b(?:is|equals|of|"
    r"near|to) zero\b|\blower bound\b|\bfloor of\b|\bat least \d|\bminimum of \d",
    re.IGNORECASE,
)
_DENOMINATOR = re.compile(r"/\s*(?P<den>\((?:[^()]|\([^()]*\))*\)|[^\s+\-×*/=)]+(?:\s+[A-Z]\w*)*)")
_ROUNDING = re.compile(
    r"\bround\w*\b|\bdecimals?\b|\bdecimal places\b|\bprecision\b|\bsignificant (?:digits|"
    r"figures)\b|\btruncat\w+\b",
    re.IGNORECASE,
)
_PRICE = re.compile(r"\bprices?\b", re.IGNORECASE)
_PRICE_TYPE = re.compile(
    r"\bclos(?:e|ing)\b|\bopen(?:ing)?\b|\b(?-i:VWAP|TWAP|NAV)\b|\bmid(?:-| )?(?:price|point|"
    r"quote)|\bsettlement\b|\blast (?:trade|traded|sale)\b|\bbid\b|\bask\b|\bfixing\b|"
    r"\badjusted (?:close|closing|prices?)\b|\b(?:split|dividend)[- ]adjusted\b|"
    r"\bofficial\b",
    re.IGNORECASE,
)

screened(_ZERO_GUARD, _ROUNDING, _PRICE_TYPE)


def _key(name: str) -> str:
    return _ARTICLE.sub("", normalise(name)).lower()


def _defined_names(context: Context) -> set[str]:
    names = {_key(d.term) for d in context.ir.definitions}
    names |= {_key(f.lhs) for f in context.ir.formulas if f.lhs}
    names |= {_key(p.name) for p in context.ir.parameters}
    return names


def _defined_in_text(symbol: str, text: str) -> bool:
    """'where Historical Price is ...', '- w1 = 0.4', 'σ: annualised volatility'.

    Only the windows around the symbol's occurrences are matched, which keeps a long
    document linear in its length."""
    lowered, wanted = _lower(text), symbol.lower()
    position = lowered.find(wanted)
    while position != -1:
        window = text[max(0, position - 60) : position + len(symbol) + 40]
        if _definition_pattern(symbol).search(window):
            return True
        position = lowered.find(wanted, position + 1)
    return False


@lru_cache(maxsize=4)
def _lower(text: str) -> str:
    return text.lower()


@cache
def _definition_pattern(symbol: str) -> re.Pattern[str]:
    escaped = re.escape(symbol)
    stated = (
        r"(?:^|\n|\bwhere\s+|\band\s+|,\s+)\s*(?:[-*•]\s*)?(?:the\s+)?"
        + escaped
        + r"(?:[,_]\w+)?(?:\s+and\s+\S+)?\s*"
        + r"(?:=|:|\bis\b|\bare\b|\bdenotes?\b|\bmeans?\b|\brepresents?\b|\brefers? to\b)"
    )
    # "m the cross-sectional mean of r, and s its standard deviation" in a where-list.
    elliptical = r"(?:,|\band)\s+" + escaped + r"\s+(?:the|its|their|a|an)\s+[a-z]"
    # "the sector return B": a noun phrase named by the symbol right after it.
    apposition = (
        r"\b(?:the|a|an|its|their)\s+(?:[\w-]+\s+){0,3}?[a-z][a-z-]+\s+" + escaped + r"(?![\w(=])"
    )
    return re.compile(f"{stated}|{elliptical}|{apposition}", re.IGNORECASE)


def _base(key: str) -> str:
    """'index(t-1)' -> 'index', 'p_i' -> 'p': a lagged or indexed copy of a defined symbol is
    defined."""
    return _ARGUMENT.sub("", key).strip()


class _Symbols:
    """What one review knows about the symbols of its formulas. A long document repeats the
    same symbols in formula after formula, and each question (defined? named in prose?)
    scans the whole text, so each is answered once per symbol."""

    def __init__(self, context: Context) -> None:
        self.context = context
        self.text = context.text
        self.defined = _defined_names(context)
        self._bases = {_base(name) for name in self.defined}
        self._defined_words = {word for name in self.defined for word in name.split()}
        self._in_text: dict[str, bool] = {}
        self._prose: dict[str, list[str]] = {}
        self._locations: dict[tuple[str | None, str, str | None], Span | None] = {}

    def is_defined(self, symbol: str) -> bool:
        key = _key(symbol)
        if not key or key in _FUNCTIONS or _SELF_DESCRIBING.match(key) or key.isdigit():
            return True
        if key in self.defined or key.rstrip("s") in self.defined or _base(key) in self._bases:
            return True
        # "Old Divisor" is the defined "Divisor" at an earlier time.
        stripped = _TEMPORAL.sub("", key)
        if stripped != key and (stripped in self.defined or self._defined_in_text(stripped)):
            return True
        # "Momentum" and "Score" refer to the defined "Momentum Score" / "Composite Score".
        if " " not in key and key in self._defined_words:
            return True
        return self._defined_in_text(symbol)

    def _defined_in_text(self, symbol: str) -> bool:
        if symbol not in self._in_text:
            self._in_text[symbol] = _defined_in_text(symbol, self.text)
        return self._in_text[symbol]

    def named_in_prose(self, symbol: str, formula: Formula) -> bool:
        """A symbol the prose talks about outside any formula line ("the forecast lies
        between -2 and +2") is explained there, in whatever words; only symbols that live in
        formulas alone are undefined for sure. Single letters and subscripted names must
        appear as themselves."""
        if _DESCRIPTIVE.fullmatch(symbol):
            return True  # "contract point value" says what it is
        if len(symbol) < 3 and "_" not in symbol:
            return False
        if symbol not in self._prose:
            pattern = re.compile(rf"(?<![\w_]){re.escape(symbol)}(?![\w_])", re.IGNORECASE)
            formula_lines = {f.text for f in self.context.ir.formulas}
            self._prose[symbol] = [
                sentence.text
                for sentence in self.context.sentences_for(pattern)
                if "=" not in sentence.text
                and sentence.text not in formula_lines
                and pattern.search(sentence.text)
            ]
        return any(formula.text not in text for text in self._prose[symbol])

    def locate(self, formula: Formula) -> Span | None:
        """Where the formula is written, so its finding can quote it verbatim."""
        key = (formula.section_id, formula.text, formula.lhs)
        if key not in self._locations:
            self._locations[key] = _locate(self.context, formula)
        return self._locations[key]


def _locate(context: Context, formula: Formula) -> Span | None:
    """The first sentence of the formula's section holding the formula or held by it, else
    the first holding its left-hand side and "="; each is one search of the section."""
    section_text = context.section_text(formula.section_id)
    candidates = [section_text] if section_text else context.sections
    wanted = normalise(formula.text)
    for candidate in candidates:
        if wanted:
            found = [candidate.first_holding(wanted), candidate.first_within(wanted)]
            spans = [span for span in found if span is not None]
            if spans:
                return min(spans, key=lambda span: span.start)
        if formula.lhs:
            found_lhs = _first_with_lhs(candidate, formula.lhs)
            if found_lhs is not None:
                return found_lhs
    return None


def _first_with_lhs(section: SectionText, lhs: str) -> Span | None:
    text = section.section.text
    position = text.find(lhs)
    while position != -1:
        sentence = section.sentence_at(position)
        if position + len(lhs) <= sentence.end and "=" in sentence.text:
            return sentence
        position = text.find(lhs, position + 1)
    return None


def review_formulas(context: Context) -> Iterator[Draft]:
    symbols = _Symbols(context)
    text = context.text
    guarded = context.document.search(_ZERO_GUARD) is not None
    for formula in context.ir.formulas:
        # A sentence of its own section: always verbatim.
        span = symbols.locate(formula)
        if span is None:
            continue
        undefined = [
            v
            for v in dict.fromkeys(formula.variables)
            if v in formula.text
            and v != formula.lhs
            and v not in _OPERATORS
            and not symbols.is_defined(v)
            and not symbols.named_in_prose(v, formula)
        ]
        enumerated = _enumerated(undefined, text, formula.text)
        missing = _families([v for v in undefined if v not in enumerated])
        if missing:
            # A formula in results or background prose cannot be implemented wrongly.
            # A paper's formula explains; a specification's formula is what gets built.
            rule_section = context.kind not in ("research", "product") and not (
                context.is_background(span.section) or context.is_narrative(span.section)
            )
            yield _undefined(
                formula, missing, span, severity="critical" if rule_section else "high"
            )
        if enumerated:
            yield _undefined(formula, _families(enumerated), span, listed=True)
        if not guarded:
            yield from _division(formula, span)
    yield from _cycles(context, symbols)
    price = _price_without_type(context, symbols)
    if price is not None:
        yield price
    if len(context.ir.formulas) >= 2 and not context.document.search(_ROUNDING):
        yield Draft(
            rule="rounding-unspecified",
            category="incomplete_formula",
            severity="low",
            title="Rounding and precision of calculated values are not stated",
            detail="The document defines several calculations but never says to how many "
            "decimals intermediate and published values are rounded, or when; independent "
            "implementations will drift apart.",
            suggestion="State the precision of each published value and of intermediate "
            "results (e.g. 'weights rounded to 6 decimals, index level to 2, after the final "
            "step only').",
            checklist_id="SL-05",
        )


def _families(symbols: list[str]) -> list[str]:
    """P_AAPL, P_MSFT, P_JPM ... is one undefined family, 'P_*', not ten problems."""
    stems: dict[str, list[str]] = {}
    for symbol in symbols:
        stem = symbol.split("_", 1)[0] if "_" in symbol else symbol
        stems.setdefault(stem, []).append(symbol)
    result = []
    for stem, members in stems.items():
        result.extend([f"{stem}_*"] if len(members) >= 3 and stem not in members else members)
    return result


def _enumerated(symbols: list[str], text: str, formula_text: str) -> list[str]:
    """Members of a family like P_AAPL, P_MSFT whose subscripts are all named elsewhere in
    the document (a constituent list): what they stand for is implied, only the symbol
    itself is left undefined. The rest of the document is cut out only for such a family."""
    stems: dict[str, list[str]] = {}
    for symbol in symbols:
        if "_" in symbol:
            stems.setdefault(symbol.split("_", 1)[0], []).append(symbol)
    listed: list[str] = []
    rest: str | None = None
    for members in stems.values():
        if len(members) < 3:
            continue
        rest = text.replace(formula_text, "") if rest is None else rest
        subscripts = [member.split("_", 1)[1] for member in members]
        if all(re.search(rf"(?<![\w.]){re.escape(sub)}(?![\w])", rest) for sub in subscripts):
            listed.extend(members)
    return listed


def _undefined(
    formula: Formula,
    missing: list[str],
    span: Span,
    *,
    listed: bool = False,
    severity: Severity = "critical",
) -> Draft:
    names = ", ".join(f"'{name}'" for name in missing)
    what = f"the {formula.lhs} formula" if formula.lhs else "this formula"
    if listed:
        return Draft(
            rule="undefined-symbol",
            category="incomplete_formula",
            severity="low",
            title=f"{names} in {what} is not defined explicitly",
            detail=f"{names} is used for each item the document lists, which implies its "
            "meaning, but the symbol itself (its quantity, unit and source) is never stated.",
            suggestion="Add one line under the formula, e.g. 'P_x is the official closing "
            "price of constituent x in USD'.",
            span=span,
            checklist_id="SL-05",
        )
    if len(missing) == 1:
        title = f"{names} in {what} is never defined"
    else:
        title = f"{len(missing)} symbols in {what} are never defined"
    return Draft(
        rule="undefined-symbol",
        category="incomplete_formula",
        severity=severity,
        title=title[:1].upper() + title[1:],
        detail=f"{names} {'is' if len(missing) == 1 else 'are'} used in '{normalise(span.text)}' "
        "but never defined: no meaning, unit, lookback or value is given, so the formula "
        "cannot be implemented.",
        suggestion="Add a 'where' list under the formula defining each symbol with its unit, "
        "lookback, data source and default value.",
        span=focused(span, missing[0]),
        checklist_id="SL-05",
    )


def _division(formula: Formula, span: Span) -> Iterator[Draft]:
    for match in _DENOMINATOR.finditer(formula.text):
        denominator = match.group("den").strip()
        if _RISKY_DENOMINATOR.search(denominator):
            yield Draft(
                rule="unguarded-division",
                category="incomplete_formula",
                severity="high",
                title=f"Division by '{denominator}' has no rule for zero or negative values",
                detail=f"'{denominator}' can be zero, tiny or (for sums of scores) negative; the "
                "document does not say what happens then, so results can be infinite or flip "
                "sign.",
                suggestion="State a floor or exclusion rule for the denominator (e.g. 'volatility "
                "floored at 5% annualised', 'names with non-positive scores get zero weight').",
                span=focused(span, "/"),
                checklist_id="SL-05",
            )
            return


def _cycles(context: Context, symbols: _Symbols) -> Iterator[Draft]:
    """A formula that depends, through others, on itself cannot be evaluated."""
    graph: dict[str, set[str]] = {}
    first: dict[str, Formula] = {}
    for formula in context.ir.formulas:
        if formula.lhs:
            lhs = _key(formula.lhs)
            graph.setdefault(lhs, set()).update(_key(v) for v in formula.variables)
            first.setdefault(lhs, formula)
    reported: set[frozenset[str]] = set()
    components = _components(graph)
    for start in graph:
        cycle = _find_cycle(graph, start, components[start])
        if cycle is None or frozenset(cycle) in reported:
            continue
        reported.add(frozenset(cycle))
        formula = first[start]
        span = symbols.locate(formula)
        if span is None:
            continue
        loop = " -> ".join([*cycle, cycle[0]])
        yield Draft(
            rule="circular-formula",
            category="incomplete_formula",
            severity="critical",
            title=f"Circular definition: {loop}",
            detail=f"'{formula.lhs}' depends on itself through {loop}; no order of evaluation "
            "produces a value.",
            suggestion="Break the loop: compute one of the quantities from lagged values "
            "(t-1) or from inputs that do not depend on the others.",
            span=focused(span, formula.lhs or ""),
            checklist_id="SL-05",
        )


def _components(graph: dict[str, set[str]]) -> dict[str, frozenset[str]]:
    """Each node's strongly connected component (Tarjan's algorithm, iteratively): a path
    from a node back to itself never leaves its component, so the search for a cycle through
    it is confined there instead of walking every formula reachable from it."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: dict[str, frozenset[str]] = {}
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root] & graph.keys())))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, successors = work[-1]
            for nxt in successors:
                if nxt not in index:
                    index[nxt] = low[nxt] = len(index)
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, iter(sorted(graph[nxt] & graph.keys()))))
                    break
                if nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    members: list[str] = []
                    while not members or members[-1] != node:
                        members.append(stack.pop())
                        on_stack.discard(members[-1])
                    component = frozenset(members)
                    components.update(dict.fromkeys(members, component))
    return components


def _find_cycle(
    graph: dict[str, set[str]], start: str, component: frozenset[str]
) -> list[str] | None:
    """The first cycle through `start` in depth-first order. Nodes outside its component
    cannot lead back to it, so skipping them changes no answer."""
    if len(component) == 1 and start not in graph[start]:
        return None
    stack: list[tuple[str, list[str]]] = [(start, [start])]
    seen: set[str] = set()
    while stack:
        node, path = stack.pop()
        for nxt in sorted(graph.get(node, ())):
            if nxt == start:
                return path
            if nxt in component and nxt not in seen:
                seen.add(nxt)
                stack.append((nxt, [*path, nxt]))
    return None


def _price_word(span: Span) -> Span:
    """Focus on the last mention of a price, apart from any undefined symbol named first."""
    matches = list(_PRICE.finditer(span.section.text, span.start, span.end))
    if not matches:
        return span
    last = matches[-1]
    return Span(span.section, span.start, span.end, (last.start(), last.end()))


def _price_without_type(context: Context, symbols: _Symbols) -> Draft | None:
    """'Current Price / Historical Price' with no word anywhere on close, open or VWAP."""
    if context.document.search(_PRICE_TYPE):
        return None
    for formula in context.ir.formulas:
        if _PRICE.search(formula.text):
            span = symbols.locate(formula)
            if span is not None:
                return Draft(
                    rule="price-type-unspecified",
                    category="ambiguous_methodology",
                    severity="high",
                    title="Which price is used is never stated",
                    detail="The calculation uses prices, but the document never says which: "
                    "close, open, VWAP, adjusted or unadjusted, from which source and at what "
                    "time. Each choice gives a different result.",
                    suggestion="State the price field, adjustment, source and timestamp, e.g. "
                    "'official closing price adjusted for splits and dividends, from "
                    "Bloomberg, at 16:00 America/New_York'.",
                    span=_price_word(span),
                )
    return None
