"""Checklist coverage generalises beyond keywords: paraphrased coverage is recognised,
and realistic near-miss passages are still reported as missing the topic.

Cases live in paraphrase_cases.py. Each passage becomes a small Markdown document that goes
through the real ingest, so nothing here depends on hand-built IR.

An absence finding is one with no evidence whose rule starts with the topic id, or an
area-level gap (no evidence) whose detail names the id. Topics that are only expected once
a trigger appears (optimisation, a fixed schedule, several markets' closes) are reported
at the trigger sentence, so for those a quoted finding under the topic's own rule id
counts as an absence finding too.
"""

from __future__ import annotations

import re

import pytest
from paraphrase_cases import CASES, Case

from domain.findings import Finding
from domain.ingest import ingest
from domain.review import review_rules

COVERED_TITLE = "Strategy Notes"
COVERED_HEADING = "Details"
LACKING_TITLE = "Live Trading Specification"
LACKING_HEADING = "Overview"

# Expected only when something in the document triggers them; the engine may quote the trigger.
TRIGGERED_TOPICS = frozenset({"BT-04", "BT-05", "MC-01", "MC-02", "MC-03"})
# Quoted checks that raise a triggered row's question in their own words.
SPEAKS_FOR = {
    "MC-01": frozenset({"ambiguous-day-count"}),
    "MC-02": frozenset({"ambiguous-roll-convention", "holidays-across-markets"}),
    "MC-03": frozenset({"cross-market-alignment", "schedule-without-time"}),
}


def markdown(case: Case) -> str:
    title = case.title or (COVERED_TITLE if case.covered else LACKING_TITLE)
    heading = case.heading or (COVERED_HEADING if case.covered else LACKING_HEADING)
    return f"# {title}\n\n## {heading}\n\n{case.passage}\n"


def absence_findings(findings: list[Finding], topic: str) -> list[Finding]:
    """Findings saying the topic is missing: its own rule, or an area-level gap naming it."""
    named = re.compile(rf"(?<![A-Z0-9-]){re.escape(topic)}(?![0-9])")
    own = [f for f in findings if f.rule.startswith(f"{topic}/")]
    # A quoted check that asks the row's question at the trigger (e.g. "data from several
    # markets is aligned without time zones" for MC-03) says the same thing, with a quote.
    speaking = SPEAKS_FOR.get(topic, frozenset())
    return [
        f
        for f in findings
        if (f.evidence is None and (f in own or named.search(f.detail)))
        or (
            f.evidence is not None
            and topic in TRIGGERED_TOPICS
            and (f in own or f.rule in speaking)
        )
    ]


def case_id(case: Case) -> str:
    return f"{case.topic}-{'covered' if case.covered else 'lacking'}-{case.name}"


def test_suite_shape() -> None:
    covered = [c for c in CASES if c.covered]
    lacking = [c for c in CASES if not c.covered]
    assert len(covered) >= 70
    assert len({c.topic for c in covered}) >= 25
    assert len(lacking) >= 35
    assert len({case_id(c) for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_paraphrase(case: Case) -> None:
    ir = ingest(markdown(case).encode(), "case.md", max_bytes=10_000_000)
    findings = review_rules(ir)
    missing = absence_findings(findings, case.topic)
    if case.covered:
        assert not missing, (
            f"{case.topic} is covered by the passage but reported missing: "
            + "; ".join(f"{f.rule}: {f.title}" for f in missing)
        )
    else:
        assert missing, (
            f"{case.topic} is absent from the passage but no finding says so; got: "
            + "; ".join(sorted({f.rule for f in findings}))
        )
