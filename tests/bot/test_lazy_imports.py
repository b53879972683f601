"""Start-up cost is an interface: what a command imports before it needs it.

Checked by module presence in a fresh interpreter (never by timing: the machines that
run the tests are shared and noisy); `tests/benchmarks/cli_bench.py` measures the time.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

AI_SDKS = ("anthropic", "openai", "google.genai")
SERVER_ONLY = ("slack_bolt", "slack_sdk", "aiohttp", "prometheus_client")


def _imported_after(statement: str, candidates: tuple[str, ...]) -> list[str]:
    program = (
        f"import json, sys; {statement}; "
        f"print(json.dumps([m for m in {list(candidates)!r} if m in sys.modules]))"
    )
    done = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout)


def test_the_cli_module_imports_only_what_parsing_arguments_needs() -> None:
    heavy = ("bot.runtime", "domain.service", "domain.review", "pydantic")
    assert _imported_after("import bot.cli", AI_SDKS + SERVER_ONLY + heavy) == []


@pytest.mark.parametrize("provider", ["rules", "auto"])
def test_a_review_without_keys_never_imports_an_ai_sdk_or_the_server(provider: str) -> None:
    statement = (
        "import bot.runtime, domain.pipeline; from bot.settings import Settings; "
        f"bot.runtime.ai_services(Settings(ai_provider='{provider}'), None)"
    )
    assert _imported_after(statement, AI_SDKS + SERVER_ONLY) == []


def test_a_provider_imports_its_own_sdk_only() -> None:
    statement = (
        "from domain.ai.providers import AISettings, build_providers; "
        "build_providers(AISettings(provider='openai', openai_api_key='sk-test'))"
    )
    assert _imported_after(statement, AI_SDKS) == ["openai"]
