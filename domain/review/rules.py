"""The shape of a checklist rule. Rules are data (checklist.toml) so the checklist can be
versioned, listed in the docs and reviewed by a domain expert without reading matching code."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Literal

from pydantic import ConfigDict

from domain.findings import Category, Severity

Area = Literal[
    "logic",
    "data",
    "backtest",
    "costs",
    "execution",
    "risk",
    "governance",
    "calendar",
    "clarity",
]
# Who a rule is for (see doctype.py): "core" applies to every methodology, "research" to
# strategies that claim an edge from a backtest, "operational" to systems that send orders,
# "oversight" to anything run under a governance framework.
Scope = Literal["core", "research", "operational", "oversight"]

# checklist.py validates these dataclasses with pydantic: a misspelt key or an empty text in
# checklist.toml is an error, not a silently ignored default.
_STRICT_DATA = ConfigDict(extra="forbid", str_min_length=1)


@dataclass(frozen=True, slots=True)
class RedFlag:
    """Words that signal a known problem; a match becomes a finding quoting them."""

    __pydantic_config__: ClassVar[ConfigDict] = _STRICT_DATA
    name: str
    pattern: str
    title: str
    detail: str
    severity: Severity | None = None
    unless_sentence: str | None = None
    unless_document: str | None = None
    unless_covered: bool = False
    # The first number after the match must exceed this (e.g. a Sharpe ratio above 3).
    min_value: float | None = None
    once: bool = False
    # Only raised for these document kinds (doctype.py); empty means every kind.
    kinds: tuple[Literal["live", "strategy", "index", "research", "model", "product"], ...] = ()


@dataclass(frozen=True, slots=True)
class Rule:
    __pydantic_config__: ClassVar[ConfigDict] = _STRICT_DATA
    id: str
    name: str
    area: Area
    scope: Scope
    category: Category
    severity: Severity
    title: str
    rationale: str
    source: str
    suggestion: str
    # Any match anywhere (headings or text) means the document addresses the rule.
    covers: tuple[str, ...] = ()
    # The covering sentence must also state a number (an entry rule needs a threshold).
    with_number: bool = False
    # Only expected when the document talks about this (e.g. trial counts when it optimises).
    required_if: str | None = None
    # Checked structurally by an IR check instead of by keyword coverage.
    ir_check: str | None = None
    red_flags: tuple[RedFlag, ...] = ()

    @property
    def key(self) -> str:
        """What a finding's `rule` field carries: "SL-01/no-hypothesis"."""
        return f"{self.id}/{self.name}"
