"""Screened matching finds exactly what the plain regex finds.

`screen.py` skips text by reading each pattern's parse tree (needle words, separators);
that is only safe if no match is ever lost or invented, on real documents or odd text.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

import domain.review
from domain.ingest import ingest
from domain.review import RULES
from domain.review.screen import Haystack, needles

EXAMPLES = Path(__file__).resolve().parents[3] / "docs" / "examples"


def _patterns() -> list[re.Pattern[str]]:
    found: set[re.Pattern[str]] = set()
    for module in pkgutil.iter_modules(domain.review.__path__):
        for value in vars(importlib.import_module(f"domain.review.{module.name}")).values():
            values = value if isinstance(value, tuple | list) else (value,)
            found.update(v for v in values if isinstance(v, re.Pattern))
    for rule in RULES:
        found.update(re.compile(p, re.I) for p in rule.covers)
        found.update(re.compile(flag.pattern, re.I) for flag in rule.red_flags)
    return sorted(found, key=lambda p: (p.pattern, p.flags))


PATTERNS = _patterns()
EXTRA_WORDS = ["the", "stock", "threshold", "is", "10%", "Section", "3.2", "days", "ß", "İ"]
WORDS = [*sorted({w for p in PATTERNS for w in needles(p) or ()}), *EXTRA_WORDS]


def _spans(matches: object) -> list[tuple[int, int]]:
    return [m.span() for m in matches]  # type: ignore[attr-defined]


def test_the_screen_covers_many_patterns() -> None:
    assert len(PATTERNS) > 100
    assert sum(needles(p) is not None for p in PATTERNS) > len(PATTERNS) // 2


def test_sample_documents_match_identically() -> None:
    texts = [
        ingest(path.read_bytes(), path.name, max_bytes=10 << 20).text
        for path in sorted(EXAMPLES.iterdir())
        if path.suffix in {".md", ".docx", ".pdf"}
    ]
    assert texts
    for text in texts:
        haystack = Haystack(text)
        for pattern in PATTERNS:
            assert _spans(haystack.finditer(pattern)) == _spans(pattern.finditer(text)), pattern


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.sampled_from(WORDS),
            st.sampled_from(WORDS).map(str.title),
            st.sampled_from([".", "\n", ", ", " ", "; ", "-"]),
        ),
        max_size=80,
    )
)
def test_generated_text_matches_identically(pieces: list[str]) -> None:
    text = " ".join(pieces)
    haystack = Haystack(text)
    for pattern in PATTERNS:
        assert _spans(haystack.finditer(pattern)) == _spans(pattern.finditer(text)), pattern
