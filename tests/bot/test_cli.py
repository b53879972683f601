"""The `docsense` command end to end: real processes, a real database, real files."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import asyncpg
import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "docs" / "examples"
DOCSENSE = shutil.which("docsense", path=str(Path(sys.executable).parent)) or "docsense"


def _run(dsn: str, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "DATABASE_URL": dsn, "LOG_LEVEL": "WARNING", **env}
    return subprocess.run(
        [DOCSENSE, *args], capture_output=True, text=True, env=environment, timeout=180
    )


async def _event_types(dsn: str, filename: str) -> list[str]:
    connection = await asyncpg.connect(dsn)
    try:
        rows = await connection.fetch(
            """SELECT type FROM events WHERE stream_id IN (
                   SELECT stream_id FROM events
                   WHERE type = 'DocumentSubmitted' AND data->>'filename' = $1)
               ORDER BY position""",
            filename,
        )
    finally:
        await connection.close()
    return [r["type"] for r in rows]


def test_text_report_shows_quoted_findings(database_dsn: str) -> None:
    result = _run(database_dsn, "review", str(EXAMPLES / "momentum_strategy.md"))
    assert result.returncode == 0, result.stderr
    assert "Cross-Sectional Equity Momentum Strategy" in result.stdout
    assert "Appendix C" in result.stdout and "CRITICAL" in result.stdout
    assert "Traceback" not in result.stderr


def test_json_prints_one_object_per_document_and_nothing_else(
    database_dsn: str, tmp_path: Path
) -> None:
    files = [
        EXAMPLES / "momentum_strategy.md",
        EXAMPLES / "index_methodology.docx",
        EXAMPLES / "mean_reversion_spec.pdf",
    ]
    result = _run(database_dsn, "review", "--format", "json", *map(str, files))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 3
    payloads = [json.loads(line) for line in lines]
    assert [p["document"]["filename"] for p in payloads] == [f.name for f in files]
    for payload in payloads:
        assert set(payload) == {"document", "analysis", "findings"}
        assert 0.0 <= payload["analysis"]["score"] <= 1.0
        assert payload["analysis"]["providers"] == ["rules"]
        for finding in payload["findings"]:
            assert finding["source"] == "rules"
            assert set(finding) == {
                "id",
                "rule",
                "category",
                "severity",
                "title",
                "detail",
                "suggestion",
                "evidence",
                "source",
            }
    assert payloads[0]["analysis"]["counts"]["critical"] > 0
    assert payloads[2]["analysis"]["counts"]["critical"] == 0


def test_markdown_report_is_ready_for_a_ticket(database_dsn: str) -> None:
    result = _run(database_dsn, "review", "-f", "markdown", str(EXAMPLES / "momentum_strategy.md"))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("# Review: Cross-Sectional Equity Momentum Strategy")
    assert "## Critical" in result.stdout and "**Suggestion:**" in result.stdout


async def test_unreadable_file_is_one_line_exit_2_and_only_a_rejection(
    database_dsn: str, tmp_path: Path
) -> None:
    broken = tmp_path / "broken-spec.pdf"
    broken.write_bytes(b"%PDF-1.4\n%garbage that is not a PDF body")
    result = _run(database_dsn, "review", str(broken))
    assert result.returncode == 2
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1
    assert "broken-spec.pdf" in result.stderr and "Traceback" not in result.stderr
    assert await _event_types(database_dsn, "broken-spec.pdf") == [
        "DocumentSubmitted",
        "DocumentRejected",
    ]


async def test_missing_file_writes_nothing(database_dsn: str, tmp_path: Path) -> None:
    result = _run(database_dsn, "review", str(tmp_path / "nope.md"))
    assert result.returncode == 2
    assert result.stderr.strip() == f"docsense: {tmp_path / 'nope.md'}: no such file"
    assert await _event_types(database_dsn, "nope.md") == []


def test_status_and_history_show_reviewed_documents(database_dsn: str) -> None:
    _run(database_dsn, "review", str(EXAMPLES / "momentum_strategy.md"))
    status = _run(database_dsn, "status")
    assert status.returncode == 0, status.stderr
    assert "momentum_strategy.md" in status.stdout.replace("…", "") or "momentum" in status.stdout
    assert "Jobs: 0 pending" in status.stdout

    one = _run(database_dsn, "status", "momentum_strategy.md")
    assert one.returncode == 0, one.stderr
    assert "[open] critical:" in one.stdout

    timeline = _run(database_dsn, "history", "momentum_strategy.md")
    assert timeline.returncode == 0, timeline.stderr
    for event in ("DocumentSubmitted", "DocumentConverted", "AnalysisStarted", "AnalysisCompleted"):
        assert event in timeline.stdout


def test_unknown_document_is_a_clear_error(database_dsn: str) -> None:
    result = _run(database_dsn, "history", "no-such-document.pdf")
    assert result.returncode == 2
    assert result.stderr.strip() == "docsense: No document matches 'no-such-document.pdf'."


def test_invalid_setting_names_the_variable(database_dsn: str) -> None:
    result = _run(database_dsn, "status", MAX_UPLOAD_MB="lots")
    assert result.returncode == 2
    assert "MAX_UPLOAD_MB" in result.stderr and "Traceback" not in result.stderr


def test_db_migrate_is_idempotent_and_rebuild_replays(database_dsn: str) -> None:
    result = _run(database_dsn, "db", "migrate")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "Applied 0 migration(s)."
    _run(database_dsn, "review", str(EXAMPLES / "momentum_strategy.md"))
    rebuilt = _run(database_dsn, "projections", "rebuild")
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert rebuilt.stdout.startswith("documents: replayed ")


@pytest.mark.parametrize("args", [["review"], ["bogus-command"]])
def test_usage_errors_do_not_trace(database_dsn: str, args: list[str]) -> None:
    result = _run(database_dsn, *args)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr


def test_ask_answers_from_the_document_with_a_quote(database_dsn: str) -> None:
    _run(database_dsn, "review", str(EXAMPLES / "momentum_strategy.md"))
    result = _run(
        database_dsn, "ask", "momentum_strategy.md", "How often is the portfolio rebalanced?"
    )
    assert result.returncode == 0, result.stderr
    assert "5 Rebalancing" in result.stdout and "first business day" in result.stdout
    assert "answered by rules" in result.stdout
    timeline = _run(database_dsn, "history", "momentum_strategy.md")
    assert "QuestionAsked" in timeline.stdout and "QuestionAnswered" in timeline.stdout
