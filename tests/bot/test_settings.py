"""Settings validation, and docs/configuration.md kept in step with the code."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.settings import Settings, SettingsError, load_settings

DOC = Path(__file__).resolve().parents[2] / "docs" / "configuration.md"


def test_configuration_doc_lists_exactly_the_settings() -> None:
    section = DOC.read_text().split("## Settings", 1)[1].split("\n## ", 1)[0]
    documented = set(re.findall(r"^\| `([A-Z_]+)` \|", section, flags=re.MULTILINE))
    assert documented == {name.upper() for name in Settings.model_fields}


def test_defaults_need_no_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)
    settings = load_settings()
    assert settings.database_url is None
    assert settings.max_upload_bytes == 50 * 1024 * 1024


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("MAX_UPLOAD_MB", "0"),
        ("LOG_FORMAT", "xml"),
        ("AI_PROVIDER", "oracle"),
        ("DB_POOL_MAX_SIZE", "many"),
    ],
)
def test_bad_values_name_the_variable(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError, match=variable):
        load_settings()
