"""Ingest in worker processes: results and refusals cross the process boundary intact."""

from __future__ import annotations

import asyncio
import pickle
import time
from collections.abc import Iterator

import pytest

from domain.ingest import IngestRefused, RefusalReason, ingest
from domain.ingest.offload import ingest_in_worker, shutdown_ingest_pool
from tests.domain.ingest.builders import build_pdf, encrypt_pdf, strategy_outline

MAX = 20 * 1024 * 1024


@pytest.fixture(scope="module", autouse=True)
def _pool() -> Iterator[None]:
    yield
    shutdown_ingest_pool()


def test_refusal_survives_pickling() -> None:
    refusal = IngestRefused(RefusalReason.ENCRYPTED, "This PDF is password-protected.")

    copy = pickle.loads(pickle.dumps(refusal))

    assert type(copy) is IngestRefused
    assert copy.reason is RefusalReason.ENCRYPTED
    assert copy.message == "This PDF is password-protected."
    assert str(copy) == copy.message


async def test_worker_returns_the_same_ir_as_in_process() -> None:
    data = build_pdf(strategy_outline(sections=8, paragraphs=4), bookmarks=True)

    remote = await ingest_in_worker(data, "spec.pdf", "application/pdf", max_bytes=MAX)

    assert remote == ingest(data, "spec.pdf", "application/pdf", max_bytes=MAX)
    assert remote.sections[1].label == "1.1 Universe Definition"


async def test_refusal_crosses_the_process_boundary() -> None:
    data = encrypt_pdf(build_pdf([("1. Scope", ["Equities."])]), user_password="pw")

    with pytest.raises(IngestRefused) as refused:
        await ingest_in_worker(data, "locked.pdf", max_bytes=MAX)

    assert refused.value.reason is RefusalReason.ENCRYPTED
    assert "locked.pdf" in refused.value.message


async def test_event_loop_keeps_running_while_a_worker_parses() -> None:
    data = build_pdf(strategy_outline(sections=40, paragraphs=8))
    await ingest_in_worker(b"1. Warm\nup.", "warm.txt", max_bytes=MAX)
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.005)
            ticks += 1

    task = asyncio.create_task(ticker())
    started = time.perf_counter()
    ir = await ingest_in_worker(data, "long.pdf", max_bytes=MAX)
    elapsed = time.perf_counter() - started
    task.cancel()

    assert ir.pages > 20
    assert ticks >= elapsed / 0.005 / 4


async def test_pool_restarts_after_shutdown() -> None:
    shutdown_ingest_pool()

    ir = await ingest_in_worker(b"1. Scope\nEquities.", "a.txt", max_bytes=MAX)

    assert ir.sections[0].label == "1 Scope"
