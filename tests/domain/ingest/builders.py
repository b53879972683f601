"""Build PDF and DOCX bytes from a plain outline, for ingest tests and benchmarks.

An outline is a list of (heading, blocks); a block is a paragraph string, a
`Bullets` list or a `Rows` table. Other test suites may import these to get
realistic documents without checking binary fixtures in.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass

import docx
from docx.shared import Pt
from fpdf import FPDF
from pypdf import PdfReader, PdfWriter


@dataclass(frozen=True)
class Bullets:
    items: Sequence[str]
    numbered: bool = False


@dataclass(frozen=True)
class Rows:
    rows: Sequence[Sequence[str]]
    caption: str | None = None


Block = str | Bullets | Rows
Outline = Sequence[tuple[str, Sequence[Block]]]


def build_pdf(
    outline: Outline,
    *,
    title: str | None = None,
    bookmarks: bool = False,
    new_page_per_section: bool = False,
    running_header: str | None = None,
    page_numbers: str | None = None,
    metadata_title: str | None = None,
    compress: bool = True,
) -> bytes:
    """A text PDF; headings are bold lines, bookmarks (outline) optional.

    Heading depth for bookmarks is taken from the numbering ("2.1" is level 2).
    `page_numbers` is a footer format such as "Page {}" or "{}".
    """

    class _Pdf(FPDF):
        def header(self) -> None:
            if running_header:
                self.set_font("Helvetica", "I", 8)
                self.cell(0, 6, running_header, new_x="LMARGIN", new_y="NEXT")

        def footer(self) -> None:
            if page_numbers:
                self.set_y(-12)
                self.set_font("Helvetica", size=8)
                self.cell(0, 6, page_numbers.format(self.page_no()), align="C")

    pdf = _Pdf(format="A4")
    pdf.set_compression(compress)
    if metadata_title:
        pdf.set_title(metadata_title)
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    if title:
        pdf.set_font("Helvetica", "B", 16)
        pdf.multi_cell(0, 9, title, new_x="LMARGIN", new_y="NEXT")
    for index, (heading, blocks) in enumerate(outline):
        if new_page_per_section and index:
            pdf.add_page()
        if bookmarks:
            pdf.start_section(heading, level=_depth(heading) - 1)
        pdf.set_font("Helvetica", "B", 13)
        pdf.multi_cell(0, 8, heading, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", size=10)
        for block in blocks:
            _pdf_block(pdf, block)
    return bytes(pdf.output())


def _pdf_block(pdf: FPDF, block: Block) -> None:
    if isinstance(block, str):
        pdf.multi_cell(0, 5, block, new_x="LMARGIN", new_y="NEXT")
    elif isinstance(block, Bullets):
        for number, item in enumerate(block.items, start=1):
            marker = f"{number}." if block.numbered else "-"
            pdf.multi_cell(0, 5, f"{marker} {item}", new_x="LMARGIN", new_y="NEXT")
    else:
        for row in block.rows:
            pdf.multi_cell(0, 5, "   ".join(row), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)


def _depth(heading: str) -> int:
    number = heading.split(" ", 1)[0].rstrip(".")
    if number.replace(".", "").isdigit():
        return min(number.count(".") + 1, 3)
    return 1


def encrypt_pdf(data: bytes, user_password: str, owner_password: str = "owner") -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    writer.encrypt(user_password, owner_password)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def image_only_pdf(pages: int = 2) -> bytes:
    """What a scan looks like to a text extractor: drawings, no text operators."""
    pdf = FPDF(format="A4")
    for _ in range(pages):
        pdf.add_page()
        for row in range(20):
            pdf.set_fill_color(30 + row * 10, 60, 90)
            pdf.rect(15, 15 + row * 12, 180, 8, style="F")
    return bytes(pdf.output())


def build_docx(
    outline: Outline,
    *,
    title: str | None = None,
    core_title: str | None = None,
    heading_styles: bool = True,
) -> bytes:
    """A Word file; headings use Heading N styles, or bold Normal paragraphs when
    `heading_styles` is False (as people do who never touch the styles menu)."""
    document = docx.Document()
    if core_title:
        document.core_properties.title = core_title
    if title:
        document.add_heading(title, level=0)
    for heading, blocks in outline:
        if heading_styles:
            document.add_heading(heading, level=_depth(heading))
        else:
            run = document.add_paragraph().add_run(heading)
            run.bold = True
            run.font.size = Pt(13)
        for block in blocks:
            _docx_block(document, block)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _docx_block(document: docx.document.Document, block: Block) -> None:
    if isinstance(block, str):
        document.add_paragraph(block)
    elif isinstance(block, Bullets):
        style = "List Number" if block.numbered else "List Bullet"
        for item in block.items:
            document.add_paragraph(item, style=style)
    else:
        if block.caption:
            document.add_paragraph(block.caption, style="Caption")
        width = max(len(row) for row in block.rows)
        table = document.add_table(rows=len(block.rows), cols=width)
        for cells, row in zip(table.rows, block.rows, strict=True):
            for cell, value in zip(cells.cells, row, strict=False):
                cell.text = value


def zip_bomb_docx(inflated_bytes: int = 300 * 1024 * 1024) -> bytes:
    """A valid-looking DOCX with one entry of zeros that inflates past the cap."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")
        with archive.open("word/media/padding.bin", "w", force_zip64=True) as entry:
            chunk = bytes(4 * 1024 * 1024)
            for _ in range(inflated_bytes // len(chunk)):
                entry.write(chunk)
    return buffer.getvalue()


def many_entries_docx(entries: int = 5_000) -> bytes:
    """A real DOCX plus thousands of tiny extra parts."""
    source = zipfile.ZipFile(io.BytesIO(build_docx([("1. Scope", ["Text."])])))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            archive.writestr(info, source.read(info))
        for index in range(entries):
            archive.writestr(f"customXml/extra{index}.xml", "<x/>")
    return buffer.getvalue()


_TOPICS = (
    "Investment Hypothesis",
    "Universe Definition",
    "Signal Construction",
    "Portfolio Construction",
    "Rebalancing Schedule",
    "Transaction Costs",
    "Risk Limits",
    "Data Sources",
    "Backtest Methodology",
    "Execution",
    "Monitoring and Controls",
    "Governance",
)
_SENTENCES = (
    "The strategy ranks constituents of the MSCI World Index by their trailing "
    "twelve-month total return, skipping the most recent month to avoid short-term reversal.",
    "The lookback window is 252 trading days and the skip period is 21 trading days.",
    "Stocks with an average daily traded value below USD 5 million over the prior 60 days "
    "are excluded from the eligible universe.",
    "Weights are proportional to the inverse of the 60-day realised volatility, capped at "
    "5% per issuer and 25% per GICS sector.",
    "Prices are taken from the Refinitiv end-of-day feed as of 16:00 New York time, and "
    "corporate actions are applied on the ex-date.",
    "The backtest covers January 2005 to December 2019; the period from 2020 onwards is "
    "held out for out-of-sample validation.",
    "Transaction costs are modelled as 8 basis points per side plus a square-root market "
    "impact term calibrated to the stock's daily volume.",
    "If the portfolio drawdown exceeds 15% from its high-water mark, gross exposure is "
    "halved until the Investment Committee approves a return to full exposure.",
    "Orders are executed through a VWAP algorithm over the first two hours of the session "
    "following the rebalance date.",
    "On exchange holidays the rebalance is moved to the next business day on which all "
    "relevant exchanges are open.",
    "Index membership is taken point in time, including delisted securities, to avoid "
    "survivorship bias in the historical simulation.",
    "The score S_i is computed as S_i = (P_i,t-21 / P_i,t-252) - 1 for every eligible stock i.",
)


def strategy_outline(sections: int, paragraphs: int, sentences: int = 5) -> Outline:
    """Deterministic strategy-spec prose with numbered headings ("3.2 Risk Limits").

    Each paragraph ends with a sentence whose figures vary, so files compress
    about as well as real prose rather than collapsing to a few repeated strings.
    """
    outline: list[tuple[str, list[Block]]] = []
    cursor = 0
    for index in range(sections):
        major, minor = divmod(index, 4)
        topic = _TOPICS[index % len(_TOPICS)]
        heading = f"{major + 1}. {topic}" if minor == 0 else f"{major + 1}.{minor} {topic}"
        blocks: list[Block] = []
        for _ in range(paragraphs):
            chosen = [_SENTENCES[(cursor + k) % len(_SENTENCES)] for k in range(sentences)]
            cursor += sentences + 1
            blocks.append(" ".join([*chosen, _varying_sentence(cursor)]))
        outline.append((heading, blocks))
    return outline


def _varying_sentence(seed: int) -> str:
    cap = 1 + seed * 7 % 23
    window = 20 + seed * 37 % 480
    month = 1 + seed % 12
    return (
        f"Revision {seed} set the sector cap to {cap}% and the volatility window to "
        f"{window} days with effect from {2010 + seed % 14}-{month:02d}-{1 + seed % 28:02d}."
    )
