"""References to material that is not there: appendices, tables and sections missing from the
document, and external documents cited too loosely to find."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from domain.ir import CrossReference
from domain.review.checklist import VENDORS
from domain.review.context import Context
from domain.review.draft import Draft
from domain.review.text import Span, normalise, quote_span

_REFERENCE = re.compile(
    r"\b(?P<kind>Appendix|Annex|Exhibit|Schedule|Attachment|Section|Table|Figure)\s+"
    r"(?P<target>[A-Z](?![a-z])|\d+(?:\.\d+)*|[IVX]+\b)"
    r"(?!\s+of\s+(?:the\s+)?[A-Z])"
)
_METHOD_WORDS = re.compile(
    r"\b(?:model|methodolog|formula|calculat|scor|criteria|list|rules?|parameters?|weights?|"
    r"signal|derivation|"
    r"definitions?|universe|procedure|thresholds?|limits?)",
    re.IGNORECASE,
)


# A standard cited with its publisher ("MSCI/S&P Global Industry Classification Standard")
# can be retrieved; only anonymous documents ("the Risk Policy") are a dependency problem.
_PUBLISHER = re.compile(VENDORS)


@dataclass(frozen=True, slots=True)
class _Missing:
    kind: str
    target: str
    words: str
    span: Span


def _resolvable(context: Context, kind: str, target: str) -> bool:
    """An own-text check, used for references the semantic layer did not list."""
    kind = kind.lower()
    if kind == "section":
        return any(
            (s.number or "").rstrip(".") == target or (s.number or "").startswith(f"{target}.")
            for s in context.ir.sections
        )
    if kind == "table" and any(t.number == target for t in context.ir.tables):
        return True
    label = re.compile(rf"\b{kind}\s+{re.escape(target)}\b", re.IGNORECASE)
    if any(label.search(s.title) for s in context.ir.sections):
        return True
    return any(label.search(t.caption or "") for t in context.ir.tables)


def _from_ir(context: Context, reference: CrossReference) -> _Missing | None:
    section_text = context.section_text(reference.section_id)
    candidates = [section_text] if section_text else context.sections
    wanted = normalise(reference.text).lower()
    for candidate in candidates:
        for sentence in candidate.sentences:
            position = normalise(sentence.text).lower().find(wanted)
            if wanted and position != -1:
                return _Missing(reference.kind, reference.target, reference.text, sentence)
    return None


def _own(context: Context) -> Iterator[_Missing]:
    for section_text in context.sections:
        for sentence in section_text.sentences:
            for match in _REFERENCE.finditer(sentence.text):
                kind, target = match.group("kind"), match.group("target")
                if not _resolvable(context, kind, target):
                    start = sentence.start + match.start()
                    yield _Missing(
                        kind.lower(),
                        f"{kind} {target}",
                        match.group(),
                        quote_span(sentence, start, start + len(match.group())),
                    )


def review_references(context: Context) -> Iterator[Draft]:
    seen: set[str] = set()
    listed = [
        missing
        for reference in context.ir.cross_references
        if not reference.resolved and (missing := _from_ir(context, reference)) is not None
    ]
    for missing in [*listed, *_own(context)]:
        key = normalise(missing.target).lower()
        if not key.startswith(missing.kind):
            key = f"{missing.kind} {key}"
        if key in seen:
            continue
        seen.add(key)
        draft = _draft(context, missing)
        if draft is not None:
            yield draft


def _draft(context: Context, missing: _Missing) -> Draft | None:
    target = missing.target
    if missing.kind != "document" and not target.lower().startswith(missing.kind):
        target = f"{missing.kind.title()} {target}"
    sentence = missing.span.text
    method = _METHOD_WORDS.search(sentence) is not None
    if missing.kind == "document":
        if _PUBLISHER.search(sentence):
            return None
        return Draft(
            rule="external-document",
            category="external_dependency",
            severity="high" if method else "medium",
            title=f"Rules depend on an external document: {target}",
            detail=f"The text relies on '{missing.words}', which is not part of this document "
            "and is not cited precisely enough (title, version, date) to retrieve.",
            suggestion="Bring the relevant rules into this document or cite the external "
            "document exactly, with version and date.",
            span=missing.span,
            checklist_id="CL-05",
        )
    return Draft(
        rule="unresolved-reference",
        category="missing_reference",
        severity="critical" if method else "high",
        title=f"{target[:1].upper()}{target[1:]} is referenced but not included",
        detail=f"The text points to '{missing.words}', but the document contains no "
        f"{missing.kind} of that name"
        + (
            ", and what it holds is part of the method, so the strategy cannot be implemented"
            " from this document."
            if method
            else "."
        ),
        suggestion=f"Include {target} or replace the reference with the content it should hold.",
        span=missing.span,
        checklist_id="CL-05",
    )
