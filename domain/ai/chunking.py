"""Split a long document into parts a model reviews concurrently, along section lines.

A section is the unit a reviewer reasons about (a formula and the definitions under it),
so sections stay whole and in order; only a section larger than the whole budget is cut,
at paragraph breaks, and each piece keeps the section's label and its own pages so quotes
from it are still cited correctly.
"""

from __future__ import annotations

import math
import re

from domain.ai.prompts import render_document, render_section
from domain.ir import DocumentIR, Section

# Tokens are estimated from characters: English prose runs about 4 characters per token
# with current tokenizers, but strategy documents are dense with figures, symbols and
# formulas, which tokenise shorter, so 3.5 keeps the estimate on the safe side.
CHARS_PER_TOKEN = 3.5
DEFAULT_BUDGET = 12_000
_PARAGRAPH = re.compile(r"\n\s*\n")
_SPACE = re.compile(r"\s+")


def estimate_tokens(text: str) -> int:
    return math.ceil(len(text) / CHARS_PER_TOKEN)


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
        for piece in _pieces(section, room):
            cost = estimate_tokens(render_section(piece)) + 1  # +1: the joining newline
            if current and used + cost > room:
                groups.append(current)
                current, used = [], 0
            current.append(piece)
            used += cost
    if current:
        groups.append(current)
    return groups


def _pieces(section: Section, room: int) -> list[Section]:
    """The section itself when it fits, else consecutive pieces of it that each fit."""
    overhead = estimate_tokens(render_section(section.model_copy(update={"text": ""}))) + 1
    limit = math.floor((room - overhead) * CHARS_PER_TOKEN)
    if len(section.text) <= limit:
        return [section]
    if limit <= 0:
        raise ValueError(f"a section label alone exceeds the budget: {section.label!r}")
    return [_piece(section, start, end) for start, end in _spans(section.text, limit)]


def _spans(text: str, limit: int) -> list[tuple[int, int]]:
    """Cut points at paragraph breaks, packing paragraphs up to `limit` characters; a single
    paragraph longer than that is cut at the last whitespace before the limit."""
    breaks = [match.end() for match in _PARAGRAPH.finditer(text)]
    spans: list[tuple[int, int]] = []
    start = 0
    while len(text) - start > limit:
        fitting = [cut for cut in breaks if start < cut <= start + limit]
        if fitting:
            cut = fitting[-1]
        else:
            spaces = [m.end() for m in _SPACE.finditer(text, start + 1, start + limit)]
            cut = spaces[-1] if spaces else start + limit
        spans.append((start, cut))
        start = cut
    spans.append((start, len(text)))
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
