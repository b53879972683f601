"""Ingest benchmark: cost over a bare pypdf extraction, and peak memory on a 50 MB upload.

Prints one JSON object per line, medians of `--repeat` interleaved runs:
- `run`: commit, date and library versions, since ratios only compare within one run.
- `pdf_150_pages` (with and without bookmarks), `pdf_methodology` (the generated bank
  index methodology of `tests/domain/ingest/methodology_builder.py`: TrueType text,
  justified lines, tables of contents) and each `--pdf` file: against `raw_pypdf_s` (pypdf
  `extract_text` on every page), `raw_pdfium_s` (pypdfium2 text of every page),
  `parse_s` (`read_pdf` with `--extractor`: extraction plus structure), `ingest_s`
  (parse plus semantics) and `total_s` (ingest plus `review_document`, what a worker
  runs per upload). `ratio` is `total_s / raw_pypdf_s` (target <= 1.0).
- `docx_40kb`: ingest plus review against python-docx paragraph and cell text.
- `rss_50mb_pdf`: peak RSS (VmHWM) of a fresh process ingesting a ~50 MB PDF (target
  < 400 MB). The file is ~600 pages of text (the 150-page document four times) plus
  25 distinct ~1.9 MB photo-like JPEG figures: large PDFs are large because of images,
  and 600 text pages keeps the run short while exercising the text path at scale.

Usage: .venv/bin/python tests/benchmarks/ingest_bench.py [--repeat N] [--extractor NAME]
       [--pdf PATH ...]
"""

from __future__ import annotations

import argparse
import datetime
import io
import json
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from importlib.metadata import version
from pathlib import Path
from typing import Any, TypeVar, get_args

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import docx  # noqa: E402
import pypdfium2  # noqa: E402
from fpdf import FPDF  # noqa: E402
from PIL import Image  # noqa: E402
from pypdf import PdfReader, PdfWriter  # noqa: E402

from domain.ingest import ingest  # noqa: E402
from domain.ingest.pdf import read_pdf  # noqa: E402
from domain.ingest.pdf_text import PdfExtractor  # noqa: E402
from domain.ir import DocumentIR  # noqa: E402
from domain.review import review_document  # noqa: E402
from tests.domain.ingest.builders import build_docx, build_pdf, strategy_outline  # noqa: E402
from tests.domain.ingest.methodology_builder import build_methodology_pdf  # noqa: E402

MAX_BYTES = 100 * 1024 * 1024
TITLE = "Cross-Sectional Momentum Strategy: Methodology and Controls"
PDF_RATIO_TARGET = 1.0
DOCX_RATIO_TARGET = 1.3
RSS_TARGET_MB = 400
FIGURES = 25
FIGURE_SIDE = 1400

T = TypeVar("T")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per measurement")
    parser.add_argument(
        "--extractor", choices=get_args(PdfExtractor), default="pdfium", help="PDF_EXTRACTOR"
    )
    parser.add_argument(
        "--pdf", type=Path, action="append", default=[], help="also measure this PDF"
    )
    parser.add_argument("--rss-child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.rss_child:
        _rss_child(Path(args.rss_child), args.extractor)
        return
    _emit(_run())
    pdf = build_pdf(
        strategy_outline(sections=130, paragraphs=8),
        title=TITLE,
        running_header="ACME Quant Research - Confidential",
        page_numbers="Page {}",
    )
    with_bookmarks = build_pdf(
        strategy_outline(sections=130, paragraphs=8), title=TITLE, bookmarks=True
    )
    pdfs = [
        ("pdf_150_pages", pdf),
        ("pdf_150_pages_bookmarks", with_bookmarks),
        ("pdf_methodology", build_methodology_pdf()),
        *((path.name, path.read_bytes()) for path in args.pdf),
    ]
    for case, data in pdfs:
        _emit(_compare_pdf(case, data, args.extractor, args.repeat))
    word = build_docx(strategy_outline(sections=24, paragraphs=5), title=TITLE)
    _emit(_compare_docx(word, args.repeat))
    _emit(_rss(pdf, args.extractor))


def _run() -> dict[str, Any]:
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    return {
        "case": "run",
        "commit": commit or None,
        "date": datetime.date.today().isoformat(),
        "pypdf": version("pypdf"),
        "pypdfium2": version("pypdfium2"),
    }


def _raw_pypdf(data: bytes) -> int:
    return sum(len(page.extract_text()) for page in PdfReader(io.BytesIO(data)).pages)


def _raw_pdfium(data: bytes) -> int:
    document = pypdfium2.PdfDocument(data)
    size = 0
    for index in range(len(document)):
        page = document[index]
        textpage = page.get_textpage()
        size += len(textpage.get_text_range())
        textpage.close()
        page.close()
    document.close()
    return size


def _raw_docx(data: bytes) -> int:
    document = docx.Document(io.BytesIO(data))
    size = sum(len(paragraph.text) for paragraph in document.paragraphs)
    for table in document.tables:
        size += sum(len(cell.text) for row in table.rows for cell in row.cells)
    return size


def _compare_pdf(case: str, data: bytes, extractor: PdfExtractor, repeat: int) -> dict[str, Any]:
    """Runs are interleaved so drift (turbo, cache, other load) hits every side alike."""
    times: dict[str, list[float]] = {}
    for _ in range(repeat):
        _time(times, "raw_pypdf_s", partial(_raw_pypdf, data))
        _time(times, "raw_pdfium_s", partial(_raw_pdfium, data))
        _time(times, "parse_s", partial(read_pdf, data, "spec.pdf", extractor))
        ir = _time(times, "ingest_s", partial(_ingest, data, "spec.pdf", extractor))
        _time(times, "review_s", partial(review_document, ir))
    medians = {name: statistics.median(values) for name, values in times.items()}
    raw = medians["raw_pypdf_s"]
    total = medians["ingest_s"] + medians["review_s"]
    return {
        "case": case,
        "extractor": extractor,
        **_shape(data, ir),
        **{name: round(value, 4) for name, value in medians.items()},
        "total_s": round(total, 4),
        "pdfium_ratio": round(medians["raw_pdfium_s"] / raw, 3),
        "parse_ratio": round(medians["parse_s"] / raw, 3),
        "ingest_ratio": round(medians["ingest_s"] / raw, 3),
        "ratio": round(total / raw, 3),
        "target_ratio": PDF_RATIO_TARGET,
        "repeat": repeat,
    }


def _compare_docx(data: bytes, repeat: int) -> dict[str, Any]:
    times: dict[str, list[float]] = {}
    for _ in range(repeat):
        _time(times, "raw_extract_s", partial(_raw_docx, data))
        ir = _time(times, "ingest_s", partial(_ingest, data, "spec.docx", "pdfium"))
        _time(times, "review_s", partial(review_document, ir))
    medians = {name: statistics.median(values) for name, values in times.items()}
    total = medians["ingest_s"] + medians["review_s"]
    return {
        "case": "docx_40kb",
        **_shape(data, ir),
        **{name: round(value, 4) for name, value in medians.items()},
        "total_s": round(total, 4),
        "ratio": round(total / medians["raw_extract_s"], 3),
        "target_ratio": DOCX_RATIO_TARGET,
        "repeat": repeat,
    }


def _ingest(data: bytes, filename: str, extractor: PdfExtractor) -> DocumentIR:
    return ingest(data, filename, max_bytes=MAX_BYTES, pdf_extractor=extractor)


def _shape(data: bytes, ir: DocumentIR) -> dict[str, int]:
    return {"bytes": len(data), "pages": ir.pages, "sections": len(ir.sections), "words": ir.words}


def _time(times: dict[str, list[float]], name: str, work: Callable[[], T]) -> T:
    started = time.perf_counter()
    result = work()
    times.setdefault(name, []).append(time.perf_counter() - started)
    return result


def _rss(text_pdf: bytes, extractor: PdfExtractor) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="ingest-bench-") as folder:
        path = Path(folder) / "large.pdf"
        path.write_bytes(_large_pdf(text_pdf))
        size = path.stat().st_size
        child = subprocess.run(
            [sys.executable, __file__, "--rss-child", str(path), "--extractor", extractor],
            check=True,
            capture_output=True,
            text=True,
        )
    result = json.loads(child.stdout)
    return {
        "case": "rss_50mb_pdf",
        "extractor": extractor,
        "bytes": size,
        **result,
        "target_peak_rss_mb": RSS_TARGET_MB,
    }


def _large_pdf(text_pdf: bytes) -> bytes:
    """Four copies of the text document followed by pages of distinct noisy JPEG figures."""
    writer = PdfWriter()
    for _ in range(4):
        writer.append(PdfReader(io.BytesIO(text_pdf)))
    writer.append(PdfReader(io.BytesIO(_figures_pdf())))
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _figures_pdf() -> bytes:
    rng = random.Random(20240501)
    pdf = FPDF(format="A4")
    pdf.set_font("Helvetica", size=10)
    for number in range(1, FIGURES + 1):
        pixels = rng.randbytes(FIGURE_SIDE * FIGURE_SIDE * 3)
        image = Image.frombytes("RGB", (FIGURE_SIDE, FIGURE_SIDE), pixels)
        jpeg = io.BytesIO()
        image.save(jpeg, "JPEG", quality=92)
        pdf.add_page()
        pdf.cell(0, 6, f"Figure {number}: cumulative return and drawdown, 2005-2019")
        pdf.image(jpeg, x=15, y=25, w=180)
    return bytes(pdf.output())


def _rss_child(path: Path, extractor: PdfExtractor) -> None:
    """Runs in a fresh interpreter so the peak belongs to this one ingest.

    VmHWM rather than `ru_maxrss`: Linux carries `ru_maxrss` over from the parent
    across exec, so a child of this (large) benchmark process would report its peak.
    """
    baseline_mb = _peak_rss_mb()
    data = path.read_bytes()
    started = time.perf_counter()
    ir = ingest(data, path.name, "application/pdf", max_bytes=MAX_BYTES, pdf_extractor=extractor)
    seconds = time.perf_counter() - started
    print(
        json.dumps(
            {
                "pages": ir.pages,
                "words": ir.words,
                "sections": len(ir.sections),
                "ingest_s": round(seconds, 2),
                "rss_after_imports_mb": round(baseline_mb, 1),
                "peak_rss_mb": round(_peak_rss_mb(), 1),
            }
        )
    )


def _peak_rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _emit(record: dict[str, Any]) -> None:
    print(json.dumps(record), flush=True)


if __name__ == "__main__":
    main()
