"""Runs every check and turns drafts into the findings a reviewer would post: one per
problem, most severe first, each quote checked against the document."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace

from domain.checks import CheckFailure, CheckRunner
from domain.findings import SEVERITIES, Finding, finding_id
from domain.ir import DocumentIR
from domain.review.assertion import is_asserted
from domain.review.context import Context
from domain.review.coverage import review_coverage
from domain.review.draft import Draft
from domain.review.ir_checks import review_ir
from domain.review.text import Span


@dataclass(frozen=True, slots=True)
class RulesReview:
    findings: list[Finding]
    # Extractors (recorded in the IR) and rules that raised on this document.
    failures: list[CheckFailure]


def review_rules(ir: DocumentIR) -> list[Finding]:
    """The offline, deterministic review of one document."""
    return review_document(ir).findings


def review_document(ir: DocumentIR) -> RulesReview:
    """The findings, and which checks could not run: one failing check never fails a review."""
    runner = CheckRunner()
    context = Context(ir)
    checked = [d for d in review_ir(context, runner) if _asserted(d)]
    quoted = _merge([d for d in checked if d.span is not None])
    answered = {d.checklist_id for d in quoted if d.checklist_id}
    covered = [d for d in review_coverage(context, answered, runner) if _asserted(d)]
    drafts = [*quoted, *(d for d in checked if d.span is None), *covered]
    located = _merge([d for d in drafts if d.span is not None])
    located = sorted(located, key=lambda d: _order(context, d))
    if ir.words > LONG_DOCUMENT_WORDS:
        located = _limit_repeats(located)
    absent = _limit_absences(
        sorted((d for d in drafts if d.span is None), key=lambda d: _order(context, d)),
        MAX_ABSENCES[context.kind == "live"],
    )
    ordered = sorted(located + absent, key=lambda d: _order(context, d))
    findings: dict[str, Finding] = {}
    for draft in ordered:
        finding = runner.run(draft.rule, None, _finding, draft)
        if finding is not None:
            findings.setdefault(finding.id, finding)
    return RulesReview(list(findings.values()), [*ir.failed_checks, *runner.failures])


# In a short document each hit is its own problem; in a long one a check that fires again and
# again is one habit of the author.
LONG_DOCUMENT_WORDS = 3000
MAX_REPEATS = 4


def _limit_repeats(ordered: list[Draft]) -> list[Draft]:
    """The first few findings of each check are shown; the last of them lists where else it
    occurs."""
    kept: list[Draft] = []
    shown: dict[str, list[int]] = defaultdict(list)
    extra: dict[str, list[str]] = defaultdict(list)
    for draft in ordered:
        assert draft.span is not None
        if len(shown[draft.rule]) < MAX_REPEATS:
            shown[draft.rule].append(len(kept))
            kept.append(draft)
        else:
            extra[draft.rule].append(draft.span.section.label)
    for rule, labels in extra.items():
        index = shown[rule][-1]
        places = ", ".join(dict.fromkeys(labels))
        if len(places) > 300:
            places = places[:300].rsplit(", ", 1)[0] + ", ..."
        last = kept[index]
        kept[index] = replace(
            last,
            detail=f"{last.detail} The same problem occurs {len(labels)} more times: {places}.",
        )
    return kept


# How many "not covered" findings a review lists before folding the rest into one line: a
# production specification answers to the whole checklist, a write-up to its core.
MAX_ABSENCES = {True: 8, False: 2}


def _limit_absences(ordered: list[Draft], limit: int) -> list[Draft]:
    """Whole-area gaps ("No governance: ...") already summarise their rows and always stay;
    single rows beyond the limit are folded."""
    areas = [d for d in ordered if d.rule.endswith("-absent")]
    rows = [d for d in ordered if not d.rule.endswith("-absent")]
    if len(rows) <= limit + 1:
        return ordered  # folding one row into a line saves nothing
    kept, rest = rows[:limit], rows[limit:]
    listed = "; ".join(_listed(d) for d in rest)
    return [
        *areas,
        *kept,
        Draft(
            rule="more-not-covered",
            category="clarity",
            severity="info",
            title=f"{len(rest)} more checklist topics are not covered",
            detail=f"Also not covered, each less important for this kind of document: {listed}.",
            suggestion="Cover them if they apply to how this strategy is built or run; "
            "otherwise say in the document that they are out of scope.",
        ),
    ]


def _listed(draft: Draft) -> str:
    """ "EX-03 Capacity is not estimated": the row's id, so readers can look it up."""
    return f"{draft.checklist_id} {draft.title}" if draft.checklist_id else draft.title


def _asserted(draft: Draft) -> bool:
    return draft.span is None or is_asserted(draft.span, draft.rule)


def _order(context: Context, draft: Draft) -> tuple[int, int, float, int, int]:
    """Severity, quoted before absent, then confidence, then document order."""
    severity = SEVERITIES.index(draft.severity)
    if draft.span is None:
        return (severity, 1, -draft.confidence, 0, 0)
    section = context.order[draft.span.section.id]
    return (severity, 0, -draft.confidence, section, draft.span.start)


def _merge(drafts: list[Draft]) -> list[Draft]:
    """Two checks quoting overlapping words are one problem seen twice: keep the more severe
    finding and fold the other's title into its detail. Kept findings are indexed by title
    and by stretch of their section, so a draft meets only those it could merge with, not
    every finding of a long section."""
    kept: list[Draft] = []
    titles: dict[tuple[str, str], int] = {}
    stretches: dict[tuple[str, int], list[int]] = defaultdict(list)
    for draft in sorted(drafts, key=lambda d: (SEVERITIES.index(d.severity), -d.confidence)):
        span = draft.span
        assert span is not None
        section = span.section.id
        candidates = [titles.get((section, draft.title))]
        for stretch in _stretches(span):
            candidates += [
                index
                for index in stretches[section, stretch]
                if (other := kept[index].span) is not None and other.same_problem(span)
            ]
        found = min((index for index in candidates if index is not None), default=None)
        if found is not None:
            other = kept[found]
            if draft.title not in other.detail and draft.title != other.title:
                kept[found] = _fold(other, draft)
            continue
        titles.setdefault((section, draft.title), len(kept))
        for stretch in _stretches(span):
            stretches[section, stretch].append(len(kept))
        kept.append(draft)
    return kept


_STRETCH = 256


def _stretches(span: Span) -> range:
    """The stretches of its section a span covers: two overlapping spans share one."""
    return range(span.start // _STRETCH, max(span.end - 1, span.start) // _STRETCH + 1)


def _fold(keep: Draft, extra: Draft) -> Draft:
    return replace(keep, detail=f"{keep.detail} Also: {extra.title[:1].lower()}{extra.title[1:]}.")


def _finding(draft: Draft) -> Finding:
    evidence = draft.span.evidence() if draft.span is not None else None
    return Finding(
        id=finding_id(draft.rule, evidence),
        rule=draft.rule,
        category=draft.category,
        severity=draft.severity,
        title=draft.title,
        detail=draft.detail,
        suggestion=draft.suggestion,
        evidence=evidence,
        source="rules",
    )
