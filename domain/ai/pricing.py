"""What a model call cost, in USD, from the tokens the provider reported.

`TokenUsage.input_tokens` are the input tokens billed at the base rate, i.e. without the
cache reads and cache writes counted in their own fields (Anthropic reports usage this
way; the OpenAI and Gemini adapters subtract the cached tokens their APIs include in the
prompt count). Prices are the Standard tier for prompts under each provider's long-context
threshold (272K input tokens for GPT-6.x); review chunks and answer prefixes stay well below
it. Settings may override or add prices without a release (`parse_overrides`).

Prices checked on 2026-11-29 with the docs search, for each adapter's default model and one
cheaper sibling a deployment may configure instead:
- platform.claude.com/docs/en/about-claude/pricing and .../models/opus-5-5 and
  .../sonnet-5-5 overviews (5-minute cache writes; Sonnet 5.5 cache reads cut from $0.20 to
  $0.10 on 2026-10-07);
- developers.openai.com/api/docs/models/gpt-6.2-astra and .../gpt-6.2-sol (released
  2026-11-17; cache writes are for 30-minute retention);
- ai.google.dev/gemini-api/docs/pricing, Gemini 3.8 Flash (introductory Standard price
  through 2026-12-31, then $1.50 input / $7.50 output / $0.15 cache read). Gemini bills no
  per-token cache write for implicit caching, so writes are priced as ordinary input.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import NamedTuple

from pydantic import BaseModel, ConfigDict, NonNegativeFloat, ValidationError

from domain.ai.provider import TokenUsage

_MILLION = 1_000_000
# A dated snapshot of a priced model ("claude-opus-5-5-20260922", "gpt-6.2-sol-2026-11-17").
_SNAPSHOT = re.compile(r"-(?:\d{8}|\d{4}-\d{2}-\d{2})$")


class Price(BaseModel):
    """USD per million tokens."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    input: NonNegativeFloat
    output: NonNegativeFloat
    cache_read: NonNegativeFloat
    cache_write: NonNegativeFloat


PRICES: dict[str, Price] = {
    "claude-opus-5-5": Price(input=4.00, output=20.00, cache_read=0.20, cache_write=5.00),
    "claude-sonnet-5-5": Price(input=2.00, output=10.00, cache_read=0.10, cache_write=2.50),
    "gpt-6.2-astra": Price(input=8.00, output=40.00, cache_read=0.40, cache_write=10.00),
    "gpt-6.2-sol": Price(input=2.00, output=10.00, cache_read=0.10, cache_write=2.50),
    "gemini-3.8-flash": Price(input=0.75, output=3.75, cache_read=0.075, cache_write=0.75),
}


class Cost(NamedTuple):
    usd: float
    priced: bool
    """False when the model has no price: the cost is 0 and the caller should log it."""


def price(model: str, usage: TokenUsage, overrides: Mapping[str, Price] | None = None) -> Cost:
    """The cost of `usage` on `model`; an override wins over the built-in table."""
    rates = _lookup(model, overrides or {})
    if rates is None:
        return Cost(0.0, False)
    usd = (
        usage.input_tokens * rates.input
        + usage.output_tokens * rates.output
        + usage.cache_read_tokens * rates.cache_read
        + usage.cache_write_tokens * rates.cache_write
    ) / _MILLION
    return Cost(usd, True)


def cache_saving(
    model: str, usage: TokenUsage, overrides: Mapping[str, Price] | None = None
) -> float:
    """USD the cache saved on `usage` against sending everything uncached: what the cache
    reads did not cost at the input rate, less what the writes cost above it. Negative when
    writes were never read back; 0 for an unpriced model."""
    rates = _lookup(model, overrides or {})
    if rates is None:
        return 0.0
    saved = usage.cache_read_tokens * (rates.input - rates.cache_read)
    premium = usage.cache_write_tokens * (rates.cache_write - rates.input)
    return (saved - premium) / _MILLION


def parse_overrides(raw: str | None) -> dict[str, Price]:
    """Prices from a settings value: a JSON object mapping model names to
    {"input", "output", "cache_read"?, "cache_write"?} in USD per million tokens. A missing
    cache rate defaults to the input rate, which never under-reports. Raises ValueError,
    so a mistyped setting stops the bot at start-up rather than mis-pricing silently."""
    if not raw or not raw.strip():
        return {}
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as error:
        raise ValueError(f"price overrides are not valid JSON: {error}") from error
    if not isinstance(data, dict):
        raise ValueError("price overrides must be a JSON object keyed by model name")
    prices: dict[str, Price] = {}
    for model, value in data.items():
        if not isinstance(value, dict):
            raise ValueError(f"price override for {model!r} must be an object")
        rates = {"cache_read": value.get("input"), "cache_write": value.get("input"), **value}
        try:
            prices[model] = Price.model_validate(rates)
        except ValidationError as error:
            raise ValueError(f"price override for {model!r}: {error}") from error
    return prices


def _lookup(model: str, overrides: Mapping[str, Price]) -> Price | None:
    """Exact name first, then the name without a "models/" prefix or a dated suffix, so a
    provider reporting a snapshot is priced as its model (but "claude-sonnet-5" is never
    priced as "claude-sonnet-5-5")."""
    name = model.removeprefix("models/")
    for candidate in (name, _SNAPSHOT.sub("", name)):
        for table in (overrides, PRICES):
            if candidate in table:
                return table[candidate]
    return None
