"""Cheap, exact shortcuts for running regular expressions over long text.

Shared by the review engine and semantic extraction. Almost every such pattern can only match
text containing one of a few fixed words ("holiday", "capped", "appendix"), and finding those
words in folded text is far cheaper than running a case-insensitive regex with many branches
at every position. `needles` reads those words from the pattern's parse tree: text containing
none of them cannot match. A `NeedleSet` finds the needles of many patterns in one
Aho-Corasick pass, and a `NeedleIndex` keeps where each occurs. Most patterns also never
consume a full stop, so a match lies between two of them and only the stretches around a
needle need the regex. A pattern without needles may still begin only with a few characters
(`starts`), and then the regex is entered only at those. All these facts are read from the
pattern, never assumed, so these shortcuts never change a match, only the time taken; a
pattern that cannot be read is run in full.
"""

from __future__ import annotations

import _sre  # type: ignore[import-not-found]
import bisect
import heapq
import math
import re
from collections.abc import Iterable, Iterator, Sequence
from functools import lru_cache

# The parse tree is the one `re.compile` itself builds. The modules are private, so any
# failure to read a tree means "no shortcut", which is slow but never wrong.
from re import _constants as sre  # type: ignore[attr-defined]
from re import _parser  # type: ignore[attr-defined]
from re._casefix import _EXTRA_CASES  # type: ignore[import-not-found]
from typing import Any

import ahocorasick

# Under IGNORECASE Python's re matches these with an ASCII letter although str.lower() does
# not map them to it (and "İ" lowers to two characters). Mapping them first keeps `fold`
# position-preserving and makes "a case-insensitive ASCII literal matches here" imply "its
# lower-case form is a substring of the folded text".
_EXOTIC_CASE = str.maketrans({"İ": "i", "ı": "i", "ſ": "s", "K": "k"})
# Characters that end the stretches a match must lie in, tried in this order.
_SEPARATORS = (".", "\n")
_CATEGORIES = {
    sre.CATEGORY_DIGIT: re.compile(r"\d"),
    sre.CATEGORY_NOT_DIGIT: re.compile(r"\D"),
    sre.CATEGORY_SPACE: re.compile(r"\s"),
    sre.CATEGORY_NOT_SPACE: re.compile(r"\S"),
    sre.CATEGORY_WORD: re.compile(r"\w"),
    sre.CATEGORY_NOT_WORD: re.compile(r"\W"),
}
# Stretches fewer characters apart than this are matched as one range: a regex call costs
# about as much as scanning this many characters.
_GAP = 200
# Anchors that see the end of the string, which a stretch would move.
_END_ANCHORS = (sre.AT_END, sre.AT_END_LINE, sre.AT_END_STRING)

Needles = frozenset[str]


def fold(text: str) -> str:
    """The text needles are looked for in; same length as `text`."""
    return text.translate(_EXOTIC_CASE).lower()


class NeedleIndex:
    """Where needles occur in one folded text, each list sorted. A `NeedleSet` fills in all
    of its needles in one pass; any other needle is looked up with `str.find` the first time
    it is asked for, so a check never waits on a scan per question."""

    def __init__(self, folded: str, found: dict[str, list[int]] | None = None) -> None:
        self.folded = folded
        self._found = {} if found is None else found

    def count(self, word: str) -> int:
        """About how often `word` occurs (overlaps aside), without listing the positions of
        one not yet found: enough to tell a rare needle from a common one."""
        found = self._found.get(word)
        return self.folded.count(word) if found is None else len(found)

    def positions(self, word: str) -> list[int]:
        """Every start of `word` in the text, overlapping ones included."""
        found = self._found.get(word)
        if found is None:
            found = []
            position = self.folded.find(word)
            while position != -1:
                found.append(position)
                position = self.folded.find(word, position + 1)
            self._found[word] = found
        return found


class NeedleSet:
    """The needles of every pattern a family of checks declares, matched together: one
    Aho-Corasick pass over a document finds all of them, where looking for each on its own
    would scan the document once per needle. Declaring is only about speed: a pattern left
    out is screened just the same, at the cost of its own scans."""

    def __init__(self) -> None:
        self._words: set[str] = set()
        self._automaton: ahocorasick.Automaton | None = None

    def add(self, *patterns: re.Pattern[str]) -> None:
        for pattern in patterns:
            new = (needles(pattern) or frozenset()) - self._words
            if new:
                self._words |= new
                self._automaton = None

    def __contains__(self, word: str) -> bool:
        return word in self._words

    def index(self, folded: str) -> NeedleIndex:
        """The index of `folded` with every declared needle already found."""
        found: dict[str, list[int]] = {word: [] for word in self._words}
        if found:
            for end, word in self._built().iter(folded):
                found[word].append(end + 1 - len(word))
        return NeedleIndex(folded, found)

    def _built(self) -> ahocorasick.Automaton:
        if self._automaton is None:
            automaton = ahocorasick.Automaton()
            for word in self._words:
                automaton.add_word(word, word)
            automaton.make_automaton()
            self._automaton = automaton
        return self._automaton


class Phrases:
    """A list of strings, and which of them occur in a given text, found in one Aho-Corasick
    pass over that text instead of one search per string."""

    def __init__(self, phrases: Iterable[str]) -> None:
        self._automaton = ahocorasick.Automaton()
        for number, phrase in enumerate(phrases):
            if phrase and phrase not in self._automaton:
                self._automaton.add_word(phrase, number)
        self._automaton.make_automaton()

    def first_in(self, text: str) -> int | None:
        """The lowest list position of a phrase that occurs in `text`."""
        if not len(self._automaton):
            return None
        return min((number for _, number in self._automaton.iter(text)), default=None)


class Haystack:
    """A text prepared for screened matching: folded once, with an index of where needles
    occur. The index may be a whole document's, with this text at `offset` in it (a section),
    so one pass over the document serves every section."""

    def __init__(
        self,
        text: str,
        folded: str | None = None,
        index: NeedleIndex | None = None,
        offset: int = 0,
    ) -> None:
        self.text = text
        self.folded = fold(text) if folded is None else folded
        self.index = NeedleIndex(self.folded) if index is None else index
        self._offset = offset
        self._first: dict[re.Pattern[str], re.Match[str] | None] = {}

    def occurrences(self, word: str) -> tuple[list[int], int, int]:
        """The index's positions of `word` and the bounds of those that lie wholly in this
        text (positions are the index's, so subtract `offset` for this text's)."""
        positions = self.index.positions(word)
        low = bisect.bisect_left(positions, self._offset)
        high = bisect.bisect_right(positions, self._offset + len(self.text) - len(word))
        return positions, low, high

    def finditer(
        self, pattern: re.Pattern[str], near: Sequence[tuple[int, int]] | None = None
    ) -> Iterator[re.Match[str]]:
        """`pattern.finditer(self.text)`, running the regex only on the stretches of text
        between two separators that contain a needle. Lazy, so a caller that stops at the
        first match pays for the stretches up to it.

        A caller that only wants matches starting within `near` (ordered, disjoint (start,
        end) spans of this text, ends included) may get only those of stretches meeting one:
        matches never cross a separator, so skipping a stretch changes no other match."""
        words, separator = needles(pattern), _separator(pattern)
        if words is None or separator is None:
            yield from pattern.finditer(self.text)
            return
        folded, offset = self.folded, self._offset
        found = [self.occurrences(word) for word in words]
        # The next occurrence of each needle (position, which needle, where in its list);
        # the smallest starts the next stretch.
        upcoming = [
            (positions[low] - offset, which, low)
            for which, (positions, low, high) in enumerate(found)
            if low < high
        ]
        heapq.heapify(upcoming)
        while upcoming:
            end = upcoming[0][0]
            start = folded.rfind(separator, 0, end) + 1
            # Stretches close together are matched in one call: a match lies in one stretch
            # whatever the range, and a stretch without a needle holds none.
            while upcoming and upcoming[0][0] < end + _GAP:
                end = folded.find(separator, upcoming[0][0])
                end = len(folded) if end == -1 else end
                while upcoming and upcoming[0][0] < end:
                    _, which, low = heapq.heappop(upcoming)
                    positions, _, high = found[which]
                    low = bisect.bisect_left(positions, end + offset, low, high)
                    if low < high:
                        heapq.heappush(upcoming, (positions[low] - offset, which, low))
            if near is None or _meets(near, start, end):
                yield from pattern.finditer(self.text, start, end)

    def search(self, pattern: re.Pattern[str]) -> re.Match[str] | None:
        """`pattern.search(self.text)`, by way of `finditer`. Remembered: checks ask the same
        whole-document question once per candidate, and a pattern the text lacks costs a
        scan each time."""
        if pattern not in self._first:
            self._first[pattern] = next(self.finditer(pattern), None)
        return self._first[pattern]


def _meets(spans: Sequence[tuple[int, int]], start: int, end: int) -> bool:
    """Whether one of `spans` (ordered, disjoint) meets [start, end], ends included."""
    last = bisect.bisect_right(spans, (end, math.inf)) - 1
    return last >= 0 and spans[last][1] >= start


def may_match(pattern: re.Pattern[str], folded: str) -> bool:
    """False only when `folded` (see `fold`) lacks every needle, so `pattern` cannot match.
    Cheaper than a `Haystack` when a text is searched for a handful of patterns."""
    words = needles(pattern)
    return words is None or any(word in folded for word in words)


def finditer(pattern: re.Pattern[str], text: str) -> Iterator[re.Match[str]]:
    """`pattern.finditer(text)`, entering the regex only where `starts` says a match may begin:
    a C-level scan for a character class skips text far faster than trying every position."""
    first = starts(pattern)
    if first is None:
        yield from pattern.finditer(text)
        return
    search, match = first.search, pattern.match
    position = 0
    while (candidate := search(text, position)) is not None:
        found = match(text, candidate.start())
        if found is None:
            position = candidate.start() + 1
        else:
            yield found
            position = found.end()


@lru_cache(maxsize=1024)
def starts(pattern: re.Pattern[str]) -> re.Pattern[str] | None:
    """A one-character class every match of `pattern` begins with; None if unknown."""
    try:
        tree = _parser.parse(pattern.pattern, pattern.flags)
        if tree.getwidth()[0] == 0 or pattern.flags & re.IGNORECASE:
            return None  # empty matches step differently; case folding widens the class
        members = _first(tree.data)
        if members is None or members[1]:
            return None
        return re.compile("[" + "".join(sorted(members[0])) + "]", pattern.flags & re.ASCII)
    except Exception:
        return None


_CATEGORY_CLASSES = {
    sre.CATEGORY_DIGIT: r"\d",
    sre.CATEGORY_NOT_DIGIT: r"\D",
    sre.CATEGORY_SPACE: r"\s",
    sre.CATEGORY_NOT_SPACE: r"\S",
    sre.CATEGORY_WORD: r"\w",
    sre.CATEGORY_NOT_WORD: r"\W",
}


def _first(items: Iterable[tuple[Any, Any]]) -> tuple[set[str], bool] | None:
    """Class members (regex syntax) a match of the sequence may begin with, and whether the
    sequence may match empty; None if unknown. Zero-width assertions only narrow the start."""
    members: set[str] = set()
    for op, av in items:
        if op is sre.LITERAL:
            return members | {re.escape(chr(av))}, False
        if op is sre.IN:
            found = _class_members(av)
            return None if found is None else (members | found, False)
        if op in (sre.AT, sre.ASSERT, sre.ASSERT_NOT):
            continue
        if op is sre.SUBPATTERN:
            inner = _first(av[3].data)
        elif op is sre.ATOMIC_GROUP:
            inner = _first(av.data)
        elif op is sre.BRANCH:
            inner = _first_of(av[1])
        elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT):
            found = _first(av[2].data)
            inner = None if found is None else (found[0], found[1] or av[0] == 0)
        else:
            return None
        if inner is None:
            return None
        members |= inner[0]
        if not inner[1]:
            return members, False
    return members, True


def _first_of(branches: Iterable[Any]) -> tuple[set[str], bool] | None:
    members: set[str] = set()
    empty = False
    for branch in branches:
        found = _first(branch.data)
        if found is None:
            return None
        members |= found[0]
        empty |= found[1]
    return members, empty


def _class_members(items: Iterable[tuple[Any, Any]]) -> set[str] | None:
    members: set[str] = set()
    for op, av in items:
        if op is sre.LITERAL:
            members.add(re.escape(chr(av)))
        elif op is sre.RANGE:
            members.add(re.escape(chr(av[0])) + "-" + re.escape(chr(av[1])))
        elif op is sre.CATEGORY and av in _CATEGORY_CLASSES:
            members.add(_CATEGORY_CLASSES[av])
        else:
            return None  # a negated class cannot be merged into one class
    return members


@lru_cache(maxsize=1024)
def needles(pattern: re.Pattern[str]) -> Needles | None:
    """Lower-case words one of which every match of `pattern` contains; None if unknown."""
    try:
        tree = _parser.parse(pattern.pattern, pattern.flags)
        return _required(tree.data, tree.state.flags)
    except Exception:
        return None


@lru_cache(maxsize=1024)
def _separator(pattern: re.Pattern[str]) -> str | None:
    """A character no match of `pattern` consumes or looks past, so every match lies between
    two of them and matching up to one behaves as matching the whole text; None if none."""
    try:
        tree = _parser.parse(pattern.pattern, pattern.flags)
        if tree.getwidth()[0] == 0:
            return None  # empty matches make finditer's stepping depend on the whole text
        return next((char for char in _SEPARATORS if not _consumes(tree.data, char)), None)
    except Exception:
        return None


def _consumes(items: Iterable[tuple[Any, Any]], char: str) -> bool:
    """Whether the sequence may consume `char` or look ahead (True when unsure)."""
    for op, av in items:
        if op is sre.LITERAL:
            consumes = av == ord(char)
        elif op is sre.NOT_LITERAL:
            consumes = av != ord(char)
        elif op is sre.IN:
            consumes = _in_class(av, char)
        elif op is sre.AT:
            consumes = av in _END_ANCHORS
        elif op is sre.SUBPATTERN:
            consumes = _consumes(av[3].data, char)
        elif op is sre.BRANCH:
            consumes = any(_consumes(branch.data, char) for branch in av[1])
        elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT):
            consumes = _consumes(av[2].data, char)
        elif op in (sre.ASSERT, sre.ASSERT_NOT):
            # A look-ahead reads past the match, which the end of a stretch would cut off.
            consumes = av[0] >= 0 or _consumes(av[1].data, char)
        else:
            consumes = True
        if consumes:
            return True
    return False


def _in_class(items: Iterable[tuple[Any, Any]], char: str) -> bool:
    negate, member = False, False
    for op, av in items:
        if op is sre.NEGATE:
            negate = True
        elif op is sre.LITERAL:
            member |= av == ord(char)
        elif op is sre.RANGE:
            member |= av[0] <= ord(char) <= av[1]
        elif op is sre.CATEGORY and av in _CATEGORIES:
            member |= _CATEGORIES[av].match(char) is not None
        else:
            return True
    return member != negate


def _required(items: Iterable[tuple[Any, Any]], flags: int) -> Needles | None:
    """The best needle set for a sequence: a run of literals, or a required group's set."""
    candidates: list[Needles] = []
    run: list[str] = []

    def close_run() -> None:
        if run:
            candidates.append(frozenset({"".join(run)}))
            run.clear()

    for op, av in items:
        if op is sre.LITERAL and chr(av).isascii():
            run.append(chr(av).lower())
            continue
        close_run()
        found: Needles | None = None
        if op is sre.LITERAL:
            found = _folded_forms(chr(av), flags)
        elif op is sre.SUBPATTERN:
            # A group may set or clear flags for its own text: (?-i:...).
            found = _required(av[3].data, (flags | av[1]) & ~av[2])
        elif op is sre.BRANCH:
            found = _any_of(av[1], flags)
        elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT) and av[0] >= 1:
            found = _required(av[2].data, flags)
        if found is not None:
            candidates.append(found)
    close_run()
    # Longer words are rarer, so they reject more text.
    return max(candidates, key=_selectivity, default=None)


def _folded_forms(char: str, flags: int) -> Needles | None:
    """What `fold` makes of each character a literal non-ASCII `char` matches ("ε" also
    matches "Ε" and "ϵ"), following re's own case rules; None under LOCALE."""
    if flags & re.LOCALE:
        return None
    if not flags & re.IGNORECASE or flags & re.ASCII:
        return frozenset({fold(char)})
    # re matches a character whose simple lower case is this one's or one of its extra cases.
    lower = _sre.unicode_tolower(ord(char))
    lowers = {lower, *_EXTRA_CASES.get(lower, ())}
    return frozenset(fold(chr(code)) for code in lowers)


def _selectivity(words: Needles) -> tuple[int, float]:
    lengths = [len(word) for word in words]
    return min(lengths), sum(lengths) / len(lengths)


def _any_of(branches: Iterable[Any], flags: int) -> Needles | None:
    """Every branch must have needles, and a match contains one of any branch's."""
    union: set[str] = set()
    for branch in branches:
        found = _required(branch.data, flags)
        if found is None:
            return None
        union |= found
    return frozenset(union)
