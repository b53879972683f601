"""Embedded PostgreSQL (pgserver) for machines without a DATABASE_URL.

pgserver keeps one postmaster per data directory and counts the processes using it,
so several `docsense` processes share one server and the last one out stops it.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

DEFAULT_DATA_DIR = Path.home() / ".local" / "share" / "docsense"


def data_dir_from_env() -> Path:
    return Path(os.environ.get("DOCSENSE_DATA_DIR") or DEFAULT_DATA_DIR).expanduser()


def embedded_dsn(data_dir: Path, *, database: str = "postgres") -> str:
    """Start (or join) the embedded server in `data_dir/pgdata` and return a DSN for it."""
    pgdata = data_dir / "pgdata"
    pgdata.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset (containers, CI); harmless here.
        warnings.simplefilter("ignore", UserWarning)
        import pgserver

        server = pgserver.get_server(pgdata, cleanup_mode="stop")
    return server.get_uri(database)
