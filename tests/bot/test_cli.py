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


def test_min_severity_and_limit_trim_what_is_printed(database_dsn: str) -> None:
    spec = str(EXAMPLES / "momentum_strategy.md")
    full = json.loads(_run(database_dsn, "review", "-f", "json", spec).stdout)
    assert "omitted" not in full, "without the flags the JSON keeps its shape"
    total = len(full["findings"])
    severe = [f for f in full["findings"] if f["severity"] in ("critical", "high")]
    assert 2 < len(severe) < total

    result = _run(database_dsn, "review", "-f", "json", "--min-severity", "high", spec)
    assert result.returncode == 0, result.stderr
    trimmed = json.loads(result.stdout)
    assert trimmed["findings"] == severe and trimmed["omitted"] == total - len(severe)
    assert trimmed["document"] == full["document"]
    assert trimmed["analysis"]["counts"] == full["analysis"]["counts"]

    limited = json.loads(_run(database_dsn, "review", "-f", "json", "--limit", "2", spec).stdout)
    assert limited["findings"] == full["findings"][:2] and limited["omitted"] == total - 2

    markdown = _run(database_dsn, "review", "-f", "markdown", "--limit", "2", spec).stdout
    assert f"- **Shown:** 2 of {total} findings ({total - 2} omitted)" in markdown
    assert markdown.count("<sub>") == 2, "one <sub> line per finding"

    text = _run(database_dsn, "review", "--min-severity", "critical", spec).stdout
    critical = sum(f["severity"] == "critical" for f in full["findings"])
    assert f"{total - critical} findings omitted." in text
    assert "HIGH" not in text and "CRITICAL" in text


def test_absences_are_listed_as_not_covered_after_the_quoted_findings(database_dsn: str) -> None:
    spec = str(EXAMPLES / "momentum_strategy.md")
    findings = json.loads(_run(database_dsn, "review", "-f", "json", spec).stdout)["findings"]
    absent = [f for f in findings if f["evidence"] is None]
    assert absent, "the example lacks some of the checklist"

    markdown = _run(database_dsn, "review", "-f", "markdown", spec).stdout
    tail = markdown.split(f"## Not covered ({len(absent)})\n", 1)[1]
    assert "### " not in tail and "> " not in tail, "nothing quoted after the list"
    for finding in absent:
        assert f"- **{finding['severity']}** {finding['title']} — " in tail
        assert f"### {finding['title']}\n" not in markdown

    text = _run(database_dsn, "review", spec).stdout
    listed = text.split(f"Not covered ({len(absent)})", 1)[1]
    assert "“" not in listed and all(f["title"][:30] in listed for f in absent)


def test_status_of_a_document_takes_the_same_flags(database_dsn: str) -> None:
    _run(database_dsn, "review", str(EXAMPLES / "momentum_strategy.md"))
    one = _run(database_dsn, "status", "momentum_strategy.md", "--limit", "2")
    assert one.returncode == 0, one.stderr
    assert one.stdout.count("[open] ") == 2 and "more findings omitted." in one.stdout
    severe = _run(database_dsn, "status", "momentum_strategy.md", "--min-severity", "critical")
    assert "[open] critical:" in severe.stdout and "[open] high:" not in severe.stdout
    overall = _run(database_dsn, "status", "--limit", "2")
    assert overall.returncode == 2
    assert overall.stderr == "docsense: --min-severity and --limit need a DOC\n"


@pytest.mark.parametrize(
    ("args", "complaint"),
    [
        (["--min-severity", "severe"], "'severe' is not one of 'critical', 'high'"),
        (["--limit", "-1"], "'--limit': Input should be greater than or equal to 0"),
        (["--limit", "many"], "'--limit': Input should be a valid integer"),
    ],
)
def test_bad_trim_values_are_usage_errors(
    database_dsn: str, args: list[str], complaint: str
) -> None:
    result = _run(database_dsn, "review", str(EXAMPLES / "momentum_strategy.md"), *args)
    assert result.returncode == 2 and result.stdout == ""
    assert complaint in " ".join(result.stderr.replace("│", " ").split())
    assert "Traceback" not in result.stderr
