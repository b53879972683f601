"""Turning a list of field vocabulary into one regular expression."""

from __future__ import annotations

from collections.abc import Iterable


def alternation(terms: Iterable[str]) -> str:
    """Longest first, so "market depth" wins over "depth"; a space matches any whitespace
    because extracted text wraps lines mid-phrase."""
    unique = sorted(set(terms), key=len, reverse=True)
    return "(?:" + "|".join(term.replace(" ", r"\s+") for term in unique) + ")"


def words(text: str) -> frozenset[str]:
    """A vocabulary written as one space-separated string."""
    return frozenset(text.split())
