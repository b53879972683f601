"""reStructuredText: adorned section titles, grid and simple tables.

RST has no fixed heading levels: each new adornment style (underline character,
with or without overline) gets the next level in order of first use, as in docutils.
"""

from __future__ import annotations

import itertools
import re

from domain.ingest.headings import Heading, split_number
from domain.ingest.sections import ParsedDocument, SectionAssembler

_ADORNMENT = re.compile(r"([!-/:-@\[-`{-~])\1{2,}[ \t]*")
_GRID_BORDER = re.compile(r"\+(?:[-=]+\+)+[ \t]*")
_SIMPLE_BORDER = re.compile(r"=+(?: +=+)+[ \t]*")
_EQUALS_RUN = re.compile(r"=+")
_COLUMN_RULE = re.compile(r"[ \t]*-[- \t]*")


class _Reader:
    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        self.assembler = SectionAssembler()
        self.styles: list[tuple[str, bool]] = []
        self.first_title: str | None = None

    def read(self) -> None:
        i = 0
        while i < len(self.lines):
            i = self._step(i)

    def _step(self, i: int) -> int:
        lines = self.lines
        line = lines[i]
        after = lines[i + 1] if i + 1 < len(lines) else ""
        after2 = lines[i + 2] if i + 2 < len(lines) else ""
        previous_blank = i == 0 or not lines[i - 1].strip()
        overline = _ADORNMENT.fullmatch(line)
        if overline and after.strip() and _same_adornment(after2, overline.group(1)):
            self._heading(after, (overline.group(1), True))
            return i + 3
        underline = _ADORNMENT.fullmatch(after) if line.strip() else None
        if (
            underline
            and previous_blank
            and not _ADORNMENT.fullmatch(line)
            and not line[0].isspace()
            and len(after.rstrip()) >= min(len(line.rstrip()), 4)
        ):
            self._heading(line, (underline.group(1), False))
            return i + 2
        if _GRID_BORDER.fullmatch(line):
            return self._grid_table(i)
        if _SIMPLE_BORDER.fullmatch(line):
            return self._simple_table(i)
        self.assembler.text(line)
        return i + 1

    def _heading(self, raw: str, style: tuple[str, bool]) -> None:
        if style not in self.styles:
            self.styles.append(style)
        heading = split_number(raw.strip())
        self.first_title = self.first_title or heading.title
        self.assembler.heading(Heading(heading.title, heading.number, self.styles.index(style) + 1))

    def _grid_table(self, start: int) -> int:
        """+---+---+ tables; a cell's lines between two borders are joined."""
        border = self.lines[start].rstrip()
        columns = [i for i, char in enumerate(border) if char == "+"]
        rows: list[list[str]] = []
        pending: list[list[str]] = [[] for _ in columns[1:]]
        end = start + 1
        while end < len(self.lines) and self.lines[end][:1] in ("+", "|"):
            line = self.lines[end]
            if line.startswith("+"):
                if any(pending):
                    rows.append([" ".join(parts) for parts in pending])
                pending = [[] for _ in columns[1:]]
            else:
                for index, (left, right) in enumerate(itertools.pairwise(columns)):
                    cell = line[left + 1 : right].strip()
                    if cell:
                        pending[index].append(cell)
            end += 1
        self.assembler.table(rows)
        return end

    def _simple_table(self, start: int) -> int:
        """=== === tables: columns from the top border; a row whose first cell is empty
        continues the previous row. The table ends at a border followed by a blank line."""
        spans = [match.span() for match in _EQUALS_RUN.finditer(self.lines[start])]
        rows: list[list[str]] = []
        end = start + 1
        while end < len(self.lines):
            line = self.lines[end]
            end += 1
            if _SIMPLE_BORDER.fullmatch(line):
                if end >= len(self.lines) or not self.lines[end].strip():
                    break
                continue
            if not line.strip() or _COLUMN_RULE.fullmatch(line):
                continue
            cells = _slice(line, spans)
            if rows and not cells[0]:
                rows[-1] = [
                    f"{old} {new}".strip() for old, new in zip(rows[-1], cells, strict=True)
                ]
            else:
                rows.append(cells)
        self.assembler.table(rows)
        return end


def read_rst(text: str) -> ParsedDocument:
    reader = _Reader(text.split("\n"))
    reader.read()
    first_line = next((line.strip() for line in reader.lines if _is_content(line)), None)
    return ParsedDocument(reader.assembler, reader.first_title, None, first_line)


def _same_adornment(line: str, char: str) -> bool:
    match = _ADORNMENT.fullmatch(line)
    return match is not None and match.group(1) == char


def _slice(line: str, spans: list[tuple[int, int]]) -> list[str]:
    starts = [start for start, _ in spans]
    ends = [*starts[1:], len(line)]
    return [line[start:end].strip() for start, end in zip(starts, ends, strict=True)]


def _is_content(line: str) -> bool:
    return bool(line.strip()) and not _ADORNMENT.fullmatch(line)
