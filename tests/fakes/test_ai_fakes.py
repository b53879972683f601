"""The prompt-cache accounting of FakeAnthropic, which the cost benchmark relies on, checked
through the real SDK against the caching rules it claims to apply."""

from __future__ import annotations

import asyncio

from domain.ai.anthropic_provider import AnthropicProvider
from domain.ai.provider import ReviewRequest, TokenUsage
from tests.fakes.ai_servers import FakeAnthropic, PromptCache

SYSTEM = "Review the document." * 50  # 250 tokens at 4 characters a token
BRIEF = "b" * 4_000  # 1,000 tokens
PART = "p" * 2_000  # 500 tokens


async def usages(*batches: int, min_tokens: int = 1024) -> list[TokenUsage]:
    """Usage of review calls sharing the brief, sent in batches of that many at once."""
    async with FakeAnthropic(cache=PromptCache(min_tokens=min_tokens, output_tokens=7)) as fake:
        fake.respond_with(lambda _: '{"findings": []}')
        fake.latency = 0.05
        provider = AnthropicProvider("key", base_url=fake.base_url)
        request = ReviewRequest(SYSTEM, PART, BRIEF, cache_prefix=True)
        found: list[TokenUsage] = []
        try:
            for size in batches:
                calls = [provider.review(request) for _ in range(size)]
                found += [completion.usage for completion in await asyncio.gather(*calls)]
        finally:
            await provider.aclose()
    return found


async def test_a_prefix_is_written_once_and_read_by_later_calls() -> None:
    prefix = 254 + 1_004  # system and brief blocks, 4 tokens of framing each
    first, second = await usages(1, 1)
    assert first == TokenUsage(504, 7, 0, prefix)
    assert second == TokenUsage(504, 7, prefix, 0)


async def test_concurrent_calls_do_not_read_each_others_writes() -> None:
    found = await usages(3)
    assert [u.cache_write_tokens for u in found] == [1_258] * 3
    assert all(u.cache_read_tokens == 0 for u in found)


async def test_a_prefix_under_the_minimum_is_not_cached() -> None:
    first, second = await usages(1, 1, min_tokens=2_000)
    assert first == second == TokenUsage(1_762, 7, 0, 0)
