"""The specific, quoted problems: the heart of a review, because each one points at words
an author can fix."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from domain.checks import CheckRunner
from domain.review.calendar_checks import review_calendar
from domain.review.consistency import review_consistency
from domain.review.context import Context
from domain.review.contradictions import (
    review_bounds,
    review_frequencies,
    review_weighting,
    review_windows,
)
from domain.review.criteria import review_criteria, review_measures
from domain.review.disclosures import review_disclosures
from domain.review.draft import Draft
from domain.review.formulas import review_formulas
from domain.review.hazards import review_hazards
from domain.review.references import review_references
from domain.review.reported_numbers import review_reported_numbers
from domain.review.schedules import review_schedules
from domain.review.sources import review_sources
from domain.review.vague import review_comparisons, review_unnamed_referents, review_vague

CHECKS = (
    review_references,
    review_formulas,
    review_hazards,
    review_vague,
    review_comparisons,
    review_unnamed_referents,
    review_consistency,
    review_bounds,
    review_frequencies,
    review_weighting,
    review_windows,
    review_criteria,
    review_measures,
    review_reported_numbers,
    review_disclosures,
    review_sources,
    review_calendar,
    review_schedules,
)


def review_ir(context: Context, runner: CheckRunner) -> Iterator[Draft]:
    """Each check runs whole or not at all: a failure costs only that check's findings."""
    for check in CHECKS:
        yield from runner.run(check.__name__, [], _all, check, context)


def _all(check: Callable[[Context], Iterator[Draft]], context: Context) -> list[Draft]:
    return list(check(context))
