"""Sentence spans and verbatim evidence: every check quotes through here, so no check can
emit a quote that is not in the document."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from functools import cached_property

from domain.findings import Evidence
from domain.ir import Section

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
    r"tercile|percentile|median|double|twice|once)\b",
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
    return bool(quote.strip()) and normalise(quote) in normalise(text)


def has_number(text: str) -> bool:
    return NUMBER.search(text) is not None


@dataclass(frozen=True, slots=True)
class Span:
    """A stretch of one section's text, the unit every finding quotes."""

    section: Section
    start: int
    end: int

    @property
    def text(self) -> str:
        return self.section.text[self.start : self.end]

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
    ends, and formula lines, start a new sentence."""
    before = text[:newline].rstrip(" \t")
    after_full = text[newline + 1 :]
    after = after_full.lstrip(" \t")
    if not before or not after or after.startswith("\n") or before.endswith("\n"):
        return True
    if before[-1] in ".:;!?" or _BULLET.match(after):
        return True
    previous_line = before.rsplit("\n", 1)[-1]
    next_line = after.split("\n", 1)[0]
    return "=" in previous_line or "=" in next_line


@dataclass(frozen=True)
class SectionText:
    """One section cut into sentences once, so each check scans spans instead of
    re-splitting the text."""

    section: Section

    @cached_property
    def sentences(self) -> list[Span]:
        text = self.section.text
        cuts = [0]
        for index, char in enumerate(text):
            if char == "\n" and _line_breaks_sentence(text, index):
                cuts.append(index + 1)
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

    def sentence_at(self, offset: int) -> Span:
        for span in self.sentences:
            if span.start <= offset < span.end:
                return span
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


def quote_span(sentence: Span, start: int, end: int) -> Span:
    """The sentence, or for a very long sentence the clause around the match."""
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
