"""PDF ingest: structure with and without bookmarks, pages, running lines, refusals."""

from __future__ import annotations

import hashlib

import pytest
from pypdf import PdfReader
from pypdf.errors import DependencyError

from domain.ingest import IngestRefused, RefusalReason, ingest
from domain.ir import DocumentIR
from tests.domain.ingest.builders import (
    Bullets,
    build_pdf,
    encrypt_pdf,
    image_only_pdf,
    strategy_outline,
)

MAX = 20 * 1024 * 1024
TITLE = "Cross-Sectional Momentum Strategy"

SMALL = [
    ("1. Introduction", ["This document specifies the momentum strategy for global equities."]),
    (
        "2. Stock Selection",
        [
            "The universe is the MSCI World Index.",
            Bullets(["Rank stocks by momentum score", "Select the top decile"], numbered=True),
        ],
    ),
    ("2.1 Liquidity Filter", ["Stocks trading below USD 5 million a day are excluded."]),
    ("Appendix A - Data Sources", ["Prices come from the Refinitiv end-of-day feed."]),
]


def _ingest_pdf(data: bytes) -> DocumentIR:
    return ingest(data, "strategy.pdf", "application/pdf", max_bytes=MAX)


def _labels(ir: DocumentIR) -> list[str]:
    return [section.label for section in ir.sections]


def test_numbered_headings_become_sections_without_bookmarks() -> None:
    ir = _ingest_pdf(build_pdf(SMALL, title=TITLE))

    assert ir.title == TITLE
    assert _labels(ir) == [
        "1 Introduction",
        "2 Stock Selection",
        "2.1 Liquidity Filter",
        "Appendix A Data Sources",
    ]
    assert [s.level for s in ir.sections] == [1, 1, 2, 1]
    assert [s.id for s in ir.sections] == ["s1", "s2", "s3", "s4"]
    selection = ir.sections[1]
    assert "1. Rank stocks by momentum score" in selection.text
    assert "2. Select the top decile" in selection.text
    assert ir.sections[2].text == "Stocks trading below USD 5 million a day are excluded."
    assert ir.media_type == "application/pdf"
    assert ir.pages == 1


def test_bookmarks_define_sections_and_levels() -> None:
    ir = _ingest_pdf(build_pdf(SMALL, title=TITLE, bookmarks=True))

    assert _labels(ir) == [
        "1 Introduction",
        "2 Stock Selection",
        "2.1 Liquidity Filter",
        "Appendix A Data Sources",
    ]
    assert [s.level for s in ir.sections] == [1, 1, 2, 1]
    assert ir.sections[3].text == "Prices come from the Refinitiv end-of-day feed."


def test_bookmarks_win_over_wording() -> None:
    """Unnumbered, lower-case headings are only found because the outline names them."""
    outline = [
        ("overview of the approach", ["We buy winners and sell losers."]),
        ("how positions are sized", ["Positions are sized by inverse volatility."]),
    ]
    ir = _ingest_pdf(build_pdf(outline, bookmarks=True))

    assert _labels(ir) == ["overview of the approach", "how positions are sized"]
    assert ir.sections[1].text == "Positions are sized by inverse volatility."


def test_text_before_first_heading_is_a_preamble_section_named_after_the_title() -> None:
    outline = [("1. Scope", ["The scope is global equities."])]
    data = build_pdf(
        [("Momentum strategy specification, version 2", ["Owner: Quant Research."]), *outline]
    )
    ir = _ingest_pdf(data)

    assert ir.title == "Momentum strategy specification, version 2"
    preamble = ir.sections[0]
    assert (preamble.id, preamble.number, preamble.title) == ("s1", None, ir.title)
    assert preamble.text == "Owner: Quant Research."
    assert ir.sections[1].label == "1 Scope"


@pytest.mark.parametrize("bookmarks", [False, True])
def test_sections_know_the_page_of_every_offset(bookmarks: bool) -> None:
    data = build_pdf(
        strategy_outline(sections=6, paragraphs=10),
        title=TITLE,
        bookmarks=bookmarks,
        new_page_per_section=True,
    )
    ir = _ingest_pdf(data)

    assert ir.pages >= 12
    assert [s.number for s in ir.sections] == ["1", "1.1", "1.2", "1.3", "2", "2.1"]
    assert ir.sections[0].page_start == 1
    for previous, section in zip(ir.sections, ir.sections[1:], strict=False):
        assert section.page_start == previous.page_end + 1
    spanning = next(s for s in ir.sections if s.page_end > s.page_start)
    last_offset, last_page = spanning.page_offsets[-1]
    assert last_page == spanning.page_end
    assert spanning.page_at(0) == spanning.page_start
    assert spanning.page_at(last_offset - 1) == last_page - 1
    assert spanning.page_at(last_offset) == last_page
    assert spanning.page_at(len(spanning.text) - 1) == spanning.page_end


def test_running_header_and_page_numbers_are_stripped() -> None:
    data = build_pdf(
        strategy_outline(sections=8, paragraphs=5),
        title=TITLE,
        running_header="ACME Quant Research - Confidential",
        page_numbers="Page {} of 9",
    )
    ir = _ingest_pdf(data)

    assert ir.pages >= 4
    assert "Confidential" not in ir.text
    assert "Page 3" not in ir.text
    assert "The lookback window is 252 trading days" in ir.text


def test_bare_page_numbers_are_stripped_but_a_closing_figure_is_not() -> None:
    outline = strategy_outline(sections=8, paragraphs=5)
    numbered = _ingest_pdf(build_pdf(outline, page_numbers="{}"))
    capacity = ("3. Capacity", ["Capacity in USD m:", "250"])
    with_figure = _ingest_pdf(build_pdf([*outline, capacity]))

    assert numbered.pages >= 4
    assert not any(line.isdigit() for s in numbered.sections for line in s.text.split("\n"))
    assert with_figure.sections[-1].text == "Capacity in USD m:\n250"


@pytest.mark.parametrize(
    ("metadata_title", "expected"),
    [("Momentum Strategy v2", "Momentum Strategy v2"), ("Microsoft Word - spec.docx", TITLE)],
)
def test_metadata_title_unless_a_tool_made_it_up(metadata_title: str, expected: str) -> None:
    ir = _ingest_pdf(build_pdf(SMALL, title=TITLE, metadata_title=metadata_title))

    assert ir.title == expected


def test_words_and_hash_describe_the_file() -> None:
    data = build_pdf(SMALL, title=TITLE)
    ir = _ingest_pdf(data)

    assert ir.sha256 == hashlib.sha256(data).hexdigest()
    assert 40 < ir.words < 80


def test_password_protected_pdf_is_refused() -> None:
    data = encrypt_pdf(build_pdf(SMALL), user_password="s3cret")

    with pytest.raises(IngestRefused) as refused:
        _ingest_pdf(data)

    assert refused.value.reason is RefusalReason.ENCRYPTED
    assert "password" in refused.value.message


def test_pdf_encrypted_with_an_empty_password_is_read() -> None:
    ir = _ingest_pdf(encrypt_pdf(build_pdf(SMALL), user_password=""))

    assert ir.sections[1].label == "2 Stock Selection"


def test_encryption_pypdf_cannot_decrypt_is_refused_as_encrypted(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With pypdf (`PDF_EXTRACTOR=pypdf`), AES PDFs need the optional `cryptography`
    package; without it that is not damage. PDFium decrypts AES itself."""

    def missing_backend(self: PdfReader, password: str) -> None:
        raise DependencyError("cryptography>=3.1 is required for AES algorithm")

    monkeypatch.setattr(PdfReader, "decrypt", missing_backend)
    data = encrypt_pdf(build_pdf(SMALL), user_password="")

    with pytest.raises(IngestRefused) as refused:
        ingest(data, "strategy.pdf", "application/pdf", max_bytes=MAX, pdf_extractor="pypdf")

    assert refused.value.reason is RefusalReason.ENCRYPTED
    assert "new PDF" in refused.value.message


def test_scanned_pdf_without_text_is_refused() -> None:
    with pytest.raises(IngestRefused) as refused:
        _ingest_pdf(image_only_pdf(pages=3))

    assert refused.value.reason is RefusalReason.NO_TEXT_LAYER
    assert "OCR" in refused.value.message


@pytest.mark.parametrize("cut", [0.5, 0.1])
def test_truncated_pdf_is_corrupt(cut: float) -> None:
    data = build_pdf(strategy_outline(sections=4, paragraphs=4))

    with pytest.raises(IngestRefused) as refused:
        _ingest_pdf(data[: int(len(data) * cut)])

    assert refused.value.reason is RefusalReason.CORRUPT


def test_garbage_after_pdf_header_is_corrupt() -> None:
    with pytest.raises(IngestRefused) as refused:
        _ingest_pdf(b"%PDF-1.7\n" + bytes(range(256)) * 40)

    assert refused.value.reason is RefusalReason.CORRUPT
