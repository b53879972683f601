"""Accumulates headings, text blocks and tables in reading order into IR sections.

Every reader feeds the same three calls, so section ids, page offsets, the
preamble rule and table placement behave identically for every format. Text is
kept as a list of blocks and joined once per section, which keeps assembly
linear in the document size.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from domain.ingest.errors import TooComplex
from domain.ingest.headings import Heading
from domain.ir import Section, Table

# Ten times the headings of a 2,000-page rulebook: more is generated, not written, and each
# section costs the review a pass of its own.
MAX_SECTIONS = 20_000


@dataclass(slots=True)
class _Draft:
    heading: Heading | None
    page: int | None
    blocks: list[str] = field(default_factory=list)
    length: int = 0
    page_offsets: list[tuple[int, int]] = field(default_factory=list)
    last_page: int | None = None
    tables: list[int] = field(default_factory=list)


@dataclass(slots=True)
class _TableDraft:
    rows: list[list[str]]
    caption: str | None
    number: str | None
    page: int | None


class SectionAssembler:
    """Text before the first heading becomes a preamble section named after the
    document, so nothing the author wrote is unreachable by quotes."""

    def __init__(self) -> None:
        self._drafts: list[_Draft] = [_Draft(None, None)]
        self._tables: list[_TableDraft] = []

    def heading(self, heading: Heading, page: int | None = None) -> None:
        if len(self._drafts) > MAX_SECTIONS:
            raise TooComplex(f"it has more than {MAX_SECTIONS:,} headings")
        self._drafts.append(_Draft(heading, page, last_page=page))

    def text(self, block: str, page: int | None = None) -> None:
        """Append one line or paragraph; blank blocks at a section's start are dropped."""
        draft = self._drafts[-1]
        if not draft.blocks and not block.strip():
            return
        offset = draft.length + 1 if draft.blocks else 0
        if page is not None and (not draft.page_offsets or page != draft.last_page):
            draft.page_offsets.append((offset, page))
            draft.last_page = page
            if draft.page is None:
                draft.page = page
        draft.blocks.append(block)
        draft.length = offset + len(block)

    def table(
        self,
        rows: list[list[str]],
        page: int | None = None,
        caption: str | None = None,
        number: str | None = None,
    ) -> None:
        """Record a table and put its rows in the section text, so quotes from it ground."""
        if not rows:
            return
        self._drafts[-1].tables.append(len(self._tables))
        self._tables.append(_TableDraft(rows, caption, number, page))
        for row in rows:
            self.text(" | ".join(row), page)

    def build(self, document_title: str) -> tuple[list[Section], list[Table]]:
        sections: list[Section] = []
        tables: list[Table | None] = [None] * len(self._tables)
        for draft in self._drafts:
            if draft.heading is None:
                _drop_repeated_title(draft, document_title)
            if not draft.blocks and (
                draft.heading is None or _is_bare_title(draft, sections, document_title)
            ):
                continue
            section = _section(draft, f"s{len(sections) + 1}", document_title)
            sections.append(section)
            for index in draft.tables:
                table = self._tables[index]
                tables[index] = Table(
                    id=f"t{index + 1}",
                    number=table.number,
                    caption=table.caption,
                    section_id=section.id,
                    page=table.page,
                    rows=table.rows,
                )
        return sections, [table for table in tables if table is not None]


def _section(draft: _Draft, section_id: str, document_title: str) -> Section:
    heading = draft.heading or Heading(document_title)
    text = "\n".join(draft.blocks).rstrip()
    offsets = [(offset, page) for offset, page in draft.page_offsets if offset < len(text)]
    pages = [page for _, page in offsets]
    if draft.page is not None:
        pages.append(draft.page)
    return Section(
        id=section_id,
        number=heading.number,
        title=heading.title,
        level=heading.level,
        page_start=draft.page,
        page_end=max(pages) if pages else None,
        text=text,
        page_offsets=offsets,
    )


def _is_bare_title(draft: _Draft, earlier: list[Section], document_title: str) -> bool:
    """The document title set as a heading with nothing under it adds no section."""
    return not earlier and draft.heading is not None and draft.heading.title == document_title


def _drop_repeated_title(draft: _Draft, document_title: str) -> None:
    """The title line itself is not preamble text when the section is named after it."""
    if draft.blocks and draft.blocks[0].strip() == document_title.strip():
        removed = len(draft.blocks[0]) + 1
        del draft.blocks[0]
        while draft.blocks and not draft.blocks[0].strip():
            removed += len(draft.blocks[0]) + 1
            del draft.blocks[0]
        kept = [(offset - removed, page) for offset, page in draft.page_offsets]
        before = [page for offset, page in kept if offset <= 0]
        after = [(offset, page) for offset, page in kept if offset > 0]
        draft.page_offsets = [(0, before[-1]), *after] if before else after
        draft.length = max(draft.length - removed, 0)


@dataclass(slots=True)
class ParsedDocument:
    """What a format reader hands back; `ingest` turns it into the IR.

    `pages` is the real page count, None when the format has none;
    `declared_pages` is a count the file claims, to be checked for plausibility.
    `title` is None when the format offers nothing better than `first_line`.
    """

    assembler: SectionAssembler
    title: str | None = None
    pages: int | None = None
    first_line: str | None = None
    declared_pages: int | None = None
