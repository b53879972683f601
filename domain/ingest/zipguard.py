"""Refuse hostile Word archives before python-docx inflates anything.

The checks read only the central directory. Declared sizes can be trusted as
limits because `zipfile` stops at the declared size and then fails the CRC check,
so an entry that lies about its size cannot inflate past it.
"""

from __future__ import annotations

import zipfile

from domain.ingest.errors import IngestRefused, RefusalReason

MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024
MAX_ENTRIES = 2_000
# Word XML compresses 5-30x; text full of repeated runs may reach ~100x.
MAX_RATIO = 200
# Tiny entries can have absurd ratios legitimately (a 0-byte file, a 1 KB run).
_RATIO_FLOOR_BYTES = 1024 * 1024


def guard_archive(archive: zipfile.ZipFile, filename: str) -> None:
    entries = archive.infolist()
    if len(entries) > MAX_ENTRIES:
        raise _bomb(filename, f"it contains {len(entries):,} files")
    total = sum(entry.file_size for entry in entries)
    if total > MAX_UNCOMPRESSED_BYTES:
        raise _bomb(filename, f"it would expand to {total / 1024**2:,.0f} MB")
    for entry in entries:
        if entry.file_size > _RATIO_FLOOR_BYTES and entry.file_size > MAX_RATIO * max(
            entry.compress_size, 1
        ):
            raise _bomb(filename, "part of it is compressed to an implausible degree")


def _bomb(filename: str, why: str) -> IngestRefused:
    return IngestRefused(
        RefusalReason.ZIP_BOMB,
        f"I won't open “{filename}”: {why}, which is how archive bombs are built rather "
        f"than how Word saves documents. If it is a genuine document, save it again from "
        f"Word or export it as PDF.",
    )
