"""The same parameter stated with different values in different places (CL-04)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from domain.ir import Parameter
from domain.review.context import Context
from domain.review.draft import Draft
from domain.review.text import Span, normalise

# Names that label many different quantities ("40% weight", "30% weight" for two factors);
# two values for them are a list, not a contradiction.
_GENERIC = frozenset({"weight", "return", "value", "price", "level", "rate", "score", "size"})


def _key(parameter: Parameter) -> str:
    return " ".join(normalise(parameter.name).lower().removeprefix("the ").split())


def _locate(context: Context, parameter: Parameter) -> Span | None:
    section_text = context.section_text(parameter.section_id)
    candidates = [section_text] if section_text else context.sections
    wanted = normalise(parameter.text)
    for candidate in candidates:
        sentence = candidate.first_holding(wanted) if wanted else None
        if sentence is not None:
            return sentence
    return None


def _value(parameter: Parameter) -> str:
    unit = f" {parameter.unit}" if parameter.unit else ""
    return f"{parameter.value:g}{unit}"


def review_consistency(context: Context) -> Iterator[Draft]:
    groups: dict[str, list[Parameter]] = defaultdict(list)
    for parameter in context.ir.parameters:
        if parameter.value is not None:
            groups[_key(parameter)].append(parameter)
    for name, parameters in groups.items():
        first = parameters[0]
        if name in _GENERIC:
            continue
        other = next(
            (
                p
                for p in parameters[1:]
                if p.value != first.value
                and (p.unit or "") == (first.unit or "")
                and p.section_id != first.section_id
            ),
            None,
        )
        if other is None:
            continue
        first_span, other_span = _locate(context, first), _locate(context, other)
        if other_span is None or first_span is None:
            continue
        yield Draft(
            rule="conflicting-parameter",
            category="inconsistent_content",
            severity="high",
            title=f"'{first.name}' is given two values: {_value(first)} and {_value(other)}",
            detail=f"{first_span.section.label} says '{normalise(first_span.text)}' but "
            f"{other_span.section.label} says '{normalise(other_span.text)}'. An implementer "
            f"has to guess which {name} is right.",
            suggestion="State the value once (ideally in a parameter table), correct the other "
            "place, and refer to the table.",
            span=other_span,
            checklist_id="CL-04",
        )
