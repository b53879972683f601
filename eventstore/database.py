"""Connection pools: one place that decides which server and how values are encoded."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import asyncpg

from eventstore.embedded import embedded_dsn
from eventstore.errors import DatabaseUnavailable

# Answers that will not change by retrying: wrong credentials or database, bad URL.
_REFUSALS = (
    asyncpg.InvalidPasswordError,
    asyncpg.InvalidAuthorizationSpecificationError,
    asyncpg.InvalidCatalogNameError,
    asyncpg.InsufficientPrivilegeError,
)


def resolve_dsn(database_url: str | None, data_dir: Path) -> str:
    """DATABASE_URL when given, else the embedded server; the code after this is the same."""
    return database_url or embedded_dsn(data_dir)


async def init_connection(connection: asyncpg.Connection) -> None:
    await connection.set_type_codec(
        "jsonb", encoder=json.dumps, decoder=json.loads, schema="pg_catalog"
    )


async def _keep_session(_connection: asyncpg.Connection) -> None:
    """Release without asyncpg's reset query (RESET ALL, UNLISTEN *, ...).

    Pooled connections never carry session state here: LISTEN, session advisory locks
    and migrations use dedicated connections. Skipping the reset saves a round trip on
    every pooled query; asyncpg still rolls back any open transaction on release.
    """


async def create_pool(dsn: str, *, min_size: int = 1, max_size: int = 10) -> asyncpg.Pool:
    return await asyncpg.create_pool(
        dsn, min_size=min_size, max_size=max_size, init=init_connection, reset=_keep_session
    )


async def connect(dsn: str, *, retry_seconds: float = 0.0) -> asyncpg.Connection:
    """A single connection outside the pool (LISTEN, long-held locks, tests).

    An unreachable server is retried with backoff for `retry_seconds` (a database that is
    still starting next to us), then DatabaseUnavailable; so is a refusal, at once.
    """
    deadline = time.monotonic() + retry_seconds
    delay = 0.2
    while True:
        try:
            connection = await asyncpg.connect(dsn, timeout=max(retry_seconds, 5.0))
            break
        except _REFUSALS as error:
            raise DatabaseUnavailable(f"{server_of(dsn)} refused: {error}") from None
        except (asyncpg.ClientConfigurationError, ValueError) as error:
            reason = _without_password(dsn, str(error))
            raise DatabaseUnavailable(f"not a usable PostgreSQL URL: {reason}") from None
        except (
            OSError,
            TimeoutError,
            asyncpg.CannotConnectNowError,  # starting up or shutting down
            asyncpg.TooManyConnectionsError,  # replicas starting together
        ) as error:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                reason = getattr(error, "strerror", None) or type(error).__name__
                raise DatabaseUnavailable(
                    f"cannot reach {server_of(dsn)} within {retry_seconds:g} s ({reason})",
                    transient=True,
                ) from None
            await asyncio.sleep(min(delay, remaining))
            delay = min(delay * 2, 2.0)
    await init_connection(connection)
    return connection


def _without_password(dsn: str, text: str) -> str:
    try:
        password = urlsplit(dsn).password
    except ValueError:
        return text
    return text.replace(password, "***") if password else text


def server_of(dsn: str) -> str:
    """`host:port/database` of a URL, fit to print (no user or password); several hosts
    are listed as the URL lists them."""
    try:
        parts = urlsplit(dsn)
    except ValueError:
        return "the configured server"
    hosts = parts.netloc.rpartition("@")[2] or parse_qs(parts.query).get("host", ["localhost"])[0]
    if "," not in hosts and not hosts.rpartition("]")[2].count(":"):
        hosts = f"{hosts}:5432"
    return f"{hosts}/{parts.path.lstrip('/') or 'postgres'}"
