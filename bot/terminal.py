"""Terminal rendering for the CLI: the colourful review report, status, history, jobs."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from rich.console import Console, Group
from rich.padding import Padding
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from domain.events import QuestionAnswered
from domain.findings import SEVERITIES
from domain.operations import JobRow
from domain.queries import DocumentRow
from domain.report import quoted_and_absent
from eventstore import RecordedEvent

SEVERITY_STYLES = {
    "critical": "bold white on red",
    "high": "bold red",
    "medium": "yellow",
    "low": "cyan",
    "info": "dim",
}


def _plural(n: int, noun: str) -> str:
    return f"{n:,} {noun}" if n == 1 else f"{n:,} {noun}s"


def _counts(counts: dict[str, int]) -> Text:
    text = Text()
    for severity in SEVERITIES:
        if text:
            text.append("  ")
        text.append(f"{counts.get(severity, 0)} {severity}", style=SEVERITY_STYLES[severity])
    return text


def print_review(console: Console, payload: dict[str, Any]) -> None:
    document, analysis = payload["document"], payload["analysis"]
    header = Text.assemble(
        (document["title"], "bold"),
        f"\n{document['filename']} · {_plural(document['pages'], 'page')} · "
        f"{_plural(document['sections'], 'section')} · {_plural(document['words'], 'word')} · "
        f"id {document['id'][:8]}\n",
        ("Score ", "bold"),
        (f"{analysis['score']:.2f}", "bold green" if analysis["score"] >= 0.7 else "bold red"),
        "   ",
        _counts(analysis["counts"]),
    )
    usage = analysis["usage"]
    if usage["cost_usd"]:
        header.append(
            f"\nAI: {', '.join(analysis['providers'][1:])} · {usage['input_tokens']:,} in / "
            f"{usage['output_tokens']:,} out tokens · ${usage['cost_usd']:.4f}",
            style="dim",
        )
    if analysis.get("note"):
        header.append(f"\n{analysis['note']}", style="bold yellow")
    console.print(Panel(header, title="DocSense review", expand=False))
    quoted, absent = quoted_and_absent(payload["findings"])
    for number, finding in enumerate(quoted, start=1):
        evidence = finding["evidence"]
        where = evidence["section"] + (f", p. {evidence['page']}" if evidence["page"] else "")
        quote = " ".join(evidence["quote"].split())
        console.print(
            Group(
                _finding_line(finding, f"{number:>2}. "),
                Padding(
                    Text.assemble(
                        ("“", "dim"), (quote, "italic"), ("”  ", "dim"), (f"— {where}", "dim")
                    ),
                    (0, 0, 0, 4),
                ),
                Padding(Text(finding["detail"]), (0, 0, 0, 4)),
                Padding(Text.assemble(("→ ", "green"), finding["suggestion"]), (0, 0, 0, 4)),
            )
        )
        console.print()
    if absent:
        console.print(Text(f"Not covered ({len(absent)})", style="bold"))
        for finding in absent:
            console.print(_finding_line(finding, "  • "))
        console.print()
    if payload.get("omitted"):
        console.print(f"{_plural(payload['omitted'], 'finding')} omitted.", style="dim")
    elif not payload["findings"]:
        console.print("No findings: the document covers the checklist.", style="green")


def _finding_line(finding: dict[str, Any], prefix: str) -> Text:
    severity = finding["severity"]
    return Text.assemble(
        (prefix, "dim"),
        (f" {severity.upper()} ", SEVERITY_STYLES[severity]),
        " ",
        (finding["title"], "bold"),
        (f"  [{finding['rule']}]", "dim"),
    )


def print_answer(console: Console, answer: QuestionAnswered) -> None:
    console.print(Text(answer.answer))
    for citation in answer.citations:
        where = citation.section + (f", p. {citation.page}" if citation.page else "")
        quote = " ".join(citation.quote.split())
        console.print(
            Padding(
                Text.assemble(
                    ("“", "dim"), (quote, "italic"), ("”  ", "dim"), (f"— {where}", "dim")
                ),
                (0, 0, 0, 2),
            )
        )
    footer = f"answered by {answer.provider}"
    if answer.usage.cost_usd:
        footer += f" · ${answer.usage.cost_usd:.4f}"
    console.print(footer, style="dim")
    if answer.note:
        console.print(answer.note, style="bold yellow")


def print_documents(console: Console, rows: list[DocumentRow]) -> None:
    if not rows:
        console.print("No documents yet. Review one with `docsense review FILE`.")
        return
    table = Table(title="Documents", show_lines=False)
    costly = any(row.cost_usd for row in rows)  # the column only when models were used
    for column in ("id", "file", "state", "score", "findings", "open"):
        table.add_column(column, no_wrap=column == "file")
    if costly:
        table.add_column("AI cost")
    table.add_column("updated")
    for row in rows:
        cells = [
            row.short_id,
            row.filename,
            row.state,
            "" if row.score is None else f"{row.score:.2f}",
            _counts(row.counts),
            str(row.open_findings),
        ]
        if costly:
            cells.append(f"${row.cost_usd:.4f}")
        table.add_row(*cells, row.updated_at.strftime("%Y-%m-%d %H:%M"))
    console.print(table)


def print_history(console: Console, events: list[RecordedEvent]) -> None:
    table = Table(title="History")
    for column in ("#", "when (UTC)", "event", "by", "details"):
        table.add_column(column)
    for event in events:
        table.add_row(
            str(event.version),
            event.recorded_at.strftime("%Y-%m-%d %H:%M:%S"),
            event.type,
            str(event.metadata.get("actor", "")),
            event_details(event),
        )
    console.print(table)


def event_details(event: RecordedEvent) -> str:
    """One line about an event, for timelines in the terminal and in Slack."""
    data = event.data
    match event.type:
        case "DocumentSubmitted" | "VersionSubmitted":
            return f"{data['filename']} ({data['size']:,} bytes, {data['file_key'][:20]})"
        case "DocumentConverted":
            return (
                f"{data['pages']} pages, {data['sections']} sections, {data['words']} words, "
                f"sha256 {data['sha256'][:12]}"
            )
        case "DocumentRejected":
            return f"{data['reason']}: {data['message']}"
        case "AnalysisStarted":
            return f"{', '.join(data['providers'])}, checklist {data['checklist_version']}"
        case "AnalysisCompleted":
            return f"score {data['score']:.2f}, {len(data['findings'])} findings"
        case "AnalysisFailed":
            return data["reason"]
        case "FindingAccepted" | "FindingRejected":
            return f"finding {data['finding_id']}" + (
                f": {data['reason']}" if data.get("reason") else ""
            )
        case "QuestionAsked":
            return data["text"]
        case "QuestionAnswered":
            return f"{len(data['citations'])} citations ({data['provider']})"
        case "SlackMessagePosted":
            return f"{data['key']} in {data['channel_id']}"
        case "ReportExported":
            return f"to {data['channel_id']}"
        case "ThreadLinked":
            return f"chosen in thread {data['thread_ts']} of {data['channel_id']}"
        case "JobRetried":
            spent = _plural(data["attempts"], "attempt")
            error = data.get("last_error")
            return f"job {data['job_id']} ({data['kind']}) after {spent}" + (
                f": {one_line(error, 120)}" if error else ""
            )
    return ""


def print_jobs(console: Console, rows: list[JobRow], *, now: datetime) -> None:
    """A table of jobs, then each job's last error on one line of its own: errors are long,
    and in a table column they would be squeezed to a few letters on narrow terminals."""
    if not rows:
        console.print("No jobs to show.")
        return
    table = Table(title="Jobs")
    for column in ("id", "kind", "state", "document", "attempts", "age"):
        table.add_column(column, no_wrap=True, overflow="ellipsis")
    for row in rows:
        job = row.job
        document = row.filename or (str(row.document_id)[:8] if row.document_id else "")
        table.add_row(
            str(job.id),
            job.kind,
            job.state,
            one_line(document, 40),
            f"{job.attempts}/{job.max_attempts}",
            age(now - job.created_at),
        )
    console.print(table)
    failed = [row.job for row in rows if row.job.last_error]
    if failed:
        console.print("Last errors:", style="bold")
    for job in failed:
        prefix = f"  {job.id}  "
        error = one_line(job.last_error or "", max(console.width - len(prefix), 20))
        console.print(prefix + error, markup=False, highlight=False, soft_wrap=True)


def one_line(text: str, limit: int) -> str:
    """Whitespace (tracebacks, newlines) collapsed and cut to `limit` characters."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def age(elapsed: timedelta) -> str:
    """Coarse and short: `45s`, `12m`, `3h`, `2d`."""
    seconds = max(int(elapsed.total_seconds()), 0)
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"
