"""Answers to questions about a document, from the document alone (docs/architecture.md).

Without an AI provider the bot replies with the best passages, quoted verbatim with
section and page; with one, the model writes the answer from the same passages
(`select_passages`). Retrieval is BM25 over sentence windows of each section, with
the section title as a boost, because reviewers ask about topics ("the stop-loss")
that a section title often names better than its body does. When nothing matches
well enough the answer says the document does not seem to cover the topic: for a
reviewer that absence is frequently the finding.
"""

from __future__ import annotations

import functools
import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict

from domain.ir import DocumentIR, Section

_K1 = 1.2
_B = 0.75
# Share of a question's weight (idf) a passage must match to count as an answer.
_MIN_COVERAGE = 0.5
_TITLE_BOOST = 0.6
_SYNONYM_WEIGHT = 0.5
_PASSAGE_WORDS = 30
_QUOTE_CHARS = 280

# Spellings of one finance term become one token, so "stop loss", "stop-loss" and
# "stoploss" match each other but "loss" alone does not match a stop-loss.
# (its parts, how the user should see it named)
_COMPOUND_TERMS = (
    ("stop loss", "stop-loss"),
    ("take profit", "take-profit"),
    ("draw down", "drawdown"),
    ("look back", "lookback"),
    ("kill switch", "kill switch"),
    ("walk forward", "walk-forward"),
    ("out of sample", "out-of-sample"),
    ("in sample", "in-sample"),
    ("back test", "backtest"),
    ("point in time", "point-in-time"),
    ("re balance", "rebalancing"),
    ("mark to market", "mark-to-market"),
    ("half life", "half-life"),
)
_TOKEN = re.compile(r"[a-z0-9]+(?:\.[0-9]+)?")
_STOPWORD_TEXT = """
a an and any are as at be been by can could do does did for from had has have how i if in
into is it its me my of on or our shall should so than that the their them then there these
they this those to was we were what when where which who whom why will with would you your
often much many exactly tell about describe explain document doc say says said mention
mentioned used use using handle handled handles treat treated treats work works happen happens
mean means define defined specify specified determine determined calculate calculated compute
computed chosen level levels value values rule rules policy process approach method amount
number kind type way against during before after between under over all also not
"""
_STOPWORDS = frozenset(_STOPWORD_TEXT.split())
# Query expansion: a reviewer's word and the document's word for the same thing.
_SYNONYMS: dict[str, tuple[str, ...]] = {
    "vendor": ("provider", "source", "feed", "supplier"),
    "provider": ("vendor", "source", "feed"),
    "source": ("vendor", "provider", "feed"),
    "frequency": ("daily", "weekly", "monthly", "quarterly", "annually"),
    "rebalanc": ("frequency", "reconstitution"),
    "cost": ("fee", "commission", "slippage"),
    "fee": ("cost", "commission"),
    "stoploss": ("exit",),
    "exit": ("stoploss", "takeprofit"),
    "universe": ("eligible", "constituent"),
    "benchmark": ("index",),
    "leverage": ("gross", "exposure"),
    "approval": ("approve", "governance", "sign"),
    "holiday": ("calendar",),
    "signal": ("score",),
    "lookback": ("window", "trailing", "past"),
    "size": ("sizing", "weight"),
    "sizing": ("size", "weight"),
}
_SENTENCE_END = re.compile(r"(?<=[.!?;:])\s+(?=\S)|\n")
_PARAGRAPH = re.compile(r"\n\s*\n")


@functools.lru_cache(maxsize=65_536)
def _stem(word: str) -> str:
    """Plural and -ing/-ed endings off, so "rebalanced", "rebalancing" and "rebalances" meet."""
    if len(word) <= 3 or word[0].isdigit():
        return word
    if word.endswith("ies") and len(word) > 4:
        word = word[:-3] + "y"
    elif word.endswith("sses"):
        word = word[:-2]
    elif word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    for suffix in ("ing", "ed"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            word = word[: -len(suffix)]
            if len(word) > 4 and word[-1] == word[-2] and word[-1] not in "lsz":
                word = word[:-1]
            break
    if word.endswith("e") and len(word) > 4:
        word = word[:-1]
    return word


# (stemmed parts) -> (token, name); the token is the stem of the parts written as one word.
_COMPOUNDS = {
    tuple(_stem(part) for part in parts.split()): (_stem(parts.replace(" ", "")), name)
    for parts, name in _COMPOUND_TERMS
}
_NAMES = dict(_COMPOUNDS.values())


def _words(text: str) -> list[tuple[str, str]]:
    """(word as written, index token) for each word that is not a stopword."""
    raw = _TOKEN.findall(text.lower())
    stems = [_stem(word) for word in raw]
    words, position = [], 0
    while position < len(raw):
        for size in (3, 2):
            compound = _COMPOUNDS.get(tuple(stems[position : position + size]))
            if compound:
                words.append((compound[1], compound[0]))
                position += size
                break
        else:
            if raw[position] not in _STOPWORDS and (
                len(raw[position]) > 1 or raw[position].isdigit()
            ):
                words.append((raw[position], stems[position]))
            position += 1
    return words


def _tokens(text: str) -> list[str]:
    return [token for _, token in _words(text)]


class Citation(BaseModel):
    """A verbatim quote from the document and where it is."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    quote: str
    section: str
    page: int | None = None


class Answer(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    text: str
    citations: list[Citation]


@dataclass(frozen=True, slots=True, eq=False)
class Passage:
    """A window of whole sentences of one section; `text` is `section.text[start:end]`."""

    section: Section
    start: int
    end: int

    @property
    def text(self) -> str:
        return self.section.text[self.start : self.end]

    def citation(self) -> Citation:
        return Citation(
            quote=self.text, section=self.section.label, page=self.section.page_at(self.start)
        )


@dataclass(frozen=True, slots=True)
class Hit:
    passage: Passage
    score: float
    coverage: float
    """Share of the question's idf weight this passage (or its section title) matches."""

    @property
    def answers(self) -> bool:
        return self.coverage >= _MIN_COVERAGE


@dataclass(frozen=True, slots=True)
class _Term:
    token: str
    weight: float
    origin: str
    """The question's own (stemmed) word this term stands for."""


def _split(text: str, separator: re.Pattern[str], start: int, end: int) -> list[tuple[int, int]]:
    spans, cursor = [], start
    for match in separator.finditer(text, start, end):
        spans.append((cursor, match.start()))
        cursor = match.end()
    spans.append((cursor, end))
    trimmed = []
    for left, right in spans:
        chunk = text[left:right]
        stripped = chunk.strip()
        if stripped:
            offset = left + len(chunk) - len(chunk.lstrip())
            trimmed.append((offset, offset + len(stripped)))
    return trimmed


def _passages(section: Section) -> list[Passage]:
    """Consecutive sentences of one paragraph up to about `_PASSAGE_WORDS` words each."""
    passages: list[Passage] = []
    text = section.text
    for paragraph_start, paragraph_end in _split(text, _PARAGRAPH, 0, len(text)):
        start: int | None = None
        end = words = 0
        for left, right in _split(text, _SENTENCE_END, paragraph_start, paragraph_end):
            count = len(text[left:right].split())
            if start is not None and words + count > _PASSAGE_WORDS:
                passages.append(Passage(section, start, end))
                start = None
            if start is None:
                start, words = left, 0
            end, words = right, words + count
        if start is not None:
            passages.append(Passage(section, start, end))
    return passages


class PassageIndex:
    """BM25 over a document's passages; build once per IR and reuse for every question."""

    def __init__(self, ir: DocumentIR, passages: list[Passage], terms: list[Counter[str]]) -> None:
        self.ir = ir
        self._passages = passages
        self._lengths = [sum(counts.values()) for counts in terms]
        self._average = (sum(self._lengths) / len(terms)) if terms else 0.0
        self._postings: dict[str, list[tuple[int, int]]] = defaultdict(list)
        for index, counts in enumerate(terms):
            for token, count in counts.items():
                self._postings[token].append((index, count))
        self._titles = {id(s): set(_tokens(f"{s.number or ''} {s.title}")) for s in ir.sections}
        self._title_tokens = set().union(*self._titles.values())

    @classmethod
    def build(cls, ir: DocumentIR) -> PassageIndex:
        passages = [p for section in ir.sections for p in _passages(section)]
        return cls(ir, passages, [Counter(_tokens(p.text)) for p in passages])

    def _idf(self, token: str) -> float:
        total, frequency = len(self._passages), len(self._postings.get(token, ()))
        return math.log(1 + (total - frequency + 0.5) / (frequency + 0.5))

    def _terms(self, question: str) -> list[_Term]:
        own = list(dict.fromkeys(_tokens(question)))
        terms = [_Term(token, 1.0, token) for token in own]
        for token in own:
            terms += [
                _Term(synonym, _SYNONYM_WEIGHT, token)
                for synonym in _SYNONYMS.get(token, ())
                if synonym not in own
            ]
        return terms

    def search(self, question: str, limit: int = 3) -> list[Hit]:
        """Passages matching any word of the question, best first (ties in document order)."""
        terms = self._terms(question)
        # A word the document never uses says less about the topic than one it does
        # ("the stop-loss level"), so it weighs half towards coverage.
        weights = {
            term.origin: self._idf(term.origin) * (1.0 if self._mentions(term.origin) else 0.5)
            for term in terms
        }
        total = sum(weights.values())
        scores: dict[int, float] = defaultdict(float)
        matched: dict[int, dict[str, float]] = defaultdict(dict)

        def credit(index: int, term: _Term) -> None:
            seen = matched[index]
            seen[term.origin] = max(seen.get(term.origin, 0.0), term.weight)

        for term in terms:
            idf = self._idf(term.token)
            for index, count in self._postings.get(term.token, ()):
                norm = _K1 * (1 - _B + _B * self._lengths[index] / (self._average or 1))
                scores[index] += term.weight * idf * count * (_K1 + 1) / (count + norm)
                credit(index, term)
        titled = {
            id(section): [t for t in terms if t.token in title]
            for section in self.ir.sections
            if (title := self._titles[id(section)])
        }
        for index, passage in enumerate(self._passages):
            for term in titled.get(id(passage.section), ()):
                scores[index] += _TITLE_BOOST * term.weight * self._idf(term.token)
                credit(index, term)
        ranked = sorted(scores, key=lambda index: (-scores[index], index))[:limit]
        return [
            Hit(
                self._passages[index],
                scores[index],
                sum(weights[origin] * w for origin, w in matched[index].items()) / total,
            )
            for index in ranked
        ]

    def unmentioned(self, question: str) -> list[str]:
        """The question's words that appear nowhere in the document, headings included."""
        missing = {
            token: _NAMES.get(token, word)
            for word, token in _words(question)
            if not self._mentions(token)
        }
        return list(missing.values())

    def _mentions(self, token: str) -> bool:
        return token in self._postings or token in self._title_tokens


def select_passages(
    ir: DocumentIR, question: str, limit: int = 5, *, index: PassageIndex | None = None
) -> list[Citation]:
    """The passages an AI model should answer from: any match, best first.

    Unlike `answer_offline` there is no coverage threshold: the model judges relevance,
    and an empty list tells it the document says nothing on the matter.
    """
    index = index or PassageIndex.build(ir)
    return [hit.passage.citation() for hit in index.search(question, limit)]


def answer_offline(
    ir: DocumentIR, question: str, *, limit: int = 3, index: PassageIndex | None = None
) -> Answer:
    """A plain-language answer quoting the best passages, or a clear "not covered"."""
    index = index or PassageIndex.build(ir)
    if not _tokens(question):
        return Answer(
            text="Ask me about something in the document, for example "
            "“what is the stop-loss?” or “how often is the portfolio rebalanced?”",
            citations=[],
        )
    hits = [hit for hit in index.search(question, limit * 4) if hit.answers][:limit]
    if not hits:
        return Answer(text=_not_covered(ir, index.unmentioned(question)), citations=[])
    best = hits[0].passage
    text = f"{_name(best.section)}{_on_page(best)} says: “{_shorten(best.text)}”"
    others = list(dict.fromkeys(_name(hit.passage.section) for hit in hits[1:]))
    others = [name for name in others if name != _name(best.section)]
    if others:
        text += f"\nSee also {', '.join(others)}."
    if missing := index.unmentioned(question):
        text += f"\nThe document never mentions {_join(missing)}."
    return Answer(text=text, citations=[hit.passage.citation() for hit in hits])


def _not_covered(ir: DocumentIR, missing: list[str]) -> str:
    text = f"“{ir.title}” does not seem to cover this: no passage answers the question."
    if missing:
        text += f" It never mentions {_join(missing)}."
    return text


def _name(section: Section) -> str:
    return f"Section {section.label}" if section.number else f"“{section.label}”"


def _on_page(passage: Passage) -> str:
    page = passage.section.page_at(passage.start)
    return f" (page {page})" if page is not None else ""


def _shorten(text: str) -> str:
    text = " ".join(text.split())
    if len(text) <= _QUOTE_CHARS:
        return text
    return text[:_QUOTE_CHARS].rsplit(" ", 1)[0] + "…"


def _join(words: list[str]) -> str:
    quoted = [f"“{word}”" for word in words]
    return quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} or {quoted[-1]}"
