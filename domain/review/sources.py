"""Things the strategy depends on but never names: a data vendor, a rating agency, a pricing
service, a model, a platform, a list ("from the pricing vendor", "the approved list", "our
proprietary model", "a third-party provider").

Vendors differ in adjustments, timestamps and coverage, and an unnamed model or list cannot
be reviewed, so each such dependency is a finding unless the document names it somewhere:
a proper name in the same phrase or a sentence that pairs the same words with one.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from domain.findings import Category, Severity
from domain.review.checklist import lexicon
from domain.review.context import Context, content_words
from domain.review.draft import Draft
from domain.review.screen import screened
from domain.review.terms import alternation, words
from domain.review.text import Span, quote_span
from domain.review.vague import role

_I = re.IGNORECASE

# Suppliers of data or prices, and things that compute or decide (checklist.toml lexicons).
DATA_SUPPLIERS = lexicon("data_suppliers")
DEPENDENCIES = lexicon("dependencies")
_DETERMINER = r"(?:the|a|an|our|its|their|one|some|various|internal|external|in-house)"
_FUNCTION_WORDS = (
    r"(?:the|a|an|our|its|their|from|by|via|of|to|in|on|for|with|and|or|is|are|be|using|as|"
    r"at|that|which|this|these|those|each|all|any)"
)
_MODIFIERS = rf"(?:(?!{_FUNCTION_WORDS}\b)[a-z][a-z-]*\s+){{0,3}}?"
_PHRASE = re.compile(
    rf"\b(?:(?P<det>{_DETERMINER})\s+)?(?P<mods>{_MODIFIERS})"
    rf"(?P<head>{alternation(DATA_SUPPLIERS + DEPENDENCIES)})\b",
    _I,
)
# Words that show the phrase is a dependency of the method, not prose about the world.
_RELIANCE = re.compile(
    r"\b(?:from|by|via|using|uses|use|used|per|through|provided|supplied|sourced|obtained|"
    r"calculated|computed|estimated|generated|derived|taken|based on|according to|relies|"
    r"rely|requires?|produced|published|maintained|determined|identified|assigned|on)\b",
    _I,
)
_GENERIC_MODIFIERS = words(
    "approved eligible relevant appropriate standard leading major reputable recognised "
    "recognized established reliable independent external internal third-party commercial "
    "proprietary in-house quantitative statistical pricing data rating risk analytics "
    "analytical scoring credit market selected designated preferred official chosen "
    "industry same"
)
_OWN_METHODS = words(
    "model models methodology framework algorithm system systems engine tool tools "
    "classification list lists service application library"
)
_PROPER = re.compile(r"(?-i:\b[A-Z][A-Za-z&'.]*[A-Z0-9a-z](?:\s+[A-Z][A-Za-z&'.]+)*\b)")
_NOT_NAMES = words(
    "The A An Our Its Their This That These Those Each All Any If When Where Section Table "
    "Appendix Figure Data Strategy Index Fund Portfolio Model Risk Buy Sell Select Exclude "
    "Corporate Treasury Credit Liquidity Default Default Price Prices Signal Signals Bond "
    "Bonds Equity Equities Company Companies Trading Market Markets It They We In On For "
    "From By With To Of As At Is Are"
)
_DATA_HEADS = frozenset(DATA_SUPPLIERS)
_DESCRIBED = re.compile(
    r"\b(?:is|are) (?:a|an|the)? ?(?:\w+ ){0,3}(?:model|regression|formula|defined|computed|"
    r"calculated|estimated|described|specified|documented)\b.{0,80}(?:\d|=|Section|Appendix)",
    _I | re.S,
)

screened(_PHRASE)


def review_sources(context: Context) -> Iterator[Draft]:
    reported: set[str] = set()
    named = _NamedElsewhere(context)
    for sentence in context.sentences_for(_PHRASE):
        if role(context, sentence.section) == "background":
            continue
        text = sentence.section.text
        for match in _PHRASE.finditer(text, sentence.start, sentence.end):
            draft = _check(named, sentence, match, reported)
            if draft is not None:
                yield draft


def _check(
    named: _NamedElsewhere, sentence: Span, match: re.Match[str], reported: set[str]
) -> Draft | None:
    head = " ".join(match.group("head").lower().split())
    modifiers = [w for w in match.group("mods").lower().split() if w]
    generic = [w for w in modifiers if w in _GENERIC_MODIFIERS]
    if match.group("det") is None and not generic:
        return None
    if head in _OWN_METHODS and len(generic) < len(modifiers):
        # "the momentum model" is the document's own method, judged by the formula checks.
        return None
    phrase = " ".join(match.group().split())
    key = " ".join([*modifiers, head])
    if key in reported:
        return None
    text = sentence.section.text
    before = text[sentence.start : match.start()]
    after = text[match.end() : min(sentence.end, match.end() + 60)]
    if not (_RELIANCE.search(before[-60:]) or _RELIANCE.search(after[:30])):
        return None
    if _named_nearby(after) or _names(match.group("mods")) or _possessive(before):
        return None
    if named(modifiers, head, sentence):
        return None
    reported.add(key)
    data = head in _DATA_HEADS
    category: Category = "data_source_unspecified" if data else "external_dependency"
    severity: Severity = "high"
    what = " ".join([*modifiers, head]).strip()
    return Draft(
        rule="unnamed-source" if data else "unnamed-dependency",
        category=category,
        severity=severity,
        title=f"{what[:1].upper()}{what[1:]} is not identified",
        detail=(
            f"The method relies on '{phrase}' but never says which one. "
            + (
                "Suppliers differ in coverage, timestamps, adjustments and methodology, so "
                "results cannot be reproduced or the dependency assessed."
                if data
                else "An unnamed model, system or list cannot be validated, versioned or "
                "replaced, and a reader cannot tell what it does."
            )
        ),
        suggestion=(
            "Name the supplier and dataset (e.g. 'ICE BofA evaluated prices, end of day, "
            "bid side'), and what happens when it is unavailable."
            if data
            else "Name it and describe or attach it: inputs, outputs, owner, version, "
            "validation status; for a list, who maintains it and where it is published."
        ),
        span=quote_span(sentence, match.start(), match.end()),
        checklist_id="DA-01" if data else None,
        confidence=0.65,
    )


def _names(text: str) -> list[str]:
    found = []
    for match in _PROPER.finditer(text):
        words = match.group().split()
        if all(w in _NOT_NAMES for w in words):
            continue
        found.append(match.group())
    return found


def _named_nearby(after: str) -> bool:
    """ "the pricing vendor (ICE)", "a provider such as MSCI", "the vendor: Bloomberg"."""
    head = re.match(r"\s*(?:\(|,\s*(?:i\.e\.|namely|e\.g\.)|:|such as|namely|—|-)\s*", after)
    return head is not None and bool(_names(after[head.end() : head.end() + 40]))


def _possessive(before: str) -> bool:
    """ "Bloomberg's pricing service"."""
    return re.search(r"(?-i:[A-Z][\w&.]*)['’]s\s*$", before) is not None


class _NamedElsewhere:
    """Whether another sentence pairs the same words with a proper name ("The pricing vendor
    is ICE") or a description, or a definition names them. A long document asks again for
    every unnamed "the vendor", so the answer is kept per set of words, and the sentences to
    read come from the needle index instead of from the whole document."""

    def __init__(self, context: Context) -> None:
        self.context = context
        self._known: dict[frozenset[str], tuple[list[Span], bool]] = {}

    def __call__(self, modifiers: list[str], head: str, here: Span) -> bool:
        wanted = frozenset(content_words(" ".join([*modifiers, head])))
        if not wanted:
            return False
        if wanted not in self._known:
            naming = [
                sentence
                for sentence in self.context.sentences_holding(wanted)
                if wanted <= content_words(sentence.text)
                and (_names(sentence.text[1:]) or _DESCRIBED.search(sentence.text))
            ]
            defined = any(wanted <= content_words(d.term) for d in self.context.ir.definitions)
            self._known[wanted] = naming, defined
        naming, defined = self._known[wanted]
        return any(not sentence.overlaps(here) for sentence in naming) or defined
