"""Grounding: a model's quote counts only if the document contains it where the model says.

Models copy text imperfectly, so quotes are compared in a normalised form (`fold`): Unicode
compatibility forms, straight quotes, one '-' for every dash and minus, '...' for an
ellipsis, '>=', '<=' and '!=' for '≥', '≤' and '≠', one space for any whitespace; a quote
not found as written is tried again ignoring case. A quote the model shortened with an
ellipsis ("the cap … of NAV") is found piece by piece, in order, within one section and
with short gaps. The quote must be in the section the model named or one next to it (a
quote found only elsewhere is dropped, not moved), and a short quote (under three words or
twelve characters) must occur only once in the document, since "TBD" or "the threshold"
proves nothing. The evidence kept is the document's own text at that place, so every
finding quotes the document verbatim, exactly as rules findings do. Everything dropped is
counted by reason (`quote_not_found`, `wrong_section`, `too_short`, `duplicate`,
`empty_quote`) so the operator can see how often it happens.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import NamedTuple

from domain.ai.provider import ModelCitation, ModelFinding
from domain.answers import Citation
from domain.findings import SEVERITIES, Evidence, Finding, Source, finding_id
from domain.ir import DocumentIR, Section

_FOLD = str.maketrans(
    {
        "\u2018": "'",  # ‘
        "\u2019": "'",  # ’
        "\u201a": "'",  # ‚
        "\u201b": "'",  # ‛
        "\u2032": "'",  # ′
        "\u201c": '"',  # “
        "\u201d": '"',  # ”
        "\u201e": '"',  # „
        "\u201f": '"',  # ‟
        "\u2033": '"',  # ″
        "\u00ab": '"',  # «
        "\u00bb": '"',  # »
        "\u2010": "-",  # hyphen
        "\u2011": "-",  # non-breaking hyphen
        "\u2012": "-",  # figure dash
        "\u2013": "-",  # en dash
        "\u2014": "-",  # em dash
        "\u2015": "-",  # horizontal bar
        "\u2212": "-",  # minus sign
        "\u2026": "...",  # ellipsis
        "\u2265": ">=",  # ≥
        "\u2264": "<=",  # ≤
        "\u2260": "!=",  # ≠
    }
)
# What models wrap around or trail after a quote that the document may not have.
_QUOTE_MARKS = " \t\n\"'“”‘’«»"
_WRAPPING = _QUOTE_MARKS + ".…"
# Printable ASCII words with single spaces between them (already in folded form, copied as
# is), or a whitespace run (one space).
_RUN = re.compile(r"([!-~]+(?: [!-~]+)*)|\s+")
_SECTION_PREFIX = re.compile(r"^(?:section|sec\.|§)\s*", re.IGNORECASE)
# An elision inside a folded quote: "...", or "[...]", with the spaces around it.
_ELISION = re.compile(r" ?\[?\.\.\.\]? ?")
MAX_ELIDED_GAP = 400
"""Characters an elision may stand for: more, and the pieces are separate places."""
MIN_SPECIFIC_WORDS = 3
MIN_SPECIFIC_CHARS = 12


class Folded(NamedTuple):
    """Normalised text plus, for each of its characters, the span of original text it came
    from, so a match in the normalised text maps back to the document's own characters."""

    text: str
    starts: list[int]
    ends: list[int]


def fold(text: str, *, ignore_case: bool = False) -> Folded:
    """NFKC, straight quotes, '-' for every dash and minus, '...' for an ellipsis, one space
    for any whitespace run, leading and trailing whitespace dropped.

    Works per base character plus its combining marks, so composed and decomposed accents
    compare equal and every output character still points into the original text. Runs of
    printable ASCII words, which need none of this, are copied whole: most of a document is
    such runs, and this keeps folding a 150-page document to a few tens of milliseconds.
    """
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    spaced = True  # the output ends in a space (or is empty): skip further whitespace
    index, length = 0, len(text)
    while index < length:
        match = _RUN.match(text, index)
        if match and match.lastindex == 1:
            end = match.end()
            if end < length and unicodedata.combining(text[end]):
                end -= 1  # the last character takes the combining mark: fold it below
            if end > index:
                run = text[index:end]
                out.append(run.lower() if ignore_case else run)
                starts.extend(range(index, end))
                ends.extend(range(index + 1, end + 1))
                spaced = False
                index = end
                continue
        end = match.end() if match else index + 1
        while end < length and unicodedata.combining(text[end]):
            end += 1
        piece = unicodedata.normalize("NFKC", text[index:end]).translate(_FOLD)
        if ignore_case:
            piece = piece.casefold()
        for char in piece:
            if not char.isspace():
                out.append(char)
                starts.append(index)
                ends.append(end)
                spaced = False
            elif not spaced:
                out.append(" ")
                starts.append(index)
                ends.append(end)
                spaced = True
            elif out:
                ends[-1] = end
        index = end
    if out and spaced:
        out.pop()
        starts.pop()
        ends.pop()
    return Folded("".join(out), starts, ends)


def normalise(text: str, *, ignore_case: bool = False) -> str:
    """The form quotes and document text are compared in (see `fold`)."""
    return fold(text, ignore_case=ignore_case).text


class Location(NamedTuple):
    """Where a quote is: `section.text[offset:end]` is the document's own wording of it."""

    section: Section
    offset: int
    end: int

    @property
    def text(self) -> str:
        return self.section.text[self.offset : self.end]

    @property
    def page(self) -> int | None:
        return self.section.page_at(self.offset)

    def evidence(self) -> Evidence:
        return Evidence(quote=self.text, section=self.section.label, page=self.page)


class QuoteIndex:
    """A document's sections prepared once for locating many quotes in it."""

    def __init__(self, ir: DocumentIR) -> None:
        self.ir = ir
        self._texts: dict[tuple[int, bool], str] = {}
        self._folded: dict[tuple[int, bool], Folded] = {}

    def locate(self, quote: str, section: str | None = None) -> Location | None:
        """The quote's place, looked for first in the section the model named, then in every
        section in document order; None when the document does not contain it."""
        order = list(range(len(self.ir.sections)))
        named = self.section_index(section) if section else None
        if named is not None:
            order.remove(named)
            order.insert(0, named)
        return self._find(quote, order)

    def ground(self, quote: str, section: str) -> Location | str:
        """Where a model's quote is, under the grounding rules (module docstring), or why it
        is dropped: `quote_not_found`, `wrong_section` or `too_short`."""
        everywhere = list(range(len(self.ir.sections)))
        named = self.section_index(section) if section else None
        nearby = (
            everywhere
            if named is None
            else [i for i in (named, named - 1, named + 1) if 0 <= i < len(everywhere)]
        )
        location = self._find(quote, nearby)
        if location is None:
            if named is not None and self._find(quote, everywhere) is not None:
                return "wrong_section"
            return "quote_not_found"
        if not self._specific(location):
            return "too_short"
        return location

    def _find(self, quote: str, order: list[int]) -> Location | None:
        """Exact (folded) match first, then ignoring case, then piecewise across elisions."""
        for candidate in _candidates(quote):
            for ignore_case in (False, True):
                needle = normalise(candidate, ignore_case=ignore_case)
                if not needle:
                    continue
                for index in order:
                    found = self._whole(index, needle, ignore_case)
                    if found is not None:
                        return found
        for candidate in _candidates(quote):
            for ignore_case in (False, True):
                pieces = [
                    piece
                    for piece in _ELISION.split(normalise(candidate, ignore_case=ignore_case))
                    if piece.strip()
                ]
                if len(pieces) < 2:
                    continue
                for index in order:
                    found = self._elided(index, pieces, ignore_case)
                    if found is not None:
                        return found
        return None

    def _whole(self, index: int, needle: str, ignore_case: bool) -> Location | None:
        if needle not in self._text(index, ignore_case):
            return None
        folded = self._fold(index, ignore_case)
        found = folded.text.find(needle)
        return self._location(index, folded, found, found + len(needle))

    def _elided(self, index: int, pieces: list[str], ignore_case: bool) -> Location | None:
        """Every piece in order, each within `MAX_ELIDED_GAP` characters of the one before."""
        if any(piece not in self._text(index, ignore_case) for piece in pieces):
            return None
        folded = self._fold(index, ignore_case)
        start = folded.text.find(pieces[0])
        while start >= 0:
            end = start + len(pieces[0])
            for piece in pieces[1:]:
                at = folded.text.find(piece, end)
                if at < 0 or at - end > MAX_ELIDED_GAP:
                    break
                end = at + len(piece)
            else:
                return self._location(index, folded, start, end)
            start = folded.text.find(pieces[0], start + 1)
        return None

    def _location(self, index: int, folded: Folded, start: int, end: int) -> Location:
        return Location(self.ir.sections[index], folded.starts[start], folded.ends[end - 1])

    def _specific(self, location: Location) -> bool:
        """Long enough to point at one place, or found at one place only."""
        needle = normalise(location.text, ignore_case=True)
        if len(needle) >= MIN_SPECIFIC_CHARS and len(needle.split()) >= MIN_SPECIFIC_WORDS:
            return True
        places = 0
        for index in range(len(self.ir.sections)):
            places += self._text(index, True).count(needle)
            if places > 1:
                return False
        return True

    def _text(self, index: int, ignore_case: bool) -> str:
        """A section's folded text alone, computed lazily and cheaply: an ASCII section folds
        to its words joined by single spaces. A quote not in the document (the case that
        searches every section) is rejected at string-search speed."""
        key = (index, ignore_case)
        if key not in self._texts:
            text = self.ir.sections[index].text
            if text.isascii():
                plain = " ".join(text.split())
                self._texts[key] = plain.lower() if ignore_case else plain
            else:
                self._texts[key] = self._fold(index, ignore_case).text
        return self._texts[key]

    def _fold(self, index: int, ignore_case: bool) -> Folded:
        """Offsets are only mapped for sections a quote was found in."""
        key = (index, ignore_case)
        if key not in self._folded:
            self._folded[key] = fold(self.ir.sections[index].text, ignore_case=ignore_case)
        return self._folded[key]

    def section_index(self, name: str) -> int | None:
        """The section a model means by `name`: its label, title or number, tolerating
        "Section 2", case, escaped markup and spacing."""
        wanted = _section_key(name)
        if not wanted:
            return None
        for index, section in enumerate(self.ir.sections):
            keys = {_section_key(section.label), _section_key(section.title)}
            if section.number:
                keys.add(_section_key(section.number))
            if wanted in keys:
                return index
        return None


def locate(quote: str, ir: DocumentIR, *, section: str | None = None) -> Location | None:
    """Find one quote in a document (build a `QuoteIndex` to locate many)."""
    return QuoteIndex(ir).locate(quote, section)


def ground_findings(
    model_findings: Iterable[ModelFinding], ir: DocumentIR, *, source: Source = "llm"
) -> tuple[list[Finding], Counter[str]]:
    """Model findings as `Finding`s quoting the document verbatim, and what was dropped.

    A finding whose quote fails the grounding rules is dropped and counted by reason; one
    with an empty quote is an absence and keeps `evidence=None`, its id naming what is
    missing (its title). The section is where the quote was found (the named one or a
    neighbour). Findings that come out with the same id (the same problem reported twice,
    for example by two chunks) are kept once, at the higher severity (`duplicate`).
    """
    index = QuoteIndex(ir)
    dropped: Counter[str] = Counter()
    kept: dict[str, Finding] = {}
    for item in model_findings:
        evidence: Evidence | None = None
        if item.quote.strip(_WRAPPING):
            location = index.ground(item.quote, item.section)
            if isinstance(location, str):
                dropped[location] += 1
                continue
            evidence = location.evidence()
        rule = f"llm:{item.category}"
        finding = Finding(
            id=finding_id(rule, evidence, missing=item.title),
            rule=rule,
            category=item.category,
            severity=item.severity,
            title=item.title,
            detail=item.detail,
            suggestion=item.suggestion,
            evidence=evidence,
            source=source,
        )
        earlier = kept.get(finding.id)
        if earlier is not None:
            dropped["duplicate"] += 1
            if _rank(finding) < _rank(earlier):
                kept[finding.id] = finding
            continue
        kept[finding.id] = finding
    return list(kept.values()), dropped


def ground_citations(
    citations: Sequence[ModelCitation], ir: DocumentIR
) -> tuple[list[Citation], Counter[str]]:
    """An answer's citations as verbatim document text with section and page; citations
    that are empty or fail the grounding rules are dropped and counted."""
    index = QuoteIndex(ir)
    dropped: Counter[str] = Counter()
    grounded: dict[tuple[str, int, int], Citation] = {}
    for citation in citations:
        if not citation.quote.strip(_WRAPPING):
            dropped["empty_quote"] += 1
            continue
        location = index.ground(citation.quote, citation.section)
        if isinstance(location, str):
            dropped[location] += 1
            continue
        key = (location.section.id, location.offset, location.end)
        if key in grounded:
            dropped["duplicate"] += 1
            continue
        evidence = location.evidence()
        grounded[key] = Citation(quote=evidence.quote, section=evidence.section, page=evidence.page)
    return list(grounded.values()), dropped


def _rank(finding: Finding) -> int:
    return SEVERITIES.index(finding.severity)


def _candidates(quote: str) -> list[str]:
    """The quote as given, then without the quotation marks a model may have put around it,
    then also without leading or trailing ellipses and full stops."""
    variants = [quote, quote.strip(_QUOTE_MARKS), quote.strip(_WRAPPING)]
    return list(dict.fromkeys(v for v in variants if v.strip()))


def _section_key(name: str) -> str:
    name = html.unescape(name)
    return normalise(_SECTION_PREFIX.sub("", name.strip()), ignore_case=True).rstrip(".")
