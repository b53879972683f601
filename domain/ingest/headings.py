"""Recognising headings in flat text, where layout is gone and only wording is left.

PDF text and plain text arrive as lines; a line is a heading when its numbering
continues the document's outline ("2.1" after "2") or when it is short, has no
final punctuation, is title case or upper case and starts a paragraph.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_NUMBER = r"(?:\d{1,2}(?:\.\d{1,3}){0,5}|[A-Z](?:\.\d{1,3}){1,4})"
_NUMBERED = re.compile(rf"(?P<num>{_NUMBER})(?P<dot>[.)]?)\s+(?P<title>\S.*)")
_NAMED = re.compile(
    r"(?P<kind>(?i:appendix|annex|schedule|exhibit|attachment|section|chapter|part))"
    r"\s+(?P<num>[A-Z]|[IVX]{1,5}|\d{1,2}(?:\.\d{1,3})*)\b[.:)]?(?:\s*[-–—:]?\s+(?P<title>\S.*))?"
)
# Named parts whose name, not just their numeral, is how people refer to them.
_KEEP_KIND = frozenset({"appendix", "annex", "schedule", "exhibit", "attachment"})
_MINOR_WORDS = frozenset(
    {
        "a",
        "an",
        "and",
        "as",
        "at",
        "by",
        "de",
        "for",
        "from",
        "in",
        "into",
        "of",
        "on",
        "or",
        "per",
        "the",
        "to",
        "versus",
        "vs",
        "via",
        "with",
    }
)
_NUMBERED_FIRST = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")
_NAMED_FIRST = frozenset("AaSsEePpCc")
_SENTENCE_END = (".", ",", ";", ":", "!", "?")
# "3.2 Rebalancing ........ 14": a contents entry names a heading on another page; taken for
# the heading itself it would start a section, and the real heading would then read as out
# of sequence and be lost.
_SENTENCE_BREAK = re.compile(r"[.;!?]\s+[A-Z]")
_CONTENTS_ENTRY = re.compile(r"(?:\.{3,}|…+|\t)\s*(?:\d{1,4}|[ivxlc]{1,6})$", re.IGNORECASE)
_MAX_HEADING_CHARS = 90
_MAX_LAYOUT_CHARS = 60
_MAX_HEADING_WORDS = 12
_MAX_LAYOUT_WORDS = 8


@dataclass(frozen=True, slots=True)
class Heading:
    title: str
    number: str | None = None
    level: int = 1


def split_number(text: str) -> Heading:
    """Split a heading already known to be one: "## 2. Stock Selection" style titles."""
    text = " ".join(text.split())
    named = _NAMED.fullmatch(text)
    if named:
        return _named_heading(named)
    numbered = _NUMBERED.fullmatch(text)
    if numbered and numbered["title"][0].isalpha():
        number = numbered["num"]
        return Heading(numbered["title"], number, depth(number))
    return Heading(text)


def depth(number: str | None) -> int:
    return number.count(".") + 1 if number else 1


def title_like(words: list[str]) -> bool:
    """Every significant word capitalised, as headings are and sentences are not."""
    return words[0][:1].isupper() and all(
        not word[0].isalpha() or word[0].isupper() or word.lower() in _MINOR_WORDS for word in words
    )


class LineHeadings:
    """Classifies the lines of one document in order; it remembers the outline so far.

    A numbered list inside a section ("1. Rank the stocks") reads like a heading;
    requiring each number to continue the previous heading's numbering tells them
    apart. Once a document is seen to number its headings, unnumbered title-case
    lines are more likely table rows or captions and are no longer taken.
    """

    def __init__(self) -> None:
        self._last: tuple[int, ...] | None = None
        self._numbered = False
        self._boundary = True

    def classify(self, line: str) -> Heading | None:
        """`line` is stripped; blank lines only mark paragraph boundaries."""
        heading = self._match(line) if line else None
        self._boundary = not line or heading is not None or line.endswith((".", ":", "!", "?"))
        return heading

    def observe(self, heading: Heading) -> None:
        """Record a heading found by other means (a Word heading style) in the outline."""
        if heading.number and heading.number[0].isdigit():
            self._last = _key(heading.number)
            self._numbered = True
        self._boundary = True

    def _match(self, line: str) -> Heading | None:
        if len(line) > _MAX_HEADING_CHARS or line.endswith(_SENTENCE_END):
            return None
        if _CONTENTS_ENTRY.search(line):
            return None
        first = line[0]
        if first in _NUMBERED_FIRST:
            numbered = _NUMBERED.fullmatch(line)
            if numbered:
                return self._numbered_heading(numbered)
        if first in _NAMED_FIRST:
            named = _NAMED.fullmatch(line)
            if named and (named["title"] is None or self._named_title(named)):
                return _named_heading(named)
        if self._boundary and len(line) <= _MAX_LAYOUT_CHARS:
            return self._layout_heading(line)
        return None

    def _numbered_heading(self, match: re.Match[str]) -> Heading | None:
        number, title = match["num"], match["title"]
        words = title.split()
        if not title[0].isupper() or len(words) > _MAX_HEADING_WORDS:
            return None
        if not any(c.isalpha() for c in title):
            return None
        is_title = title_like(words) or title.isupper()
        if not match["dot"] and "." not in number and not (is_title and len(words) <= 8):
            return None
        if not is_title and len(words) > _MAX_LAYOUT_WORDS:
            return None
        if number[0].isdigit():
            key = _key(number)
            if not _continues(self._last, key):
                return None
            self._last = key
        self._numbered = True
        return Heading(title, number, depth(number))

    def _named_title(self, match: re.Match[str]) -> bool:
        """ "Appendix F. Historical values are shown in ..." is a wrapped sentence that
        happens to start a line with a citation, not a heading: a title holds no sentence
        break. Nor is "Section 9.1. The score is set by the agent on each date" inside
        section 4: a sentence-case title whose number does not continue the outline is a
        citation too."""
        title, numeral = match["title"], match["num"]
        if not title[0].isupper() or len(title.split()) > _MAX_HEADING_WORDS:
            return False
        if _SENTENCE_BREAK.search(title):
            return False
        if numeral[0].isdigit() and match["kind"].lower() not in _KEEP_KIND:
            words = title.split()
            return title_like(words) or title.isupper() or _continues(self._last, _key(numeral))
        return True

    def _layout_heading(self, line: str) -> Heading | None:
        words = line.split()
        if len(words) > _MAX_LAYOUT_WORDS or not line[0].isalpha():
            return None
        if line.isupper() and sum(c.isalpha() for c in line) >= 4:
            return Heading(line)
        if not self._numbered and (len(words) > 1 or len(line) >= 4) and title_like(words):
            return Heading(line)
        return None


def _named_heading(match: re.Match[str]) -> Heading:
    kind, numeral, title = match["kind"], match["num"], match["title"]
    name = f"{kind} {numeral}"
    if not title:
        return Heading(name)
    number = name if kind.lower() in _KEEP_KIND else numeral
    level = depth(numeral) if numeral[0].isdigit() else 1
    return Heading(title, number, level)


def _key(number: str) -> tuple[int, ...]:
    return tuple(int(part) for part in number.split("."))


def _continues(last: tuple[int, ...] | None, key: tuple[int, ...]) -> bool:
    """True when `key` can follow `last` in an outline: next sibling, child or uncle.

    A jump of two is allowed so one missed heading does not derail the rest.
    """
    if last is None:
        return True
    for i, (before, after) in enumerate(zip(last, key, strict=False)):
        if before != after:
            return 0 < after - before <= 2 and all(part <= 1 for part in key[i + 1 :])
    return len(key) > len(last) and all(part <= 1 for part in key[len(last) :])
