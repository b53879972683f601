"""A PDF's text lines per page, outline and title, read with PDFium or pypdf.

PDFium (pypdfium2, compiled) is the default: it extracts text 4 to 17 times faster than
pypdf (docs/benchmarks.md), orders a line's words by position, undoes ligatures ("ﬁ")
and marks a hyphen it sees at a line end, joining the two lines. pypdf (pure Python,
the reader before) stays selectable with `PDF_EXTRACTOR=pypdf`, a fallback for a file
PDFium misreads. Both are imported on first use: the CLI imports `domain.ingest` at
start-up and reads a PDF only sometimes.

Refusals (password, no pages, damage, no text layer) are decided here, with the same
reasons and messages whichever library read the file.
"""

from __future__ import annotations

import io
import re
import threading
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from domain.ingest.errors import IngestRefused, RefusalReason

if TYPE_CHECKING:
    from pypdf import PdfReader
    from pypdfium2 import PdfDocument

PdfExtractor = Literal["pdfium", "pypdf"]

# PDFium is not thread-safe: one document at a time per process. Ingest workers run one
# job each, so this only ever waits when a caller parses PDFs from several threads.
_PDFIUM_LOCK = threading.Lock()
# What PDFium puts in place of a hyphen that ended a line it then joined to the next.
_LINE_END_HYPHENS = ("\x02", "\ufffe")
_BROKEN_WORD = re.compile(rf"((?:\w+-)*\w+)[{''.join(_LINE_END_HYPHENS)}](\w+(?:-\w+)*)")
_WORD = re.compile(r"\w+(?:-\w+)*")
_LIGATURE = re.compile("[\ufb00-\ufb06]")
_LIGATURES = str.maketrans(
    {chr(code): unicodedata.normalize("NFKC", chr(code)) for code in range(0xFB00, 0xFB07)}
)


@dataclass(frozen=True, slots=True)
class Bookmark:
    """One outline entry: `page` counts from 1, `level` 1 is the top of the outline."""

    title: str
    page: int
    level: int


@dataclass(frozen=True, slots=True)
class PdfText:
    """Stripped lines per page (an unreadable page has none), outline and metadata title."""

    pages: list[list[str]]
    bookmarks: list[Bookmark]
    title: str | None


def extract_pdf_text(data: bytes, filename: str, extractor: PdfExtractor = "pdfium") -> PdfText:
    """The file's text, or `IngestRefused` saying why it cannot be read."""
    text = _READERS[extractor](data, filename)
    if not any(line for lines in text.pages for line in lines):
        raise IngestRefused(
            RefusalReason.NO_TEXT_LAYER,
            f"“{filename}” has no text I can read; it looks like scanned images. Upload the "
            f"original document, or a PDF made searchable with OCR.",
        )
    return text


def _pdfium(data: bytes, filename: str) -> PdfText:
    with _PDFIUM_LOCK:
        document = _pdfium_open(data, filename)
        try:
            texts = [_pdfium_page(document, index) for index in range(len(document))]
            bookmarks = _pdfium_bookmarks(document)
            title = document.get_metadata_value("Title")
        finally:
            document.close()
    pages = [
        [line.strip() for line in text.splitlines()] for text in _rejoin(_readable(texts, filename))
    ]
    return PdfText(pages, bookmarks, title)


def _pdfium_open(data: bytes, filename: str) -> PdfDocument:
    """Opened through the raw call: PDFium sets its last error only when loading fails, so
    a file that loads with no pages must be told apart by its handle, not by that error."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_raw

    handle = pdfium_raw.FPDF_LoadMemDocument64(data, len(data), None)
    if not handle:
        error = pdfium_raw.FPDF_GetLastError()
        if error == pdfium_raw.FPDF_ERR_PASSWORD:
            raise _password_protected(filename)
        if error == pdfium_raw.FPDF_ERR_SECURITY:
            raise _unsupported_encryption(filename)
        raise _corrupt(filename)
    document = pdfium.PdfDocument(handle)
    if not len(document):
        document.close()
        raise _no_pages(filename)
    return document


def _pdfium_page(document: PdfDocument, index: int) -> str | None:
    """Pages are closed as soon as they are read, so memory stays one page deep."""
    from pypdfium2 import PdfiumError

    try:
        page = document[index]
    except PdfiumError:
        return None
    try:
        textpage = page.get_textpage()
        try:
            return textpage.get_text_range()
        finally:
            textpage.close()
    except PdfiumError:
        return None
    finally:
        page.close()


def _pdfium_bookmarks(document: PdfDocument) -> list[Bookmark]:
    marks: list[Bookmark] = []
    for item in document.get_toc():
        destination = item.get_dest()
        page = destination.get_index() if destination else None
        title = " ".join(item.get_title().split())
        if title and page is not None:
            marks.append(Bookmark(title, page + 1, item.level + 1))
    return marks


def _rejoin(texts: list[str]) -> list[str]:
    """Resolve the hyphens PDFium marked at line ends, using the document's own words.

    A line-end hyphen is either hyphenation ("recal-culated") or part of a compound
    ("risk-adjusted") that happened to fall at the end of a line. The word is joined
    when the document spells it joined elsewhere and never hyphenated; otherwise the
    hyphen stays, as printed. Documents without a marked hyphen cost one scan.
    """
    if not any(mark in text for text in texts for mark in _LINE_END_HYPHENS):
        return texts
    words = {word.casefold() for text in texts for word in _WORD.findall(text)}

    def resolve(match: re.Match[str]) -> str:
        left, right = match.groups()
        joined, hyphenated = left + right, f"{left}-{right}"
        if joined.casefold() in words and hyphenated.casefold() not in words:
            return joined
        return hyphenated

    rejoined = []
    for text in texts:
        if any(mark in text for mark in _LINE_END_HYPHENS):
            text = _BROKEN_WORD.sub(resolve, text)
            for mark in _LINE_END_HYPHENS:
                text = text.replace(mark, "-")
        rejoined.append(text)
    return rejoined


def _pypdf(data: bytes, filename: str) -> PdfText:
    import logging

    from pypdf import PdfReader
    from pypdf.errors import DependencyError

    # pypdf logs the damage it works around ("EOF marker not found") as warnings; a file
    # it cannot read becomes a refusal with a message for the user instead.
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not _pypdf_decrypts(reader, filename):
            raise _password_protected(filename)
        if not reader.pages:
            raise _no_pages(filename)
    except IngestRefused:
        raise
    except Exception as exc:  # pypdf signals damage with many exception types
        raise _corrupt(filename) from exc
    texts: list[str | None] = []
    for page in reader.pages:
        try:
            texts.append(page.extract_text())
        except DependencyError as exc:
            raise _unsupported_encryption(filename) from exc
        except Exception:  # one damaged page should not lose the rest
            texts.append(None)
    pages = [
        [line.strip() for line in _unligate(text).split("\n")]
        for text in _readable(texts, filename)
    ]
    return PdfText(pages, _pypdf_bookmarks(reader), _pypdf_title(reader))


def _pypdf_decrypts(reader: PdfReader, filename: str) -> bool:
    """Many PDFs are "encrypted" only to restrict printing and open with no password."""
    from pypdf.errors import DependencyError

    try:
        return bool(reader.decrypt(""))
    except DependencyError as exc:  # AES without the `cryptography` package
        raise _unsupported_encryption(filename) from exc


def _pypdf_bookmarks(reader: PdfReader) -> list[Bookmark]:
    """The outline flattened; an unreadable outline counts as none."""
    from pypdf.generic import Destination

    marks: list[Bookmark] = []

    def walk(items: list, level: int) -> None:
        for item in items:
            if isinstance(item, list):
                walk(item, level + 1)
            elif isinstance(item, Destination):
                page = reader.get_destination_page_number(item)
                title = " ".join(str(item.title or "").split())
                if title and page is not None and page >= 0:
                    marks.append(Bookmark(title, page + 1, level))

    try:
        walk(reader.outline, 1)
    except Exception:  # a damaged outline must not cost the document
        return []
    return marks


def _pypdf_title(reader: PdfReader) -> str | None:
    try:
        return str(reader.metadata.title or "") if reader.metadata else None
    except Exception:  # broken metadata is common and harmless
        return None


def _readable(texts: list[str | None], filename: str) -> list[str]:
    """Unreadable pages become empty; a file with no readable page at all is damaged."""
    if all(text is None for text in texts):
        raise _corrupt(filename)
    return [text or "" for text in texts]


def _unligate(text: str) -> str:
    """pypdf keeps ligature characters ("ﬁ"); rules and quotes expect plain letters."""
    return text.translate(_LIGATURES) if _LIGATURE.search(text) else text


_READERS: dict[PdfExtractor, Callable[[bytes, str], PdfText]] = {
    "pdfium": _pdfium,
    "pypdf": _pypdf,
}


def _password_protected(filename: str) -> IngestRefused:
    return IngestRefused(
        RefusalReason.ENCRYPTED,
        f"“{filename}” is password-protected, so I can't read it. Upload an unprotected copy.",
    )


def _unsupported_encryption(filename: str) -> IngestRefused:
    """The file opens with no password in a PDF viewer, so say how to get a readable copy."""
    return IngestRefused(
        RefusalReason.ENCRYPTED,
        f"“{filename}” is encrypted in a way I can't open, even if it has no password. "
        f"Save or print it to a new PDF without security settings and upload that.",
    )


def _no_pages(filename: str) -> IngestRefused:
    return IngestRefused(RefusalReason.EMPTY, f"“{filename}” has no pages.")


def _corrupt(filename: str) -> IngestRefused:
    return IngestRefused(
        RefusalReason.CORRUPT,
        f"“{filename}” looks damaged, so I can't read it. Export the PDF again and re-upload it.",
    )
