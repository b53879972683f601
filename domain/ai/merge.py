"""One list of findings from the rules engine and a model, each problem reported once.

The rules finding wins a tie: it is deterministic and its id is already known to earlier
reviews of the document, so accepting or rejecting it carries across versions. The model
may still raise its severity, since it read the surrounding text the rules engine did not.
"""

from __future__ import annotations

from collections.abc import Iterable

from domain.ai.grounding import Location, QuoteIndex, normalise
from domain.findings import SEVERITIES, Finding
from domain.ir import DocumentIR


def merge_findings(
    rules: Iterable[Finding], model: Iterable[Finding], ir: DocumentIR
) -> list[Finding]:
    """Rules findings plus the model findings that are not near-duplicates of one, most
    severe first, then in document order (absences after quoted findings), like the rules
    engine orders its own.

    A model finding duplicates a rules finding when their quotes are the same after
    normalisation, when the quoted passages overlap, or when both are in the same section
    (both absences count as the same place) and the same category. Between two model
    findings only the quote tests apply: the model was asked to report each problem once,
    so two of its findings in one section and category are two problems.
    """
    index = QuoteIndex(ir)
    kept = [_Placed(finding, index) for finding in rules]
    for finding in model:
        candidate = _Placed(finding, index)
        twin = next((placed for placed in kept if placed.duplicates(candidate)), None)
        if twin is None:
            kept.append(candidate)
        elif _rank(finding) < _rank(twin.finding):
            twin.finding = twin.finding.model_copy(update={"severity": finding.severity})
    order = {section.id: number for number, section in enumerate(ir.sections)}
    return [placed.finding for placed in sorted(kept, key=lambda p: p.order(order))]


class _Placed:
    """A finding with where its quote is in the document, for comparing and ordering."""

    def __init__(self, finding: Finding, index: QuoteIndex) -> None:
        self.finding = finding
        evidence = finding.evidence
        self.quote = normalise(evidence.quote, ignore_case=True) if evidence else ""
        self.location: Location | None = (
            index.locate(evidence.quote, evidence.section) if evidence else None
        )

    @property
    def section(self) -> str | None:
        evidence = self.finding.evidence
        if self.location is not None:
            return self.location.section.id
        return evidence.section if evidence else None

    def duplicates(self, other: _Placed) -> bool:
        if self.quote and self.quote == other.quote:
            return True
        mine, theirs = self.location, other.location
        if (
            mine is not None
            and theirs is not None
            and mine.section.id == theirs.section.id
            and mine.offset < theirs.end
            and theirs.offset < mine.end
        ):
            return True
        return (
            self.finding.source == "rules"
            and self.section == other.section
            and self.finding.category == other.finding.category
        )

    def order(self, sections: dict[str, int]) -> tuple[int, int, int, int]:
        severity = _rank(self.finding)
        if self.finding.evidence is None:
            return (severity, 1, 0, 0)
        if self.location is None:
            return (severity, 0, len(sections), 0)
        return (severity, 0, sections[self.location.section.id], self.location.offset)


def _rank(finding: Finding) -> int:
    return SEVERITIES.index(finding.severity)
