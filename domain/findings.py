"""The Finding schema shared by the rules engine and AI providers (docs/review-engine.md)."""

from __future__ import annotations

import hashlib
from typing import Literal

from pydantic import BaseModel, ConfigDict

from domain.severity import SEVERITIES as SEVERITIES  # re-exported: one import for both
from domain.severity import Severity

Category = Literal[
    "undefined_parameter",
    "ambiguous_methodology",
    "incomplete_formula",
    "missing_reference",
    "data_source_unspecified",
    "market_calendar",
    "inconsistent_content",
    "external_dependency",
    "backtest_methodology",
    "costs_and_execution",
    "risk_controls",
    "missing_governance",
    "compliance_gap",
    "clarity",
]
Source = Literal["rules", "llm"]


class Evidence(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    quote: str
    section: str
    page: int | None = None


class Finding(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    rule: str
    category: Category
    severity: Severity
    title: str
    detail: str
    suggestion: str
    evidence: Evidence | None
    source: Source = "rules"


def finding_id(rule: str, evidence: Evidence | None, *, missing: str = "") -> str:
    """Stable across versions of a document, so a re-review can tell resolved from persisting.

    The section is left out on purpose: renumbering a section must not make a finding "new".
    An absence has no quote, so `missing` names what is missing (a model absence's title):
    two different gaps of one category are two findings, not one.
    """
    quote = " ".join(evidence.quote.split()).lower() if evidence else ""
    key = f"{rule}\x1f{quote}"
    if evidence is None and missing.strip():
        key += "\x1f" + " ".join(missing.split()).lower()
    return hashlib.sha256(key.encode()).hexdigest()[:16]
