"""Reading and rule-reviewing a file as one CPU-bound step, run in a worker process.

Both are pure Python: run in the bot's own process (even in a thread) they would hold
the GIL for seconds on a long document and delay every Slack acknowledgement.
"""

from __future__ import annotations

from functools import partial

from domain.findings import Finding
from domain.ingest import ingest
from domain.ingest.offload import run_in_worker
from domain.ir import DocumentIR
from domain.review import review_rules


def read_and_review(
    data: bytes, filename: str, media_type: str | None, *, max_bytes: int
) -> tuple[DocumentIR, list[Finding]]:
    ir = ingest(data, filename, media_type, max_bytes=max_bytes)
    return ir, review_rules(ir)


async def read_and_review_in_worker(
    data: bytes, filename: str, media_type: str | None, *, max_bytes: int
) -> tuple[DocumentIR, list[Finding]]:
    """`IngestRefused` crosses the process boundary unchanged."""
    return await run_in_worker(
        partial(read_and_review, data, filename, media_type, max_bytes=max_bytes)
    )
