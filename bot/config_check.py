"""`docsense config check`: what the process would run with, and whether it can start.

Operators run it before `serve` (or in a deploy pipeline): it prints the effective
settings with secrets masked, then checks what start-up would need, one line each.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import SecretStr

from bot.logs import MASK
from bot.runtime import all_migrations, database_connection, database_dsn
from bot.settings import Settings, SettingsError, masked_url
from domain.ai.providers import build_providers
from eventstore.database import server_of
from eventstore.migrate import pending_migrations


@dataclass(frozen=True, slots=True)
class Setting:
    name: str
    value: str
    from_environment: bool


@dataclass(frozen=True, slots=True)
class Check:
    name: str
    ok: bool
    detail: str


def effective_settings(settings: Settings) -> list[Setting]:
    """Every setting as it is in force, secrets replaced by a mask."""
    rows = []
    for field in Settings.model_fields:
        value = getattr(settings, field)
        if isinstance(value, SecretStr):
            shown = MASK
        elif field == "database_url" and value is None:
            shown = "unset (embedded PostgreSQL)"
        elif value is None:
            shown = "unset"
        else:
            shown = masked_url(str(value)) if field.endswith("_url") else str(value)
        rows.append(Setting(field.upper(), shown, field in settings.model_fields_set))
    return rows


async def run_checks(settings: Settings, *, serve: bool) -> list[Check]:
    """Start-up's own steps, short of starting: Slack settings (for serve), the AI
    providers, the database and its migrations."""
    checks = []
    if serve:
        try:
            settings.require_slack()
            mode = "Socket Mode" if settings.slack_app_token else "HTTP"
            checks.append(Check("slack", True, f"{mode}, Web API at {settings.slack_api_url}"))
        except SettingsError as error:
            checks.append(Check("slack", False, "; ".join(error.problems)))
    providers = build_providers(settings.ai_settings())  # builds clients, sends nothing
    for provider in providers:
        await provider.aclose()
    names = ", ".join(provider.name for provider in providers)
    checks.append(Check("ai", True, names or "rules engine only"))
    checks.append(await _database_check(settings))
    return checks


async def _database_check(settings: Settings) -> Check:
    try:
        dsn = await database_dsn(settings)
        connection = await database_connection(settings, dsn)
    except SettingsError as error:
        return Check("database", False, "; ".join(error.problems))
    try:
        version = await connection.fetchval("SHOW server_version")
        pending = await pending_migrations(connection, all_migrations())
    finally:
        await connection.close()
    where = server_of(dsn) if settings.database_url else f"embedded in {settings.docsense_data_dir}"
    state = f"{len(pending)} migration(s) to apply at start-up" if pending else "migrations applied"
    return Check("database", True, f"PostgreSQL {version} at {where}; {state}")
