"""What kind of document this is, because the checklist is calibrated for a production
algorithm specification and over-reports on anything else.

- "live": the document sends orders or will run in production (two or more distinct live-
  trading markers: kill switch, pre-trade controls, venues, order types, go-live ...).
  Every rule applies at its checklist severity.
- "index": an index methodology (the title or text speaks of index levels, index
  calculation, base dates or an index committee) with no live-trading markers. Research and
  operational rules do not apply (an index calculation agent does not send orders or claim an
  edge); missing core and oversight items are one level lower.
- "strategy": anything else, a research or portfolio strategy write-up. Operational and
  oversight items are one level lower, as REVIEW-CHECKLIST.md allows for write-ups that never
  mention live trading.

Only findings about something *missing* are scaled (and, outside a live specification, capped
at "high"): a quoted problem is just as wrong in an index methodology as in a trading
specification.
"""

from __future__ import annotations

import re
from typing import Literal

from domain.findings import SEVERITIES, Severity
from domain.review.rules import Scope
from domain.review.screen import Haystack

DocumentKind = Literal["live", "strategy", "index"]

_LIVE_MARKERS = tuple(
    re.compile(pattern, re.IGNORECASE)
    for pattern in (
        r"\bkill[- ]?switch",
        r"\blive trading\b|\bin production\b|\bproduction (?:environment|trading|system)\b",
        r"\bgo[- ]live\b|\bdeployment\b",
        r"\bpre[- ]trade\b",
        r"\b(?:order management|execution management)\b|\b(?-i:OMS|EMS)\b",
        r"\b(?:child|parent|limit|market|stop) orders?\b|\border types?\b",
        r"\btrading venues?\b|\bvenues?\b",
        r"\b(?-i:FIX) (?:session|protocol|gateway)\b|\bmarket access\b",
        r"\bposition limits?\b[^.\n]{0,40}\breject",
    )
)
_INDEX_TITLE = re.compile(r"\bindex\b", re.IGNORECASE)
_INDEX_MARKERS = tuple(
    re.compile(pattern, re.IGNORECASE)
    for pattern in (
        r"\bindex methodology\b",
        r"\bindex (?:level|value|calculation|divisor)\b",
        r"\bbase (?:date|level|value)\b",
        r"\bindex (?:committee|provider|administrator|sponsor|calculation agent)\b",
        r"\b(?:index|its) constituents\b|\bconstituents of the index\b",
        r"\breconstitution\b",
    )
)

_SHIFT: dict[Scope, dict[DocumentKind, int | None]] = {
    "core": {"live": 0, "strategy": 0, "index": 1},
    "research": {"live": 0, "strategy": 0, "index": None},
    "operational": {"live": 0, "strategy": 1, "index": None},
    "oversight": {"live": 0, "strategy": 1, "index": 1},
}


def classify(title: str, document: Haystack) -> DocumentKind:
    """`document` is the text, headings included."""
    live = sum(1 for marker in _LIVE_MARKERS if document.search(marker))
    if live >= 2:
        return "live"
    titled = Haystack(f"{title}\n{document.text}")
    index_hits = sum(1 for marker in _INDEX_MARKERS if titled.search(marker))
    if (_INDEX_TITLE.search(title) is not None and index_hits >= 1) or index_hits >= 2:
        return "index"
    return "strategy"


def applies(scope: Scope, kind: DocumentKind) -> bool:
    return _SHIFT[scope][kind] is not None


def absence_severity(severity: Severity, scope: Scope, kind: DocumentKind) -> Severity:
    """The severity of a missing item for this kind of document (never below "info").

    Outside a live specification an absence is capped at "high": the reader cannot be sure
    the item was in scope, while a quoted problem is certain, so quoted criticals lead.
    """
    shifted = lower(severity, _SHIFT[scope][kind] or 0)
    return "high" if kind != "live" and shifted == "critical" else shifted


def lower(severity: Severity, steps: int) -> Severity:
    index = min(SEVERITIES.index(severity) + steps, len(SEVERITIES) - 1)
    return SEVERITIES[index]
