"""DOCX reading with python-docx: heading styles, manual headings, lists and tables.

Word files have no pages until Word lays them out, so only the `<Pages>` count
Word last saved in docProps/app.xml is passed on (see `core.page_count`), and
sections carry no page numbers: a guessed page would mislead a reviewer.

Paragraphs are lines of the section text; an empty paragraph between two of them (or
several) becomes one blank line, the paragraph break the author typed, where a long
section can be cut for a model without splitting a rule.
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from dataclasses import dataclass

import docx
from docx.document import Document
from docx.styles.style import ParagraphStyle
from docx.table import Table as DocxTable
from docx.table import _Cell
from docx.text.paragraph import Paragraph

from domain.ingest.errors import IngestRefused, RefusalReason
from domain.ingest.headings import Heading, LineHeadings, depth, split_number, title_like
from domain.ingest.sections import ParsedDocument, SectionAssembler
from domain.ingest.zipguard import guard_archive

_HEADING_STYLE = re.compile(r"heading\s*([1-9])", re.I)
_PAGES = re.compile(rb"<(?:\w+:)?Pages>\s*(\d+)\s*<")
_CAPTION = re.compile(r"table\s+(\d+(?:\.\d+)*)\b", re.I)
_MAX_MANUAL_HEADING_WORDS = 12
_MAX_APP_XML_BYTES = 1024 * 1024


def read_docx(data: bytes, filename: str) -> ParsedDocument:
    declared_pages = _inspect_archive(data, filename)
    try:
        document = docx.Document(io.BytesIO(data))
        parsed = _DocxReader(document).read()
    except Exception as exc:  # python-docx and lxml fail on damage in many ways
        raise IngestRefused(
            RefusalReason.CORRUPT,
            f"“{filename}” looks damaged, so I can't read it. Save it again from Word and "
            f"re-upload it.",
        ) from exc
    parsed.declared_pages = declared_pages
    return parsed


def _inspect_archive(data: bytes, filename: str) -> int | None:
    """Guard the archive and read the declared page count, before any XML is parsed."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            guard_archive(archive, filename)
            info = archive.NameToInfo.get("docProps/app.xml")
            if info is None or info.file_size > _MAX_APP_XML_BYTES:
                return None
            match = _PAGES.search(archive.read(info))
    except (zipfile.BadZipFile, zlib.error, NotImplementedError, OSError, ValueError) as exc:
        raise IngestRefused(
            RefusalReason.CORRUPT,
            f"“{filename}” looks damaged (its archive can't be opened). Save it again from "
            f"Word and re-upload it.",
        ) from exc
    return int(match.group(1)) if match else None


@dataclass(frozen=True, slots=True)
class _Style:
    name: str
    level: int | None
    bold: bool


class _DocxReader:
    def __init__(self, document: Document) -> None:
        self._document = document
        self._assembler = SectionAssembler()
        self._detector = LineHeadings()
        self._styles: dict[str | None, _Style] = {}
        self._styled_title: str | None = None
        self._first_h1: str | None = None
        self._first_line: str | None = None
        self._caption: tuple[str | None, str] | None = None
        self._blank = False

    def read(self) -> ParsedDocument:
        for block in self._document.iter_inner_content():
            if isinstance(block, Paragraph):
                self._paragraph(block)
            else:
                self._table(block)
        core_title = (self._document.core_properties.title or "").strip()
        title = core_title or self._styled_title or self._first_h1
        return ParsedDocument(self._assembler, title, None, self._first_line)

    def _style(self, paragraph: Paragraph) -> _Style:
        """Style facts per style id: python-docx resolves `paragraph.style` by scanning
        all styles on every call, which dominated the cost of reading a document."""
        style_id = paragraph._p.style
        style = self._styles.get(style_id)
        if style is None:
            style = self._styles[style_id] = _describe(paragraph.style)
        return style

    def _paragraph(self, paragraph: Paragraph) -> None:
        text = paragraph.text.strip()
        if not text:
            self._blank = True
            return
        blank, self._blank = self._blank, False
        self._first_line = self._first_line or text
        style = self._style(paragraph)
        is_list = style.name.startswith("list") or _has_numbering(paragraph)
        heading = self._heading(paragraph, text, style, is_list)
        self._caption = None
        if heading is not None:
            self._detector.observe(heading)
            self._assembler.heading(heading)
            return
        caption = _CAPTION.match(text)
        if caption or style.name == "caption":
            self._caption = (caption.group(1) if caption else None, text)
        if blank:
            self._assembler.text("")  # dropped at a section's start
        self._assembler.text(f"- {text}" if is_list else text)

    def _heading(
        self, paragraph: Paragraph, text: str, style: _Style, is_list: bool
    ) -> Heading | None:
        if style.level is not None:
            if style.name == "title":
                self._styled_title = self._styled_title or text
            elif style.level == 1:
                self._first_h1 = self._first_h1 or text
            heading = split_number(text)
            return Heading(heading.title, heading.number, style.level)
        if is_list:
            return None
        if _looks_like_manual_heading(paragraph, text, style.bold):
            heading = split_number(text)
            return Heading(heading.title, heading.number, depth(heading.number))
        return self._detector.classify(text)

    def _table(self, table: DocxTable) -> None:
        rows = _table_rows(table)
        number, caption = self._caption or (None, None)
        self._assembler.table(rows, caption=caption, number=number)
        self._caption = None


def _describe(style: ParagraphStyle | None) -> _Style:
    """Name, heading level (from the style or one it is based on) and boldness."""
    if style is None:
        return _Style("", None, False)
    level = None
    ancestor: ParagraphStyle | None = style
    for _ in range(4):
        if ancestor is None:
            break
        name = (ancestor.name or "").lower()
        match = _HEADING_STYLE.fullmatch(name)
        if name == "title" or match:
            level = int(match.group(1)) if match else 1
            break
        ancestor = ancestor.base_style
    return _Style((style.name or "").lower(), level, bool(style.font.bold))


def _has_numbering(paragraph: Paragraph) -> bool:
    """Word's direct list numbering (`w:numPr`), which python-docx does not expose."""
    properties = paragraph._p.pPr
    return properties is not None and properties.numPr is not None


def _looks_like_manual_heading(paragraph: Paragraph, text: str, style_bold: bool) -> bool:
    """A short bold paragraph without final punctuation: a heading typed by hand."""
    words = text.split()
    if len(words) > _MAX_MANUAL_HEADING_WORDS or text.endswith((".", ",", ";", ":")):
        return False
    runs = [run for run in paragraph.runs if run.text.strip()]
    if not runs or not all(run.bold or (run.bold is None and style_bold) for run in runs):
        return False
    heading = split_number(text)
    return heading.number is not None or title_like(heading.title.split())


def _table_rows(table: DocxTable) -> list[list[str]]:
    """Cell text per row; a merged cell appears once, nested tables are flattened into it."""
    rows: list[list[str]] = []
    for row in table.rows:
        cells: list[str] = []
        previous = None
        for cell in row.cells:
            if previous is not None and cell._tc is previous._tc:
                continue
            previous = cell
            cells.append(_cell_text(cell))
        if any(cells):
            rows.append(cells)
    return rows


def _cell_text(cell: _Cell) -> str:
    parts: list[str] = []
    for block in cell.iter_inner_content():
        if isinstance(block, Paragraph):
            parts.append(block.text.strip())
        else:
            parts.extend(" | ".join(value for value in row if value) for row in _table_rows(block))
    return " ".join(part for part in parts if part)
