"""The semantic intermediate representation every review works from.

Ingest builds it once per file (keyed by sha256); rules, AI prompts and question
answering all read it, so quotes and locations stay consistent across them.
"""

from __future__ import annotations

import bisect
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from domain.checks import CheckFailure

ReferenceKind = Literal["section", "table", "appendix", "exhibit", "figure", "annex", "document"]
DefinitionSource = Literal["quoted", "means", "defined_as", "glossary"]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Section(_Model):
    """A heading and the body text under it, up to the next heading of any level."""

    id: str
    number: str | None = None
    title: str
    level: int = 1
    page_start: int | None = None
    page_end: int | None = None
    text: str = ""
    # (offset into `text`, page number) at each page break inside the section,
    # so a quote found at an offset can be given its page.
    page_offsets: list[tuple[int, int]] = Field(default_factory=list)

    @property
    def label(self) -> str:
        """How a reviewer names the section: "2 Stock Selection"."""
        return f"{self.number} {self.title}".strip() if self.number else self.title

    def page_at(self, offset: int) -> int | None:
        if not self.page_offsets:
            return self.page_start
        starts = [start for start, _ in self.page_offsets]
        index = bisect.bisect_right(starts, offset) - 1
        return self.page_offsets[max(index, 0)][1]


class Table(_Model):
    id: str
    number: str | None = None
    caption: str | None = None
    section_id: str | None = None
    page: int | None = None
    rows: list[list[str]] = Field(default_factory=list)


class Definition(_Model):
    term: str
    meaning: str
    source: DefinitionSource
    section_id: str | None = None
    page: int | None = None


class Formula(_Model):
    text: str
    lhs: str | None = None
    variables: list[str] = Field(default_factory=list)
    section_id: str | None = None
    page: int | None = None


class Parameter(_Model):
    """A named quantity with a value, e.g. lookback = 60 days, cap = 5%."""

    name: str
    value: float | None
    unit: str | None = None
    text: str
    section_id: str | None = None
    page: int | None = None


class CrossReference(_Model):
    kind: ReferenceKind
    target: str
    text: str
    resolved: bool
    section_id: str | None = None
    page: int | None = None


class ValidationIssue(_Model):
    code: str
    message: str
    section_id: str | None = None


class DocumentIR(_Model):
    title: str
    filename: str
    media_type: str
    sha256: str
    pages: int
    words: int
    sections: list[Section]
    tables: list[Table] = Field(default_factory=list)
    definitions: list[Definition] = Field(default_factory=list)
    formulas: list[Formula] = Field(default_factory=list)
    parameters: list[Parameter] = Field(default_factory=list)
    cross_references: list[CrossReference] = Field(default_factory=list)
    issues: list[ValidationIssue] = Field(default_factory=list)
    # Extractors that raised on this document; their output is missing, the rest is whole.
    failed_checks: list[CheckFailure] = Field(default_factory=list)

    def section(self, section_id: str | None) -> Section | None:
        return next((s for s in self.sections if s.id == section_id), None)

    @property
    def text(self) -> str:
        """Headings and bodies in document order; what grounding checks quotes against."""
        return "\n\n".join(f"{s.label}\n{s.text}" for s in self.sections)
