"""DOCX ingest: heading styles, hand-made headings, lists, tables, pages, hostile archives."""

from __future__ import annotations

import io
import zipfile

import docx
import pytest

from domain.ingest import IngestRefused, RefusalReason, ingest
from domain.ir import DocumentIR
from tests.domain.ingest.builders import (
    Bullets,
    Rows,
    build_docx,
    many_entries_docx,
    strategy_outline,
    zip_bomb_docx,
)

MAX = 20 * 1024 * 1024
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

OUTLINE = [
    ("1. Hypothesis", ["Stocks with strong past returns keep outperforming for months."]),
    (
        "2. Stock Selection",
        [
            "Eligible stocks are members of the S&P 500.",
            Bullets(["Price above USD 5", "At least 250 days of history"]),
        ],
    ),
    (
        "2.1 Parameters",
        [
            Rows(
                [["Parameter", "Value"], ["Lookback", "252 days"], ["Cap", "5%"]],
                caption="Table 3: Strategy parameters",
            ),
            "Parameters are reviewed annually.",
        ],
    ),
    ("3. Rebalancing", [Bullets(["Compute scores", "Trade at the close"], numbered=True)]),
]


def _ingest_docx(data: bytes, filename: str = "spec.docx") -> DocumentIR:
    return ingest(data, filename, DOCX, max_bytes=MAX)


def _refusal(data: bytes, filename: str = "spec.docx") -> IngestRefused:
    with pytest.raises(IngestRefused) as refused:
        _ingest_docx(data, filename)
    return refused.value


def test_heading_styles_define_sections() -> None:
    ir = _ingest_docx(build_docx(OUTLINE, title="Momentum Strategy"))

    assert ir.title == "Momentum Strategy"
    assert ir.media_type == DOCX
    assert [(s.id, s.number, s.title, s.level) for s in ir.sections] == [
        ("s1", "1", "Hypothesis", 1),
        ("s2", "2", "Stock Selection", 1),
        ("s3", "2.1", "Parameters", 2),
        ("s4", "3", "Rebalancing", 1),
    ]
    assert all(s.page_start is None and s.page_at(0) is None for s in ir.sections)


def test_core_properties_title_wins() -> None:
    ir = _ingest_docx(build_docx(OUTLINE, title="Styled Title", core_title="Momentum v2.1"))

    assert ir.title == "Momentum v2.1"


def test_bold_numbered_paragraphs_are_headings_in_normal_style() -> None:
    ir = _ingest_docx(build_docx(OUTLINE, heading_styles=False))

    assert [s.label for s in ir.sections] == [
        "1 Hypothesis",
        "2 Stock Selection",
        "2.1 Parameters",
        "3 Rebalancing",
    ]
    assert [s.level for s in ir.sections] == [1, 1, 2, 1]
    assert ir.sections[0].text == "Stocks with strong past returns keep outperforming for months."


def test_numbered_list_items_are_text_not_headings() -> None:
    ir = _ingest_docx(build_docx(OUTLINE))

    rebalancing = ir.sections[3]
    assert rebalancing.text == "- Compute scores\n- Trade at the close"
    assert ir.sections[1].text.endswith("- Price above USD 5\n- At least 250 days of history")


def test_tables_are_kept_as_rows_and_as_section_text() -> None:
    ir = _ingest_docx(build_docx(OUTLINE))

    [table] = ir.tables
    assert table.rows == [["Parameter", "Value"], ["Lookback", "252 days"], ["Cap", "5%"]]
    assert table.section_id == "s3"
    assert table.number == "3"
    assert table.caption == "Table 3: Strategy parameters"
    parameters = ir.section("s3")
    assert parameters is not None
    assert "Lookback | 252 days" in parameters.text
    assert parameters.text.endswith("Parameters are reviewed annually.")


def test_merged_and_nested_cells_are_read_once() -> None:
    document = docx.Document()
    document.add_heading("1. Costs", level=1)
    table = document.add_table(rows=2, cols=3)
    table.cell(0, 0).merge(table.cell(0, 2)).text = "Cost model"
    table.cell(1, 0).text = "Commission"
    table.cell(1, 1).text = "2 bps"
    table.cell(1, 2).add_table(rows=1, cols=2).cell(0, 1).text = "impact 5 bps"
    buffer = io.BytesIO()
    document.save(buffer)

    ir = _ingest_docx(buffer.getvalue())

    assert ir.tables[0].rows == [["Cost model"], ["Commission", "2 bps", "impact 5 bps"]]
    assert "impact 5 bps" in ir.sections[0].text


def test_text_before_the_first_heading_is_kept() -> None:
    document = docx.Document()
    document.core_properties.title = "Index Methodology"
    document.add_paragraph("Prepared by the Index Committee.")
    document.add_heading("1. Eligibility", level=1)
    document.add_paragraph("Only common stock is eligible.")
    buffer = io.BytesIO()
    document.save(buffer)

    ir = _ingest_docx(buffer.getvalue())

    assert [(s.number, s.title, s.text) for s in ir.sections] == [
        (None, "Index Methodology", "Prepared by the Index Committee."),
        ("1", "Eligibility", "Only common stock is eligible."),
    ]


def test_empty_paragraphs_are_kept_as_one_paragraph_break() -> None:
    document = docx.Document()
    document.add_heading("3. Rebalancing", level=1)
    document.add_paragraph("")
    document.add_paragraph("Rebalance monthly.")
    for _ in range(3):
        document.add_paragraph("   ")
    document.add_paragraph("Trade at the close.")
    document.add_paragraph("Cap turnover at 20%.")
    document.add_paragraph("")
    document.add_heading("4. Costs", level=1)
    document.add_paragraph("Commission is 2 bps.")
    buffer = io.BytesIO()
    document.save(buffer)

    ir = _ingest_docx(buffer.getvalue())

    assert [s.text for s in ir.sections] == [
        "Rebalance monthly.\n\nTrade at the close.\nCap turnover at 20%.",
        "Commission is 2 bps.",
    ]


def test_pages_are_estimated_when_the_declared_count_is_stale() -> None:
    """python-docx's template declares 1 page whatever the length."""
    ir = _ingest_docx(build_docx(strategy_outline(sections=12, paragraphs=5)))

    assert ir.words > 5_000
    assert ir.pages == -(-ir.words // 500)


def test_declared_page_count_is_used_when_plausible() -> None:
    data = build_docx(OUTLINE)
    ir = _ingest_docx(_with_app_pages(data, 3))

    assert ir.pages == 3


def _with_app_pages(data: bytes, pages: int) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            content = source.read(info)
            if info.filename == "docProps/app.xml":
                content = content.replace(b"<Pages>1</Pages>", f"<Pages>{pages}</Pages>".encode())
            archive.writestr(info, content)
    return buffer.getvalue()


def test_zip_bomb_is_refused_before_inflating() -> None:
    refusal = _refusal(zip_bomb_docx())

    assert refusal.reason is RefusalReason.ZIP_BOMB
    assert "MB" in refusal.message


def test_extreme_compression_ratio_is_refused_below_the_size_cap() -> None:
    refusal = _refusal(zip_bomb_docx(inflated_bytes=40 * 1024 * 1024))

    assert refusal.reason is RefusalReason.ZIP_BOMB


def test_archive_with_thousands_of_entries_is_refused() -> None:
    refusal = _refusal(many_entries_docx(entries=3_000))

    assert refusal.reason is RefusalReason.ZIP_BOMB
    assert "files" in refusal.message


def test_docx_that_is_not_a_zip_is_corrupt() -> None:
    assert _refusal(b"PK\x03\x04 this is not really a zip").reason is RefusalReason.CORRUPT
    assert _refusal(b"just some text").reason is RefusalReason.CORRUPT


def test_truncated_docx_is_corrupt() -> None:
    data = build_docx(OUTLINE)

    assert _refusal(data[: len(data) // 2]).reason is RefusalReason.CORRUPT


def test_zip_with_broken_document_xml_is_corrupt() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types")
        archive.writestr("word/document.xml", "<w:document")

    assert _refusal(buffer.getvalue()).reason is RefusalReason.CORRUPT


def test_password_protected_docx_is_refused_as_encrypted() -> None:
    """Office wraps an encrypted DOCX in an OLE container with an EncryptedPackage stream."""
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504) + "EncryptedPackage".encode("utf-16-le")

    assert _refusal(ole).reason is RefusalReason.ENCRYPTED


def test_empty_docx_is_refused() -> None:
    buffer = io.BytesIO()
    docx.Document().save(buffer)

    assert _refusal(buffer.getvalue()).reason is RefusalReason.EMPTY
