"""PDF text fidelity and refusals with PDFium (the default) and pypdf (`PDF_EXTRACTOR`).

The documents are written here with fpdf2, each exercising one thing real PDFs do:
ligature glyphs, hyphens at line ends, two columns, a table, running page numbers.
"""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
from typing import get_args

import pytest
from fpdf import FPDF
from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, NumberObject

from bot.settings import Settings
from domain.ingest import IngestRefused, RefusalReason, ingest
from domain.ingest.offload import shutdown_ingest_pool
from domain.ingest.pdf_text import PdfExtractor
from domain.ir import DocumentIR
from domain.pipeline import read_and_review_in_worker
from tests.domain.ingest.builders import build_pdf, encrypt_pdf, image_only_pdf, strategy_outline

MAX = 20 * 1024 * 1024
EXTRACTORS: tuple[PdfExtractor, ...] = get_args(PdfExtractor)
SMALL = [("1. Scope", ["The strategy trades global equities."]), ("2. Risk", ["Limits apply."])]
HYPHENATED_LINES = [
    "Positions are recal-",
    "culated every month on risk-",
    "adjusted returns, with volatility-",
    "targeting on top. Weights are recalculated daily and",
    "risk-adjusted returns are reported.",
]


def _ingest(data: bytes, extractor: PdfExtractor = "pdfium") -> DocumentIR:
    return ingest(data, "spec.pdf", "application/pdf", max_bytes=MAX, pdf_extractor=extractor)


def _refusal(data: bytes, extractor: PdfExtractor) -> IngestRefused:
    with pytest.raises(IngestRefused) as refused:
        _ingest(data, extractor)
    return refused.value


def _lines_pdf(lines: list[str]) -> bytes:
    pdf = FPDF(format="A4")
    pdf.add_page()
    pdf.set_font("Helvetica", size=11)
    for line in lines:
        pdf.cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def _ligature_pdf() -> bytes:
    """Type 1 text whose font encoding draws the "fi" and "fl" ligature glyphs, as TeX and
    many typesetters do: the extractor sees glyph names, not letters."""
    text = "The signal is re\xa4ned daily; cash \xa6ows are netted and pro\xa4ts are \xa4xed."
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(_lines_pdf(["1. Signal", text]))))
    differences = [NumberObject(0xA4), NameObject("/fi"), NumberObject(0xA6), NameObject("/fl")]
    for font in writer.pages[0]["/Resources"]["/Font"].values():
        font.get_object()[NameObject("/Encoding")] = DictionaryObject(
            {
                NameObject("/BaseEncoding"): NameObject("/WinAnsiEncoding"),
                NameObject("/Differences"): ArrayObject(differences),
            }
        )
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _two_column_pdf(clauses: int = 60) -> bytes:
    """One paragraph flowing down the left column and on into the right one."""
    pdf = FPDF(format="A4")
    pdf.add_page()
    pdf.set_font("Helvetica", size=10)
    with pdf.text_columns(ncols=2, gutter=10, balance=True) as columns:
        columns.write(" ".join(f"Clause {n} applies." for n in range(1, clauses + 1)))
    return bytes(pdf.output())


def _table_pdf(rows: list[tuple[str, ...]]) -> bytes:
    pdf = FPDF(format="A4")
    pdf.add_page()
    pdf.set_font("Helvetica", size=10)
    pdf.cell(0, 6, "3. Risk Limits", new_x="LMARGIN", new_y="NEXT")
    with pdf.table() as table:
        for cells in rows:
            row = table.row()
            for cell in cells:
                row.cell(cell)
    return bytes(pdf.output())


def _aes_pdf(user_password: str) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(build_pdf(SMALL))))
    writer.encrypt(user_password, "owner", algorithm="AES-256")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize("extractor", EXTRACTORS)
def test_ligature_glyphs_become_plain_letters(extractor: PdfExtractor) -> None:
    text = _ingest(_ligature_pdf(), extractor).text

    assert "refined daily; cash flows are netted and profits are fixed." in text
    assert not re.search("[\ufb00-\ufb06]", text)


def test_pdfium_rejoins_a_word_hyphenated_at_a_line_end() -> None:
    """Joined when the document spells the word joined elsewhere, and only then: a compound
    that happened to break at its hyphen keeps it, as does a word with no evidence."""
    text = _ingest(_lines_pdf(HYPHENATED_LINES)).text

    assert "Positions are recalculated every month on risk-adjusted returns" in text
    assert "with volatility-targeting on top." in text
    assert "recal-" not in text


def test_pypdf_keeps_line_end_hyphens_and_line_breaks_as_printed() -> None:
    text = _ingest(_lines_pdf(HYPHENATED_LINES), "pypdf").text

    assert "Positions are recal-\nculated every month on risk-\nadjusted returns" in text


@pytest.mark.parametrize("extractor", EXTRACTORS)
def test_two_columns_read_down_the_left_column_then_the_right(extractor: PdfExtractor) -> None:
    text = _ingest(_two_column_pdf(), extractor).text
    order = [int(n) for n in re.findall(r"Clause\s+(\d+)\s+applies", text)]

    assert order == list(range(1, 61))
    assert len(text.split("\n")) > 10  # a column's lines, not one run-on line per row


@pytest.mark.parametrize("extractor", EXTRACTORS)
def test_table_cells_stay_in_their_rows(extractor: PdfExtractor) -> None:
    rows = [
        ("Limit", "Value", "Action"),
        ("Gross exposure", "150%", "Halve"),
        ("Single issuer", "5%", "Trim to cap"),
        ("Drawdown", "15%", "Committee review"),
    ]
    ir = _ingest(_table_pdf(rows), extractor)
    lines = ir.sections[-1].text.split("\n")

    assert ir.sections[-1].label == "3 Risk Limits"
    assert lines == [" ".join(row) for row in rows]


@pytest.mark.parametrize("extractor", EXTRACTORS)
@pytest.mark.parametrize("page_numbers", ["Page {} of 9", "- {} -", "{}"])
def test_running_header_and_page_numbers_are_stripped(
    extractor: PdfExtractor, page_numbers: str
) -> None:
    data = build_pdf(
        strategy_outline(sections=8, paragraphs=5),
        running_header="ACME Quant Research - Confidential",
        page_numbers=page_numbers,
    )
    ir = _ingest(data, extractor)

    assert ir.pages >= 4
    assert "Confidential" not in ir.text
    assert not any(
        re.fullmatch(r"(?:Page )?-? ?\d+(?: of 9)? ?-?", line) for line in ir.text.split("\n")
    )
    assert "The lookback window is 252 trading days" in ir.text


@pytest.mark.parametrize("extractor", EXTRACTORS)
def test_bookmarks_give_sections_and_levels(extractor: PdfExtractor) -> None:
    outline = [
        ("1. Scope", ["Global equities."]),
        ("1.1 Universe", ["MSCI World."]),
        ("2. Risk", ["Limits apply."]),
    ]
    ir = _ingest(build_pdf(outline, bookmarks=True), extractor)

    assert [(s.label, s.level) for s in ir.sections] == [
        ("1 Scope", 1),
        ("1.1 Universe", 2),
        ("2 Risk", 1),
    ]


@pytest.mark.parametrize("extractor", EXTRACTORS)
@pytest.mark.parametrize("algorithm", ["RC4-128", "AES-256"])
def test_a_user_password_is_refused_as_encrypted(extractor: PdfExtractor, algorithm: str) -> None:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(build_pdf(SMALL))))
    writer.encrypt("s3cret", "owner", algorithm=algorithm)
    buffer = io.BytesIO()
    writer.write(buffer)

    refused = _refusal(buffer.getvalue(), extractor)

    assert refused.reason is RefusalReason.ENCRYPTED
    assert "password-protected" in refused.message


@pytest.mark.parametrize("extractor", EXTRACTORS)
@pytest.mark.parametrize("build", [lambda: encrypt_pdf(build_pdf(SMALL), ""), lambda: _aes_pdf("")])
def test_an_owner_password_alone_does_not_stop_reading(extractor: PdfExtractor, build) -> None:
    """Only printing or copying is restricted; a viewer opens these without asking."""
    ir = _ingest(build(), extractor)

    assert [s.label for s in ir.sections] == ["1 Scope", "2 Risk"]


@pytest.mark.parametrize("extractor", EXTRACTORS)
def test_image_only_pdf_is_refused_as_having_no_text(extractor: PdfExtractor) -> None:
    refused = _refusal(image_only_pdf(pages=3), extractor)

    assert refused.reason is RefusalReason.NO_TEXT_LAYER
    assert "OCR" in refused.message


@pytest.mark.parametrize("extractor", EXTRACTORS)
@pytest.mark.parametrize("cut", [0.98, 0.5, 0.1])
def test_truncated_pdf_is_refused_as_corrupt(extractor: PdfExtractor, cut: float) -> None:
    data = build_pdf(strategy_outline(sections=4, paragraphs=4))

    refused = _refusal(data[: int(len(data) * cut)], extractor)

    assert refused.reason is RefusalReason.CORRUPT
    assert "damaged" in refused.message


@pytest.mark.parametrize("extractor", EXTRACTORS)
def test_garbage_after_a_pdf_header_is_refused_as_corrupt(extractor: PdfExtractor) -> None:
    assert _refusal(b"%PDF-1.7\n" + bytes(range(256)) * 40, extractor).reason is (
        RefusalReason.CORRUPT
    )


@pytest.mark.parametrize("extractor", EXTRACTORS)
def test_a_pdf_without_pages_is_refused_as_empty(extractor: PdfExtractor) -> None:
    """Even straight after a refused file: PDFium keeps its last error after a success."""
    buffer = io.BytesIO()
    PdfWriter().write(buffer)
    _refusal(encrypt_pdf(build_pdf(SMALL), "s3cret"), extractor)

    refused = _refusal(buffer.getvalue(), extractor)

    assert refused.reason is RefusalReason.EMPTY
    assert "no pages" in refused.message


def test_the_setting_offers_exactly_the_extractors_ingest_knows(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PDF_EXTRACTOR", "pypdf")

    assert Settings().pdf_extractor == "pypdf"
    assert get_args(Settings.model_fields["pdf_extractor"].annotation) == EXTRACTORS
    assert Settings.model_fields["pdf_extractor"].default == "pdfium"


@pytest.mark.parametrize(
    ("extractor", "unused"), [("pdfium", "pypdf.PdfReader"), ("pypdf", "pypdfium2.PdfDocument")]
)
def test_the_setting_selects_the_library(
    monkeypatch: pytest.MonkeyPatch, extractor: PdfExtractor, unused: str
) -> None:
    def not_this_one(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"{unused} was used for PDF_EXTRACTOR={extractor}")

    monkeypatch.setattr(unused, not_this_one)

    assert _ingest(build_pdf(SMALL), extractor).sections[0].label == "1 Scope"


@pytest.mark.parametrize(
    ("extractor", "expected"), [("pdfium", "recalculated"), ("pypdf", "recal-")]
)
async def test_the_setting_reaches_the_worker_process(
    extractor: PdfExtractor, expected: str
) -> None:
    try:
        ir, _ = await read_and_review_in_worker(
            _lines_pdf(HYPHENATED_LINES),
            "spec.pdf",
            "application/pdf",
            max_bytes=MAX,
            pdf_extractor=extractor,
        )
    finally:
        shutdown_ingest_pool()

    assert f"Positions are {expected}" in ir.text


_CONCURRENT_PARSES = """
import sys, threading, time
import pypdfium2
from domain.ingest import ingest

active, most = [0], [0]

class Watched(pypdfium2.PdfDocument):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        active[0] += 1
        most[0] = max(most[0], active[0])
        time.sleep(0.05)  # give another thread every chance to overlap

    def close(self):
        active[0] -= 1
        super().close()

pypdfium2.PdfDocument = Watched
data = sys.stdin.buffer.read()
threads = [
    threading.Thread(target=ingest, args=(data, "a.pdf"), kwargs={"max_bytes": len(data)})
    for _ in range(4)
]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print(most[0], active[0])
"""


def test_pdfium_reads_one_document_at_a_time_in_a_process() -> None:
    """PDFium is not thread-safe (unguarded, this crashes the interpreter, so it runs in a
    child): parses from several threads must take turns."""
    done = subprocess.run(
        [sys.executable, "-c", _CONCURRENT_PARSES],
        input=build_pdf(strategy_outline(sections=12, paragraphs=6)),
        capture_output=True,
    )

    assert done.returncode == 0, done.stderr.decode()
    assert done.stdout.split() == [b"1", b"0"]


def test_neither_pdf_library_is_imported_until_a_pdf_is_read() -> None:
    program = (
        "import json, sys; import domain.ingest as d; "
        "found = lambda: [m for m in ('pypdf', 'pypdfium2') if m in sys.modules]; "
        "before = found(); d.ingest(b'1. Scope\\nEquities.', 'a.txt', max_bytes=99); "
        "text = found(); "
        f"d.ingest({build_pdf(SMALL)!r}, 'a.pdf', max_bytes={MAX}); "
        "print(json.dumps([before, text, found()]))"
    )
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True)

    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == [[], [], ["pypdfium2"]]
