"""Markdown, reStructuredText and plain text: headings, tables, decoding."""

from __future__ import annotations

import pytest

from domain.ingest import IngestRefused, RefusalReason, ingest
from domain.ir import DocumentIR

MAX = 5 * 1024 * 1024

MARKDOWN = """\
# Momentum Strategy

Owner: Quant Research.

## 1. Hypothesis

Winners keep winning.

## 2. Stock Selection

- Members of the S&P 500
- Price above USD 5

```python
# not a heading
score = price[t - 21] / price[t - 252] - 1
```

### 2.1 Parameters

| Parameter | Value |
|-----------|------:|
| Lookback  | 252 days |
| Cap       | 5% |

Risk Limits
-----------

Gross exposure is capped at **150%**.
"""


def _read(text: str | bytes, filename: str) -> DocumentIR:
    data = text.encode() if isinstance(text, str) else text
    return ingest(data, filename, max_bytes=MAX)


def _structure(ir: DocumentIR) -> list[tuple[str | None, str, int]]:
    return [(s.number, s.title, s.level) for s in ir.sections]


def test_markdown_headings_tables_and_code() -> None:
    ir = _read(MARKDOWN, "spec.md")

    assert ir.title == "Momentum Strategy"
    assert ir.media_type == "text/markdown"
    assert _structure(ir) == [
        (None, "Momentum Strategy", 1),
        ("1", "Hypothesis", 2),
        ("2", "Stock Selection", 2),
        ("2.1", "Parameters", 3),
        (None, "Risk Limits", 2),
    ]
    assert ir.sections[0].text == "Owner: Quant Research."
    selection = ir.sections[2].text
    assert "- Members of the S&P 500" in selection
    assert "# not a heading" in selection
    assert "score = price[t - 21] / price[t - 252] - 1" in selection
    [table] = ir.tables
    assert table.rows == [["Parameter", "Value"], ["Lookback", "252 days"], ["Cap", "5%"]]
    assert table.section_id == "s4"
    assert "Lookback | 252 days" in ir.sections[3].text
    assert ir.sections[4].text == "Gross exposure is capped at **150%**."


def test_markdown_front_matter_title_and_closing_hashes() -> None:
    text = '---\ntitle: "Pairs Trading Spec"\nowner: desk\n---\n## 1. Scope ##\nPairs only.\n'
    ir = _read(text, "pairs.markdown")

    assert ir.title == "Pairs Trading Spec"
    assert _structure(ir) == [("1", "Scope", 2)]
    assert ir.sections[0].text == "Pairs only."


RST = """\
=====================
Mean Reversion Spec
=====================

Owner: Quant Research.

1. Universe
===========

Liquid US equities.

1.1 Filters
-----------

+-----------+----------+
| Parameter | Value    |
+===========+==========+
| Min price | USD 5    |
+-----------+----------+
| Min ADV   | USD 10   |
|           | million  |
+-----------+----------+

2. Costs
========

=========  =======
Venue      Fee
=========  =======
NYSE       0.3 bps
Nasdaq     0.2 bps
=========  =======

Costs are charged per side.
"""


def test_rst_adornment_levels_and_tables() -> None:
    ir = _read(RST, "spec.rst")

    assert ir.title == "Mean Reversion Spec"
    assert ir.media_type == "text/x-rst"
    assert _structure(ir) == [
        (None, "Mean Reversion Spec", 1),
        ("1", "Universe", 2),
        ("1.1", "Filters", 3),
        ("2", "Costs", 2),
    ]
    assert ir.sections[1].text == "Liquid US equities."
    grid, simple = ir.tables
    assert grid.rows == [
        ["Parameter", "Value"],
        ["Min price", "USD 5"],
        ["Min ADV", "USD 10 million"],
    ]
    assert grid.section_id == "s3"
    assert simple.rows == [["Venue", "Fee"], ["NYSE", "0.3 bps"], ["Nasdaq", "0.2 bps"]]
    assert ir.sections[3].text.endswith(
        "NYSE | 0.3 bps\nNasdaq | 0.2 bps\n\nCosts are charged per side."
    )


PLAIN = """\
MOMENTUM STRATEGY SPECIFICATION

Version 2, approved by the Investment Committee.

1. PURPOSE
This document describes the strategy.

2. Stock Selection
The universe is defined as follows.
1. Take all members of the index
2. Remove stocks below USD 5
Stocks are then ranked by score.

2.1 Liquidity
Average daily value must exceed USD 10 million.

APPENDIX A - DATA SOURCES
Bloomberg end-of-day prices.
"""


def test_plain_text_numbered_and_upper_case_headings() -> None:
    ir = _read(PLAIN, "spec.txt")

    assert ir.title == "MOMENTUM STRATEGY SPECIFICATION"
    assert ir.media_type == "text/plain"
    assert _structure(ir) == [
        (None, "MOMENTUM STRATEGY SPECIFICATION", 1),
        ("1", "PURPOSE", 1),
        ("2", "Stock Selection", 1),
        ("2.1", "Liquidity", 2),
        ("APPENDIX A", "DATA SOURCES", 1),
    ]
    assert ir.sections[0].text == "Version 2, approved by the Investment Committee."
    selection = ir.sections[2].text
    assert "1. Take all members of the index\n2. Remove stocks below USD 5" in selection


def test_utf16_with_bom_is_decoded() -> None:
    ir = _read(PLAIN.replace("USD", "€").encode("utf-16"), "spec.txt")

    assert "Remove stocks below € 5" in ir.sections[2].text


def test_utf8_bom_and_windows_line_endings() -> None:
    ir = _read(b"\xef\xbb\xbf" + MARKDOWN.replace("\n", "\r\n").encode(), "spec.md")

    assert ir.title == "Momentum Strategy"
    assert "\r" not in ir.text


def test_cp1252_text_is_decoded() -> None:
    ir = _read("1. Costs\nFees are 2 bps – charged in €.\n".encode("cp1252"), "costs.txt")

    assert ir.sections[0].text == "Fees are 2 bps – charged in €."


@pytest.mark.parametrize(
    "data",
    [
        bytes(range(256)) * 8,
        b"\x00\x01\x02\x03" * 500,
        b"\xff\xfe" + b"\x00\xd8" * 3,
        "Scope".encode("utf-16-le"),
    ],
    ids=["all-bytes", "control-bytes", "bad-utf16", "utf16-without-bom"],
)
def test_binary_or_undecodable_text_is_refused(data: bytes) -> None:
    with pytest.raises(IngestRefused) as refused:
        _read(data, "notes.txt")

    assert refused.value.reason is RefusalReason.UNDECODABLE_TEXT


@pytest.mark.parametrize("text", ["", "   \n\n\t", "---\n\n***\n", "| | |\n|---|---|\n"])
@pytest.mark.parametrize("filename", ["a.md", "a.rst", "a.txt"])
def test_text_without_words_is_empty(text: str, filename: str) -> None:
    with pytest.raises(IngestRefused) as refused:
        _read(text, filename)

    assert refused.value.reason is RefusalReason.EMPTY
