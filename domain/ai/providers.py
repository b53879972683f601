"""Which AI providers the bot uses, in failover order, from its settings.

`auto` takes every provider that has a key, in the documented order Anthropic, OpenAI,
Gemini; naming one provider uses only that one and insists on its key, so a typo in a key
variable fails at start-up instead of silently falling back to rules; `rules` uses none.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from domain.ai.provider import Effort, Provider

ProviderChoice = Literal["auto", "rules", "anthropic", "openai", "gemini"]


@dataclass(frozen=True, slots=True)
class AISettings:
    """The AI part of the bot's settings; a model or base URL left as None means the default."""

    provider: ProviderChoice = "auto"
    anthropic_api_key: str | None = None
    openai_api_key: str | None = None
    gemini_api_key: str | None = None
    anthropic_base_url: str | None = None
    openai_base_url: str | None = None
    gemini_base_url: str | None = None
    anthropic_model: str | None = None
    openai_model: str | None = None
    gemini_model: str | None = None
    openai_api_style: Literal["responses", "chat"] = "responses"
    effort: Effort | None = None
    """None: each model's own default."""


def build_providers(settings: AISettings) -> list[Provider]:
    """Raises ValueError for an unknown provider or a named provider without its key."""
    builders = {
        "anthropic": (settings.anthropic_api_key, _anthropic),
        "openai": (settings.openai_api_key, _openai),
        "gemini": (settings.gemini_api_key, _gemini),
    }
    if settings.provider == "rules":
        return []
    if settings.provider == "auto":
        return [build(key, settings) for key, build in builders.values() if key]
    if settings.provider not in builders:
        raise ValueError(f"unknown AI provider {settings.provider!r}")
    key, build = builders[settings.provider]
    if not key:
        raise ValueError(f"AI provider {settings.provider!r} is selected but has no API key")
    return [build(key, settings)]


# Each SDK is imported only when its provider is built: together they take seconds to
# import, and a rules-only DocSense (or `docsense --help`) never needs them.


def _anthropic(key: str, settings: AISettings) -> Provider:
    from domain.ai.anthropic_provider import AnthropicProvider

    return AnthropicProvider(
        key,
        base_url=settings.anthropic_base_url,
        effort=settings.effort,
        **_model(settings.anthropic_model),
    )


def _openai(key: str, settings: AISettings) -> Provider:
    from domain.ai.openai_provider import OpenAIProvider

    return OpenAIProvider(
        key,
        base_url=settings.openai_base_url,
        api_style=settings.openai_api_style,
        effort=settings.effort,
        **_model(settings.openai_model),
    )


def _gemini(key: str, settings: AISettings) -> Provider:
    from domain.ai.gemini_provider import GeminiProvider

    return GeminiProvider(
        key,
        base_url=settings.gemini_base_url,
        effort=settings.effort,
        **_model(settings.gemini_model),
    )


def _model(name: str | None) -> dict[str, str]:
    """No `model` argument when unset, so each adapter's documented default applies."""
    return {"model": name} if name else {}
