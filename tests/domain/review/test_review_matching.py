"""The one-pass matching finds exactly what the separate searches find.

A review builds one Aho-Corasick index of every declared needle per document and answers
each screening question from it (which sections and sentences hold a needle, where a
whole-document search must run). That is only safe if the index lists every occurrence, a
section's slice of it behaves like the section searched on its own, and the screen lists a
pattern with exactly the sentences that hold one of its needles.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_review_screen import PATTERNS, WORDS

from domain.ingest import ingest
from domain.ir import DocumentIR, Section
from domain.review import review_document
from domain.review.context import Context
from domain.review.draft import Draft
from domain.review.engine import _merge
from domain.review.formulas import _components, _find_cycle
from domain.review.screen import SCREENED
from domain.review.text import Span
from domain.textscan import Haystack, NeedleSet, Phrases, fold, needles

EXAMPLES = Path(__file__).resolve().parents[3] / "docs" / "examples"

_PIECES = st.one_of(
    st.sampled_from(WORDS),
    st.sampled_from(WORDS).map(str.title),
    st.sampled_from([".", "\n", ", ", " ", "; ", "-", "\n\n"]),
)
_TEXT = st.lists(_PIECES, max_size=60).map(" ".join)


def _all_starts(text: str, word: str) -> list[int]:
    return [i for i in range(len(text)) if text.startswith(word, i)]


@settings(max_examples=60, deadline=None)
@given(_TEXT, st.lists(st.sampled_from([*WORDS, "aa", "a", "the "]), min_size=1, max_size=12))
def test_one_pass_finds_every_occurrence_of_every_needle(text: str, words: list[str]) -> None:
    declared = NeedleSet()
    declared.add(*(re.compile(re.escape(word), re.IGNORECASE) for word in words))
    folded = fold(text)
    index = declared.index(folded)
    for word in {w.lower() for w in words} | {"stock", "zzz"}:
        assert index.positions(word) == _all_starts(folded, word), word


@settings(max_examples=40, deadline=None)
@given(st.lists(_TEXT, min_size=1, max_size=4))
def test_a_section_screened_from_the_document_index_matches_like_the_section(
    bodies: list[str],
) -> None:
    document = "\n\n".join(bodies)
    folded = fold(document)
    index = SCREENED.index(folded)
    offset = 0
    for body in bodies:
        section = Haystack(body, fold(body), index, offset)
        for pattern in PATTERNS:
            expected = [m.span() for m in pattern.finditer(body)]
            assert [m.span() for m in section.finditer(pattern)] == expected, pattern
        offset += len(body) + 2


def _ir(bodies: list[str]) -> DocumentIR:
    sections = [Section(id=f"s{i}", title=f"Part {i}", text=body) for i, body in enumerate(bodies)]
    text = "\n\n".join(f"{s.label}\n{s.text}" for s in sections)
    return DocumentIR(
        title="Generated",
        filename="g.md",
        media_type="text/markdown",
        sha256="0" * 64,
        pages=1,
        words=len(text.split()),
        sections=sections,
    )


@settings(max_examples=40, deadline=None)
@given(st.lists(_TEXT, min_size=1, max_size=4))
def test_the_screen_lists_each_sentence_with_the_patterns_whose_needles_it_holds(
    bodies: list[str],
) -> None:
    context = Context(_ir(bodies))
    patterns = [p for p in PATTERNS if needles(p) is not None][::7]
    listed = {
        (sentence.section.id, sentence.start): possible
        for sentence, possible in context.screen(*patterns)
    }
    for section in context.sections:
        for sentence in section.sentences:
            expected = [
                pattern
                for pattern in patterns
                if any(
                    section.folded.find(word, sentence.start, sentence.end) != -1
                    for word in needles(pattern) or ()
                )
            ]
            assert listed.get((section.section.id, sentence.start), []) == expected
            for pattern in patterns:
                if pattern.search(sentence.text):
                    assert pattern in expected, pattern


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.text(alphabet="ab. ", max_size=6), max_size=8),
    st.text(alphabet="ab. ", max_size=30),
)
def test_phrases_finds_the_first_listed_phrase_in_a_text(phrases: list[str], text: str) -> None:
    expected = next((i for i, phrase in enumerate(phrases) if phrase and phrase in text), None)
    assert Phrases(phrases).first_in(text) == expected


_NODES = st.sampled_from(["a", "b", "c", "d", "e", "outside"])


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.sampled_from("abcde"), st.sets(_NODES, max_size=4), max_size=5))
def test_cycle_search_confined_to_a_component_finds_what_the_whole_graph_search_finds(
    graph: dict[str, set[str]],
) -> None:
    components = _components(graph)
    for start in graph:
        assert _find_cycle(graph, start, components[start]) == _find_cycle(
            graph, start, frozenset(graph)
        )
        assert start in components[start]


_SECTIONS = [Section(id=f"s{i}", title=f"Part {i}", text="x" * 1200) for i in range(2)]


@st.composite
def _drafts(draw: st.DrawFn) -> list[Draft]:
    drafts = []
    for number in range(draw(st.integers(0, 14))):
        start = draw(st.integers(0, 1000))
        end = start + draw(st.sampled_from([0, 1, 30, 255, 256, 600]))
        focus = draw(st.sampled_from([None, (start, start), (start, end)]))
        drafts.append(
            Draft(
                rule="r",
                category="clarity",
                severity=draw(st.sampled_from(["critical", "high", "low"])),
                title=f"t{draw(st.integers(0, 4))}",
                detail=f"d{number}",
                suggestion="s",
                span=Span(draw(st.sampled_from(_SECTIONS)), start, end, focus),
            )
        )
    return drafts


@settings(max_examples=150, deadline=None)
@given(_drafts())
def test_merging_keeps_each_draft_apart_from_every_earlier_kept_one_unless_it_folded(
    drafts: list[Draft],
) -> None:
    kept = _merge(drafts)
    for position, draft in enumerate(kept):
        assert draft.span is not None
        for earlier in kept[:position]:
            assert earlier.span is not None
            assert not (earlier.title == draft.title and earlier.span.section == draft.span.section)
            assert not earlier.span.same_problem(draft.span)
    assert len(kept) + sum(d.detail.count(" Also: ") for d in kept) <= len(drafts)


@pytest.mark.parametrize(
    "path", sorted(p for p in EXAMPLES.iterdir() if p.suffix in {".md", ".docx", ".pdf"})
)
def test_every_fixed_pattern_a_review_screens_with_is_declared(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A pattern left out of the one pass still screens correctly, only slower: this keeps
    the review's own patterns in it."""
    used: set[re.Pattern[str]] = set()
    screen, finditer = Context.screen, Haystack.finditer

    def recording_screen(self: Context, *patterns: re.Pattern[str]):  # type: ignore[no-untyped-def]
        used.update(patterns)
        return screen(self, *patterns)

    def recording_finditer(self: Haystack, pattern: re.Pattern[str]):  # type: ignore[no-untyped-def]
        used.add(pattern)
        return finditer(self, pattern)

    monkeypatch.setattr(Context, "screen", recording_screen)
    monkeypatch.setattr(Haystack, "finditer", recording_finditer)
    review_document(ingest(path.read_bytes(), path.name, max_bytes=10 << 20))
    fixed = {(p.pattern, p.flags) for p in PATTERNS}
    undeclared = [
        p.pattern
        for p in used
        if (p.pattern, p.flags) in fixed and any(w not in SCREENED for w in needles(p) or ())
    ]
    assert used and not undeclared
