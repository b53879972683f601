import pytest

from domain.ai.pricing import PRICES, Price, parse_overrides, price
from domain.ai.provider import TokenUsage

USAGE = TokenUsage(
    input_tokens=1_000_000,
    output_tokens=100_000,
    cache_read_tokens=2_000_000,
    cache_write_tokens=400_000,
)


def test_every_token_kind_is_priced_at_its_rate() -> None:
    cost = price("claude-opus-5-5", USAGE)
    assert cost.priced
    assert cost.usd == pytest.approx(4.00 + 0.1 * 20.00 + 2 * 0.20 + 0.4 * 5.00)


def test_default_models_of_every_provider_are_priced() -> None:
    for model in ("claude-opus-5-5", "gpt-6.2-astra", "gemini-3.8-flash"):
        assert model in PRICES


def test_snapshots_and_prefixes_are_priced_as_their_model_but_siblings_are_not() -> None:
    assert price("claude-opus-5-5-20260922", USAGE) == price("claude-opus-5-5", USAGE)
    assert price("models/gemini-3.8-flash", USAGE).priced
    assert price("gpt-6.2-sol-2026-11-17", USAGE).priced
    unknown = price("claude-opus-5", USAGE)
    assert unknown == (0.0, False)


def test_overrides_win_and_add_models() -> None:
    overrides = parse_overrides(
        '{"claude-opus-5-5": {"input": 1, "output": 2, "cache_read": 0, "cache_write": 0},'
        ' "local-llm": {"input": 0.5, "output": 1}}'
    )
    assert price("claude-opus-5-5", USAGE, overrides).usd == pytest.approx(1.0 + 0.2)
    assert overrides["local-llm"] == Price(input=0.5, output=1, cache_read=0.5, cache_write=0.5)
    assert price("local-llm", USAGE, overrides).priced


@pytest.mark.parametrize(
    "raw", ["{", "[]", '{"m": 3}', '{"m": {"input": -1, "output": 1}}', '{"m": {"input": 1}}']
)
def test_bad_overrides_are_refused(raw: str) -> None:
    with pytest.raises(ValueError):
        parse_overrides(raw)


def test_no_overrides() -> None:
    assert parse_overrides(None) == {}
    assert parse_overrides("  ") == {}
