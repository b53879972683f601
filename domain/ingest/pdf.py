"""PDF structure from text lines: sections, pages, running headers and footers stripped.

The text comes from `pdf_text` (PDFium by default, pypdf if configured). Bookmarks are
the author's own outline, so they win when present; otherwise headings are recognised
from the wording of lines (see `headings`). Tables are not rebuilt from PDF layout:
their cells stay in the section text, where quotes from them still ground.
"""

from __future__ import annotations

import re
from collections import Counter

from domain.ingest.headings import Heading, LineHeadings, split_number
from domain.ingest.pdf_text import Bookmark, PdfExtractor, extract_pdf_text
from domain.ingest.sections import ParsedDocument, SectionAssembler

_PAGE_NUMBER = re.compile(r"(?:page\s*)?\d{1,4}(?:\s*(?:of|/)\s*\d{1,4})?|-\s*\d{1,4}\s*-", re.I)
_PAGE_LABEL = re.compile(r"\bpage\s+\d{1,4}(?:\s+of\s+\d{1,4})?\b", re.I)
_GENERATED_TITLE = re.compile(r"^(?:microsoft word - |untitled)|\.(?:docx?|pdf|pptx?|txt)$", re.I)
_EDGE_LINES = 2
_MIN_OUTLINE_ENTRIES = 2


def read_pdf(data: bytes, filename: str, extractor: PdfExtractor = "pdfium") -> ParsedDocument:
    text = extract_pdf_text(data, filename, extractor)
    pages = text.pages
    _strip_running_lines(pages)
    assembler = SectionAssembler()
    bookmarks = sorted(text.bookmarks, key=lambda mark: mark.page)
    if len(bookmarks) >= _MIN_OUTLINE_ENTRIES:
        _sections_from_bookmarks(pages, bookmarks, assembler)
    else:
        _sections_from_lines(pages, assembler)
    first_line = next((line for lines in pages for line in lines if line), None)
    return ParsedDocument(assembler, _metadata_title(text.title), len(pages), first_line)


def _strip_running_lines(pages: list[list[str]]) -> None:
    """Drop running headers/footers and page numbers at the top and bottom of pages.

    A line counts as running when, with page numbers blanked out, it sits at a
    page edge on at least half of the pages. A bare number is only taken for a
    page number when most pages have one, so a table's last figure survives.
    Only edges are compared, so the cost is constant per page.
    """
    counts: Counter[str] = Counter()
    for lines in pages:
        counts.update({_shape(line) for line in _edges(lines)})
    threshold = max(3, (len(pages) + 1) // 2)
    running = {shape for shape, count in counts.items() if count >= threshold}
    for lines in pages:
        _trim(lines, running)


def _edges(lines: list[str]) -> list[str]:
    content = [line for line in lines if line]
    return content[:_EDGE_LINES] + content[-_EDGE_LINES:]


def _shape(line: str) -> str:
    return "#" if _PAGE_NUMBER.fullmatch(line) else _PAGE_LABEL.sub("#", line)


def _trim(lines: list[str], running: set[str]) -> None:
    def is_running(line: str) -> bool:
        return not line or _shape(line) in running

    for _ in range(_EDGE_LINES):
        while lines and not lines[0]:
            lines.pop(0)
        if lines and is_running(lines[0]):
            lines.pop(0)
    for _ in range(_EDGE_LINES):
        while lines and not lines[-1]:
            lines.pop()
        if lines and is_running(lines[-1]):
            lines.pop()


def _sections_from_bookmarks(
    pages: list[list[str]], bookmarks: list[Bookmark], assembler: SectionAssembler
) -> None:
    """Split each page's lines where its bookmarks' titles appear.

    A bookmark whose title is not found on its page (it may point at a figure,
    or the heading is worded differently) starts its section where the previous
    bookmark on that page did, or at the top of the page.
    """
    by_page: dict[int, list[Bookmark]] = {}
    for mark in bookmarks:
        by_page.setdefault(mark.page, []).append(mark)
    for page_number, lines in enumerate(pages, start=1):
        starts = _locate(lines, by_page.get(page_number, []))
        position = 0
        for index, heading, consumed in starts:
            for line in lines[position:index]:
                assembler.text(line, page_number)
            assembler.heading(heading, page_number)
            position = index + consumed
        for line in lines[position:]:
            assembler.text(line, page_number)


def _locate(lines: list[str], marks: list[Bookmark]) -> list[tuple[int, Heading, int]]:
    """(line index, heading, lines the heading occupies) for each bookmark on a page."""
    found: list[tuple[int, Heading, int]] = []
    cursor = 0
    for mark in marks:
        heading = split_number(mark.title)
        wanted = {_key(mark.title), _key(heading.title)}
        index = next(
            (i for i in range(cursor, len(lines)) if _matches(lines[i], wanted)),
            None,
        )
        if index is None:
            found.append((cursor, _with_level(heading, mark.level), 0))
            continue
        on_page = split_number(lines[index])
        number = heading.number or (on_page.number if _key(on_page.title) in wanted else None)
        found.append((index, Heading(heading.title, number, mark.level), 1))
        cursor = index + 1
    return found


def _matches(line: str, wanted: set[str]) -> bool:
    if not line or len(line) > max(len(key) for key in wanted) + 16:
        return False
    key = _key(line)
    return key in wanted or _key(split_number(line).title) in wanted


def _key(text: str) -> str:
    return " ".join(text.split()).casefold()


def _with_level(heading: Heading, level: int) -> Heading:
    return Heading(heading.title, heading.number, level)


def _sections_from_lines(pages: list[list[str]], assembler: SectionAssembler) -> None:
    detector = LineHeadings()
    for page_number, lines in enumerate(pages, start=1):
        for line in lines:
            heading = detector.classify(line)
            if heading is None:
                assembler.text(line, page_number)
            else:
                assembler.heading(heading, page_number)


def _metadata_title(title: str | None) -> str | None:
    """The document-information title, unless it is a tool's placeholder or a filename."""
    title = " ".join((title or "").split())
    if not title or _GENERATED_TITLE.search(title):
        return None
    return title
