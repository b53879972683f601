"""Defined terms: what the document says its words mean.

The rules engine asks "is this term or symbol defined anywhere?", so recall on
the common drafting forms matters more than capturing the full meaning text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from domain.ir import Definition, DefinitionSource, Section, Table
from domain.semantics._text import (
    clean_term,
    is_term,
    iter_lines,
    sentence_end,
    strip_list_marker,
)
from domain.textscan import fold, may_match

GLOSSARY_TITLE = re.compile(
    r"\b(?:glossary|definitions?|defined terms|terminology|abbreviations|acronyms|key terms|"
    r"notation|symbols)\b",
    re.IGNORECASE,
)

_VERB = r"(?:shall\s+)?(?P<verb>means?|refers?\s+to|denotes?|(?:is|are|shall\s+be)\s+defined\s+as)"


def _quoted(group: str) -> str:
    return r"[\"“](?P<" + group + r">[^\"“”\n]{1,80})[\"”]"


# Sentence start: a line start (after an optional bullet) or the end of a previous sentence.
_SENTENCE_START = r"(?:^[ \t]*(?:[-*•]\s+|\d{1,2}[.)]\s+)?|(?<=[.;]\s))"
_PLAIN_TERM = (
    r"(?:The\s+)?(?P<term>(?:[A-Z][\w’'/&-]*|[Α-Ωα-ω][\w{}^]*|[A-Za-z]_[\w{}^,-]+)"
    r"(?:\s+[\w’'/&()-]+){0,3})"
)

_QUOTED_MEANS = re.compile(_quoted("term") + r"\s*,?\s+" + _VERB + r"\s+(?P<meaning>[^\n]+)")
_PLAIN_MEANS = re.compile(
    _SENTENCE_START + r"\**" + _PLAIN_TERM + r"\**\s+" + _VERB + r"\s+(?P<meaning>[^\n]+)",
    re.MULTILINE,
)
_INTRODUCED = re.compile(
    r"(?:\(\s*(?:the\s+|each\s+an?\s+|hereinafter\s+(?:the\s+)?)?"
    + _quoted("term")
    + r"\s*\)|,?\s*(?<![\w-])(?:hereinafter|referred\s+to\s+as|known\s+as|called)\s+(?:the\s+)?"
    + _quoted("term2")
    + r")",
    re.IGNORECASE,
)
_GLOSSARY_LINE = re.compile(
    r"^\**(?P<term>[^:\n*]{1,60}?)\**\s*(?::|\s[–—-]\s)\s*(?P<meaning>\S.*)$",
)
# Both forms of `_INTRODUCED` quote the term, so text without an opening quote has none.
_OPENING_QUOTES = ('"', "“")
_TABLE_TERM_HEADER = re.compile(r"^(?:term|symbol|abbreviation|acronym|name|variable)s?$", re.I)
_TABLE_MEANING_HEADER = re.compile(r"^(?:definition|meaning|description|explanation)s?$", re.I)


def _source(verb: str) -> DefinitionSource:
    return "defined_as" if "defined" in verb.lower() else "means"


def _sentence_start(text: str, end: int) -> int:
    """Start of the sentence containing `end`, looking back only on the same line."""
    line_start = text.rfind("\n", 0, end) + 1
    cut = max(text.rfind(". ", line_start, end), text.rfind("; ", line_start, end))
    return line_start if cut == -1 else cut + 2


def _from_section(section: Section) -> Iterable[Definition]:
    text = section.text
    covered: set[str] = set()

    def make(term: str, meaning: str, source: DefinitionSource, offset: int) -> Definition | None:
        term = clean_term(term)
        meaning = clean_term(meaning)
        if not is_term(term) or not meaning or term.lower() in covered:
            return None
        covered.add(term.lower())
        return Definition(
            term=term,
            meaning=meaning,
            source=source,
            section_id=section.id,
            page=section.page_at(offset),
        )

    # Most sections define nothing; needle tests skip the scans that cannot match.
    folded = fold(text)
    for pattern in (_QUOTED_MEANS, _PLAIN_MEANS):
        for match in pattern.finditer(text) if may_match(pattern, folded) else ():
            start = match.start("meaning")
            meaning = text[start : sentence_end(text, start)]
            found = make(match["term"], meaning, _source(match["verb"]), match.start("term"))
            if found:
                yield found

    quoted = any(quote in text for quote in _OPENING_QUOTES)
    for match in _INTRODUCED.finditer(text) if quoted else ():
        term_group = "term" if match["term"] is not None else "term2"
        if not match[term_group][:1].isupper():
            continue
        begin = _sentence_start(text, match.start())
        found = make(match[term_group], text[begin : match.start()], "quoted", match.start())
        if found:
            yield found

    if GLOSSARY_TITLE.search(section.title):
        for offset, line in iter_lines(text):
            skipped, body = strip_list_marker(line)
            match = _GLOSSARY_LINE.match(body.strip())
            if match:
                found = make(match["term"], match["meaning"], "glossary", offset + skipped)
                if found:
                    yield found


def _from_table(table: Table, glossary_sections: set[str]) -> Iterable[Definition]:
    rows = [row for row in table.rows if len(row) >= 2]
    if not rows:
        return
    header = rows[0]
    has_header = bool(
        _TABLE_TERM_HEADER.match(header[0].strip())
        and _TABLE_MEANING_HEADER.match(header[1].strip())
    )
    in_glossary = table.section_id in glossary_sections or bool(
        table.caption and GLOSSARY_TITLE.search(table.caption)
    )
    if not (has_header or (in_glossary and len(header) == 2)):
        return
    for row in rows[1:] if has_header else rows:
        term, meaning = clean_term(row[0]), clean_term(row[1])
        if is_term(term) and meaning:
            yield Definition(
                term=term,
                meaning=meaning,
                source="glossary",
                section_id=table.section_id,
                page=table.page,
            )


def extract_definitions(sections: list[Section], tables: list[Table]) -> list[Definition]:
    """Definitions in document order: section text first, then glossary tables."""
    found = [definition for section in sections for definition in _from_section(section)]
    glossary_sections = {s.id for s in sections if GLOSSARY_TITLE.search(s.title)}
    for table in tables:
        found.extend(_from_table(table, glossary_sections))
    return found
