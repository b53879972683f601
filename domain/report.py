"""A review as data (the JSON contract in docs/review-engine.md) and as Markdown for tickets."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

from domain.findings import SEVERITIES, Severity
from domain.service import Review

F = TypeVar("F", bound=Mapping[str, Any])


def review_payload(review: Review) -> dict[str, Any]:
    """The `docsense review --format json` object for one analysed document."""
    ir, analysis = review.ir, review.analysis
    assert ir is not None and analysis is not None, "only analysed reviews have a payload"
    return {
        "document": {
            "id": str(review.document.id),
            "title": ir.title,
            "filename": ir.filename,
            "media_type": ir.media_type,
            "pages": ir.pages,
            "sections": len(ir.sections),
            "words": ir.words,
            "sha256": ir.sha256,
        },
        "analysis": {
            "id": str(analysis.analysis_id),
            "providers": analysis.providers,
            "duration_ms": analysis.duration_ms,
            "score": analysis.score,
            "counts": {s: analysis.counts.get(s, 0) for s in SEVERITIES},
            "usage": analysis.usage.model_dump(),
            "note": analysis.note,
        },
        "findings": [f.model_dump(mode="json") for f in analysis.findings],
    }


def quoted_and_absent(findings: Sequence[F]) -> tuple[list[F], list[F]]:
    """Findings with a quote, and those about something missing (`evidence` null), each
    in the given order: absences carry nothing to quote, so every rendering lists them
    together after the quoted ones instead of giving each a block of its own."""
    quoted = [f for f in findings if f.get("evidence")]
    return quoted, [f for f in findings if not f.get("evidence")]


def select(
    findings: Sequence[F], *, min_severity: Severity | None = None, limit: int | None = None
) -> tuple[list[F], int]:
    """The findings at `min_severity` or worse, at most `limit` of them in the given
    (most important first) order, and how many were left out."""
    kept = list(findings)
    if min_severity is not None:
        worst = SEVERITIES[: SEVERITIES.index(min_severity) + 1]
        kept = [f for f in kept if f["severity"] in worst]
    if limit is not None:
        kept = kept[:limit]
    return kept, len(findings) - len(kept)


def trimmed(
    payload: dict[str, Any], *, min_severity: Severity | None = None, limit: int | None = None
) -> dict[str, Any]:
    """The payload with only the selected findings and `omitted`, the number left out;
    `document` and `analysis` (whose counts cover every finding) stay as they are."""
    kept, omitted = select(payload["findings"], min_severity=min_severity, limit=limit)
    return {**payload, "findings": kept, "omitted": omitted}


def _counts_line(counts: dict[str, int]) -> str:
    return ", ".join(f"{counts.get(s, 0)} {s}" for s in SEVERITIES)


def render_markdown(payload: dict[str, Any]) -> str:
    document, analysis = payload["document"], payload["analysis"]
    lines = [
        f"# Review: {document['title']}",
        "",
        f"- **File:** `{document['filename']}` ({document['pages']} pages, "
        f"{document['sections']} sections, {document['words']} words)",
        f"- **Score:** {analysis['score']:.2f} / 1.00",
        f"- **Findings:** {_counts_line(analysis['counts'])}",
        f"- **Reviewed by:** {', '.join(analysis['providers'])} "
        f"in {analysis['duration_ms']} ms; document id `{document['id']}`",
    ]
    if analysis["usage"]["cost_usd"]:
        usage = analysis["usage"]
        lines.append(
            f"- **AI usage:** {usage['input_tokens']:,} input and {usage['output_tokens']:,} "
            f"output tokens, ${usage['cost_usd']:.4f}"
        )
    if analysis.get("note"):
        lines.append(f"- **Note:** {analysis['note']}")
    if payload.get("omitted"):
        shown = len(payload["findings"])
        lines.append(
            f"- **Shown:** {shown} of {shown + payload['omitted']} findings "
            f"({payload['omitted']} omitted)"
        )
    lines.append("")
    quoted, absent = quoted_and_absent(payload["findings"])
    for severity in SEVERITIES:
        findings = [f for f in quoted if f["severity"] == severity]
        if not findings:
            continue
        lines += [f"## {severity.capitalize()} ({len(findings)})", ""]
        for finding in findings:
            evidence = finding["evidence"]
            where = evidence["section"] + (f", page {evidence['page']}" if evidence["page"] else "")
            lines += [
                f"### {finding['title']}",
                "",
                f"> {' '.join(evidence['quote'].split())}",
                ">",
                f"> — {where}",
                "",
                finding["detail"],
                "",
                f"**Suggestion:** {finding['suggestion']}",
                "",
                f"<sub>{finding['rule']} · {finding['category']} · {finding['source']}</sub>",
                "",
            ]
    if absent:
        lines += [f"## Not covered ({len(absent)})", ""]
        lines += [
            f"- **{f['severity']}** {f['title']} — {f['suggestion']} <sub>{f['rule']}</sub>"
            for f in absent
        ]
    return "\n".join(lines).rstrip() + "\n"
