"""Everything the checks need about one document, computed once per review."""

from __future__ import annotations

import bisect
import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property

from domain.ir import DocumentIR, Section
from domain.review.doctype import DocumentKind, classify
from domain.review.screen import Haystack, needles
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
    _word_sections: dict[str, list[int]] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        self.kind = classify(self.ir.title, self.document)

    @cached_property
    def text(self) -> str:
        return self.ir.text

    @cached_property
    def document(self) -> Haystack:
        """The whole text (headings included), for whole-document searches."""
        return Haystack(self.text)

    @cached_property
    def sections(self) -> list[SectionText]:
        return [SectionText(section) for section in self.ir.sections]

    @cached_property
    def _joined(self) -> tuple[str, list[int]]:
        """Every section's folded text, joined, and where each starts: one `find` per needle
        walks the whole document."""
        starts, offset = [], 0
        for section in self.sections:
            starts.append(offset)
            offset += len(section.folded) + 1
        return "\n".join(section.folded for section in self.sections), starts

    def _sections_with(self, word: str) -> list[int]:
        """Indexes of the sections whose folded text contains `word`; checks share words."""
        found = self._word_sections.get(word)
        if found is None:
            joined, starts = self._joined
            found = []
            position = joined.find(word) if self.document.has(word) else -1
            while position != -1:
                found.append(bisect.bisect_right(starts, position) - 1)
                following = starts[found[-1] + 1] if found[-1] + 1 < len(starts) else len(joined)
                position = joined.find(word, following)
            self._word_sections[word] = found
        return found

    def screen(self, *patterns: re.Pattern[str]) -> Iterator[tuple[Span, list[re.Pattern[str]]]]:
        """Each sentence one of `patterns` may match, in document order, with those of
        `patterns` (in the order given) that may match it. No pattern matches a sentence it
        is not listed with, so a check can skip the rest without changing a result."""
        owners: dict[str, set[re.Pattern[str]]] = defaultdict(set)
        always: set[re.Pattern[str]] = set()
        for pattern in patterns:
            words = needles(pattern)
            if words is None:
                always.add(pattern)
            for word in words or ():
                owners[word].add(pattern)
        hits: dict[int, list[str]] = defaultdict(list)
        for word in owners:
            for index in self._sections_with(word):
                hits[index].append(word)
        for index in range(len(self.sections)) if always else sorted(hits):
            section, words = self.sections[index], hits.get(index, [])
            for sentence in section.sentences:
                possible = set(always)
                for word in words:
                    if section.folded.find(word, sentence.start, sentence.end) != -1:
                        possible |= owners[word]
                if possible:
                    yield sentence, [pattern for pattern in patterns if pattern in possible]

    def sentences_for(self, *patterns: re.Pattern[str]) -> Iterator[Span]:
        """The sentences `screen` lists for `patterns`."""
        return (sentence for sentence, _ in self.screen(*patterns))

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
        for section in self.sections:
            for sentence in section.sentences:
                if has_number(sentence.text):
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
    def _quantified_index(self) -> dict[str, list[int]]:
        index: dict[str, list[int]] = defaultdict(list)
        for position, (_, words) in enumerate(self._quantified):
            for word in words:
                index[word].append(position)
        return index

    def quantified_elsewhere(self, required: set[str], optional: set[str], exclude: Span) -> bool:
        """Whether another sentence, table row or parameter gives this quantity a number:
        it must contain every `required` word and, if any are given, one `optional` word."""
        required = {word for word in required if word}
        if not required:
            return False
        candidates: set[int] | None = None
        for word in required:
            hits = set(self._quantified_index.get(word, ()))
            candidates = hits if candidates is None else candidates & hits
            if not candidates:
                return False
        for position in sorted(candidates or ()):
            span, words = self._quantified[position]
            if span is not None and span.overlaps(exclude):
                continue
            if not optional or words & optional:
                return True
        return False
