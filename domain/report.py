"""A review as data (the JSON contract in DESIGN.md) and as a Markdown report for tickets."""

from __future__ import annotations

from typing import Any

from domain.findings import SEVERITIES
from domain.service import Review


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
    lines.append("")
    for severity in SEVERITIES:
        findings = [f for f in payload["findings"] if f["severity"] == severity]
        if not findings:
            continue
        lines += [f"## {severity.capitalize()} ({len(findings)})", ""]
        for finding in findings:
            lines.append(f"### {finding['title']}")
            lines.append("")
            evidence = finding["evidence"]
            if evidence:
                where = evidence["section"] + (
                    f", page {evidence['page']}" if evidence["page"] else ""
                )
                lines += [f"> {' '.join(evidence['quote'].split())}", ">", f"> — {where}", ""]
            lines += [
                finding["detail"],
                "",
                f"**Suggestion:** {finding['suggestion']}",
                "",
                f"<sub>{finding['rule']} · {finding['category']} · {finding['source']}</sub>",
                "",
            ]
    return "\n".join(lines).rstrip() + "\n"
