"""Structured logs on stderr: JSON lines in production, readable lines on a terminal.

Every logger in the process goes through one structlog `ProcessorFormatter` on the root
handler: ours, and the stdlib loggers of Bolt, slack_sdk, asyncpg, aiohttp, asyncio and
the AI SDKs, so a JSON log has nothing but JSON lines. Tracebacks are structured fields
(without local variables, which may hold tokens), and the values of configured secrets
are masked wherever they appear, also inside exception messages.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable
from typing import Any

import structlog
from structlog.tracebacks import ExceptionDictTransformer
from structlog.typing import EventDict, Processor, WrappedLogger

MASK = "***"
OWN_PACKAGES = ("bot", "domain", "eventstore")
_LEVELS = logging.getLevelNamesMapping()


class SecretMasker:
    """Replaces each configured secret by `MASK` in every string of a log entry."""

    def __init__(self, secrets: Iterable[str]) -> None:
        # Longest first, so a secret that contains another is masked whole.
        self.secrets = sorted({s for s in secrets if len(s) >= 4}, key=len, reverse=True)

    def __call__(self, _logger: WrappedLogger, _method: str, event_dict: EventDict) -> EventDict:
        if not self.secrets:
            return event_dict
        return {key: self.mask(value) for key, value in event_dict.items()}

    def mask(self, value: Any) -> Any:
        if isinstance(value, str):
            for secret in self.secrets:
                value = value.replace(secret, MASK)
            return value
        if isinstance(value, dict):
            return {key: self.mask(item) for key, item in value.items()}
        if isinstance(value, list | tuple):
            return [self.mask(item) for item in value]
        return value


class StderrHandler(logging.StreamHandler):
    """Writes to the `sys.stderr` of the moment, not the one at configuration: test
    runners and in-process CLI runs swap it, and a closed stream must not swallow lines."""

    @property  # type: ignore[override]
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, _value: Any) -> None:
        """StreamHandler assigns its stream once; the property above ignores that."""


def configure_logging(level: str, fmt: str, *, secrets: Iterable[str] = ()) -> None:
    """Route structlog and the stdlib through one formatter; safe to call again."""
    shared: list[Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    rendering: list[Processor] = [structlog.stdlib.ProcessorFormatter.remove_processors_meta]
    if fmt == "json":
        rendering += [
            structlog.processors.ExceptionRenderer(ExceptionDictTransformer(show_locals=False)),
            SecretMasker(secrets),
            structlog.processors.JSONRenderer(),
        ]
    else:
        rendering += [
            structlog.processors.format_exc_info,
            SecretMasker(secrets),
            structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty()),
        ]
    formatter = structlog.stdlib.ProcessorFormatter(foreign_pre_chain=shared, processors=rendering)
    handler = StderrHandler()
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    # Libraries narrate at INFO (pgserver echoes every pg_ctl run, aiohttp every request):
    # below DEBUG they say only warnings and errors; our own packages follow `level`.
    root.setLevel(level if level == "DEBUG" else max(logging.WARNING, _LEVELS[level]))
    for package in OWN_PACKAGES:
        logging.getLogger(package).setLevel(level)
    logging.captureWarnings(True)  # `warnings.warn` from libraries becomes a log line too

    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            *shared,
            structlog.stdlib.PositionalArgumentsFormatter(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
