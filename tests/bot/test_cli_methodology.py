"""A generated 150-page bank index methodology reviewed by `docsense review`, as DOCX and
PDF: real processes, a real database, the real ingest and rules review.

Long real methodologies (contents pages with dotted leaders, glossaries, formulas, tables)
once failed the whole review; this proves both formats now review whole, every quote
verbatim, no check failing, and the volume of findings bounded.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import asyncpg
import pytest

from domain.ingest import ingest
from domain.review.text import is_verbatim
from tests.bot.test_cli import DOCSENSE
from tests.domain.ingest.methodology_builder import (
    MISSING_APPENDIX,
    build_methodology_docx,
    build_methodology_pdf,
)

# The team is reducing finding volume separately; today these documents give 19 (DOCX)
# and 21 (PDF) findings.
MAX_FINDINGS = 150


@pytest.fixture(scope="module")
def methodologies(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    folder = tmp_path_factory.mktemp("methodology")
    files = []
    for name, build in (
        ("methodology.docx", build_methodology_docx),
        ("methodology.pdf", build_methodology_pdf),
    ):
        path = folder / name
        path.write_bytes(build())
        files.append(path)
    return files


async def _failed_checks(dsn: str, filename: str) -> list[list[object]]:
    connection = await asyncpg.connect(dsn)
    try:
        rows = await connection.fetch(
            """SELECT data->'failed_checks' AS failed FROM events
               WHERE type = 'AnalysisCompleted' AND stream_id IN (
                   SELECT stream_id FROM events
                   WHERE type = 'DocumentSubmitted' AND data->>'filename' = $1)""",
            filename,
        )
    finally:
        await connection.close()
    return [json.loads(row["failed"]) for row in rows]


async def test_150_page_methodology_reviews_whole(
    database_dsn: str, methodologies: list[Path]
) -> None:
    environment = {**os.environ, "DATABASE_URL": database_dsn, "LOG_LEVEL": "WARNING"}
    result = subprocess.run(
        [DOCSENSE, "review", "--format", "json", *map(str, methodologies)],
        capture_output=True,
        text=True,
        env=environment,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert "review.check_failed" not in result.stderr
    payloads = [json.loads(line) for line in result.stdout.splitlines()]
    assert [p["document"]["filename"] for p in payloads] == [f.name for f in methodologies]
    for path, payload in zip(methodologies, payloads, strict=True):
        ir = ingest(path.read_bytes(), path.name, max_bytes=50 * 1024 * 1024)
        assert payload["document"]["pages"] >= 150
        findings = payload["findings"]
        assert 0 < len(findings) < MAX_FINDINGS
        assert payload["analysis"]["note"] is None
        for finding in findings:
            evidence = finding["evidence"]
            if evidence:
                homes = [s for s in ir.sections if s.label == evidence["section"]]
                assert any(is_verbatim(evidence["quote"], s.text) for s in homes)
                assert is_verbatim(evidence["quote"], ir.text)
        appendices = {(r.target, r.resolved) for r in ir.cross_references if r.kind == "appendix"}
        assert appendices == {("A", True), ("B", True), (MISSING_APPENDIX, False)}
        assert any(f["rule"] == "unresolved-reference" for f in findings)
        assert await _failed_checks(database_dsn, path.name) == [[]]
