"""Reading and rule-reviewing a file as one CPU-bound step, run in a worker process.

Both are pure Python: run in the bot's own process (even in a thread) they would hold
the GIL for seconds on a long document and delay every Slack acknowledgement. The result
crosses the process boundary as JSON, which pydantic parses in Rust: unpickling
thousands of model objects would itself stall the event loop.
"""

from __future__ import annotations

from functools import partial

from pydantic import TypeAdapter

from domain.ingest import ingest
from domain.ingest.core import display_name, refuse_if_too_large
from domain.ingest.errors import too_complex
from domain.ingest.offload import WorkerLimitExceeded, WorkerLimits, run_in_worker
from domain.ingest.pdf_text import PdfExtractor
from domain.ir import DocumentIR
from domain.review import RulesReview, review_document


def read_and_review(
    data: bytes,
    filename: str,
    media_type: str | None,
    *,
    max_bytes: int,
    pdf_extractor: PdfExtractor = "pdfium",
) -> tuple[DocumentIR, RulesReview]:
    """The IR and the rules review, with the extractors and rules that could not run."""
    ir = ingest(data, filename, media_type, max_bytes=max_bytes, pdf_extractor=pdf_extractor)
    return ir, review_document(ir)


# A dataclass, so pydantic validates its Finding and CheckFailure fields on the way back.
_REVIEW = TypeAdapter(RulesReview)


def _read_and_review_as_json(
    data: bytes,
    filename: str,
    media_type: str | None,
    *,
    max_bytes: int,
    pdf_extractor: PdfExtractor,
) -> tuple[str, bytes]:
    ir, review = read_and_review(
        data, filename, media_type, max_bytes=max_bytes, pdf_extractor=pdf_extractor
    )
    return ir.model_dump_json(), _REVIEW.dump_json(review)


async def read_and_review_in_worker(
    data: bytes,
    filename: str,
    media_type: str | None,
    *,
    max_bytes: int,
    pdf_extractor: PdfExtractor = "pdfium",
    limits: WorkerLimits | None = None,
) -> tuple[DocumentIR, RulesReview]:
    """`IngestRefused` crosses the process boundary unchanged; a file that exhausts the
    worker's `limits` is refused as too complex, and the workers live on."""
    refuse_if_too_large(data, display_name(filename), max_bytes)  # before the copy to a worker
    job = partial(
        _read_and_review_as_json,
        data,
        filename,
        media_type,
        max_bytes=max_bytes,
        pdf_extractor=pdf_extractor,
    )
    try:
        ir_json, review_json = await run_in_worker(job, limits)
    except WorkerLimitExceeded as exceeded:
        raise too_complex(filename, _exceeded(exceeded.limits)) from None
    return DocumentIR.model_validate_json(ir_json), _REVIEW.validate_json(review_json)


def _exceeded(limits: WorkerLimits) -> str:
    memory = "" if limits.memory_bytes is None else f" or {limits.memory_bytes // 2**20:,} MB"
    return f"reading and reviewing it needed more than {limits.cpu_seconds:,} s of CPU{memory}"
