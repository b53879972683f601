"""Bytes to text for the plain-text formats, refusing binary rather than guessing."""

from __future__ import annotations

import codecs
import re

from domain.ingest.errors import IngestRefused, RefusalReason

# UTF-32 first: its little-endian BOM begins with the UTF-16 one.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f\ufffd]")
_SAMPLE_CHARS = 65_536
_MAX_CONTROL_SHARE = 0.01


def decode_text(data: bytes, filename: str) -> str:
    """Decode with a BOM's codec, else UTF-8, else cp1252 (old Windows editors).

    cp1252 maps almost every byte to a character, so any result, whatever the
    codec, must also be mostly printable; otherwise the file is binary.
    """
    text = _decode(data)
    if text is None or _mostly_control(text[:_SAMPLE_CHARS]):
        raise IngestRefused(
            RefusalReason.UNDECODABLE_TEXT,
            f"I couldn't read the text in “{filename}”: it looks like binary data or uses "
            f"an unusual character encoding. Save it as UTF-8 text, or upload a PDF or "
            f"Word version.",
        )
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n")


def _mostly_control(sample: str) -> bool:
    return len(_CONTROL.findall(sample)) > _MAX_CONTROL_SHARE * len(sample)


def _decode(data: bytes) -> str | None:
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(codec)
            except UnicodeDecodeError:
                return None
    for codec in ("utf-8", "cp1252"):
        try:
            return data.decode(codec)
        except UnicodeDecodeError:
            continue
    return None
