"""Sentence spans and verbatim evidence: every check quotes through here, so no check can
emit a quote that is not in the document."""

from __future__ import annotations

import bisect
import itertools
import re
from dataclasses import dataclass
from functools import cached_property, lru_cache

from domain.findings import Evidence
from domain.ir import Section
from domain.review.screen import fold
from domain.textscan import Phrases

_WS = re.compile(r"\s+")
_BULLET = re.compile(r"[-*•·▪◦–]\s+|\(?(?:\d{1,2}|[a-z])[.)]\s+")
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"'”’)\]]*\s+(?=[\"“'(\[]?[A-Z0-9])|;\s+")
_ABBREVIATION = re.compile(
    r"(?:\b(?:e\.g|i\.e|etc|vs|approx|incl|no|cf|inc|ltd|co|corp|fig|sec|art|para)\.|"
    r"\b[A-Z]\.[A-Z]\.(?:[A-Z]\.)*)$",
    re.IGNORECASE,
)
NUMBER = re.compile(
    r"\d|\b(?:zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|"
    r"twenty|thirty|forty|fifty|hundred|thousand|half|quarter|quartile|decile|quintile|"
    r"tercile|percentile|median|double|twice|once)\b|"
    # Credit rating grades are values too ("minimum rating BBB-").
    r"(?-i:\b(?:AAA|AA[+-]?|A[+-]|BBB[+-]?|BB[+-]?|B[+-]|CCC[+-]?|Aaa|Aa[1-3]|A[1-3]|Baa[1-3]|"
    r"Ba[1-3])(?![\w+-]))",
    re.IGNORECASE,
)
_CLAUSE_BREAK = re.compile(
    r",\s+(?=(?:and|or|but|whichever|while|which|unless)\b)|;|:\s|"
    r"\s+(?=(?:and|or)\s+(?:the|a|an|each|all|minimum|maximum|at)\b)",
    re.IGNORECASE,
)
MAX_QUOTE = 240


def flexible(pattern: str) -> str:
    """Let a space in a pattern match any whitespace: extracted text wraps lines mid-phrase."""
    return pattern.replace(" ", r"\s+")


def normalise(text: str) -> str:
    """Whitespace-insensitive form used for every verbatim comparison."""
    return _WS.sub(" ", text).strip()


def is_verbatim(quote: str, text: str) -> bool:
    return bool(quote.strip()) and normalise(quote) in _normalised(text)


@lru_cache(maxsize=16)
def _normalised(text: str) -> str:
    """Every finding in a section checks its quote against the same section text."""
    return normalise(text)


def has_number(text: str) -> bool:
    return NUMBER.search(text) is not None


@dataclass(frozen=True, slots=True)
class Span:
    """A stretch of one section's text, the unit every finding quotes."""

    section: Section
    start: int
    end: int
    # The words a check matched inside the quote; two checks matching the same words found
    # one problem, two checks matching different words in one sentence found two.
    focus: tuple[int, int] | None = None

    @property
    def text(self) -> str:
        return self.section.text[self.start : self.end]

    def unfocused(self) -> Span:
        """The same quote about the passage as a whole (a relation, something the document
        lacks): an empty focus, so no finding on the same words absorbs it or is absorbed."""
        return Span(self.section, self.start, self.end, (self.start, self.start))

    def same_problem(self, other: Span) -> bool:
        if not self.overlaps(other):
            return False
        if self.focus is None or other.focus is None:
            return True
        return self.focus[0] < other.focus[1] and other.focus[0] < self.focus[1]

    def overlaps(self, other: Span) -> bool:
        return (
            self.section.id == other.section.id
            and self.start < other.end
            and other.start < self.end
        )

    def evidence(self) -> Evidence:
        quote = self.text.strip()
        if not is_verbatim(quote, self.section.text):
            raise ValueError(f"quote is not verbatim in section {self.section.label!r}")
        return Evidence(
            quote=quote, section=self.section.label, page=self.section.page_at(self.start)
        )


def _line_breaks_sentence(text: str, newline: int) -> bool:
    """PDF and DOCX text wraps lines mid-sentence; only real list items and paragraph
    ends, and formula lines, start a new sentence. Works on offsets, not copies, so a long
    section costs the same per line as a short one."""
    before = newline
    while before > 0 and text[before - 1] in " \t":
        before -= 1
    after = newline + 1
    while after < len(text) and text[after] in " \t":
        after += 1
    if before == 0 or after == len(text) or text[after] == "\n" or text[before - 1] == "\n":
        return True
    if text[before - 1] in ".:;!?" or _BULLET.match(text, after):
        return True
    line_start = text.rfind("\n", 0, before) + 1
    line_end = text.find("\n", after)
    return text.find("=", line_start, before) != -1 or (
        text.find("=", after, len(text) if line_end == -1 else line_end) != -1
    )


@dataclass(frozen=True)
class SectionText:
    """One section cut into sentences once, so each check scans spans instead of
    re-splitting the text."""

    section: Section

    @cached_property
    def sentences(self) -> list[Span]:
        text = self.section.text
        cuts = [0]
        newline = text.find("\n")
        while newline != -1:
            if _line_breaks_sentence(text, newline):
                cuts.append(newline + 1)
            newline = text.find("\n", newline + 1)
        for match in _SENTENCE_END.finditer(text):
            if match.group().startswith(";") or not _ABBREVIATION.search(
                text[max(0, match.start() - 12) : match.start()]
            ):
                cuts.append(match.end())
        cuts = [*sorted(set(cuts)), len(text)]
        spans = []
        for start, end in itertools.pairwise(cuts):
            span = _trim(self.section, start, end)
            if span is not None:
                spans.append(span)
        return spans

    @cached_property
    def _normalised(self) -> tuple[str, str, list[int]]:
        """The sentences' normalised texts joined by NUL (which no normalised text holds
        unless the section does), the same lower-cased, and where each sentence starts."""
        texts = [normalise(span.text) for span in self.sentences]
        starts, offset = [], 0
        for text in texts:
            starts.append(offset)
            offset += len(text) + 1
        lowered = [text.lower() for text in texts]
        if any(len(a) != len(b) for a, b in zip(texts, lowered, strict=True)):
            lowered = []  # a lower-case form of another length: searched one by one
        return "\0".join(texts), "\0".join(lowered), starts

    def first_holding(self, wanted: str, *, lower: bool = False) -> Span | None:
        """The first sentence whose normalised text (lower-cased if `lower`) contains
        `wanted`: one search of the section instead of one per sentence."""
        joined, lowered, starts = self._normalised
        text = lowered if lower else joined
        if "\0" in wanted or "\0" in self.section.text or (lower and not lowered):
            return next(
                (
                    span
                    for span in self.sentences
                    if wanted in (normalise(span.text).lower() if lower else normalise(span.text))
                ),
                None,
            )
        found = text.find(wanted)
        return None if found == -1 else self.sentences[bisect.bisect_right(starts, found) - 1]

    @cached_property
    def _sentences_as_phrases(self) -> Phrases:
        return Phrases(normalise(span.text) for span in self.sentences)

    def first_within(self, wanted: str) -> Span | None:
        """The first sentence whose normalised text occurs in `wanted`: a formula line the
        sentence splitter cut in two."""
        found = self._sentences_as_phrases.first_in(wanted)
        return None if found is None else self.sentences[found]

    @cached_property
    def folded(self) -> str:
        """The text as `screen` searches it, offset for offset."""
        return fold(self.section.text)

    @cached_property
    def starts(self) -> list[int]:
        """Where each sentence starts, for looking sentences up by offset."""
        return [span.start for span in self.sentences]

    def sentence_at(self, offset: int) -> Span:
        """Sentences are ordered and disjoint, so the only candidate is the last one starting
        at or before `offset`: a lookup per match stays logarithmic in a long section."""
        index = bisect.bisect_right(self.starts, offset) - 1
        if index >= 0 and offset < self.sentences[index].end:
            return self.sentences[index]
        return Span(self.section, offset, offset)


def _trim(section: Section, start: int, end: int) -> Span | None:
    """Drop surrounding whitespace and a leading bullet, so quotes read as prose."""
    text = section.text
    while start < end and text[start].isspace():
        start += 1
    bullet = _BULLET.match(text, start, end)
    if bullet:
        start = bullet.end()
    while end > start and text[end - 1].isspace():
        end -= 1
    return Span(section, start, end) if end > start else None


def clause(sentence: Span, start: int, end: int) -> Span:
    """The clause of `sentence` around [start, end): where a number would have to be for the
    parameter to count as given."""
    text = sentence.section.text
    left = sentence.start
    right = sentence.end
    for match in _CLAUSE_BREAK.finditer(text, sentence.start, sentence.end):
        if match.end() <= start:
            left = match.end()
        elif match.start() >= end:
            right = match.start()
            break
    paren = re.match(r"\s*\([^)]{0,60}\)", text[right : sentence.end])
    if paren:
        right += paren.end()
    return Span(sentence.section, left, right)


def focused(span: Span, words: str) -> Span:
    """The same quote, focused on `words` where they occur in it (else on all of it)."""
    found = span.section.text.find(words, span.start, span.end) if words else -1
    focus = (found, found + len(words)) if found != -1 else (span.start, span.end)
    return Span(span.section, span.start, span.end, focus)


def quote_span(sentence: Span, start: int, end: int) -> Span:
    """The sentence, or for a very long sentence the clause around the match; it remembers
    the matched words as its focus."""
    quoted = _quote(sentence, start, end)
    return Span(quoted.section, quoted.start, quoted.end, (start, end))


def _quote(sentence: Span, start: int, end: int) -> Span:
    if sentence.end - sentence.start <= MAX_QUOTE:
        return sentence
    narrowed = clause(sentence, start, end)
    if narrowed.end - narrowed.start <= MAX_QUOTE:
        return _trim(narrowed.section, narrowed.start, narrowed.end) or narrowed
    left = max(sentence.start, start - MAX_QUOTE // 2)
    right = min(sentence.end, end + MAX_QUOTE // 2)
    text = sentence.section.text
    while left > sentence.start and not text[left - 1].isspace():
        left += 1
    while right < sentence.end and not text[right].isspace():
        right -= 1
    return _trim(sentence.section, left, max(right, end)) or sentence
