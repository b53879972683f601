"""The CLI reviews small files in its own process and large ones in a worker."""

from __future__ import annotations

import os

from bot.runtime import IN_PROCESS_REVIEW_BYTES, _in_process_when_small
from domain.ingest.offload import run_in_worker, shutdown_ingest_pool
from domain.pipeline import read_and_review

SPEC = b"# Carry Strategy\n\n## Signal\n\nLong the highest-yielding currencies.\n"


async def test_small_files_stay_in_process_and_large_ones_go_to_a_worker() -> None:
    pids: list[int] = []

    def here(data: bytes, filename: str, media_type: str | None):
        pids.append(os.getpid())
        return read_and_review(data, filename, media_type, max_bytes=10 * IN_PROCESS_REVIEW_BYTES)

    async def in_worker(data: bytes, filename: str, media_type: str | None):
        pids.append(await run_in_worker(os.getpid))  # where the pool runs it; no review needed
        return read_and_review(SPEC, filename, media_type, max_bytes=len(SPEC))

    analyse = _in_process_when_small(in_worker, here)
    try:
        ir, _ = await analyse(SPEC, "carry.md", "text/markdown")
        assert ir.title == "Carry Strategy"
        large = SPEC + b"Padding line for a long document.\n" * (IN_PROCESS_REVIEW_BYTES // 30)
        assert len(large) > IN_PROCESS_REVIEW_BYTES
        await analyse(large, "carry.md", "text/markdown")
    finally:
        shutdown_ingest_pool()
    assert pids[0] == os.getpid() and pids[1] != os.getpid()
