"""The offline rules review: checklist coverage plus quoted checks (docs/review-engine.md).
Pure and deterministic; no I/O."""

from domain.review.checklist import CHECKLIST_VERSION, RULES
from domain.review.engine import RulesReview, review_document, review_rules
from domain.review.rules import RedFlag, Rule
from domain.review.score import Score, score

__all__ = [
    "CHECKLIST_VERSION",
    "RULES",
    "RedFlag",
    "Rule",
    "RulesReview",
    "Score",
    "review_document",
    "review_rules",
    "score",
]
