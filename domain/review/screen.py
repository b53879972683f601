"""The review's name for the shared screening helpers, which now live in `domain.textscan`
so semantic extraction (which the review depends on) can use them too."""

from __future__ import annotations

from domain.textscan import Haystack, Needles, fold, needles

__all__ = ["Haystack", "Needles", "fold", "needles"]
