"""Bytes in, `DocumentIR` out: size and format checks, the format's reader, semantics."""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Callable
from pathlib import PurePath, PurePosixPath

from domain.ingest.decode import decode_text
from domain.ingest.detect import Format, detect_format
from domain.ingest.errors import IngestRefused, RefusalReason, TooComplex, too_complex
from domain.ingest.markdown import read_markdown
from domain.ingest.pdf import read_pdf
from domain.ingest.pdf_text import PdfExtractor
from domain.ingest.plaintext import read_plain_text
from domain.ingest.rst import read_rst
from domain.ingest.sections import ParsedDocument
from domain.ingest.word import read_docx
from domain.ir import DocumentIR, Section
from domain.semantics import extract_semantics

WORDS_PER_PAGE = 500
# Above this a declared page count is stale: tools that write DOCX without laying
# it out leave whatever their template said (python-docx's says 1).
_MAX_WORDS_PER_PAGE = 1_200
_MAX_TITLE_CHARS = 120
# About 2,000 pages of prose; the rules review costs ~20 µs a word, so this bounds a review
# to well under a minute however the words are arranged.
MAX_WORDS = 1_000_000
_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_WORD = re.compile(r"\w+(?:['’.,-]\w+)*")

_READERS: dict[Format, Callable[[bytes, str], ParsedDocument]] = {
    Format.DOCX: read_docx,
    Format.MARKDOWN: lambda data, filename: read_markdown(decode_text(data, filename)),
    Format.RST: lambda data, filename: read_rst(decode_text(data, filename)),
    Format.TEXT: lambda data, filename: read_plain_text(decode_text(data, filename)),
}


def ingest(
    data: bytes,
    filename: str,
    media_type: str | None = None,
    *,
    max_bytes: int,
    pdf_extractor: PdfExtractor = "pdfium",
) -> DocumentIR:
    """Parse an upload into the IR, or raise `IngestRefused` with a reason for the user.

    Pure and synchronous; CPU-bound for large PDFs, so the bot calls it in a worker
    process (`domain.pipeline`). `pdf_extractor` is the `PDF_EXTRACTOR` setting.
    """
    filename = display_name(filename)
    refuse_if_too_large(data, filename, max_bytes)
    if not data or data.isspace():
        raise _empty(filename)
    document_format = detect_format(data, filename, media_type)
    try:
        if document_format is Format.PDF:
            parsed = read_pdf(data, filename, pdf_extractor)
        else:
            parsed = _READERS[document_format](data, filename)
    except TooComplex as error:
        raise too_complex(filename, error.why) from None
    title = _title(parsed)
    sections, tables = parsed.assembler.build(title or _stem(filename))
    words = sum(_count_words(section, counts_label=bool(title)) for section in sections)
    if words == 0:
        raise _empty(filename) if title is None else _title_only(filename, title)
    if words > MAX_WORDS:
        raise too_complex(
            filename, f"it has {words:,} words, more than the {MAX_WORDS:,} I review at once"
        )
    semantics = extract_semantics(sections, tables)
    return DocumentIR(
        title=title or _stem(filename),
        filename=filename,
        media_type=document_format.value,
        sha256=hashlib.sha256(data).hexdigest(),
        pages=parsed.pages or page_count(parsed.declared_pages, words),
        words=words,
        sections=sections,
        tables=tables,
        definitions=semantics.definitions,
        formulas=semantics.formulas,
        parameters=semantics.parameters,
        cross_references=semantics.cross_references,
        issues=semantics.issues,
        failed_checks=semantics.failures,
    )


def display_name(filename: str) -> str:
    """The name to show and store: its last path part, without control characters or the
    bidirectional overrides that make "evil\u202egpj.md" display as "evildm.jpg"."""
    name = PurePosixPath(filename.replace("\\", "/")).name
    shown = _UNPRINTABLE.sub("", name).strip()
    return shown or "document"


def refuse_if_too_large(data: bytes, filename: str, max_bytes: int) -> None:
    if len(data) > max_bytes:
        raise IngestRefused(
            RefusalReason.TOO_LARGE,
            f"“{filename}” is {len(data) / 1024**2:.1f} MB; I can review files up to "
            f"{max_bytes / 1024**2:g} MB. Upload a smaller version, for example without images.",
        )


def page_count(declared: int | None, words: int) -> int:
    """Pages for formats without them: the file's own claim if plausible, else an
    estimate at `WORDS_PER_PAGE`, a typical single-spaced page of prose."""
    if declared and words / declared <= _MAX_WORDS_PER_PAGE:
        return declared
    return max(1, math.ceil(words / WORDS_PER_PAGE))


def _title(parsed: ParsedDocument) -> str | None:
    """The format's title, else a first line short enough to be one."""
    if parsed.title:
        return parsed.title
    if parsed.first_line and len(parsed.first_line) <= _MAX_TITLE_CHARS:
        return parsed.first_line
    return None


def _stem(filename: str) -> str:
    return PurePath(filename).stem or filename


def _count_words(section: Section, *, counts_label: bool) -> int:
    """Words in the text and heading; a preamble named after the file adds none."""
    label = section.label if counts_label or section.number or section.id != "s1" else ""
    return len(_WORD.findall(label)) + len(_WORD.findall(section.text))


def _title_only(filename: str, title: str) -> IngestRefused:
    return IngestRefused(
        RefusalReason.EMPTY,
        f"“{filename}” holds only a title (“{title[:80]}”) and nothing under it to review. "
        f"Check you uploaded the whole document.",
    )


def _empty(filename: str) -> IngestRefused:
    return IngestRefused(
        RefusalReason.EMPTY,
        f"“{filename}” has no text in it. Check you uploaded the right file.",
    )
