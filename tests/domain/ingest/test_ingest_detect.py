"""Which reader a file reaches, and the refusals that happen before any reader runs."""

from __future__ import annotations

import io
import zipfile

import pytest

from domain.ingest import IngestRefused, RefusalReason, ingest
from tests.domain.ingest.builders import build_docx, build_pdf

MAX = 5 * 1024 * 1024
OUTLINE = [("1. Scope", ["Global equities."])]


def _refusal(data: bytes, filename: str, media_type: str | None = None) -> IngestRefused:
    with pytest.raises(IngestRefused) as refused:
        ingest(data, filename, media_type, max_bytes=MAX)
    return refused.value


def _zip(names: list[str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in names:
            archive.writestr(name, "<x/>")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "filename", "media_type"),
    [
        (_zip(["xl/workbook.xml", "[Content_Types].xml"]), "prices.xlsx", None),
        (b"\x89PNG\r\n\x1a\n" + bytes(64), "chart.png", "image/png"),
        (b"\x89PNG\r\n\x1a\n" + bytes(64), "chart.txt", "text/plain"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), "old.doc", "application/msword"),
        (b"Scope: equities", "notes.csv", "text/csv"),
        (b"Scope: equities", "noextension", None),
        (_zip(["a.txt"]), "bundle.zip", "application/zip"),
    ],
    ids=["xlsx", "png", "png-named-txt", "doc", "csv", "no-extension", "zip"],
)
def test_unsupported_types_are_refused(data: bytes, filename: str, media_type: str | None) -> None:
    refusal = _refusal(data, filename, media_type)

    assert refusal.reason is RefusalReason.UNSUPPORTED_TYPE
    assert "PDF" in refusal.message


def test_old_word_files_are_asked_for_as_docx() -> None:
    refusal = _refusal(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), "old.doc")

    assert ".docx" in refusal.message


@pytest.mark.parametrize(
    ("data", "filename", "media_type", "expected"),
    [
        (build_pdf(OUTLINE), "spec.txt", "text/plain", "application/pdf"),
        (build_pdf(OUTLINE), "download", "application/octet-stream", "application/pdf"),
        (build_docx(OUTLINE), "spec.pdf", "application/pdf", "application/vnd.openxmlformats"),
        (b"# 1. Scope\nEquities.", "spec", "text/markdown", "text/markdown"),
        (b"# 1. Scope\nEquities.", "spec.MD", "text/plain", "text/markdown"),
        (b"1. Scope\nEquities.", "README", "text/plain", "text/plain"),
        (b"1. Scope\n========\n\nEquities.\n", "spec.rst", None, "text/x-rst"),
    ],
)
def test_content_beats_labels(data: bytes, filename: str, media_type: str, expected: str) -> None:
    ir = ingest(data, filename, media_type, max_bytes=MAX)

    assert ir.media_type.startswith(expected)
    assert ir.sections[0].label == "1 Scope"


@pytest.mark.parametrize(
    ("filename", "media_type"),
    [("spec.pdf", None), ("spec.docx", None), ("upload", "application/pdf")],
)
def test_binary_formats_whose_contents_do_not_match_are_corrupt(
    filename: str, media_type: str | None
) -> None:
    assert _refusal(b"1. Scope\nEquities.", filename, media_type).reason is RefusalReason.CORRUPT


def test_too_large_names_the_limit_in_megabytes() -> None:
    with pytest.raises(IngestRefused) as refused:
        ingest(b"x" * (3 * 1024 * 1024), "big.txt", max_bytes=2 * 1024 * 1024)

    assert refused.value.reason is RefusalReason.TOO_LARGE
    assert "2 MB" in refused.value.message


def test_size_is_checked_before_anything_is_parsed() -> None:
    assert _refusal(b"\x00" * (MAX + 1), "spec.pdf").reason is RefusalReason.TOO_LARGE


@pytest.mark.parametrize("filename", ["spec.pdf", "spec.docx", "spec.md", "spec.png"])
def test_empty_upload_is_refused(filename: str) -> None:
    assert _refusal(b"", filename).reason is RefusalReason.EMPTY


def test_refusal_reasons_are_exactly_the_documented_codes() -> None:
    assert {reason.value for reason in RefusalReason} == {
        "unsupported_type",
        "too_large",
        "empty",
        "corrupt",
        "encrypted",
        "no_text_layer",
        "zip_bomb",
        "undecodable_text",
        "too_complex",
    }
