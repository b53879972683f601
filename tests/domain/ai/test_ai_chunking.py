import math

import pytest

from domain.ai.chunking import chunk_document, chunk_sections, split_text
from domain.ai.grounding import ground_findings
from domain.ai.tokens import SAFETY_MARGIN, estimate_tokens
from domain.ir import Section
from tests.domain.ai.ai_fakes import make_ir, model_finding


def paragraphs(count: int, words: int = 60, tag: str = "p") -> str:
    return "\n\n".join(
        f"{tag}{n} " + " ".join(f"word{k}" for k in range(words)) for n in range(count)
    )


def test_a_document_under_the_budget_is_one_chunk_without_a_part() -> None:
    ir = make_ir(("1", "Intro", "Short."), ("2", "Signal", "Also short."))
    [chunk] = chunk_document(ir, budget=2_000)
    assert chunk.startswith('<document title="Momentum Strategy">')
    assert "part=" not in chunk


def test_chunks_respect_the_budget_and_keep_sections_whole_and_in_order() -> None:
    ir = make_ir(*((str(n), f"Topic {n}", paragraphs(3, tag=f"s{n}p")) for n in range(1, 21)))
    budget = 2_000
    chunks = chunk_document(ir, budget)
    assert len(chunks) > 1
    assert all(estimate_tokens(chunk) <= budget for chunk in chunks)
    assert all(f'part="{k} of {len(chunks)}"' in c for k, c in enumerate(chunks, start=1))
    labels = [s.label for group in chunk_sections(ir, budget) for s in group]
    assert labels == [s.label for s in ir.sections]
    for section in ir.sections:
        assert sum(section.text in chunk for chunk in chunks) == 1


def test_a_section_larger_than_the_budget_is_split_at_paragraphs() -> None:
    big = paragraphs(40)
    ir = make_ir(("1", "Intro", "Short."), ("2", "Methodology", big), ("3", "Risk", "Short too."))
    budget = 1_500
    groups = chunk_sections(ir, budget)
    pieces = [s for group in groups for s in group if s.id == "s2"]
    assert len(pieces) > 1
    assert "".join(p.text for p in pieces) == big
    assert all(p.label == "2 Methodology" for p in pieces)
    assert all(p.text.lstrip().startswith("p") for p in pieces)  # cut between paragraphs
    assert all(estimate_tokens(c) <= budget for c in chunk_document(ir, budget))
    assert [s.id for group in groups for s in group] == ["s1", *["s2"] * len(pieces), "s3"]


# Token counts OpenAI's cookbook prints for cl100k_base ("How to count tokens with tiktoken").
COOKBOOK = [
    ("tiktoken is great!", 6),
    ("antidisestablishmentarianism", 6),
    ("2 + 2 = 4", 7),
    ("お誕生日おめでとう", 9),
]


@pytest.mark.parametrize(("text", "tokens"), COOKBOOK, ids=[t for t, _ in COOKBOOK])
def test_the_estimate_is_at_or_above_published_counts_and_close_to_them(
    text: str, tokens: int
) -> None:
    assert tokens <= estimate_tokens(text) <= math.ceil(1.4 * tokens)


def test_formula_dense_text_counts_more_than_characters_suggest() -> None:
    prose = "The portfolio is rebalanced at the close of the last business day of each month."
    formula = "z_t = (P_t − μ_20) / σ_20 ≥ 2.5 ∧ Δ ≤ 0.1"
    assert estimate_tokens(prose) == math.ceil(
        SAFETY_MARGIN * 19
    )  # 16 words, 3 of them long, a stop
    # Per character, symbols and digits cost several times what words do.
    assert estimate_tokens(formula) / len(formula) > 2 * estimate_tokens(prose) / len(prose)


def test_a_long_paragraph_is_cut_between_sentences() -> None:
    rules = [f"Rule {n} applies when the drift exceeds {n} percent of NAV." for n in range(60)]
    text = " ".join(rules)
    spans = split_text(text, 120, estimate_tokens)
    assert len(spans) > 1
    pieces = [text[start:end] for start, end in spans]
    assert "".join(pieces) == text
    assert all(piece.startswith("Rule ") and piece.rstrip().endswith(".") for piece in pieces)
    assert all(estimate_tokens(piece) <= 120 for piece in pieces)


def test_paragraph_ends_come_before_sentence_ends() -> None:
    paragraphs = [" ".join(f"Clause {p}.{n} holds." for n in range(6)) for p in range(12)]
    text = "\n".join(paragraphs)  # a DOCX section: a paragraph per line
    spans = split_text(text, 60, estimate_tokens)
    pieces = [text[start:end] for start, end in spans]
    assert all(piece.startswith("Clause ") and piece.split()[1].endswith(".0") for piece in pieces)


def test_a_huge_paragraph_is_cut_at_whitespace() -> None:
    ir = make_ir(("1", "Wall", " ".join(f"token{k}" for k in range(5_000))))
    chunks = chunk_document(ir, budget=1_000)
    assert len(chunks) > 1
    assert all(estimate_tokens(chunk) <= 1_000 for chunk in chunks)
    pieces = [s.text for group in chunk_sections(ir, 1_000) for s in group]
    assert all(piece.split()[0].startswith("token") for piece in pieces)


def test_pieces_keep_their_own_pages_and_quotes_still_ground() -> None:
    text = paragraphs(30)
    breaks = [(0, 7), (len(text) // 2, 8)]
    section = Section(
        id="s1", number="4", title="Data", text=text, page_start=7, page_end=8, page_offsets=breaks
    )
    ir = make_ir(("1", "x", "y")).model_copy(update={"sections": [section]})
    pieces = [s for group in chunk_sections(ir, 1_200) for s in group]
    assert pieces[0].page_start == 7
    assert pieces[-1].page_start == 8
    last_quote = pieces[-1].text.split("\n\n")[-1][:40]
    findings, dropped = ground_findings([model_finding(last_quote, "4 Data")], ir)
    assert not dropped and findings[0].evidence is not None
    assert findings[0].evidence.page == 8
