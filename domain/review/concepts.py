"""Coverage in the author's own words: each checklist row's concept lexicon (concepts.toml),
validated at import, compiled once, and matched per sentence, table row and heading.

A row is covered when one sentence holds a term from every group of one alternative ("a
leg is closed" + "when it has lost 4%" covers the exit rule), or when a section titled for
the row has text. Phrase lists of the checklist itself still count; this only adds ways in.
"""

from __future__ import annotations

import math
import re
import tomllib
from collections import defaultdict
from dataclasses import dataclass
from functools import cache
from importlib import resources

from pydantic import BaseModel, ConfigDict, Field, field_validator

from domain.review.context import Context
from domain.review.screen import needles
from domain.review.text import has_number

_SPECIAL = {
    "#number": None,
    "#year": r"\b(?:19|20)\d\d\b",
    "#clock": r"\b\d{1,2}(?::\d\d\s?(?:am|pm)?|\s?(?:am|pm))\b",
}


class ConceptData(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    titles: tuple[str, ...] = ()
    any: tuple[tuple[tuple[str, ...], ...], ...] = Field(default=())

    @field_validator("any")
    @classmethod
    def _groups_are_not_empty(
        cls, alternatives: tuple[tuple[tuple[str, ...], ...], ...]
    ) -> tuple[tuple[tuple[str, ...], ...], ...]:
        for alternative in alternatives:
            if not alternative or any(not group for group in alternative):
                raise ValueError("an alternative needs at least one non-empty group of terms")
        return alternatives


@dataclass(frozen=True, slots=True)
class _Group:
    pattern: re.Pattern[str] | None
    needs_number: bool

    def matches(self, text: str) -> bool:
        if self.needs_number and has_number(text):
            return True
        return self.pattern is not None and self.pattern.search(text) is not None


@dataclass(frozen=True, slots=True)
class Concept:
    titles: re.Pattern[str] | None
    alternatives: tuple[tuple[_Group, ...], ...]


def _term(term: str) -> str:
    special = _SPECIAL.get(term)
    if special is not None:
        return special
    prefix = term.endswith("*")
    body = re.escape(term.rstrip("*")).replace(r"\ ", r"\s+")
    start = r"\b" if term[:1].isalnum() else ""
    end = r"\w*" if prefix else (r"\b" if term.rstrip("*")[-1:].isalnum() else "")
    return f"{start}{body}{end}"


def _group(terms: tuple[str, ...]) -> _Group:
    words = [t for t in terms if t != "#number"]
    pattern = re.compile("|".join(_term(t) for t in words), re.IGNORECASE) if words else None
    return _Group(pattern, "#number" in terms)


def compile_concepts(text: str) -> dict[str, Concept]:
    """Parse and validate concept data; a bad entry fails naming its row."""
    raw = tomllib.loads(text)
    compiled = {}
    for row, data in raw.items():
        try:
            concept = ConceptData.model_validate(data)
        except ValueError as error:
            raise ValueError(f"concepts.toml [{row}]: {error}") from error
        titles = (
            re.compile("|".join(_term(t) for t in concept.titles), re.IGNORECASE)
            if concept.titles
            else None
        )
        alternatives = tuple(tuple(_group(g) for g in alt) for alt in concept.any)
        compiled[row] = Concept(titles, alternatives)
    return compiled


def concepts_text() -> str:
    return resources.files("domain.review").joinpath("concepts.toml").read_text("utf-8")


@cache
def concepts() -> dict[str, Concept]:
    return compile_concepts(concepts_text())


def covered_in_own_words(rule_id: str, context: Context) -> bool:
    concept = concepts().get(rule_id)
    if concept is None:
        return False
    if concept.titles is not None:
        for section in context.ir.sections:
            if section.text.strip() and concept.titles.search(section.title):
                return True
    return any(_alternative_matches(alternative, context) for alternative in concept.alternatives)


def _alternative_matches(alternative: tuple[_Group, ...], context: Context) -> bool:
    """One search of the first group over each section, then the rest on the sentences it
    lands in: long documents cost a scan per alternative, not a search per sentence."""
    first, rest = alternative[0], alternative[1:]
    if first.pattern is None:
        candidates = (s for section in context.sections for s in section.sentences)
        return any(all(group.matches(s.text) for group in alternative) for s in candidates)
    # Only sentences where every other group can match (holding one of its needles, or a
    # number) are worth a match of the first group. Narrowing is only a shortcut, as every
    # group is matched on each sentence anyway, and locating a very common needle ("in")
    # costs more than it saves: the rarest groups narrow first, and a group stops being used
    # once it occurs more than twice as often as there are sentences left.
    allowed: set[tuple[int, int]] | None = None
    for group in sorted(rest, key=lambda group: _occurrences(group, context)):
        if allowed is not None and _occurrences(group, context) > 2 * len(allowed):
            break
        possible = _possible(group, context)
        if possible is not None:
            allowed = possible if allowed is None else allowed & possible
    starts = None
    within: dict[int, list[tuple[int, int]]] | None = None
    if allowed is not None:
        starts = {(i, context.sections[i].sentences[n].start) for i, n in allowed}
        within = defaultdict(list)
        for index, number in sorted(allowed):
            sentence = context.sections[index].sentences[number]
            within[index].append((sentence.start, sentence.end))
    # Sentences found by the first group's own pattern need only the other groups.
    seen: set[tuple[int, int]] = set()
    for index, match in context.matches(first.pattern, within):
        sentence = context.sections[index].sentence_at(match.start())
        place = (index, sentence.start)
        if place not in seen and (starts is None or place in starts):
            seen.add(place)
            if all(group.matches(sentence.text) for group in rest):
                return True
    return False


def _occurrences(group: _Group, context: Context) -> float:
    """About how many places `_possible` would look up for `group`; infinite when unknown."""
    count = len(context.numbered) if group.needs_number else 0
    if group.pattern is None:
        return count
    words = needles(group.pattern)
    if words is None:
        return math.inf
    return count + sum(context.document.index.count(word) for word in words)


def _possible(group: _Group, context: Context) -> set[tuple[int, int]] | None:
    """The sentences in which `group` can match; None when that is not known."""
    found: set[tuple[int, int]] = set()
    if group.pattern is not None:
        holding = context.possible(group.pattern)
        if holding is None:
            return None
        found |= holding
    if group.needs_number:
        found |= context.numbered
    return found
