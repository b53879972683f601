"""Finding severities, most severe first: their own module so the CLI can offer them
as choices without importing the finding models."""

from __future__ import annotations

from typing import Literal

Severity = Literal["critical", "high", "medium", "low", "info"]

SEVERITIES: tuple[Severity, ...] = ("critical", "high", "medium", "low", "info")
