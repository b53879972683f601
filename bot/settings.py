"""Settings from the environment, validated once at start-up.

A bad value stops start-up with a message naming the variable (see `load_settings`).
Every field is listed in docs/configuration.md; a test keeps the two in step.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from eventstore.embedded import DEFAULT_DATA_DIR


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="", case_sensitive=False, extra="ignore")

    database_url: str | None = Field(
        None, description="PostgreSQL URL; unset means the embedded server in the data dir."
    )
    db_pool_min_size: int = Field(1, ge=1, description="Connections kept open in the pool.")
    db_pool_max_size: int = Field(10, ge=1, description="Most connections the pool opens.")
    docsense_data_dir: Path = Field(
        DEFAULT_DATA_DIR, description="Where the embedded PostgreSQL keeps its files."
    )
    max_upload_mb: int = Field(50, ge=1, le=1024, description="Largest file accepted, in MB.")
    ai_provider: Literal["rules"] = Field(
        "rules", description="Review engine; only the offline rules engine exists so far."
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
