"""Structured logs on stderr: JSON lines in production, readable lines on a terminal.

Every logger in the process goes through one structlog `ProcessorFormatter` on the root
handler: ours, and the stdlib loggers of Bolt, slack_sdk, asyncpg, aiohttp, asyncio and
the AI SDKs, so a JSON log has nothing but JSON lines. Tracebacks are structured fields
(without local variables, which may hold tokens), and the values of configured secrets
are masked wherever they appear, also inside exception messages.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterable
from typing import Any

import structlog
from structlog.tracebacks import ExceptionDictTransformer
from structlog.typing import Processor, WrappedLogger

MASK = "***"
OWN_PACKAGES = ("bot", "domain", "eventstore")
_LEVELS = logging.getLevelNamesMapping()


class SecretMasker:
    """Replaces each configured secret by `MASK` in a rendered log line (the last step,
    so values turned into text late, such as exceptions or objects, are covered too)."""

    def __init__(self, secrets: Iterable[str]) -> None:
        # Also as JSON writes them (quotes and backslashes escaped). Longest first, so a
        # secret that contains another is masked whole. Shorter than 4 characters would
        # mask ordinary words; such a secret is too weak to be worth hiding anyway.
        variants = {json.dumps(s)[1:-1] for s in secrets} | set(secrets)
        self.secrets = sorted((s for s in variants if len(s) >= 4), key=len, reverse=True)

    def __call__(self, _logger: WrappedLogger, _method: str, line: str) -> str:
        return self.mask(line)

    def mask(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, MASK)
        return text


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
            structlog.processors.JSONRenderer(),
        ]
    else:
        rendering += [
            structlog.processors.format_exc_info,
            structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty()),
        ]
    rendering.append(SecretMasker(secrets))
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
