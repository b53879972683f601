"""Shutdown waits for listener work Bolt has already acknowledged."""

from __future__ import annotations

import asyncio

from bot.slack_app import InFlight


async def test_wait_returns_once_tracked_work_finishes() -> None:
    inflight = InFlight()
    finished: list[str] = []

    async def work() -> None:
        async with inflight.track():
            await asyncio.sleep(0.2)
            finished.append("done")

    task = asyncio.create_task(work())
    await asyncio.sleep(0.01)
    assert await inflight.wait(0.05) is False
    assert await inflight.wait(5) is True
    assert finished == ["done"]
    await task


async def test_wait_is_immediate_when_idle_and_counts_nested_work() -> None:
    inflight = InFlight()
    assert await inflight.wait(0)
    async with inflight.track():
        async with inflight.track():
            pass
        assert not await inflight.wait(0.01)
    assert await inflight.wait(0)
