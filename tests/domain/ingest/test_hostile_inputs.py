"""Every hostile upload costs one clear refusal or one bounded review, never a worker pool.

The files come from `tests/fixtures/hostile/corpus.py`; each is read and reviewed the way
`docsense serve` does it, in a worker process under `WorkerLimits`.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from functools import partial

import pytest

from domain.ingest import IngestRefused
from domain.ingest.errors import RefusalReason
from domain.ingest.offload import (
    WorkerLimitExceeded,
    WorkerLimits,
    run_in_worker,
    shutdown_ingest_pool,
)
from domain.pipeline import read_and_review_in_worker
from tests.fixtures.hostile.corpus import CASES, REVIEWED, HostileCase
from tests.fixtures.hostile.jobs import allocate, burn_cpu, pid_after

MAX_BYTES = 50 * 1024 * 1024
# What `docsense serve` allows by default, but for CPU: no file here needs a minute.
LIMITS = WorkerLimits(cpu_seconds=60)


@pytest.fixture(scope="module", autouse=True)
def _pool() -> Iterator[None]:
    yield
    shutdown_ingest_pool()


def test_the_corpus_is_large_and_covers_each_kind() -> None:
    assert len(CASES) >= 25
    assert len({case.name for case in CASES}) == len(CASES)
    expected = {case.expect for case in CASES}
    assert expected <= {REVIEWED, *(reason.value for reason in RefusalReason)}
    assert {"too_complex", "zip_bomb", "corrupt", "encrypted", REVIEWED} <= expected


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
async def test_hostile_file_is_refused_clearly_or_reviewed(case: HostileCase) -> None:
    data = case.build()

    try:
        ir, review = await read_and_review_in_worker(
            data, case.filename, None, max_bytes=MAX_BYTES, limits=LIMITS
        )
    except IngestRefused as refused:
        assert refused.reason.value == case.expect, refused.message
        assert "Traceback" not in refused.message
        assert "\x00" not in refused.message and "\x1b" not in refused.message
        assert refused.message.endswith(".")
        return
    assert case.expect == REVIEWED, f"reviewed ({ir.words} words), expected {case.expect}"
    assert ir.words > 0
    assert not review.failures, review.failures


async def test_names_are_shown_without_paths_or_control_characters() -> None:
    data = b"# Limits\n\nStop loss 5%.\n"

    ir, _ = await read_and_review_in_worker(
        data, "../../etc/\u202espec\x1b[31m.md", None, max_bytes=MAX_BYTES, limits=LIMITS
    )

    assert ir.filename == "spec[31m.md"


async def test_xml_entities_and_remote_parts_are_never_resolved() -> None:
    xxe = next(case for case in CASES if case.name == "docx_xxe")

    ir, _ = await read_and_review_in_worker(
        xxe.build(), xxe.filename, None, max_bytes=MAX_BYTES, limits=LIMITS
    )

    text = "\n".join(section.text for section in ir.sections)
    assert "root:" not in text  # /etc/passwd's first line
    # The run holding the references is dropped with them (Word never writes a DOCTYPE);
    # the rest of the document is read.
    assert "Each order is checked against the limits." in text


async def test_a_runaway_job_is_stopped_and_its_neighbour_finishes() -> None:
    limits = WorkerLimits(cpu_seconds=2)
    runaway = asyncio.ensure_future(run_in_worker(burn_cpu, limits))
    bystander = asyncio.ensure_future(run_in_worker(partial(pid_after, 1.0), limits))

    with pytest.raises(WorkerLimitExceeded):
        await runaway
    assert await bystander != os.getpid()
    assert await run_in_worker(os.getpid, limits) != os.getpid()  # the pool serves again


async def test_a_job_asking_for_too_much_memory_is_refused() -> None:
    limits = WorkerLimits(cpu_seconds=30, memory_bytes=512 * 1024 * 1024)

    with pytest.raises(WorkerLimitExceeded):
        await run_in_worker(partial(allocate, 1024 * 1024 * 1024), limits)
    assert await run_in_worker(partial(allocate, 1024), limits) == 1024


async def test_limit_refusal_names_the_file_and_the_limit() -> None:
    bomb = next(case for case in CASES if case.name == "pdf_gigabyte_stream")
    limits = WorkerLimits(cpu_seconds=60, memory_bytes=768 * 1024 * 1024)

    with pytest.raises(IngestRefused) as refused:
        await read_and_review_in_worker(
            bomb.build(), bomb.filename, None, max_bytes=MAX_BYTES, limits=limits
        )

    assert refused.value.reason is RefusalReason.TOO_COMPLEX
    assert "bomb.pdf" in refused.value.message
    assert "768 MB" in refused.value.message
