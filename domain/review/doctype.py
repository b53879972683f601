"""What kind of document this is, because the checklist is calibrated for a production
algorithm specification and over-reports on anything else.

- "live": the document sends orders or will run in production (two or more distinct live-
  trading markers: kill switch, pre-trade controls, venues, order types, go-live ...).
  Every rule applies at its checklist severity.
- "index": an index methodology (an index title with constituents, reconstitution, a parent
  index, base dates or an index committee). Research and operational rules do not apply (an
  index calculation agent does not send orders or claim an edge).
- "research": a paper, thesis or backtest report (abstract, "this paper", "we find", et al.
  citations, references). Research rules apply; production controls and governance do not.
- "model": model documentation (intended use, model owner, validation, limitations):
  governance applies in full, production controls do not.
- "product": a vendor's product or service note: only core items, two levels lower.
- "strategy": anything else, a strategy write-up: operational items two levels lower,
  oversight one.

Only findings about something *missing* are scaled, and outside a live specification they
are capped at "medium" (at "high" for the research rows of a strategy or research write-up:
costs, out-of-sample testing, look-ahead): the reader cannot be sure the item was in scope,
while a quoted problem is certain, so quoted findings lead.
"""

from __future__ import annotations

import re
from typing import Literal

from domain.findings import SEVERITIES, Severity
from domain.review.rules import Scope
from domain.review.screen import Haystack, screened

DocumentKind = Literal["live", "strategy", "index", "research", "model", "product"]


def _markers(*patterns: str) -> tuple[re.Pattern[str], ...]:
    """Case-insensitive, and `^`/`$` at line ends, so headings ("Abstract") can be matched."""
    return tuple(re.compile(p, re.IGNORECASE | re.MULTILINE) for p in patterns)


# Markers that something runs in production, and markers of execution detail; a document is
# "live" with two markers, at least one of them a production marker.
_PRODUCTION_MARKERS = _markers(
    r"\bkill[- ]?switch",
    r"\blive trading\b|\bin production\b|\bproduction (?:environment|trading|system)\b",
    r"\bgo[- ]live\b|\bdeployment\b",
    r"\bpre[- ]trade\b",
    r"\b(?:order management|execution management)\b|\b(?-i:OMS|EMS)\b",
    r"\b(?-i:FIX) (?:session|protocol|gateway)\b|\bmarket access\b",
)
_EXECUTION_MARKERS = _markers(
    r"\b(?:child|parent|limit|market|stop) orders?\b|\border types?\b",
    r"\btrading venues?\b|\bvenues?\b",
    r"\bposition limits?\b[^.\n]{0,40}\breject",
)
_LIVE_OUT_OF_SCOPE = re.compile(
    r"\b(?:live (?:implementation|trading|execution)|production (?:implementation|trading|"
    r"deployment)|execution|implementation)\b[^.\n]{0,40}\b(?:is|are) (?:out of|outside|beyond) "
    r"(?:the )?scope\b|\b(?:out of|outside) (?:the )?scope[^.\n]{0,30}\blive\b|"
    r"\b(?:does not|doesn't|do not|will not) (?:cover|address|describe) (?:the )?(?:live|"
    r"production)\b",
    re.IGNORECASE,
)
_INDEX_TITLE = re.compile(r"\bindex\b|\bindices\b", re.IGNORECASE)
_INDEX_MARKERS = _markers(
    r"\bindex methodology\b",
    r"\bindex (?:level|value|calculation|divisor)\b",
    r"\bbase (?:date|level|value)\b",
    r"\bindex (?:committee|provider|administrator|sponsor|calculation agent)\b",
    r"\b(?:index|its) constituents\b|\bconstituents of the index\b|\bconstituents?\b",
    r"\breconstitution\b|\bthe index is (?:rebalanced|reviewed|reconstituted|weighted)\b",
    r"\bparent index\b|\bunderlying index\b|\bselection pool\b",
)
# An academic paper, thesis or backtest report: it argues from results, it runs nothing.
_RESEARCH_MARKERS = _markers(
    r"^\s*abstract\b",
    r"\b(?:this|the present|our) (?:paper|study|thesis|dissertation|article|report)\b",
    r"\bwe (?:propose|find|show|document|examine|investigate|study|test|present)\b",
    r"\b(?:literature review|related work|prior literature|previous studies)\b",
    r"\bet al\.",
    r"^\s*(?:\d+\.?\s*)?(?:references|bibliography|conclusions?)\s*$",
    r"\bour (?:results|findings|sample|analysis)\b",
)
_MODEL_MARKERS = _markers(
    r"\bmodel (?:documentation|risk|owner|validation|inventory|limitations?|tiering)\b",
    r"\bintended use\b",
    r"\b(?-i:SR) ?11-7\b|\b(?-i:SS1/23)\b",
    r"\b(?:calibration|recalibration) of the model\b|\bmodel (?:is|was) calibrated\b",
    r"\boutcomes analysis\b|\bconceptual soundness\b",
)
_PRODUCT_MARKERS = _markers(
    r"\bour (?:platform|product|solution|service|offering|tool|clients|customers)\b",
    r"\b(?:clients|customers|users) can\b",
    r"\b(?:subscription|licen[cs]ing|pricing plans?|request a demo|contact us|free trial)\b",
    r"\bkey features\b|\bfeatures include\b|\bwe offer\b",
    r"\b(?:dashboard|web interface|REST API|SDK)\b",
)
screened(
    _LIVE_OUT_OF_SCOPE,
    *_PRODUCTION_MARKERS,
    *_EXECUTION_MARKERS,
    *_INDEX_MARKERS,
    *_RESEARCH_MARKERS,
    *_MODEL_MARKERS,
    *_PRODUCT_MARKERS,
)

# Steps lower than the checklist severity for a missing item, or None where the item is not
# expected of that kind of document at all.
_SHIFT: dict[Scope, dict[DocumentKind, int | None]] = {
    "core": {"live": 0, "strategy": 0, "index": 1, "research": 1, "model": 1, "product": 2},
    "research": {
        "live": 2, "strategy": 0, "index": None, "research": 0, "model": 1, "product": None,
    },
    "operational": {
        "live": 0, "strategy": 2, "index": None, "research": None, "model": None,
        "product": None,
    },
    "oversight": {
        "live": 0, "strategy": 1, "index": 1, "research": None, "model": 0, "product": None,
    },
}  # fmt: skip


def classify(title: str, document: Haystack) -> DocumentKind:
    """`document` is the text, headings included."""
    if document.search(_LIVE_OUT_OF_SCOPE):
        # "Live implementation is out of scope": a backtest or research specification.
        return "research"
    production = _hits(_PRODUCTION_MARKERS, document)
    if production and production + _hits(_EXECUTION_MARKERS, document) >= 2:
        return "live"
    text = f"{title}\n{document.text}"
    # Its few needles are found on demand: a second pass for every declared needle would
    # cost more than these searches.
    titled = Haystack(text)
    index_hits = sum(1 for marker in _INDEX_MARKERS if titled.search(marker))
    if (_INDEX_TITLE.search(title) is not None and index_hits >= 1) or index_hits >= 3:
        return "index"
    scores: dict[DocumentKind, int] = {
        "research": _hits(_RESEARCH_MARKERS, document),
        "model": _hits(_MODEL_MARKERS, document),
        "product": _hits(_PRODUCT_MARKERS, document),
    }
    kind = max(scores, key=lambda k: scores[k])
    return kind if scores[kind] >= 2 else "strategy"


def _hits(markers: tuple[re.Pattern[str], ...], document: Haystack) -> int:
    return sum(1 for marker in markers if document.search(marker))


def applies(scope: Scope, kind: DocumentKind) -> bool:
    return _SHIFT[scope][kind] is not None


def absence_severity(severity: Severity, scope: Scope, kind: DocumentKind) -> Severity:
    """The severity of a missing item for this kind of document (never below "info").

    See the module docstring for the caps outside a live specification.
    """
    shifted = lower(severity, _SHIFT[scope][kind] or 0)
    if kind == "live":
        return shifted
    cap: Severity = "high" if kind in ("strategy", "research") and scope == "research" else "medium"
    return cap if SEVERITIES.index(shifted) < SEVERITIES.index(cap) else shifted


def lower(severity: Severity, steps: int) -> Severity:
    index = min(SEVERITIES.index(severity) + steps, len(SEVERITIES) - 1)
    return SEVERITIES[index]
