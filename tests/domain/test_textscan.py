"""`domain.textscan.finditer` must find exactly what `Pattern.finditer` finds, and a
pattern's needles must occur (folded) in everything it matches."""

from __future__ import annotations

import re

import pytest

from domain.semantics import parameters
from domain.textscan import finditer, fold, needles, starts

SAMPLES = (
    "The lookback window is 252 trading days; the cap is $5 mn and USD 2.5 billion.",
    "Revision 12 set the cap to 7% with effect from 2018-07-23, version 1.2.3, 16:00.",
    "EUR 3, GBP4, €10, £ 7 and 2.5x leverage on a 20-day window; 1,000,000 shares.",
    "",
)


@pytest.mark.parametrize("pattern", [parameters._VALUE_RE, parameters._UNIT_FIRST])
@pytest.mark.parametrize("text", SAMPLES)
def test_finditer_matches_plain_finditer(pattern: re.Pattern[str], text: str) -> None:
    assert starts(pattern) is not None
    expected = [(m.span(), m.groups()) for m in pattern.finditer(text)]
    assert [(m.span(), m.groups()) for m in finditer(pattern, text)] == expected


@pytest.mark.parametrize(
    "source", [r"a?", r"(?i)abc", r"[^a]b", r"(?:x|)y?", r"(a)\1", r"\s*x", r"[\]^-]z"]
)
def test_starts_is_none_or_exact(source: str) -> None:
    pattern = re.compile(source)
    text = "ab b] z^z -z xx a\ta aa Abc abc"
    found = [(m.span(), m.groups()) for m in finditer(pattern, text)]
    assert found == [(m.span(), m.groups()) for m in pattern.finditer(text)]
    if source in (r"a?", r"(?i)abc", r"[^a]b", r"(?:x|)y?"):
        assert starts(pattern) is None


# Each letter and every other character re matches it with under IGNORECASE.
_CASES = {"ε": "Εϵ", "σ": "Σς", "ſ": "sS", "ı": "iI", "µ": "μΜ", "±": ""}


@pytest.mark.parametrize(
    ("source", "flags"),
    [(f"x{char}y", flags) for char in _CASES for flags in (0, re.IGNORECASE)]
    + [(r"(?i:ε)", 0), (r"(?-i:ε)", re.IGNORECASE), (r"ab|ε", re.IGNORECASE)],
)
def test_non_ascii_needles_cover_every_case_form(source: str, flags: int) -> None:
    pattern = re.compile(source, flags)
    words = needles(pattern)
    assert words is not None
    for char, others in _CASES.items():
        for form in char + others:
            text = source.replace(char, form) if char in source else ""
            for match in pattern.finditer(text):
                assert any(word in fold(match.group()) for word in words)
