"""Split a long document into parts a model reviews concurrently, along its own structure.

A section is the unit a reviewer reasons about (a formula and the definitions under it),
so sections stay whole and in order; only a section larger than the whole budget is cut,
at the coarsest boundary that fits: between paragraphs (a blank line, or a line break after
a sentence's end), else between sentences, else at whitespace. Each piece keeps the
section's label and its own pages, so quotes from it are still cited correctly. What the
other parts define travels with every part in the document brief (`domain.ai.brief`), so
the budget here is for the part's own text.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from domain.ai.prompts import render_document, render_section
from domain.ai.tokens import estimate_tokens
from domain.ir import DocumentIR, Section

DEFAULT_BUDGET = 12_000
# Where a piece may end, coarsest first: after a paragraph (a blank line, or a line break
# that follows a sentence's last character), after a sentence, after any whitespace.
_PARAGRAPH = re.compile(r"\n[ \t]*\n\s*|(?<=[.:;!?)\]])[ \t]*\n\s*")
_SENTENCE = re.compile(r"(?<=[.!?;])[\"'”’)\]]*\s+(?=[\"'“‘(\[]*[A-Z0-9•\-–(])")
_SPACE = re.compile(r"\s+")
_LEVELS = (_PARAGRAPH, _SENTENCE, _SPACE)


def chunk_document(ir: DocumentIR, budget: int = DEFAULT_BUDGET) -> list[str]:
    """The document as rendered chunks of at most `budget` estimated tokens each (a whole
    document that fits is one chunk, rendered without a `part` attribute)."""
    groups = chunk_sections(ir, budget)
    if len(groups) <= 1:
        return [render_document(ir)]
    return [
        render_document(ir, group, part=(number, len(groups)))
        for number, group in enumerate(groups, start=1)
    ]


def chunk_sections(ir: DocumentIR, budget: int = DEFAULT_BUDGET) -> list[list[Section]]:
    """Consecutive sections packed greedily under the budget, in document order."""
    # The document wrapper (with the longest `part` attribute) is paid once per chunk.
    wrapper = estimate_tokens(render_document(ir, [], part=(len(ir.sections), len(ir.sections))))
    room = budget - wrapper
    if room <= 0:
        raise ValueError(f"a budget of {budget} tokens leaves no room for any text")
    groups: list[list[Section]] = []
    current: list[Section] = []
    used = 0
    for section in ir.sections:
        for piece, cost in _pieces(section, room):
            if current and used + cost > room:
                groups.append(current)
                current, used = [], 0
            current.append(piece)
            used += cost
    if current:
        groups.append(current)
    return groups


def _pieces(section: Section, room: int) -> list[tuple[Section, int]]:
    """The section itself when it fits, else consecutive pieces of it that each fit, with
    what each costs rendered (+1: the newline joining it to the next)."""
    cost = estimate_tokens(render_section(section)) + 1
    if cost <= room:
        return [(section, cost)]
    overhead = estimate_tokens(render_section(section.model_copy(update={"text": ""}))) + 1
    if overhead >= room:
        raise ValueError(f"a section label alone exceeds the budget: {section.label!r}")
    pieces = [
        _piece(section, start, end)
        for start, end in split_text(section.text, room - overhead, estimate_tokens)
    ]
    return [(piece, estimate_tokens(render_section(piece)) + 1) for piece in pieces]


def split_text(text: str, limit: int, cost: Callable[[str], int]) -> list[tuple[int, int]]:
    """Consecutive (start, end) spans covering `text`, each costing at most `limit` where the
    text allows it, cut at the coarsest boundary of `_LEVELS` that does."""
    return _split(text, 0, len(text), limit, cost, 0)


def _split(
    text: str, start: int, end: int, limit: int, cost: Callable[[str], int], level: int
) -> list[tuple[int, int]]:
    if cost(text[start:end]) <= limit:
        return [(start, end)]
    if level == len(_LEVELS):  # one word longer than the budget: cut it where it must be
        return _cut_hard(text, start, end, limit, cost)
    cuts = [m.end() for m in _LEVELS[level].finditer(text, start, end) if start < m.end() < end]
    units = list(zip([start, *cuts], [*cuts, end], strict=True))
    spans: list[tuple[int, int]] = []
    open_start, used = start, 0
    for unit_start, unit_end in units:
        unit_cost = cost(text[unit_start:unit_end])
        if unit_cost > limit:
            if unit_start > open_start:
                spans.append((open_start, unit_start))
            spans += _split(text, unit_start, unit_end, limit, cost, level + 1)
            open_start, used = unit_end, 0
            continue
        if used + unit_cost > limit and unit_start > open_start:
            spans.append((open_start, unit_start))
            open_start, used = unit_start, 0
        used += unit_cost
    if open_start < end:
        spans.append((open_start, end))
    return spans


def _cut_hard(
    text: str, start: int, end: int, limit: int, cost: Callable[[str], int]
) -> list[tuple[int, int]]:
    spans = []
    while start < end:
        stop = end
        while stop - start > 1 and cost(text[start:stop]) > limit:
            stop = start + (stop - start) // 2
        spans.append((start, stop))
        start = stop
    return spans


def _piece(section: Section, start: int, end: int) -> Section:
    """`section.text[start:end]` as a section with the same label and its own pages."""
    first = section.page_at(start)
    offsets = [(0, first)] if first is not None and section.page_offsets else []
    offsets += [(at - start, page) for at, page in section.page_offsets if start < at < end]
    return section.model_copy(
        update={
            "text": section.text[start:end],
            "page_start": first,
            "page_end": section.page_at(max(start, end - 1)),
            "page_offsets": offsets,
        }
    )
