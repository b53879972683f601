"""References to material that is not there: appendices, tables and sections missing from the
document, and external documents cited too loosely to find."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from domain.ir import CrossReference, DocumentIR
from domain.review.checklist import VENDORS
from domain.review.context import Context
from domain.review.draft import Draft
from domain.review.screen import Haystack, screened
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


# A caption line ("Figure 10: Cumulative returns", "Table 2. Yearly returns") is the figure or
# table itself, so references to it resolve.
_CAPTION_LINE = re.compile(
    r"^[ \t*_]*(?:Figure|Fig\.|Table|Chart|Exhibit|Appendix|Annex|Schedule|Attachment)\s+"
    r"[\dA-Z][\w.]*\s*[:.–—-][^\n]*",
    re.MULTILINE,
)

screened(_REFERENCE)


@dataclass(frozen=True, slots=True)
class _Missing:
    kind: str
    target: str
    words: str
    span: Span


@dataclass(frozen=True, slots=True)
class _Targets:
    """What a reference can point at, indexed once: a long document cites hundreds of
    sections, and scanning every heading for each citation made the check quadratic."""

    # Section numbers without a trailing dot, and every dotted prefix of one ("2.1" of "2.1.3").
    sections: frozenset[str]
    tables: frozenset[str | None]
    # Section titles and table captions. NUL neither matches `\s` nor is a word character,
    # so a label found here is found in one title, exactly as when searched one by one.
    labels: Haystack
    answers: dict[tuple[str, str], bool]

    @classmethod
    def of(cls, ir: DocumentIR) -> _Targets:
        numbers = [(s.number or "").rstrip(".") for s in ir.sections]
        prefixes = [
            (s.number or "")[:dot]
            for s in ir.sections
            for dot, char in enumerate(s.number or "")
            if char == "."
        ]
        captions = [m.group() for s in ir.sections for m in _CAPTION_LINE.finditer(s.text)]
        labels = "\0".join(
            [*(s.label for s in ir.sections), *(t.caption or "" for t in ir.tables), *captions]
        )
        return cls(
            sections=frozenset(numbers + prefixes),
            tables=frozenset(t.number for t in ir.tables),
            labels=Haystack(labels),
            answers={},
        )

    def resolvable(self, kind: str, target: str) -> bool:
        """An own-text check, used for references the semantic layer did not list; asked
        once per target."""
        if (kind, target) not in self.answers:
            self.answers[kind, target] = self._resolvable(kind.lower(), target)
        return self.answers[kind, target]

    def _resolvable(self, kind: str, target: str) -> bool:
        if kind == "section":
            return target in self.sections
        if kind == "table" and target in self.tables:
            return True
        label = re.compile(rf"\b{kind}\s+{re.escape(target)}\b", re.IGNORECASE)
        return self.labels.search(label) is not None


def _from_ir(context: Context, reference: CrossReference) -> _Missing | None:
    section_text = context.section_text(reference.section_id)
    candidates = [section_text] if section_text else context.sections
    wanted = normalise(reference.text).lower()
    for candidate in candidates:
        sentence = candidate.first_holding(wanted, lower=True) if wanted else None
        if sentence is not None:
            return _Missing(reference.kind, reference.target, reference.text, sentence)
    return None


def _bare(kind: str, target: str) -> str:
    """ "Appendix A" -> "A": the IR's targets may carry their kind."""
    return re.sub(rf"^{re.escape(kind)}\s+", "", target.strip(), flags=re.IGNORECASE)


def _own(context: Context, targets: _Targets) -> Iterator[_Missing]:
    for sentence in context.sentences_for(_REFERENCE):
        for match in _REFERENCE.finditer(sentence.text):
            kind, target = match.group("kind"), match.group("target")
            if not targets.resolvable(kind, target):
                start = sentence.start + match.start()
                yield _Missing(
                    kind.lower(),
                    f"{kind} {target}",
                    match.group(),
                    quote_span(sentence, start, start + len(match.group())),
                )


def review_references(context: Context) -> Iterator[Draft]:
    """One finding per target: a long document cites the same missing appendix again and
    again, so a reference whose target already has its passage is not located again."""
    seen: set[str] = set()
    targets = _Targets.of(context.ir)
    listed: list[_Missing] = []
    located: set[str] = set()
    for reference in context.ir.cross_references:
        key = _key(reference.kind, reference.target)
        if reference.resolved or key in located:
            continue
        if not targets.resolvable(reference.kind, _bare(reference.kind, reference.target)):
            missing = _from_ir(context, reference)
            if missing is not None:
                listed.append(missing)
                located.add(key)
    for missing in [*listed, *_own(context, targets)]:
        key = _key(missing.kind, missing.target)
        if key in seen:
            continue
        seen.add(key)
        draft = _draft(context, missing)
        if draft is not None:
            yield draft


def _key(kind: str, target: str) -> str:
    """What two citations of one target share: "appendix c" for "Appendix C" and "C"."""
    key = normalise(target).lower()
    return key if key.startswith(kind) else f"{kind} {key}"


def _draft(context: Context, missing: _Missing) -> Draft | None:
    target = missing.target
    if missing.kind != "document" and not target.lower().startswith(missing.kind):
        target = f"{missing.kind.title()} {target}"
    sentence = missing.span.text
    method = _METHOD_WORDS.search(sentence) is not None
    if missing.kind == "document":
        if _PUBLISHER.search(sentence) or "|" in sentence:
            return None  # a table row's cells are not a citation
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
