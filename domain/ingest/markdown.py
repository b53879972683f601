"""Markdown reading: ATX and setext headings, pipe tables; everything else is kept verbatim.

Code blocks are skipped for heading detection (a "# comment" in a fenced block is
not a heading) but kept as text, since formulas often live in them.
"""

from __future__ import annotations

import re

from domain.ingest.headings import Heading, split_number
from domain.ingest.sections import ParsedDocument, SectionAssembler

_ATX = re.compile(r" {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*")
_SETEXT = re.compile(r" {0,3}(?:=+|-+)[ \t]*")
_FENCE = re.compile(r" {0,3}(`{3,}|~{3,})")
_DELIMITER_ROW = re.compile(r"[ \t]*\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*")
_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_EMPHASIS = re.compile(r"\*\*|__|`")
_FRONT_MATTER_TITLE = re.compile(r"title:\s*[\"']?(.*?)[\"']?\s*", re.I)
_MAX_FRONT_MATTER_LINES = 60
_CELL_SEPARATOR = re.compile(r"(?<!\\)\|")


def read_markdown(text: str) -> ParsedDocument:
    lines = text.split("\n")
    title, start = _front_matter(lines)
    assembler = SectionAssembler()
    first_h1: str | None = None
    fence: str | None = None
    i = start
    while i < len(lines):
        line = lines[i]
        following = lines[i + 1] if i + 1 < len(lines) else ""
        if fence is not None:
            if line.strip().startswith(fence):
                fence = None
            assembler.text(line)
        elif (opening := _FENCE.match(line)) is not None:
            fence = opening.group(1)
            assembler.text(line)
        elif (atx := _ATX.fullmatch(line)) is not None and atx.group(2):
            heading = _heading(atx.group(2), len(atx.group(1)))
            first_h1 = first_h1 or (heading.title if heading.level == 1 else None)
            assembler.heading(heading)
        elif _is_setext(line, following, lines[i - 1] if i > start else ""):
            heading = _heading(line, 1 if following.strip()[0] == "=" else 2)
            first_h1 = first_h1 or (heading.title if heading.level == 1 else None)
            assembler.heading(heading)
            i += 1
        elif "|" in line and "-" in following and _DELIMITER_ROW.fullmatch(following):
            i = _table(lines, i, assembler)
            continue
        else:
            assembler.text(line)
        i += 1
    first_line = next((line.strip() for line in lines[start:] if line.strip()), None)
    return ParsedDocument(assembler, title or first_h1, None, first_line)


def _heading(raw: str, level: int) -> Heading:
    cleaned = _EMPHASIS.sub("", _LINK.sub(r"\1", raw)).strip()
    heading = split_number(cleaned)
    return Heading(heading.title, heading.number, level)


def _is_setext(line: str, following: str, previous: str) -> bool:
    """A paragraph's single line underlined by = or -; after a blank line only."""
    stripped = line.strip()
    return (
        bool(stripped)
        and not previous.strip()
        and bool(following.strip())
        and _SETEXT.fullmatch(following) is not None
        and not stripped.startswith(("-", "*", "+", ">", "|"))
    )


def _table(lines: list[str], start: int, assembler: SectionAssembler) -> int:
    """Add the pipe table starting at `start`; return the index after it."""
    rows = [_cells(lines[start])]
    end = start + 2
    while end < len(lines) and lines[end].strip() and "|" in lines[end]:
        rows.append(_cells(lines[end]))
        end += 1
    assembler.table(rows)
    return end


def _cells(line: str) -> list[str]:
    stripped = line.strip()
    if stripped.startswith("|"):
        stripped = stripped[1:]
    if stripped.endswith("|") and not stripped.endswith("\\|"):
        stripped = stripped[:-1]
    return [cell.strip() for cell in _CELL_SEPARATOR.split(stripped)]


def _front_matter(lines: list[str]) -> tuple[str | None, int]:
    """YAML front matter's title, and the first line after it."""
    if not lines or lines[0].strip() != "---":
        return None, 0
    for end in range(1, min(len(lines), _MAX_FRONT_MATTER_LINES)):
        if lines[end].strip() in ("---", "..."):
            titles = (_FRONT_MATTER_TITLE.fullmatch(line) for line in lines[1:end])
            title = next((match.group(1) for match in titles if match), None)
            return title or None, end + 1
    return None, 0
