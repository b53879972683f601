"""DOCX reading with python-docx: heading styles, manual headings, lists and tables.

Word files have no pages until Word lays them out, so only the `<Pages>` count
Word last saved in docProps/app.xml is passed on (see `core.page_count`), and
sections carry no page numbers: a guessed page would mislead a reviewer.
"""

from __future__ import annotations

import io
import re
import zipfile

import docx
from docx.document import Document
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
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise IngestRefused(
            RefusalReason.CORRUPT,
            f"“{filename}” looks damaged (its archive can't be opened). Save it again from "
            f"Word and re-upload it.",
        ) from exc
    return int(match.group(1)) if match else None


class _DocxReader:
    def __init__(self, document: Document) -> None:
        self._document = document
        self._assembler = SectionAssembler()
        self._detector = LineHeadings()
        self._styled_title: str | None = None
        self._first_h1: str | None = None
        self._first_line: str | None = None
        self._caption: tuple[str | None, str] | None = None

    def read(self) -> ParsedDocument:
        for block in self._document.iter_inner_content():
            if isinstance(block, Paragraph):
                self._paragraph(block)
            else:
                self._table(block)
        core_title = (self._document.core_properties.title or "").strip()
        title = core_title or self._styled_title or self._first_h1
        return ParsedDocument(self._assembler, title, None, self._first_line)

    def _paragraph(self, paragraph: Paragraph) -> None:
        text = paragraph.text.strip()
        if not text:
            return
        self._first_line = self._first_line or text
        style = paragraph.style
        style_name = style.name if style is not None else ""
        heading = self._heading(paragraph, text, style_name)
        self._caption = None
        if heading is not None:
            self._detector.observe(heading)
            self._assembler.heading(heading)
            return
        if style_name.lower() == "caption" or _CAPTION.match(text):
            match = _CAPTION.match(text)
            self._caption = (match.group(1) if match else None, text)
        if _is_list_item(paragraph, style_name):
            self._assembler.text(f"- {text}")
        else:
            self._assembler.text(text)

    def _heading(self, paragraph: Paragraph, text: str, style_name: str) -> Heading | None:
        level = _style_level(paragraph)
        if level is not None:
            if style_name.lower() == "title":
                self._styled_title = self._styled_title or text
            elif level == 1:
                self._first_h1 = self._first_h1 or text
            heading = split_number(text)
            return Heading(heading.title, heading.number, level)
        if _is_list_item(paragraph, style_name):
            return None
        if _looks_like_manual_heading(paragraph, text):
            heading = split_number(text)
            return Heading(heading.title, heading.number, depth(heading.number))
        return self._detector.classify(text)

    def _table(self, table: DocxTable) -> None:
        rows = _table_rows(table)
        number, caption = self._caption or (None, None)
        self._assembler.table(rows, caption=caption, number=number)
        self._caption = None


def _style_level(paragraph: Paragraph) -> int | None:
    """Heading level from the paragraph's style or the style it is based on."""
    style = paragraph.style
    for _ in range(4):
        if style is None:
            return None
        name = style.name or ""
        if name.lower() == "title":
            return 1
        match = _HEADING_STYLE.fullmatch(name)
        if match:
            return int(match.group(1))
        style = style.base_style
    return None


def _is_list_item(paragraph: Paragraph, style_name: str) -> bool:
    """List styles, or Word's direct numbering (`w:numPr`), which python-docx does not expose."""
    if style_name.lower().startswith("list"):
        return True
    properties = paragraph._p.pPr
    return properties is not None and properties.numPr is not None


def _looks_like_manual_heading(paragraph: Paragraph, text: str) -> bool:
    """A short bold paragraph without final punctuation: a heading typed by hand."""
    words = text.split()
    if len(words) > _MAX_MANUAL_HEADING_WORDS or text.endswith((".", ",", ";", ":")):
        return False
    runs = [run for run in paragraph.runs if run.text.strip()]
    if not runs:
        return False
    style_bold = bool(paragraph.style is not None and paragraph.style.font.bold)
    if not all(run.bold or (run.bold is None and style_bold) for run in runs):
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
            if block.text.strip():
                parts.append(block.text.strip())
        else:
            parts.extend(" | ".join(cell for cell in row if cell) for row in _table_rows(block))
    return " ".join(parts)
