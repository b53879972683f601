"""Structural problems visible from the extracted semantics alone.

Each issue names the offending numbers, symbols or values in its message, because
the rules engine turns the message into a finding a reviewer reads as-is.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable

from domain.ir import (
    CrossReference,
    Definition,
    Formula,
    Parameter,
    Section,
    Table,
    ValidationIssue,
)
from domain.semantics._text import normalize_name
from domain.semantics.symbols import is_constant, symbol_key, symbol_keys

_SECTION_NUMBER = re.compile(r"^(?:\d+(?:\.\d+)*|[A-Z](?:\.\d+)*)$")
_LAG = re.compile(r"[-−]\s*\d|\bt-|prev|lag", re.IGNORECASE)


def _number(section: Section) -> str | None:
    number = (section.number or "").strip().rstrip(".")
    return number if _SECTION_NUMBER.match(number) else None


def _duplicate_numbers(sections: list[Section]) -> Iterable[ValidationIssue]:
    seen: dict[str, Section] = {}
    for section in sections:
        number = _number(section)
        if number is None:
            continue
        if number in seen:
            first = seen[number]
            yield ValidationIssue(
                code="duplicate_section_number",
                message=f'Section number {number} is used twice: "{first.label}" and '
                f'"{section.label}".',
                section_id=section.id,
            )
        else:
            seen[number] = section


def _ordinal(part: str) -> int | None:
    if part.isdigit():
        return int(part)
    return ord(part) - ord("A") + 1 if len(part) == 1 and part.isalpha() else None


def _numbering_gaps(sections: list[Section]) -> Iterable[ValidationIssue]:
    """Compares each number with the previous sibling under the same parent."""
    last_child: dict[tuple[str, ...], tuple[int, str]] = {}
    for section in sections:
        number = _number(section)
        if number is None:
            continue
        parts = tuple(number.split("."))
        ordinal = _ordinal(parts[-1])
        if ordinal is None:
            continue
        previous = last_child.get(parts[:-1])
        if previous and ordinal > previous[0] + 1:
            yield ValidationIssue(
                code="numbering_gap",
                message=f"Section numbering jumps from {previous[1]} to {number}; "
                f"{ordinal - previous[0] - 1} section(s) missing in between.",
                section_id=section.id,
            )
        last_child[parts[:-1]] = (ordinal, number)


def _empty_sections(sections: list[Section], tables: list[Table]) -> Iterable[ValidationIssue]:
    """A heading directly followed by a deeper heading is a parent, not an empty section."""
    with_tables = {table.section_id for table in tables}
    for index, section in enumerate(sections):
        following = sections[index + 1] if index + 1 < len(sections) else None
        is_parent = following is not None and following.level > section.level
        if not section.text.strip() and not is_parent and section.id not in with_tables:
            yield ValidationIssue(
                code="empty_section",
                message=f'Section "{section.label}" has a heading but no content.',
                section_id=section.id,
            )


def _defined_keys(
    definitions: list[Definition], formulas: list[Formula], parameters: list[Parameter]
) -> set[str]:
    keys: set[str] = set()
    for definition in definitions:
        keys |= symbol_keys(definition.term)
    for formula in formulas:
        if formula.lhs:
            keys |= symbol_keys(formula.lhs)
    for parameter in parameters:
        keys |= symbol_keys(parameter.name)
    return keys


def _undefined_symbols(formulas: list[Formula], defined: set[str]) -> Iterable[ValidationIssue]:
    for formula in formulas:
        missing = [
            variable
            for variable in formula.variables
            if not is_constant(variable) and not symbol_keys(variable) & defined
        ]
        if missing:
            names = ", ".join(missing)
            yield ValidationIssue(
                code="undefined_symbol",
                message=f'Formula "{formula.text}" uses {names}, '
                f"which {'is' if len(missing) == 1 else 'are'} not defined anywhere "
                "in the document.",
                section_id=formula.section_id,
            )


def _unresolved_references(references: list[CrossReference]) -> Iterable[ValidationIssue]:
    reported: set[tuple[str, str, str | None]] = set()
    for reference in references:
        key = (reference.kind, reference.target, reference.section_id)
        if reference.resolved or key in reported:
            continue
        reported.add(key)
        if reference.kind == "document":
            message = (
                f'"{reference.text}" refers to the external document "{reference.target}", '
                "which is neither included nor listed in a references section."
            )
        else:
            message = (
                f'"{reference.text}" refers to {reference.kind} {reference.target}, '
                f"which does not exist in the document."
            )
        yield ValidationIssue(
            code="unresolved_reference", message=message, section_id=reference.section_id
        )


def _circular_formulas(formulas: list[Formula]) -> Iterable[ValidationIssue]:
    """Cycles between formulas; a lagged self-reference such as I_t = I_{t-1} * ... is fine."""
    graph: dict[str, set[str]] = defaultdict(set)
    names: dict[str, str] = {}
    sections: dict[str, str | None] = {}
    for formula in formulas:
        if not formula.lhs:
            continue
        head = symbol_key(formula.lhs)
        names.setdefault(head, formula.lhs)
        sections.setdefault(head, formula.section_id)
        for variable in formula.variables:
            if not _LAG.search(variable) and symbol_key(variable) != head:
                graph[head].add(symbol_key(variable))
    reported: set[frozenset[str]] = set()
    for start in sorted(graph):
        cycle = _cycle_from(start, graph)
        if cycle and frozenset(cycle) not in reported:
            reported.add(frozenset(cycle))
            path = " -> ".join(names[key] for key in [*cycle, cycle[0]])
            yield ValidationIssue(
                code="circular_formula",
                message=f"Formulas define each other in a circle: {path}.",
                section_id=sections[start],
            )


def _cycle_from(start: str, graph: dict[str, set[str]]) -> list[str] | None:
    """Shortest cycle through `start` (breadth-first), as the list of nodes on it."""
    parents: dict[str, str] = {}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for target in sorted(graph.get(node, ())):
                if target == start:
                    path = [node]
                    while path[-1] != start:
                        path.append(parents[path[-1]])
                    return list(reversed(path))
                if target not in parents and target in graph:
                    parents[target] = node
                    following.append(target)
        frontier = following
    return None


def _conflicting_parameters(parameters: list[Parameter]) -> Iterable[ValidationIssue]:
    """Same name and unit, different values, at least one stated as "name of value".

    Two adjectival mentions ("1-month return", "3-month return") describe different
    quantities, so they alone are not a conflict.
    """
    by_name: dict[tuple[str, str | None], list[Parameter]] = defaultdict(list)
    for parameter in parameters:
        by_name[(normalize_name(parameter.name), parameter.unit)].append(parameter)
    for (name, unit), stated in by_name.items():
        values = sorted({p.value for p in stated if p.value is not None})
        if len(values) < 2 or all(_value_first(p) for p in stated):
            continue
        quotes = "; ".join(f'"{p.text}"' for p in stated)
        shown = ", ".join(f"{value:g}{'' if unit is None else ' ' + unit}" for value in values)
        yield ValidationIssue(
            code="conflicting_parameter",
            message=f'Parameter "{name}" is stated with different values ({shown}): {quotes}.',
            section_id=stated[-1].section_id,
        )


def _value_first(parameter: Parameter) -> bool:
    return parameter.text[:1].isdigit() or parameter.text[:1] in "$€£"


def validate(
    sections: list[Section],
    tables: list[Table],
    definitions: list[Definition],
    formulas: list[Formula],
    parameters: list[Parameter],
    references: list[CrossReference],
) -> list[ValidationIssue]:
    """All issues, grouped by check, each group in document order."""
    defined = _defined_keys(definitions, formulas, parameters)
    return [
        *_duplicate_numbers(sections),
        *_numbering_gaps(sections),
        *_empty_sections(sections, tables),
        *_undefined_symbols(formulas, defined),
        *_circular_formulas(formulas),
        *_unresolved_references(references),
        *_conflicting_parameters(parameters),
    ]
