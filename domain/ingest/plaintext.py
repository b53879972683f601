"""Plain text: headings only from wording (numbering, upper case, title case)."""

from __future__ import annotations

from domain.ingest.headings import LineHeadings
from domain.ingest.sections import ParsedDocument, SectionAssembler


def read_plain_text(text: str) -> ParsedDocument:
    assembler = SectionAssembler()
    detector = LineHeadings()
    first_line: str | None = None
    for raw in text.split("\n"):
        line = raw.strip()
        first_line = first_line or line or None
        heading = detector.classify(line)
        if heading is None:
            assembler.text(raw.rstrip())
        else:
            assembler.heading(heading)
    return ParsedDocument(assembler, None, None, first_line)
