"""Checklist coverage: which rows the document addresses, which are missing, and which of its
sentences carry a red flag."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

from domain.checks import CheckRunner
from domain.findings import SEVERITIES
from domain.review.checklist import AREA_GAPS, RULES
from domain.review.concepts import covered_in_own_words
from domain.review.context import Context
from domain.review.doctype import absence_severity, applies
from domain.review.draft import Draft
from domain.review.rules import Area, RedFlag, Rule
from domain.review.screen import screened
from domain.review.text import flexible, quote_span

_FLAGS = re.IGNORECASE
_NUMBER = re.compile(r"\d+(?:\.\d+)?")


@dataclass(frozen=True, slots=True)
class _Compiled:
    covers: re.Pattern[str] | None
    required_if: re.Pattern[str] | None


@cache
def _compiled(rule: Rule) -> _Compiled:
    joined = "|".join(f"(?:{flexible(p)})" for p in rule.covers)
    covers = re.compile(joined, _FLAGS) if rule.covers else None
    required = re.compile(flexible(rule.required_if), _FLAGS) if rule.required_if else None
    return _Compiled(covers, required)


@cache
def _pattern(pattern: str) -> re.Pattern[str]:
    return re.compile(flexible(pattern), _FLAGS)


def is_covered(rule: Rule, context: Context) -> bool:
    if rule.ir_check == "formulas" and context.ir.formulas:
        return True
    pattern = _compiled(rule).covers
    if pattern is None:
        return True
    for match in context.document.finditer(pattern):
        if not rule.with_number or context.has_number_around(match.start(), match.end()):
            return True
    return covered_in_own_words(rule.id, context)


def is_required(rule: Rule, context: Context) -> bool:
    pattern = _compiled(rule).required_if
    return pattern is None or context.document.search(pattern) is not None


# A production specification that points at its research (a backtest, a validation report) is
# not the place to ask for the research's data and backtest hygiene.
_RESEARCH_ELSEWHERE = re.compile(
    r"\b(?:backtest|research|validation) (?:report|note|paper|document|study)\b|"
    r"\bmodel validation\b|\bvalidated by\b|\bindependent(?:ly)? validat\w+",
    re.IGNORECASE,
)


screened(
    _RESEARCH_ELSEWHERE,
    *(p for rule in RULES for p in (_compiled(rule).covers, _compiled(rule).required_if) if p),
    *(
        _pattern(p)
        for rule in RULES
        for flag in rule.red_flags
        for p in (flag.pattern, flag.unless_document)
        if p
    ),
)


def _research_elsewhere(context: Context) -> bool:
    return context.kind == "live" and context.document.search(_RESEARCH_ELSEWHERE) is not None


def review_coverage(context: Context, answered: set[str], runner: CheckRunner) -> Iterator[Draft]:
    """Red flags, then one finding per missing row; `answered` rows already have a quoted
    finding from the IR checks, which says more than "missing" would."""
    missing: dict[Area, list[Rule]] = defaultdict(list)
    addressed: set[Area] = set()
    research_elsewhere = _research_elsewhere(context)
    for rule in RULES:
        if not applies(rule.scope, context.kind) or not is_required(rule, context):
            continue
        covered = runner.run(rule.key, True, is_covered, rule, context)
        flagged = False
        for flag in rule.red_flags:
            if flag.unless_covered and covered:
                continue
            drafts = runner.run(f"{rule.id}/{flag.name}", [], _red_flag, rule, flag, context)
            flagged = flagged or bool(drafts)
            yield from drafts
        if not rule.covers:
            continue
        if covered or flagged or rule.id in answered:
            addressed.add(rule.area)
        elif not (rule.scope == "research" and research_elsewhere):
            missing[rule.area].append(rule)
    for area, rules in missing.items():
        if area not in addressed and len(rules) >= 2:
            yield _area_gap(area, rules, context)
        else:
            yield from (_absence(rule, context) for rule in rules)


def _absence(rule: Rule, context: Context) -> Draft:
    return Draft(
        rule=rule.key,
        category=rule.category,
        severity=absence_severity(rule.severity, rule.scope, context.kind),
        title=rule.title,
        detail=f"Nothing in the document covers this. {rule.rationale}",
        suggestion=rule.suggestion,
        checklist_id=rule.id,
    )


def _area_gap(area: Area, rules: list[Rule], context: Context) -> Draft:
    """A whole area missing is one finding listing its rows, not a dozen separate ones."""
    severities = [absence_severity(r.severity, r.scope, context.kind) for r in rules]
    title, suggestion = AREA_GAPS[area]
    listed = "; ".join(f"{r.id} {r.title.lower()}" for r in rules)
    return Draft(
        rule=f"{area}-absent",
        category=rules[0].category,
        severity=min(severities, key=SEVERITIES.index),
        title=title,
        detail=f"The document says nothing on any of: {listed}.",
        suggestion=suggestion,
    )


def _red_flag(rule: Rule, flag: RedFlag, context: Context) -> list[Draft]:
    return list(_red_flag_drafts(rule, flag, context))


def _red_flag_drafts(rule: Rule, flag: RedFlag, context: Context) -> Iterator[Draft]:
    if flag.kinds and context.kind not in flag.kinds:
        return
    if flag.unless_document and context.document.search(_pattern(flag.unless_document)):
        return
    pattern = _pattern(flag.pattern)
    unless = _pattern(flag.unless_sentence) if flag.unless_sentence else None
    # A flag that only fires when the row is missing is that absence, anchored to the
    # sentence that needs it, so it is scaled like one.
    severity = flag.severity or rule.severity
    if flag.unless_covered:
        severity = absence_severity(severity, rule.scope, context.kind)
    for sentence in context.sentences_for(pattern):
        text = sentence.text
        for match in pattern.finditer(text):
            if unless is not None and unless.search(text):
                break
            if flag.min_value is not None and not _exceeds(match.group(), flag.min_value):
                continue
            words = " ".join(match.group().split())
            start = sentence.start + match.start()
            yield Draft(
                rule=f"{rule.id}/{flag.name}",
                category=rule.category,
                severity=severity,
                title=flag.title.format(match=words),
                detail=flag.detail.format(match=words),
                suggestion=rule.suggestion,
                span=quote_span(sentence, start, start + len(match.group())),
                checklist_id=rule.id,
            )
            if flag.once:
                return
            break


def _exceeds(matched: str, minimum: float) -> bool:
    """The last number in the match is the value the flag is about (a Sharpe of 3.4)."""
    numbers = _NUMBER.findall(matched)
    return bool(numbers) and float(numbers[-1]) > minimum
