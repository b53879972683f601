"""Cross-references to parts of the document and to other documents.

A reference is resolved only against what the document actually contains, so
"see Appendix C" in a document without an Appendix C is reported, never guessed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property

from domain.ir import CrossReference, ReferenceKind, Section, Table
from domain.textscan import fold, may_match

_NUMBER = r"\d+(?:\.\d+)*"
_DOC_NOUN = (
    r"(?:Framework|Policy|Policies|Manual|Rulebook|Guide|Guidelines|Handbook|Charter"
    r"|Agreement|Procedures?|Methodology|Standards?|Document|Specification|Memorandum"
    r"|Prospectus|Supplement|Playbook|Runbook|Addendum|Rules)"
)
_TITLE_WORD = r"(?:[A-Z][\w&'’-]*|of|and|for|&|on|the)"
_DOC_TITLE = r"(?:[A-Z][\w&'’-]*\s+)(?:" + _TITLE_WORD + r"\s+){0,6}" + _DOC_NOUN + r"\b"
_CODE = r"[A-Z]{2,}[A-Z0-9]*-[\w.-]*\d[\w-]*(?:\.\d+)*"

_SECTION = re.compile(
    r"\b(?:[Ss]ections?|§§?)\s*(?P<numbers>"
    + _NUMBER
    + r"(?:\s*(?:,|and|or|&|to|-|–)\s*"
    + _NUMBER
    + r")*)(?P<external>\s+of\s+(?:the\s+)?"
    + _DOC_TITLE
    + r")?"
)
_LETTERED = re.compile(
    r"\b(?P<word>Appendix|Appendices|Annex|Annexes|Exhibit|Schedule)\s+"
    r"(?P<id>[A-Z]\b|\d+\b|[IVX]+\b)(?![.-]\d)"
)
_TABLE_OR_FIGURE = re.compile(r"\b(?P<word>[Tt]ables?|[Ff]igures?|Fig\.)\s+(?P<id>\d+[A-Za-z]?)\b")
_CAPTION = re.compile(
    r"^\s*(?P<word>Table|Figure|Fig\.|Exhibit)\s+(?P<id>\d+[A-Za-z]?|[A-Z])\s*[:.–—-]",
    re.MULTILINE | re.IGNORECASE,
)
_DOCUMENT = re.compile(r"(?P<title>" + _DOC_TITLE + r")(?:\s*\((?P<code>" + _CODE + r")\))?")
_DOCUMENT_CODE = re.compile(
    r"\b(?:[Dd]ocument|[Pp]olicy|[Pp]rocedure|[Rr]ef\.?|[Rr]eference)\s+(?:[Nn]o\.?\s*)?"
    r"(?P<code>" + _CODE + r")"
)
# `_SECTION` has no ASCII needle of its own: every match spells "ection" or "§".
_SECTION_MARKS = ("ection", "§")
_SPLIT_NUMBERS = re.compile(_NUMBER)
_WORD = re.compile(r"\S+")
# "Appendix A: Rebalancing Procedures" names the appendix; it does not cite a document.
_HEADING_LABEL = re.compile(r"\b(?:Appendix|Annex|Exhibit|Schedule|Section)\s+[\w.]+\s*[:–—-]\s*$")
_TITLE_PREFIX = re.compile(
    r"^(?P<word>Appendix|Annex|Exhibit|Schedule|Table|Figure)\s+(?P<id>[A-Z0-9]+)\b", re.I
)
_LEADING_NUMBER = re.compile(r"^(?:Section\s+)?(?P<number>" + _NUMBER + r")\b\.?", re.I)
_REFERENCES_TITLE = re.compile(
    r"\b(?:references|bibliography|related documents|referenced documents|source documents|"
    r"supporting documents|normative references|document references)\b",
    re.IGNORECASE,
)
_NOT_TITLE_START = frozenset(
    {"this", "that", "these", "such", "each", "any", "all", "our", "the", "a", "an", "see"}
    | {"per", "under", "in", "refer", "as", "its", "their", "please", "and", "of", "for"}
    | {"on", "to", "according", "pursuant", "with", "by", "following"}
)
_KINDS: dict[str, ReferenceKind] = {
    "appendix": "appendix",
    "appendices": "appendix",
    "schedule": "appendix",
    "annex": "annex",
    "annexes": "annex",
    "exhibit": "exhibit",
    "table": "table",
    "tables": "table",
    "figure": "figure",
    "figures": "figure",
    "fig.": "figure",
}


@dataclass
class _Targets:
    """Everything a reference could point at, collected once per document. Each question
    is answered from sets and memos, not by scanning every section per reference: a long
    document has thousands of both."""

    sections: set[str] = field(default_factory=set)
    labelled: set[tuple[ReferenceKind, str]] = field(default_factory=set)
    titles: list[str] = field(default_factory=list)
    reference_lists: list[str] = field(default_factory=list)
    _documents: dict[str, bool] = field(default_factory=dict)

    @cached_property
    def _prefixes(self) -> set[str]:
        """Every part of a section number before one of its dots ("2" and "2.1" of "2.1.3")."""
        return {s[:i] for s in self.sections for i, char in enumerate(s) if char == "."}

    def has_section(self, number: str) -> bool:
        return number in self.sections or number in self._prefixes

    def has_document(self, target: str) -> bool:
        wanted = target.lower()
        if wanted not in self._documents:
            # NUL is in no title, so a target without one is found in the joined titles
            # exactly when it is in one of them.
            in_titles = (
                wanted in self._joined_titles
                if "\0" not in wanted
                else any(wanted in title for title in self.titles)
            )
            self._documents[wanted] = in_titles or any(
                wanted in listing for listing in self.reference_lists
            )
        return self._documents[wanted]

    @cached_property
    def _joined_titles(self) -> str:
        return "\0".join(self.titles)


def _targets(sections: list[Section], tables: list[Table]) -> _Targets:
    targets = _Targets()
    reference_sections = set()
    for section in sections:
        number = section.number or ""
        leading = _LEADING_NUMBER.match(number or section.title)
        if leading:
            targets.sections.add(leading["number"])
        elif number and not number[0].isdigit():
            letter = number.rstrip(".").split(".")[0].upper()
            targets.labelled.update((kind, letter) for kind in ("appendix", "annex", "exhibit"))
        # Ingest keeps the kind in a named part's number ("Appendix A"), or leaves it in the
        # title when the heading had none of its own.
        for named in (number, section.title):
            prefix = _TITLE_PREFIX.match(named)
            if prefix:
                targets.labelled.add((_KINDS[prefix["word"].lower()], prefix["id"].upper()))
        captions = (
            _CAPTION.finditer(section.text) if may_match(_CAPTION, fold(section.text)) else ()
        )
        for caption in captions:
            targets.labelled.add((_KINDS[caption["word"].lower()], caption["id"].upper()))
        targets.titles.append(section.title.lower())
        if _REFERENCES_TITLE.search(section.title):
            reference_sections.add(section.id)
            targets.reference_lists.append(section.text.lower())
    for table in tables:
        if table.number:
            targets.labelled.add(("table", table.number.upper()))
        caption = _TITLE_PREFIX.match(table.caption or "")
        if caption:
            targets.labelled.add((_KINDS[caption["word"].lower()], caption["id"].upper()))
        if table.section_id in reference_sections:
            targets.reference_lists.append(" ".join(" ".join(row) for row in table.rows).lower())
    return targets


def _document_title(raw: str) -> tuple[int, int] | None:
    """Where the title lies in `raw`, trimmed of what the pattern over-reads ("Appendix A and
    the Execution Policy"). Offsets into `raw` itself: a title may wrap lines or hold runs of
    spaces, so a whitespace-collapsed copy would not be found in the text again."""
    words = list(_WORD.finditer(raw))
    spelled = [word.group() for word in words]
    if "the" in spelled:
        words = words[len(words) - spelled[::-1].index("the") :]
    while words and words[0].group().lower() in _NOT_TITLE_START:
        words.pop(0)
    return (words[0].start(), words[-1].end()) if len(words) >= 2 else None


def _from_section(section: Section, targets: _Targets) -> Iterable[CrossReference]:
    """Each pattern runs only if the section has one of its needles: most sections cite nothing."""
    text = section.text
    folded = fold(text)

    def make(kind: ReferenceKind, target: str, start: int, end: int, resolved: bool):
        return CrossReference(
            kind=kind,
            target=target,
            text=text[start:end],
            resolved=resolved,
            section_id=section.id,
            page=section.page_at(start),
        )

    sections = any(mark in text for mark in _SECTION_MARKS)
    for match in _SECTION.finditer(text) if sections else ():
        if match["external"]:
            continue
        for number in _SPLIT_NUMBERS.findall(match["numbers"]):
            yield make("section", number, match.start(), match.end(), targets.has_section(number))

    captions = (
        {m.start("word") for m in _CAPTION.finditer(text)} if may_match(_CAPTION, folded) else set()
    )
    for pattern in (_LETTERED, _TABLE_OR_FIGURE):
        for match in pattern.finditer(text) if may_match(pattern, folded) else ():
            if match.start() in captions:
                continue
            kind = _KINDS[match["word"].lower()]
            target = match["id"].upper()
            resolved = (kind, target) in targets.labelled
            yield make(kind, target, match.start(), match.end(), resolved)

    if _REFERENCES_TITLE.search(section.title):
        return
    for match in _DOCUMENT.finditer(text) if may_match(_DOCUMENT, folded) else ():
        found = _document_title(match["title"])
        if found is None or _HEADING_LABEL.search(text, 0, match.start()):
            continue
        start, end = (match.start("title") + offset for offset in found)
        title = " ".join(text[start:end].split())
        code = match["code"]
        resolved = targets.has_document(title) or bool(code and targets.has_document(code))
        yield make("document", title, start, match.end(), resolved)

    for match in _DOCUMENT_CODE.finditer(text) if may_match(_DOCUMENT_CODE, folded) else ():
        code = match["code"]
        yield make("document", code, match.start(), match.end(), targets.has_document(code))


def extract_references(sections: list[Section], tables: list[Table]) -> list[CrossReference]:
    """References in document order within each section, by kind."""
    targets = _targets(sections, tables)
    return [ref for section in sections for ref in _from_section(section, targets)]
