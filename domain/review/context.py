"""Everything the checks need about one document, computed once per review."""

from __future__ import annotations

import bisect
import math
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property

from domain.ir import DocumentIR, Section
from domain.review.doctype import DocumentKind, classify
from domain.review.screen import SCREENED, Haystack, fold, needles
from domain.review.text import SectionText, Span, has_number

_BACKGROUND = re.compile(
    r"\b(?:objective|overview|introduction|summary|purpose|background|scope|rationale|"
    r"motivation|about|executive|description|disclaimer|contents|history|context|"
    r"hypothesis)\b",
    re.IGNORECASE,
)
_NARRATIVE = re.compile(
    r"\b(?:limitations?|results?|discussion|conclusions?|findings|literature|related work|"
    r"performance|references|acknowledg\w+)\b",
    re.IGNORECASE,
)
_WORD = re.compile(r"[a-z][a-z0-9-]+")
_LINE_BREAK = re.compile(r"\n")
_FULL_STOP = re.compile(r"\. ")
_DIGIT = re.compile(r"\d")
_STOP = frozenset(
    re.findall(
        r"\S+",
        "the a an of to in on for and or is are be by with from at as than its their this "
        "that each any all must should will shall which when where if",
    )
)


def content_words(text: str) -> set[str]:
    """Lower-case words minus stop words, with a naive plural fold ("costs" -> "cost")."""
    words = set()
    for word in _WORD.findall(text.lower()):
        if word in _STOP:
            continue
        plural = len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "is", "us"))
        words.add(word[:-1] if plural else word)
    return words


@dataclass
class Context:
    ir: DocumentIR
    kind: DocumentKind = field(init=False)
    _holding: dict[frozenset[str], list[int]] = field(default_factory=dict, init=False, repr=False)
    _word_sentences: dict[str, list[tuple[int, int]]] = field(
        default_factory=dict, init=False, repr=False
    )

    def __post_init__(self) -> None:
        self.kind = classify(self.ir.title, self.document)

    @cached_property
    def text(self) -> str:
        return self.ir.text

    @cached_property
    def document(self) -> Haystack:
        """The whole text (headings included), for whole-document searches; its index of
        needles, built in one pass, also serves every section."""
        folded = fold(self.text)
        return Haystack(self.text, folded, SCREENED.index(folded))

    @cached_property
    def _stops(self) -> tuple[list[int], list[int], list[int]]:
        """Where `text` has line breaks, ". " and digits, each sorted: a question about the
        sentence around a match is then a few bisections, however long the sentence."""
        text = self.text
        return (
            [m.start() for m in _LINE_BREAK.finditer(text)],
            [m.start() for m in _FULL_STOP.finditer(text)],
            [m.start() for m in _DIGIT.finditer(text)],
        )

    def has_number_around(self, start: int, end: int) -> bool:
        """Whether the stretch of `text` around [start, end), between the line break or ". "
        before it and the one after it, holds a digit."""
        breaks, stops, digits = self._stops
        before = max(_last_below(breaks, start), _last_below(stops, start - 1))
        size = len(self.text)
        after = min(_first_from(breaks, end, size), _first_from(stops, end, size))
        first = bisect.bisect_left(digits, before + 1)
        return first < len(digits) and digits[first] < after

    @cached_property
    def sections(self) -> list[SectionText]:
        return [SectionText(section) for section in self.ir.sections]

    @cached_property
    def _bodies(self) -> list[int]:
        """Where each section's text starts in `text` (after its heading line)."""
        starts, offset = [], 0
        for section in self.ir.sections:
            starts.append(offset + len(section.label) + 1)
            offset = starts[-1] + len(section.text) + 2
        return starts

    @cached_property
    def haystacks(self) -> list[Haystack]:
        """Each section's text, screened with the document's index."""
        index = self.document.index
        return [
            Haystack(section.section.text, section.folded, index, start)
            for section, start in zip(self.sections, self._bodies, strict=True)
        ]

    def screen(self, *patterns: re.Pattern[str]) -> Iterator[tuple[Span, list[re.Pattern[str]]]]:
        """Each sentence one of `patterns` may match, in document order, with those of
        `patterns` (in the order given) that may match it. No pattern matches a sentence it
        is not listed with, so a check can skip the rest without changing a result.

        A sentence may match a pattern only if it holds one of its needles; the document's
        index lists where each needle occurs, so the cost is one lookup per occurrence."""
        hits: dict[tuple[int, int], set[re.Pattern[str]]] = defaultdict(set)
        for pattern in patterns:
            for word in needles(pattern) or ():
                for where in self._sentences_with(word):
                    hits[where].add(pattern)
        always = {pattern for pattern in patterns if needles(pattern) is None}
        places = (
            [(i, n) for i, text in enumerate(self.sections) for n in range(len(text.sentences))]
            if always
            else sorted(hits)
        )
        order = {pattern: position for position, pattern in enumerate(patterns)}
        for index, number in places:
            possible = always | hits.get((index, number), set())
            sentence = self.sections[index].sentences[number]
            yield sentence, sorted(possible, key=order.__getitem__)

    def matches(
        self, pattern: re.Pattern[str], within: dict[int, list[tuple[int, int]]] | None = None
    ) -> Iterator[tuple[int, re.Match[str]]]:
        """Each match of `pattern` in each section's text, with the section's index, in
        document order: the sections without a needle are never visited. With `within`, only
        the sections it lists are, and of each only stretches meeting its spans (ordered,
        disjoint, ends included) need be: a caller wanting matches that start there."""
        words = needles(pattern)
        if words is None:
            indexes: Iterable[int] = range(len(self.sections))
        else:
            indexes = sorted({index for word in words for index in self._sections_with(word)})
        for index in indexes if within is None else sorted(within.keys() & set(indexes)):
            near = None if within is None else within[index]
            for match in self.haystacks[index].finditer(pattern, near):
                yield index, match

    def _sections_with(self, word: str) -> set[int]:
        """The sections whose text holds `word`. Positions are sorted, so after the first in
        a section the rest of it is skipped: an occurrence later in a section fits in its
        text only if the first does."""
        found = set()
        positions = self.document.index.positions(word)
        bodies, length = self._bodies, len(word)
        at = 0
        while at < len(positions):
            position = positions[at]
            index = bisect.bisect_right(bodies, position) - 1
            if index >= 0 and position - bodies[index] + length <= len(
                self.sections[index].section.text
            ):
                found.add(index)
            if index + 1 == len(bodies):
                break
            at = bisect.bisect_left(positions, bodies[index + 1], at + 1)
        return found

    def _sentences_with(self, word: str) -> list[tuple[int, int]]:
        """(section, sentence) of each sentence holding `word`, in document order; checks share
        words, so each is worked out once."""
        found = self._word_sentences.get(word)
        if found is None:
            found = []
            bodies, length = self._bodies, len(word)
            # The section of the last position, kept while positions stay in it: common words
            # occur thousands of times, and a lookup per occurrence adds up.
            index, low, high, size = -1, 0, -1, 0
            section = None
            for position in self.document.index.positions(word):
                if not low <= position < high:
                    index = bisect.bisect_right(bodies, position) - 1
                    if index < 0:
                        continue
                    low = bodies[index]
                    high = bodies[index + 1] if index + 1 < len(bodies) else math.inf
                    section = self.sections[index]
                    size = len(section.section.text)
                offset = position - low
                if section is None or offset + length > size:
                    continue
                number = bisect.bisect_right(section.starts, offset) - 1
                inside = number >= 0 and offset + length <= section.sentences[number].end
                if inside and (not found or found[-1] != (index, number)):
                    found.append((index, number))
            self._word_sentences[word] = found
        return found

    def possible(self, pattern: re.Pattern[str]) -> set[tuple[int, int]] | None:
        """(section, sentence) of every sentence holding a needle of `pattern`, the only
        ones in which it can match; None when the pattern has no needles."""
        words = needles(pattern)
        if words is None:
            return None
        return {where for word in words for where in self._sentences_with(word)}

    @cached_property
    def numbered(self) -> set[tuple[int, int]]:
        """(section, sentence) of every sentence that states a number."""
        return {
            (index, number)
            for index, section in enumerate(self.sections)
            for number, sentence in enumerate(section.sentences)
            if has_number(sentence.text)
        }

    def sentences_holding(self, words: Iterable[str]) -> list[Span]:
        """The sentences whose folded text holds every one of `words` (lower-case), in
        document order: candidates for a question about those words, found from the index
        instead of by reading every sentence."""
        places: set[tuple[int, int]] | None = None
        for word in sorted(words, key=lambda w: len(self.document.index.positions(w))):
            found = set(self._sentences_with(word))
            places = found if places is None else places & found
            if not places:
                return []
        return [self.sections[index].sentences[number] for index, number in sorted(places or ())]

    def sentences_for(self, *patterns: re.Pattern[str]) -> Iterator[Span]:
        """The sentences `screen` lists for `patterns`, without working out which patterns
        each may match."""
        if any(needles(pattern) is None for pattern in patterns):
            places: Iterable[tuple[int, int]] = (
                (i, n) for i, text in enumerate(self.sections) for n in range(len(text.sentences))
            )
        else:
            places = sorted(
                {
                    where
                    for pattern in patterns
                    for word in needles(pattern) or ()
                    for where in self._sentences_with(word)
                }
            )
        return (self.sections[index].sentences[number] for index, number in places)

    @cached_property
    def order(self) -> dict[str, int]:
        return {section.id: index for index, section in enumerate(self.ir.sections)}

    def section_text(self, section_id: str | None) -> SectionText | None:
        index = self.order.get(section_id or "")
        return None if index is None else self.sections[index]

    def is_narrative(self, section: Section) -> bool:
        """Results, limitations and discussion report what happened; they set no rules."""
        return _NARRATIVE.search(section.title) is not None

    def is_background(self, section: Section) -> bool:
        """Introductory prose, where vague wording costs less than in a rule."""
        return _BACKGROUND.search(section.title) is not None or (
            section.level == 1 and len(self.ir.sections) > 1 and len(section.text) < 200
        )

    @cached_property
    def _quantified(self) -> list[tuple[Span | None, set[str]]]:
        """Sentences, table rows and parameters that carry a number, by their words."""
        entries: list[tuple[Span | None, set[str]]] = []
        for index, number in sorted(self.numbered):
            sentence = self.sections[index].sentences[number]
            entries.append((sentence, content_words(sentence.text)))
        for table in self.ir.tables:
            for row in table.rows:
                joined = " ".join(row)
                if has_number(joined):
                    entries.append((None, content_words(joined)))
        for parameter in self.ir.parameters:
            if parameter.value is not None:
                entries.append((None, content_words(f"{parameter.name} {parameter.text}")))
        return entries

    @cached_property
    def _quantified_index(self) -> dict[str, set[int]]:
        index: dict[str, set[int]] = defaultdict(set)
        for position, (_, words) in enumerate(self._quantified):
            for word in words:
                index[word].add(position)
        return index

    def quantified_elsewhere(self, required: set[str], optional: set[str], exclude: Span) -> bool:
        """Whether another sentence, table row or parameter gives this quantity a number:
        it must contain every `required` word and, if any are given, one `optional` word."""
        wanted = frozenset(word for word in required if word)
        if not wanted:
            return False
        if not optional:
            return self._quantified_outside(wanted, exclude)
        return any(self._quantified_outside(wanted | {word}, exclude) for word in optional)

    def _quantified_outside(self, words: frozenset[str], exclude: Span) -> bool:
        """Entries holding every one of `words` are found once per set of words; only those
        overlapping `exclude` (its own sentence) are skipped, so a repeated question costs a
        lookup, not a scan of every entry that shares a word."""
        holding = self._holding.get(words)
        if holding is None:
            index = self._quantified_index
            sets = sorted((index.get(word, set()) for word in words), key=len)
            holding = sorted(sets[0].intersection(*sets[1:]))
            self._holding[words] = holding
        for position in holding:
            span = self._quantified[position][0]
            if span is None or not span.overlaps(exclude):
                return True
        return False


def _last_below(positions: list[int], limit: int) -> int:
    """The last of the sorted `positions` below `limit`, or -1."""
    index = bisect.bisect_left(positions, limit) - 1
    return positions[index] if index >= 0 else -1


def _first_from(positions: list[int], limit: int, default: int) -> int:
    """The first of the sorted `positions` at or after `limit`, or `default`."""
    index = bisect.bisect_left(positions, limit)
    return positions[index] if index < len(positions) else default
