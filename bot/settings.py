"""Settings from the environment, validated once at start-up.

A bad value stops start-up with a message naming the variable (see `load_settings`).
Every field is listed in docs/configuration.md; a test keeps the two in step.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from domain.ai.providers import AISettings
from eventstore.embedded import DEFAULT_DATA_DIR


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="", case_sensitive=False, extra="ignore")

    slack_bot_token: SecretStr | None = Field(
        None, description="Bot token (xoxb-...); needed by `docsense serve`."
    )
    slack_signing_secret: SecretStr | None = Field(
        None, description="Verifies that HTTP requests come from Slack (HTTP mode)."
    )
    slack_app_token: SecretStr | None = Field(
        None, description="App-level token (xapp-...); when set, serve uses Socket Mode."
    )
    slack_api_url: str = Field(
        "https://slack.com/api/", description="Slack Web API base URL (proxies, GovSlack, tests)."
    )
    port: int = Field(3000, ge=0, le=65535, description="HTTP port for /slack/events.")
    metrics_port: int = Field(9090, ge=0, le=65535, description="Port of /metrics and /health.")
    worker_concurrency: int = Field(2, ge=1, le=64, description="Jobs one process runs at once.")

    database_url: str | None = Field(
        None, description="PostgreSQL URL; unset means the embedded server in the data dir."
    )
    db_pool_min_size: int = Field(1, ge=1, description="Connections kept open in the pool.")
    db_pool_max_size: int = Field(10, ge=1, description="Most connections the pool opens.")
    docsense_data_dir: Path = Field(
        DEFAULT_DATA_DIR, description="Where the embedded PostgreSQL keeps its files."
    )
    max_upload_mb: int = Field(50, ge=1, le=1024, description="Largest file accepted, in MB.")
    ai_provider: Literal["auto", "rules", "anthropic", "openai", "gemini"] = Field(
        "auto",
        description="`auto`: every provider with a key (Anthropic, OpenAI, Gemini, in that "
        "order); `rules`: none; or one named provider.",
    )
    anthropic_api_key: SecretStr | None = Field(None, description="Enables Anthropic.")
    openai_api_key: SecretStr | None = Field(None, description="Enables OpenAI.")
    gemini_api_key: SecretStr | None = Field(None, description="Enables Gemini.")
    anthropic_base_url: str | None = Field(None, description="Anthropic API base URL.")
    openai_base_url: str | None = Field(None, description="OpenAI API base URL.")
    gemini_base_url: str | None = Field(None, description="Gemini API base URL.")
    anthropic_model: str | None = Field(None, description="Overrides the default Claude model.")
    openai_model: str | None = Field(None, description="Overrides the default OpenAI model.")
    gemini_model: str | None = Field(None, description="Overrides the default Gemini model.")
    ai_timeout_seconds: float = Field(60.0, gt=0, le=600, description="Per model call.")
    ai_max_concurrency: int = Field(4, ge=1, le=32, description="Model calls in flight at once.")
    ai_prices: str | None = Field(
        None,
        description="JSON: per-model USD prices per million tokens overriding the built-in table.",
    )
    job_lease_seconds: int = Field(
        120, ge=5, description="How long a claimed job is leased before others may take it."
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        "INFO", description="Least severe log level written."
    )
    log_format: Literal["json", "console"] = Field(
        "console", description="`json` (one object a line, for production) or `console`."
    )

    @property
    def max_upload_bytes(self) -> int:
        return self.max_upload_mb * 1024 * 1024

    def ai_settings(self) -> AISettings:
        """The AI part, as the provider factory wants it (secrets unwrapped only here)."""

        def secret(value: SecretStr | None) -> str | None:
            return value.get_secret_value() if value is not None else None

        return AISettings(
            provider=self.ai_provider,
            anthropic_api_key=secret(self.anthropic_api_key),
            openai_api_key=secret(self.openai_api_key),
            gemini_api_key=secret(self.gemini_api_key),
            anthropic_base_url=self.anthropic_base_url,
            openai_base_url=self.openai_base_url,
            gemini_base_url=self.gemini_base_url,
            anthropic_model=self.anthropic_model,
            openai_model=self.openai_model,
            gemini_model=self.gemini_model,
            timeout_seconds=self.ai_timeout_seconds,
        )

    def require_slack(self) -> None:
        """`docsense serve` cannot start without these; say which are missing."""
        missing = [
            name
            for name, value in (
                ("SLACK_BOT_TOKEN", self.slack_bot_token),
                (
                    "SLACK_SIGNING_SECRET" if self.slack_app_token is None else "",
                    self.slack_signing_secret,
                ),
            )
            if name and value is None
        ]
        if missing:
            raise SettingsError(
                f"Invalid configuration: {', '.join(missing)} must be set for serve"
            )


class SettingsError(Exception):
    """Start-up configuration is invalid; the message names each bad variable."""


def load_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as error:
        problems = "; ".join(
            f"{'_'.join(str(p) for p in e['loc']).upper()}: {e['msg']}" for e in error.errors()
        )
        raise SettingsError(f"Invalid configuration: {problems}") from None
