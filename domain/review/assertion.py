"""Whether a sentence asserts what a check matched: examples, hypotheticals, test
descriptions and captions describe or illustrate, and a negated red flag says the opposite
("costs are not assumed to be zero"). Checks match words; this decides if the words count.
"""

from __future__ import annotations

import re

from domain.review.text import Span

_I = re.IGNORECASE
_ILLUSTRATION = re.compile(
    r"\b(?:for example|for instance|e\.g\.|as an example|by way of example|to illustrate|"
    r"illustrat\w+|hypothetical\w*|suppose|imagine|consider a\b|a toy example|"
    r"unit tests?|test cases?|the test (?:checks|asserts|verifies)|sanity checks?|"
    r"(?:checks|asserts|verifies) that|counter-?examples?|a common mistake|a naive|"
    r"say,|if [^.;]{0,60}\bever\b|were to|in principle|would have to)",
    _I,
)
# Words inside quotation marks are cited, not asserted ('an earlier draft said "capped"').
_QUOTED = re.compile(r"[\"“][^\"”\n]{1,240}[\"”]")
_CAPTION = re.compile(
    r"^\s*(?:figure|fig\.|table|chart|exhibit|graph|plot)\s+[\dA-Z][\w.]*\s*[:.–—-]", _I
)
# A table-of-contents line ("3.1 Eligible Securities ........ 13") names a section, it says
# nothing about it.
_CONTENTS_LINE = re.compile(r"(?:\.\s?){8,}")
_NEGATOR = re.compile(
    r"\b(?:not|no|never|nor|neither|cannot|n't|rather than|instead of|unlike|avoid\w*|"
    r"rejects?|refuses?)\b",
    _I,
)


def is_asserted(span: Span, rule: str) -> bool:
    """False when the quoted sentence only illustrates, tests or captions, or when a red flag
    (rules named "ID/flag") is negated just before the matched words."""
    text = span.text
    if _CAPTION.match(text) or _ILLUSTRATION.search(text) or _CONTENTS_LINE.search(text):
        return False
    if span.focus is not None and _inside_quotes(span):
        return False
    if "/" in rule and span.focus is not None:
        before = span.section.text[max(span.start, span.focus[0] - 40) : span.focus[0]]
        return _NEGATOR.search(before) is None
    return True


def _inside_quotes(span: Span) -> bool:
    assert span.focus is not None
    start, end = span.focus
    for quoted in _QUOTED.finditer(span.section.text, span.start, span.end):
        if quoted.start() < start and end <= quoted.end():
            return True
    return False
