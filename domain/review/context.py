"""Everything the checks need about one document, computed once per review."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property

from domain.ir import DocumentIR, Section
from domain.review.doctype import DocumentKind, classify
from domain.review.text import SectionText, Span, has_number

_BACKGROUND = re.compile(
    r"\b(?:objective|overview|introduction|summary|purpose|background|scope|rationale|"
    r"motivation|about|executive|description|disclaimer|contents|history|context|"
    r"hypothesis)\b",
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
        words.add(word[:-1] if len(word) > 3 and word.endswith("s") else word)
    return words


@dataclass
class Context:
    ir: DocumentIR
    kind: DocumentKind = field(init=False)

    def __post_init__(self) -> None:
        self.kind = classify(self.ir)

    @cached_property
    def text(self) -> str:
        return self.ir.text

    @cached_property
    def sections(self) -> list[SectionText]:
        return [SectionText(section) for section in self.ir.sections]

    @cached_property
    def order(self) -> dict[str, int]:
        return {section.id: index for index, section in enumerate(self.ir.sections)}

    def section_text(self, section_id: str | None) -> SectionText | None:
        index = self.order.get(section_id or "")
        return None if index is None else self.sections[index]

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
