"""One number per review, so a new version of a document can be seen to improve.

score = product over findings of (1 - weight[severity]), rounded to 3 places, with weights
critical 0.15, high 0.07, medium 0.03, low 0.01, info 0. Multiplying keeps the score in
[0, 1], makes every added finding lower it (monotone), and lets a single critical finding
cost as much as five medium ones.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from domain.findings import SEVERITIES, Finding, Severity

WEIGHTS: dict[Severity, float] = {
    "critical": 0.15,
    "high": 0.07,
    "medium": 0.03,
    "low": 0.01,
    "info": 0.0,
}


@dataclass(frozen=True, slots=True)
class Score:
    score: float
    counts: dict[Severity, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def score(findings: Iterable[Finding]) -> Score:
    counted = Counter(finding.severity for finding in findings)
    value = 1.0
    for severity, count in counted.items():
        value *= (1.0 - WEIGHTS[severity]) ** count
    return Score(
        score=round(value, 3),
        counts={severity: counted.get(severity, 0) for severity in SEVERITIES},
    )
