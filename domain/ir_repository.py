"""Semantic IRs, stored once per file content (sha256) and shared by every version and
question that refers to the same bytes."""

from __future__ import annotations

import asyncpg

from domain.ir import DocumentIR


async def save_ir(connection: asyncpg.Connection, ir: DocumentIR) -> None:
    """Serialised by pydantic (Rust) and sent as text: a long document's IR is megabytes,
    too much to turn into Python dicts and back on the event loop."""
    await connection.execute(
        """INSERT INTO document_irs (sha256, ir) VALUES ($1, $2::text::jsonb)
           ON CONFLICT (sha256) DO NOTHING""",
        ir.sha256,
        ir.model_dump_json(),
    )


async def load_ir(connection: asyncpg.Connection | asyncpg.Pool, sha256: str) -> DocumentIR | None:
    data = await connection.fetchval("SELECT ir::text FROM document_irs WHERE sha256 = $1", sha256)
    return None if data is None else DocumentIR.model_validate_json(data)
