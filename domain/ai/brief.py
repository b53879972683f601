"""The document brief: what every part of a long document needs to know about the whole.

A part reviewed alone would flag every term, symbol and parameter defined in another part
as undefined. The brief carries what the IR already knows about the whole document (its
outline, definitions, parameters and formulas with their symbols) ahead of each part's
text, identical for every part, so it is also the prefix a review's calls share in the
provider's cache. It is bounded by a token budget; what does not fit is counted, not cut
mid-line.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from domain.ai.prompts import attribute, neutralise
from domain.ai.tokens import estimate_tokens
from domain.ir import DocumentIR

DEFAULT_BRIEF_TOKENS = 4_000
# Shares of the budget, in the order the blocks appear; definitions and symbols come first
# because a part that lacks them reports false "undefined" findings.
_SHARES = (("Definitions", 0.35), ("Formulas and their symbols", 0.2), ("Parameters", 0.15))
_OUTLINE_SHARE = 0.3
_FORMATS = {
    "application/pdf": "PDF",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "Word",
    "text/markdown": "Markdown",
    "text/x-rst": "reStructuredText",
    "text/plain": "plain text",
}


def render_brief(ir: DocumentIR, budget: int = DEFAULT_BRIEF_TOKENS) -> str:
    """The brief between `<brief>` markers; deterministic for a given IR, so every call of
    one review sends it byte-identical."""
    attributes = [
        f'title="{attribute(ir.title)}"',
        f'format="{_FORMATS.get(ir.media_type, attribute(ir.media_type))}"',
        f'pages="{ir.pages}"',
        f'sections="{len(ir.sections)}"',
        f'words="{ir.words}"',
    ]
    blocks = [
        f"<brief {' '.join(attributes)}>",
        "What the whole document contains. A term, symbol or parameter listed here is "
        "defined in the section named, even when that section is not in the text you see.",
        *_block("Outline", _outline(ir), round(budget * _OUTLINE_SHARE)),
    ]
    for (title, share), lines in zip(
        _SHARES, (_definitions(ir), _formulas(ir), _parameters(ir)), strict=True
    ):
        blocks += _block(title, lines, round(budget * share))
    blocks.append("</brief>")
    return "\n".join(blocks)


def _block(title: str, lines: Iterable[str], budget: int) -> list[str]:
    """`title:` and as many lines as fit in `budget` tokens, then how many were left out."""
    listed = list(lines)
    if not listed:
        return []
    kept: list[str] = []
    used = estimate_tokens(title) + 2
    for line in listed:
        cost = estimate_tokens(line) + 1
        if used + cost > budget:
            break
        kept.append(line)
        used += cost
    if len(kept) < len(listed):
        kept.append(f"(and {len(listed) - len(kept)} more not listed)")
    return [f"{title}:", *kept]


def _outline(ir: DocumentIR) -> Iterator[str]:
    for section in ir.sections:
        pages = ""
        if section.page_start is not None:
            end = section.page_end
            span = f"{section.page_start}-{end}" if end and end != section.page_start else ""
            pages = f" [p. {span or section.page_start}]"
        indent = "  " * max(section.level - 1, 0)
        yield f"{indent}{_line(section.label, 120)}{pages}"


def _definitions(ir: DocumentIR) -> Iterator[str]:
    seen: set[str] = set()
    for definition in ir.definitions:
        key = definition.term.casefold()
        if key in seen:
            continue
        seen.add(key)
        where = _where(ir, definition.section_id)
        yield f"- {_line(definition.term, 60)}: {_line(definition.meaning, 160)}{where}"


def _formulas(ir: DocumentIR) -> Iterator[str]:
    for formula in ir.formulas:
        symbols = ", ".join(dict.fromkeys(formula.variables))
        uses = f"; symbols: {_line(symbols, 120)}" if symbols else ""
        yield f"- {_line(formula.text, 160)}{_where(ir, formula.section_id)}{uses}"


def _parameters(ir: DocumentIR) -> Iterator[str]:
    for parameter in ir.parameters:
        yield f"- {_line(parameter.text, 120)}{_where(ir, parameter.section_id)}"


def _where(ir: DocumentIR, section_id: str | None) -> str:
    section = ir.section(section_id)
    return f" [{_line(section.label, 80)}]" if section is not None else ""


def _line(text: str, limit: int) -> str:
    """One line of document text, neutralised (it is data) and at most `limit` characters."""
    flat = " ".join(neutralise(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"
