"""Semantic extraction over ingested sections and tables.

Ingest calls `extract_semantics` once per document; the rules engine reads the
result (and its `issues`) instead of re-parsing text, so every check quotes the
same spans and pages.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from domain.ir import (
    CrossReference,
    Definition,
    Formula,
    Parameter,
    Section,
    Table,
    ValidationIssue,
)
from domain.semantics.definitions import extract_definitions
from domain.semantics.formulas import extract_formulas
from domain.semantics.parameters import extract_parameters
from domain.semantics.references import extract_references
from domain.semantics.validation import validate

__all__ = ["Semantics", "extract_semantics"]


@dataclass(frozen=True, slots=True)
class Semantics:
    definitions: list[Definition] = field(default_factory=list)
    formulas: list[Formula] = field(default_factory=list)
    parameters: list[Parameter] = field(default_factory=list)
    cross_references: list[CrossReference] = field(default_factory=list)
    issues: list[ValidationIssue] = field(default_factory=list)


def extract_semantics(sections: list[Section], tables: list[Table]) -> Semantics:
    """Run every extractor, then the cross-cutting validations that need all of them."""
    formulas, where_definitions = extract_formulas(sections)
    definitions = extract_definitions(sections, tables) + where_definitions
    parameters = extract_parameters(sections, tables)
    references = extract_references(sections, tables)
    issues = validate(sections, tables, definitions, formulas, parameters, references)
    return Semantics(definitions, formulas, parameters, references, issues)
