"""The review's screening: the shared helpers of `domain.textscan`, and the needle set every
review module declares its patterns in, so that one pass over a document finds the needles
of all of them (`Context` builds the index once per review)."""

from __future__ import annotations

import re

from domain.textscan import Haystack, Needles, NeedleSet, fold, needles

__all__ = ["SCREENED", "Haystack", "Needles", "fold", "needles", "screened"]

SCREENED = NeedleSet()


def screened(*patterns: re.Pattern[str]) -> None:
    """Declare patterns a check screens with, at import, before the first review."""
    SCREENED.add(*patterns)
