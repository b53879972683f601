"""Semantic extraction over ingested sections and tables.

Ingest calls `extract_semantics` once per document; the rules engine reads the
result (and its `issues`) instead of re-parsing text, so every check quotes the
same spans and pages. Each extractor runs isolated: one that raises on a document
costs its own output (recorded in `failures`), never the whole review.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from domain.checks import CheckFailure, CheckRunner
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
    # Extractors that raised; ingest records them as `DocumentIR.failed_checks`.
    failures: list[CheckFailure] = field(default_factory=list)


def extract_semantics(sections: list[Section], tables: list[Table]) -> Semantics:
    """Run every extractor, then the cross-cutting validations that need all of them; an
    extractor that raises leaves its output empty and the others whole."""
    runner = CheckRunner()
    formulas, where_definitions = runner.run(
        "semantics/formulas", ([], []), extract_formulas, sections
    )
    definitions = runner.run("semantics/definitions", [], extract_definitions, sections, tables)
    definitions = definitions + where_definitions
    parameters = runner.run("semantics/parameters", [], extract_parameters, sections, tables)
    references = runner.run("semantics/references", [], extract_references, sections, tables)
    issues = runner.run(
        "semantics/validation",
        [],
        validate,
        sections,
        tables,
        definitions,
        formulas,
        parameters,
        references,
    )
    return Semantics(definitions, formulas, parameters, references, issues, runner.failures)
