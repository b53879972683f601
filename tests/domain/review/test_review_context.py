"""Quoted findings read context: negation, examples, test descriptions, quoted
counter-examples, figurative verbs, captions that exist, stated conventions, recursions and
symbols defined in place do not raise them; positive controls show the same wording does
when the problem is real.

Cases live in context_cases.py; each becomes a small Markdown strategy document that goes
through the real ingest.
"""

from __future__ import annotations

import pytest
from context_cases import CASES, NEGATIVE, POSITIVE, ContextCase

from domain.findings import Finding
from domain.ingest import ingest
from domain.review import review_rules

TITLE = "US Sector Rotation Strategy"
OVERVIEW = (
    "The strategy rotates among the eleven SPDR sector ETFs listed on NYSE Arca and is "
    "rebalanced by the production trading system."
)


def markdown(case: ContextCase) -> str:
    parts = [f"# {TITLE}", "## 1. Overview", OVERVIEW]
    number = 1
    for heading, text in case.sections:
        if heading.lower().startswith("appendix"):
            parts.append(f"## {heading}")
        else:
            number += 1
            parts.append(f"## {number}. {heading}")
        parts.append(text)
    return "\n\n".join(parts) + "\n"


def matching(findings: list[Finding], case: ContextCase) -> list[Finding]:
    needle = case.needle.lower()
    return [
        f
        for f in findings
        if f.evidence is not None
        and (needle in f.evidence.quote.lower() or needle in f.title.lower())
        and f.category in case.categories
        and (case.severities is None or f.severity in case.severities)
    ]


def case_id(case: ContextCase) -> str:
    return f"{'control' if case.present else 'quiet'}-{case.kind}-{case.name}"


def test_suite_shape() -> None:
    assert len(NEGATIVE) >= 25
    assert len(POSITIVE) >= 10
    assert len({case_id(c) for c in CASES}) == len(CASES)
    for case in CASES:
        assert any(case.needle.lower() in text.lower() for _, text in case.sections), case.name


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_context(case: ContextCase) -> None:
    ir = ingest(markdown(case).encode(), "case.md", max_bytes=10_000_000)
    hits = matching(review_rules(ir), case)
    shown = "; ".join(f"{f.rule} [{f.category}/{f.severity}] {f.evidence.quote!r}" for f in hits)
    if case.present:
        assert hits, f"expected a {sorted(case.categories)} finding on {case.needle!r}"
    else:
        assert not hits, f"{case.needle!r} is not a problem in this context, but: {shown}"
