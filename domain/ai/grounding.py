"""Grounding: a model's quote counts only if the document contains it.

Models copy text imperfectly (curly quotes straightened, dashes changed, line breaks
joined), so quotes are compared in a normalised form; the evidence kept is then the
document's own text at that place, so every finding quotes the document verbatim, exactly
as rules findings do. A quote that cannot be found is a hallucination and its finding is
dropped, counted by reason so the operator can see how often it happens.
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
    }
)
# What models wrap around or trail after a quote that the document may not have.
_QUOTE_MARKS = " \t\n\"'“”‘’«»"
_WRAPPING = _QUOTE_MARKS + ".…"
# Printable ASCII words with single spaces between them (already in folded form, copied as
# is), or a whitespace run (one space).
_RUN = re.compile(r"([!-~]+(?: [!-~]+)*)|\s+")
_SECTION_PREFIX = re.compile(r"^(?:section|sec\.|§)\s*", re.IGNORECASE)


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

    def __init__(self, ir: DocumentIR, *, ignore_case: bool = False) -> None:
        self.ir = ir
        self._ignore_case = ignore_case
        self._texts: dict[int, str] = {}
        self._folded: dict[int, Folded] = {}

    def locate(self, quote: str, section: str | None = None) -> Location | None:
        """The quote's place, looked for first in the section the model named, then in every
        section in document order; None when the document does not contain it."""
        order = list(range(len(self.ir.sections)))
        named = self.section_index(section) if section else None
        if named is not None:
            order.remove(named)
            order.insert(0, named)
        for candidate in _candidates(quote):
            needle = normalise(candidate, ignore_case=self._ignore_case)
            if not needle:
                continue
            for index in order:
                if needle not in self._text(index):
                    continue
                folded = self._fold(index)
                found = folded.text.find(needle)
                last = found + len(needle) - 1
                return Location(self.ir.sections[index], folded.starts[found], folded.ends[last])
        return None

    def _text(self, index: int) -> str:
        """A section's folded text alone, computed lazily and cheaply: an ASCII section folds
        to its words joined by single spaces. A quote not in the document (the case that
        searches every section) is rejected at string-search speed."""
        if index not in self._texts:
            text = self.ir.sections[index].text
            if text.isascii():
                plain = " ".join(text.split())
                self._texts[index] = plain.lower() if self._ignore_case else plain
            else:
                self._texts[index] = self._fold(index).text
        return self._texts[index]

    def _fold(self, index: int) -> Folded:
        """Offsets are only mapped for sections a quote was found in."""
        if index not in self._folded:
            text = self.ir.sections[index].text
            self._folded[index] = fold(text, ignore_case=self._ignore_case)
        return self._folded[index]

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

    A finding with a quote the document does not contain is dropped (`quote_not_found`);
    one with an empty quote is an absence and keeps `evidence=None`. The section is always
    where the quote was found, whatever the model named. Findings that come out with the
    same id (the same problem reported twice, for example by two chunks) are kept once,
    at the higher severity (`duplicate`); since an absence's id depends only on its
    category, that is one model absence per category, which is also how `merge` treats
    absences against the rules findings.
    """
    index = QuoteIndex(ir)
    dropped: Counter[str] = Counter()
    kept: dict[str, Finding] = {}
    for item in model_findings:
        evidence: Evidence | None = None
        if item.quote.strip(_WRAPPING):
            location = index.locate(item.quote, item.section)
            if location is None:
                dropped["quote_not_found"] += 1
                continue
            evidence = location.evidence()
        rule = f"llm:{item.category}"
        finding = Finding(
            id=finding_id(rule, evidence),
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
    that are empty or not in the document are dropped and counted."""
    index = QuoteIndex(ir)
    dropped: Counter[str] = Counter()
    grounded: dict[tuple[str, int, int], Citation] = {}
    for citation in citations:
        if not citation.quote.strip(_WRAPPING):
            dropped["empty_quote"] += 1
            continue
        location = index.locate(citation.quote, citation.section)
        if location is None:
            dropped["quote_not_found"] += 1
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
