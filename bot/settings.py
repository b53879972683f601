"""Settings from the environment, validated once at start-up.

A bad value stops start-up with one line per problem, each naming the variable and what
is expected (see `load_settings`): single values by their field types and validators,
combinations of values by `Settings.problems`. Every field is listed in
docs/configuration.md; a test keeps the two in step.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal
from urllib.parse import parse_qs, unquote, urlsplit

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from domain.ai.pricing import parse_overrides
from domain.ai.providers import AISettings
from eventstore.embedded import DEFAULT_DATA_DIR

PROVIDER_KEYS = {
    "anthropic": "anthropic_api_key",
    "openai": "openai_api_key",
    "gemini": "gemini_api_key",
}


class Settings(BaseSettings):
    # An empty variable (`SLACK_APP_TOKEN=` in an env file) means unset, not "".
    model_config = SettingsConfigDict(
        env_prefix="", case_sensitive=False, extra="ignore", env_ignore_empty=True
    )

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
    slack_user_requests_per_minute: int = Field(
        60,
        ge=0,
        le=100_000,
        description="Files and questions one person may send a minute before the rest are "
        "skipped (told once); 0: no limit.",
    )
    slack_channel_requests_per_minute: int = Field(
        120,
        ge=0,
        le=100_000,
        description="The same for one channel, whoever sends them; 0: no limit.",
    )
    slack_max_inflight: int = Field(
        64,
        ge=1,
        le=10_000,
        description="Slack requests one process works on at once; 16 times as many more "
        "wait a second for a turn, the rest are answered 503 so that Slack delivers them again.",
    )

    database_url: str | None = Field(
        None, description="PostgreSQL URL; unset means the embedded server in the data dir."
    )
    db_pool_min_size: int = Field(1, ge=1, description="Connections kept open in the pool.")
    db_pool_max_size: int = Field(10, ge=1, description="Most connections the pool opens.")
    db_connect_seconds: float = Field(
        10.0, gt=0, le=600, description="How long start-up retries an unreachable database."
    )
    docsense_data_dir: Path = Field(
        DEFAULT_DATA_DIR, description="Where the embedded PostgreSQL keeps its files."
    )
    max_upload_mb: int = Field(50, ge=1, le=1024, description="Largest file accepted, in MB.")
    pdf_extractor: Literal["pdfium", "pypdf"] = Field(
        "pdfium", description="PDF text library: `pdfium` (fast) or `pypdf` (the fallback)."
    )
    worker_cpu_seconds: int = Field(
        300, ge=1, le=3600, description="CPU seconds one document's read and review may use."
    )
    worker_memory_mb: int = Field(
        1536, ge=0, le=65536, description="Address space of a review worker, in MB; 0: no cap."
    )
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
    openai_api_style: Literal["responses", "chat"] = Field(
        "responses",
        description="`responses` (OpenAI's Responses API) or `chat` (Chat Completions, for "
        "servers that implement only that: vLLM, Ollama, LiteLLM, Azure).",
    )
    ai_effort: Literal["low", "medium", "high", "xhigh", "default"] = Field(
        "medium",
        description="How hard thinking models reason; `default` sends none (each model's own).",
    )
    ai_max_output_tokens: int = Field(
        16_000, ge=1024, le=128_000, description="Output budget per model call, thinking included."
    )
    ai_timeout_seconds: float | None = Field(
        None,
        gt=0,
        le=3600,
        description="Per model call; unset: what AI_MAX_OUTPUT_TOKENS needs (450 s for 16,000).",
    )
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

    @field_validator("slack_api_url", "anthropic_base_url", "openai_base_url", "gemini_base_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"expected an http(s) URL such as https://host/path/, got {value!r}")
        return value

    @field_validator("slack_api_url")
    @classmethod
    def _trailing_slash(cls, value: str) -> str:
        """The Slack SDK appends method names to this URL as they are."""
        return value if value.endswith("/") else value + "/"

    @field_validator("database_url")
    @classmethod
    def _postgres_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parts = urlsplit(value)
        if parts.scheme not in ("postgres", "postgresql"):
            raise ValueError("expected a URL such as postgresql://user:password@host:5432/db")
        # libpq URLs may list several hosts (`h1:5432,h2:5432`); check every port.
        for host in parts.netloc.rpartition("@")[2].split(","):
            port = host.rpartition("]")[2].rpartition(":")[2] if ":" in host else ""
            if port and not (port.isdigit() and int(port) <= 65535):
                raise ValueError(f"the port {port!r} is not a number from 0 to 65535")
        return value

    @field_validator("ai_prices")
    @classmethod
    def _prices(cls, value: str | None) -> str | None:
        parse_overrides(value)  # raises ValueError naming what is wrong
        return value

    def problems(self) -> list[str]:
        """What is wrong with combinations of values, one message each."""
        found = []
        if self.db_pool_min_size > self.db_pool_max_size:
            found.append(
                f"DB_POOL_MIN_SIZE: {self.db_pool_min_size} is more than DB_POOL_MAX_SIZE "
                f"({self.db_pool_max_size}); expected at most the maximum"
            )
        http_mode = self.slack_app_token is None  # Socket Mode listens on no PORT
        if http_mode and self.port != 0 and self.port == self.metrics_port:
            found.append(
                f"METRICS_PORT: {self.metrics_port} is also PORT; expected a port of its own "
                "(the sidecar never shares a door with Slack traffic)"
            )
        key = PROVIDER_KEYS.get(self.ai_provider)
        if key is not None and getattr(self, key) is None:
            found.append(
                f"{key.upper()}: must be set when AI_PROVIDER={self.ai_provider} "
                "(or choose AI_PROVIDER=auto or rules)"
            )
        return found

    def with_provider(self, provider: str) -> Settings:
        """These settings with another AI provider (a CLI option), checked like the rest."""
        updated = self.model_copy(update={"ai_provider": provider})
        if problems := updated.problems():
            raise SettingsError(problems)
        return updated

    def secret_values(self) -> list[str]:
        """Every configured secret, for masking wherever text leaves the process."""
        secrets = [
            value.get_secret_value()
            for value in (
                self.slack_bot_token,
                self.slack_signing_secret,
                self.slack_app_token,
                self.anthropic_api_key,
                self.openai_api_key,
                self.gemini_api_key,
            )
            if value is not None
        ]
        for url in self._urls():
            secrets += url_passwords(url)
        return secrets

    def _urls(self) -> list[str]:
        urls = (
            self.database_url,
            self.slack_api_url,
            self.anthropic_base_url,
            self.openai_base_url,
            self.gemini_base_url,
        )
        return [url for url in urls if url]

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
            openai_api_style=self.openai_api_style,
            effort=None if self.ai_effort == "default" else self.ai_effort,
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
            raise SettingsError([f"{name}: must be set for serve" for name in missing])


def url_passwords(url: str) -> list[str]:
    """Passwords a URL carries, as written and as decoded: in its user part
    (`user:pass@host`) and as a `password` query parameter (libpq accepts both)."""
    parts = urlsplit(url)
    found = [parts.password] if parts.password else []
    found += parse_qs(parts.query).get("password", [])
    return [variant for value in found for variant in {value, unquote(value)}]


def masked_url(url: str) -> str:
    """A URL fit to print: every password in it replaced."""
    for password in url_passwords(url):
        url = url.replace(password, "***")
    return url


class SettingsError(Exception):
    """Start-up configuration is invalid: one message per problem, each naming its
    variable (printed one a line)."""

    def __init__(self, problems: list[str], *, temporary: bool = False) -> None:
        self.problems = problems
        self.temporary = temporary  # the environment is right; something it names is down
        super().__init__("; ".join(problems))

    def lines(self) -> list[str]:
        return [f"invalid configuration: {problem}" for problem in self.problems]


def load_settings() -> Settings:
    try:
        settings = Settings()
    except ValidationError as error:
        raise SettingsError([_describe(e) for e in error.errors()]) from None
    if problems := settings.problems():
        raise SettingsError(problems)
    return settings


def _describe(error: dict) -> str:
    """One validation error as `VARIABLE: what is expected` (pydantic's wording, without
    its "Value error, " prefix and without echoing secret input)."""
    variable = "_".join(str(part) for part in error["loc"]).upper()
    message = error["msg"].removeprefix("Value error, ")
    return f"{variable}: {message}"
