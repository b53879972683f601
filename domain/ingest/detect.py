"""Decide which reader a file goes to.

Content beats labels: Slack reports whatever media type the uploader's OS
guessed, and people rename files, so magic bytes are checked first and the
extension or media type only chooses between the text formats, which have none.
"""

from __future__ import annotations

import io
import zipfile
from enum import StrEnum
from pathlib import PurePath

from domain.ingest.errors import IngestRefused, RefusalReason


class Format(StrEnum):
    PDF = "application/pdf"
    DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    MARKDOWN = "text/markdown"
    RST = "text/x-rst"
    TEXT = "text/plain"


_BY_EXTENSION = {
    ".pdf": Format.PDF,
    ".docx": Format.DOCX,
    ".md": Format.MARKDOWN,
    ".markdown": Format.MARKDOWN,
    ".rst": Format.RST,
    ".txt": Format.TEXT,
    ".text": Format.TEXT,
}
_BY_MEDIA_TYPE = {
    "application/pdf": Format.PDF,
    Format.DOCX.value: Format.DOCX,
    "text/markdown": Format.MARKDOWN,
    "text/x-markdown": Format.MARKDOWN,
    "text/x-rst": Format.RST,
    "text/prs.fallenstein.rst": Format.RST,
    "text/plain": Format.TEXT,
}
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_IMAGE_MAGIC = (b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"II*\x00", b"MM\x00*")
# Office stores a password-protected .docx as an OLE file with this stream name.
_ENCRYPTED_OOXML = "EncryptedPackage".encode("utf-16-le")
# Where Word keeps a document's VBA project; .docm and .dotm are the macro-enabled kinds.
_MACROS = "word/vbaProject.bin"
_MACRO_SUFFIXES = (".docm", ".dotm")
_SUPPORTED = "a PDF, Word (.docx), Markdown, reStructuredText or plain-text file"


def detect_format(data: bytes, filename: str, media_type: str | None) -> Format:
    claimed = _claimed_format(filename, media_type)
    head = data[:1024]
    if head.lstrip().startswith(b"%PDF-"):
        return Format.PDF
    if head.startswith(b"PK\x03\x04"):
        return _zip_format(data, filename, claimed)
    if head.startswith(_OLE_MAGIC):
        _refuse_ole(data, filename, claimed)
    if head.startswith(_IMAGE_MAGIC):
        raise _unsupported(filename, "image")
    if claimed in (Format.PDF, Format.DOCX):
        kind = "PDF" if claimed is Format.PDF else "Word document"
        raise IngestRefused(
            RefusalReason.CORRUPT,
            f"“{filename}” is labelled as a {kind} but its contents aren't one, so I can't "
            f"read it. Export it again and re-upload it.",
        )
    if claimed is None:
        raise _unsupported(filename)
    return claimed


def _claimed_format(filename: str, media_type: str | None) -> Format | None:
    """The format the name says, else the media type; None when neither is one we read."""
    suffix = PurePath(filename).suffix.lower()
    if suffix:
        return _BY_EXTENSION.get(suffix)
    mime = (media_type or "").split(";", 1)[0].strip().lower()
    return _BY_MEDIA_TYPE.get(mime)


def _zip_format(data: bytes, filename: str, claimed: Format | None) -> Format:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            is_docx = "word/document.xml" in archive.NameToInfo
            has_macros = _MACROS in archive.NameToInfo
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        if claimed is Format.DOCX:
            raise IngestRefused(
                RefusalReason.CORRUPT,
                f"“{filename}” looks damaged (the Word file's archive can't be opened). "
                f"Save it again from Word and re-upload it.",
            ) from exc
        raise _unsupported(filename) from exc
    if is_docx and (has_macros or PurePath(filename).suffix.lower() in _MACRO_SUFFIXES):
        raise IngestRefused(
            RefusalReason.UNSUPPORTED_TYPE,
            f"“{filename}” is a macro-enabled Word document, which I don't open. Save it as "
            f"a plain Word document (.docx) or PDF and upload that.",
        )
    if is_docx:
        return Format.DOCX
    if claimed is Format.DOCX:
        raise IngestRefused(
            RefusalReason.CORRUPT,
            f"“{filename}” is labelled as a Word document but is some other archive, so I "
            f"can't read it. Save it again from Word and re-upload it.",
        )
    raise _unsupported(filename)


def _refuse_ole(data: bytes, filename: str, claimed: Format | None) -> None:
    if claimed is Format.DOCX and _ENCRYPTED_OOXML in data:
        raise IngestRefused(
            RefusalReason.ENCRYPTED,
            f"“{filename}” is password-protected, so I can't read it. "
            f"Upload a copy without a password.",
        )
    raise IngestRefused(
        RefusalReason.UNSUPPORTED_TYPE,
        f"“{filename}” is an old-style Office file. Save it as .docx or PDF and upload that.",
    )


def _unsupported(filename: str, kind: str | None = None) -> IngestRefused:
    suffix = PurePath(filename).suffix.lower()
    what = f"{kind or suffix} files" if kind or suffix else "this kind of file"
    return IngestRefused(
        RefusalReason.UNSUPPORTED_TYPE,
        f"I can't review {what}. Upload the document as {_SUPPORTED}.",
    )
