"""A finding before ids, merging and ordering: checks produce these, the engine finishes them."""

from __future__ import annotations

from dataclasses import dataclass

from domain.findings import Category, Severity
from domain.review.text import Span


@dataclass(frozen=True, slots=True)
class Draft:
    rule: str
    category: Category
    severity: Severity
    title: str
    detail: str
    suggestion: str
    span: Span | None = None
    # The checklist row this finding answers; a quoted finding for a row replaces the
    # generic "missing" finding for it.
    checklist_id: str | None = None
    # How sure the check is that this is a real problem: ranks findings of one severity and
    # decides which of two checks on the same words speaks for both.
    confidence: float = 0.7
