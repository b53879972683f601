"""Small text helpers shared by the extractors."""

from __future__ import annotations

import re
from collections.abc import Iterator

_LEADING_ARTICLE = re.compile(r"^(?:the|a|an|each|any|our|its|this)\s+", re.IGNORECASE)
_SPACES = re.compile(r"\s+")
_LIST_MARKER = re.compile(r"^\s*(?:[-*•·▪◦]|\(?[0-9a-z]{1,3}[.)])\s+")
# What `clean_term` trims from either end of a term.
TERM_PUNCTUATION = " \t\"'“”‘’:;,.-–—*`"


def iter_lines(text: str) -> Iterator[tuple[int, str]]:
    """Yield each line with its offset, so a match can be mapped back to a page."""
    offset = 0
    for line in text.split("\n"):
        yield offset, line
        offset += len(line) + 1


def strip_list_marker(line: str) -> tuple[int, str]:
    """Drop a bullet or list number; return how many characters were dropped."""
    match = _LIST_MARKER.match(line)
    if not match:
        return 0, line
    return match.end(), line[match.end() :]


def clean_term(term: str) -> str:
    """A term as written, minus markdown emphasis, quotes and surrounding punctuation."""
    return _SPACES.sub(" ", term).strip(TERM_PUNCTUATION)


def normalize_name(name: str) -> str:
    """Lower-case key for a named quantity: "The Maximum  Weight" -> "maximum weight"."""
    name = clean_term(name).lower()
    previous = None
    while previous != name:
        previous = name
        name = _LEADING_ARTICLE.sub("", name)
    return name


_NOT_TERMS = frozenset(
    {"this", "that", "it", "these", "those", "there", "which", "what", "such", "here"}
    | {"each", "any", "all", "its", "we", "they", "he", "she", "one"}
)
_ABBREVIATIONS = ("e.g", "i.e", "etc", "vs", "approx", "no", "incl")


def sentence_end(text: str, start: int) -> int:
    """End of the sentence that starts at `start`; decimals and "e.g." do not end it."""
    end = text.find("\n", start)
    end = len(text) if end == -1 else end
    position = start
    while True:
        dot = text.find(".", position, end)
        if dot == -1:
            return end
        follows = text[dot + 1 : dot + 2]
        word = text[max(start, dot - 6) : dot].rsplit(" ", 1)[-1].lower()
        if (not follows or follows.isspace()) and word not in _ABBREVIATIONS:
            return dot
        position = dot + 1


def is_term(term: str) -> bool:
    """Rejects pronoun subjects ("This means ...") and whole sentences posing as terms."""
    words = term.split()
    return bool(words) and len(words) <= 8 and words[0].lower() not in _NOT_TERMS
