"""Offline answers: the right section for a reviewer's question, verbatim quotes, honest absence."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from domain.answers import Answer, PassageIndex, answer_offline, select_passages
from domain.ingest import ingest
from domain.ir import DocumentIR
from tests.domain.ingest.builders import build_pdf

MAX = 5 * 1024 * 1024

STRATEGY = """\
# Global Equity Momentum Strategy

## 1 Introduction
This document specifies a cross-sectional momentum strategy for developed-market equities.
It is owned by the Systematic Equities desk and approved by the Model Risk Committee.

## 2 Universe
The universe is the constituents of the MSCI World Index. Stocks with an average daily traded
value below USD 5 million over the last 20 trading days are excluded.

## 3 Signal
The momentum score is the total return over the past 12 months, skipping the most recent month.
Scores are ranked cross-sectionally and the top decile is held long.

## 4 Rebalancing
The portfolio is rebalanced monthly on the first business day of each month. Trades are
executed with VWAP algorithms over the trading day. When the first business day is an exchange
holiday, rebalancing moves to the next trading day.

## 5 Risk Management
Each position is capped at 5% of portfolio NAV. A position is closed when it falls 15% below
its entry price (the stop loss). Sector exposure may not exceed 25% of NAV.

## 6 Data Sources
Prices and corporate actions come from the Refinitiv end-of-day feed. Index membership is taken
point-in-time from MSCI files so the backtest is free of survivorship bias.

## 7 Backtesting
The strategy was backtested from 2005 to 2020, with 2021 to 2023 held out as an out-of-sample
period. Transaction costs of 10 basis points per trade are assumed.
"""


@pytest.fixture(scope="module")
def ir() -> DocumentIR:
    return ingest(STRATEGY.encode(), "momentum.md", max_bytes=MAX)


@pytest.fixture(scope="module")
def index(ir: DocumentIR) -> PassageIndex:
    return PassageIndex.build(ir)


def _squashed(text: str) -> str:
    return " ".join(text.split())


def _assert_verbatim(ir: DocumentIR, answer: Answer) -> None:
    sections = {s.label: s for s in ir.sections}
    for citation in answer.citations:
        assert _squashed(citation.quote) in _squashed(sections[citation.section].text)


@pytest.mark.parametrize(
    ("question", "section", "words"),
    [
        ("What is the stop-loss?", "5 Risk Management", "15% below its entry price"),
        ("what's the stoploss level", "5 Risk Management", "15% below its entry price"),
        ("How often is the portfolio rebalanced?", "4 Rebalancing", "rebalanced monthly"),
        ("Which data vendor?", "6 Data Sources", "Refinitiv"),
        ("How are exchange holidays handled?", "4 Rebalancing", "exchange holiday"),
        ("What transaction costs does the backtest assume?", "7 Backtesting", "10 basis points"),
        ("Who approved the strategy?", "1 Introduction", "Model Risk Committee"),
    ],
)
def test_finds_the_section_that_answers(
    ir: DocumentIR, index: PassageIndex, question: str, section: str, words: str
) -> None:
    answer = answer_offline(ir, question, index=index)
    assert answer.citations, answer.text
    best = answer.citations[0]
    assert best.section == section
    assert words in _squashed(best.quote)
    assert answer.text.startswith(f"Section {section} says:")
    _assert_verbatim(ir, answer)


def test_stop_loss_spellings_are_one_term_but_loss_alone_is_not(index: PassageIndex) -> None:
    spellings = ["stop-loss", "stop loss", "stoploss", "STOP-LOSSES"]
    firsts = {index.search(question, 1)[0].passage for question in spellings}
    assert len(firsts) == 1
    assert not index.search("loss", 3), "a bare 'loss' must not match the stop-loss"


@pytest.mark.parametrize(
    ("question", "unmentioned"),
    [
        ("Is there a kill switch?", "kill switch"),
        # "portfolio" matches several passages, but the topic is not there.
        ("What is the maximum drawdown limit for the portfolio?", "drawdown"),
    ],
)
def test_absent_topic_is_said_to_be_not_covered(
    ir: DocumentIR, index: PassageIndex, question: str, unmentioned: str
) -> None:
    answer = answer_offline(ir, question, index=index)
    assert answer.citations == []
    assert "does not seem to cover" in answer.text
    assert "never mentions" in answer.text and unmentioned in answer.text


def test_partial_match_names_what_the_document_never_mentions(
    ir: DocumentIR, index: PassageIndex
) -> None:
    answer = answer_offline(ir, "How is the portfolio hedged against currency risk?", index=index)
    assert answer.citations[0].section == "5 Risk Management"
    assert answer.text.endswith("The document never mentions “hedged” or “currency”.")


def test_a_common_word_alone_does_not_make_an_answer(ir: DocumentIR) -> None:
    # "maximum leverage": neither the word nor the idea is in the document.
    answer = answer_offline(ir, "What is the maximum leverage allowed?")
    assert answer.citations == []
    assert "leverage" in answer.text


def test_question_without_content_words_asks_for_one(ir: DocumentIR) -> None:
    answer = answer_offline(ir, "what is it?")
    assert answer.citations == []
    assert "Ask me about" in answer.text


def test_limit_caps_citations_and_results_are_deterministic(ir: DocumentIR) -> None:
    first = answer_offline(ir, "trading day portfolio month", limit=2)
    assert 1 <= len(first.citations) <= 2
    assert answer_offline(ir, "trading day portfolio month", limit=2) == first


def test_select_passages_gives_the_model_every_match_best_first(ir: DocumentIR) -> None:
    passages = select_passages(ir, "momentum score universe", limit=5)
    assert passages[0].section in {"3 Signal", "2 Universe"}
    assert {p.section for p in passages} >= {"3 Signal", "2 Universe"}
    assert select_passages(ir, "kill switch") == []


def test_citation_page_is_the_page_the_quote_is_printed_on() -> None:
    filler = [
        f"Paragraph {n} describes the order management workflow in general terms, covering "
        "routing, acknowledgements, amendments and cancellations for each venue."
        for n in range(40)
    ]
    outline = [
        ("1. Overview", ["This strategy trades liquid futures."]),
        ("2. Execution", [*filler, "Orders are throttled to 20 messages per second per venue."]),
    ]
    data = build_pdf(outline, title="Futures Trend Strategy")
    ir = ingest(data, "trend.pdf", "application/pdf", max_bytes=MAX)
    answer = answer_offline(ir, "What is the order throttle per venue?")
    citation = answer.citations[0]
    assert "20 messages per second" in citation.quote
    reader = PdfReader(io.BytesIO(data))
    printed_on = [
        number
        for number, page in enumerate(reader.pages, start=1)
        if "20 messages per second" in _squashed(page.extract_text())
    ]
    assert printed_on and printed_on[0] > 1, "the test needs the sentence past page 1"
    assert citation.page == printed_on[0]
    assert f"(page {printed_on[0]})" in answer.text
    _assert_verbatim(ir, answer)
