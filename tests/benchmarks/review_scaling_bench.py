"""Review scaling benchmark: whether ingest, semantic extraction and the rules review grow
linearly with the document.

Builds Markdown strategy documents of about 8k, 32k, 128k and 384k words by repeating a
dozen varied section templates (numbers, names and thresholds drawn per repetition, so no two
sections are the same text), in two layouts (sections of constant size, or a fixed number of
chapters that grow with the document), and runs each stage in-process. Prints one JSON
object per layout and size: seconds and microseconds a word for ingest (semantic extraction
included), semantic extraction on its own and the rules review, and the µs/word of the
slowest checks (every extractor and rule runs through `CheckRunner.run`, timed here). A
linear stage keeps its µs/word as the document grows; a quadratic one doubles it when the
document doubles. Each figure is the median of `--repeat` runs.

Usage: .venv/bin/python tests/benchmarks/review_scaling_bench.py [--sizes 8000,32000]
       [--layouts sections,chapters] [--repeat N] [--top N]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from domain.checks import CheckRunner  # noqa: E402
from domain.ingest import ingest  # noqa: E402
from domain.review import review_document  # noqa: E402
from domain.semantics import extract_semantics  # noqa: E402

SIZES = (8_000, 32_000, 128_000, 384_000)
LAYOUTS = ("sections", "chapters")
CHAPTERS = 8
MAX_BYTES = 500 * 1024 * 1024

_VENDORS = ("Bloomberg", "Refinitiv", "FactSet", "a leading data vendor", "the usual provider")
_INDICES = ("MSCI World", "STOXX Europe 600", "S&P 500", "Russell 1000", "FTSE All-World")
_FREQUENCIES = ("monthly", "quarterly", "weekly", "semi-annually", "periodically")
_VAGUE = ("sufficient", "adequate", "reasonable", "significant", "appropriate")
_SCHEMES = (
    "equally weighted",
    "weighted by market capitalisation",
    "weighted by inverse volatility",
)


def _hypothesis(rng: random.Random, n: int) -> list[str]:
    months = rng.choice((6, 9, 12))
    return [
        f"The strategy buys constituents of the {rng.choice(_INDICES)} that outperformed their "
        f"peers over the past {months} months and sells those that underperformed. The "
        "hypothesis is that investors under-react to firm-specific news, so recent winners "
        "keep outperforming for several months. The full derivation of the signal is given "
        f"in Appendix {'ABCDEFGH'[n % 8]}.",
        f"This part of the methodology (revision {n}) applies from {2010 + n % 14}-"
        f"{1 + n % 12:02d}-01 and replaces revision {max(n - 1, 0)}.",
    ]


def _universe(rng: random.Random, n: int) -> list[str]:
    return [
        f"The universe is the constituents of the {rng.choice(_INDICES)} with a free-float "
        f"market capitalisation above EUR {rng.randint(1, 9)} billion. Stocks must also show "
        f"{rng.choice(_VAGUE)} liquidity and at least {rng.randint(6, 36)} months of price "
        "history. Financials are excluded, as described in Section "
        f"{rng.randint(1, 12)}.{rng.randint(1, 4)}.",
        f"Stocks with an average daily traded value below USD {rng.randint(1, 20)} million over "
        f"the prior {rng.choice((20, 60, 90))} days are excluded from the eligible universe; "
        "see Table {0} for the thresholds by region.".format(rng.randint(1, 9)),
    ]


def _signal(rng: random.Random, n: int) -> list[str]:
    lookback = rng.choice((126, 189, 252))
    skip = rng.choice((5, 10, 21))
    return [
        f"Momentum for stock i is computed from total returns over a lookback window of "
        f"{lookback} trading days, skipping the most recent {skip} days:",
        f"MOM_{n} = R_i(t-{lookback}, t-{skip}) / sigma_i",
        f"where R_i(t-{lookback}, t-{skip}) is the total return of stock i and sigma_i is its "
        f"realised volatility. Stocks are ranked on MOM_{n} each month, and a stock whose rank "
        "is above the threshold enters the long book.",
        f"The composite score is S_{n} = w1 x Value + w2 x Quality + w3 x MOM_{n}, where the "
        "weights sum to one and are reviewed annually.",
    ]


def _construction(rng: random.Random, n: int) -> list[str]:
    cap = rng.randint(2, 10)
    return [
        f"The long book holds the top {rng.choice(('decile', 'quintile', 'tercile'))} and the "
        f"short book the bottom one. Each position is {rng.choice(_SCHEMES)} within its book, "
        f"and single positions are capped at {cap}% of NAV to limit concentration. Sector "
        "exposures are constrained relative to the benchmark.",
        f"Gross exposure is limited to {rng.choice((150, 200, 250))}% of NAV and net exposure "
        f"to between -{rng.randint(5, 15)}% and {rng.randint(5, 15)}%. A position larger than "
        f"{cap + rng.randint(1, 5)}% of NAV is trimmed at the next rebalance.",
    ]


def _rebalancing(rng: random.Random, n: int) -> list[str]:
    return [
        f"The portfolio is rebalanced {rng.choice(_FREQUENCIES)} on the first business day of "
        "the period at the closing price. If that day is an exchange holiday the rebalance "
        "moves to the next business day on which all relevant exchanges are open.",
        f"Positions are also reviewed {rng.choice(_FREQUENCIES)} and trimmed when drift "
        f"exceeds the tolerance threshold. The cut-off time is {rng.randint(14, 17)}:00 "
        "New York time and the index is published after the close.",
    ]


def _costs(rng: random.Random, n: int) -> list[str]:
    return [
        f"Transaction costs are modelled as {rng.randint(2, 15)} basis points per side plus a "
        "square-root market impact term calibrated to the stock's daily volume. Borrow costs "
        "are taken into account where relevant.",
        f"Capacity is estimated at USD {rng.randint(100, 900)} million, assuming participation "
        f"of at most {rng.randint(5, 20)}% of the average daily volume.",
    ]


def _risk(rng: random.Random, n: int) -> list[str]:
    return [
        f"If the drawdown exceeds {rng.randint(8, 25)}% from its high-water mark, gross exposure "
        "is halved until the Investment Committee approves a return to full exposure. The "
        "strategy is stopped if losses exceed the maximum allowed.",
        f"Risk limits are monitored {rng.choice(('daily', 'intraday', 'in real time'))} by the "
        "risk team, and a kill switch flattens the book when the data feed fails. Volatility "
        f"is targeted at {rng.randint(8, 15)}% a year.",
    ]


def _data(rng: random.Random, n: int) -> list[str]:
    return [
        f"Prices and total returns come from {rng.choice(_VENDORS)} and are adjusted for "
        "splits and dividends. Delisted stocks are kept in the history to avoid survivorship "
        "bias, and index membership is taken point in time.",
        f"Fundamental data is lagged by {rng.randint(1, 4)} months after the fiscal period end. "
        "Missing values are handled as appropriate by the research team.",
    ]


def _backtest(rng: random.Random, n: int) -> list[str]:
    start = rng.randint(1995, 2008)
    return [
        f"The backtest runs from January {start} to December {start + rng.randint(10, 16)}. "
        "Lookback and skip periods were optimised by grid search, and the last five years "
        "are held out as an out-of-sample period.",
        f"The out-of-sample Sharpe ratio is {rng.uniform(0.4, 3.9):.1f} with a maximum "
        f"drawdown of {rng.randint(10, 40)}% and an annual turnover of {rng.randint(100, 600)}%. "
        "Results are significantly better than the benchmark.",
    ]


def _execution(rng: random.Random, n: int) -> list[str]:
    return [
        f"Orders are executed through a {rng.choice(('VWAP', 'TWAP', 'implementation shortfall'))}"
        f" algorithm over the first {rng.randint(1, 4)} hours of the session following the "
        "rebalance date, on primary exchanges and approved multilateral trading facilities.",
        "Fills are assumed at the average execution price, and unfilled orders are carried to "
        "the following session at the discretion of the trader.",
    ]


def _governance(rng: random.Random, n: int) -> list[str]:
    return [
        f"The strategy is owned by the Systematic Equities desk and approved by the Investment "
        f"Committee. This document is version {n // 12}.{n % 12} and is reviewed annually.",
        "Changes to the methodology are validated independently before deployment, as set out "
        f"in the model risk policy (document MRP-{rng.randint(100, 999)}).",
    ]


def _glossary(rng: random.Random, n: int) -> list[str]:
    return [
        f"| Term | Definition |\n|---|---|\n| NAV | Net asset value of the fund on day {n} |\n"
        f"| ADTV | Average daily traded value over {rng.randint(20, 90)} days |\n"
        f"| Buffer | Rank band of {rng.randint(5, 30)} places around the selection cut-off |",
        "Rebalance Date means the first business day of each calendar month. Business Day "
        "means a day on which the primary exchange is open for trading.",
    ]


_TEMPLATES: tuple[tuple[str, Callable[[random.Random, int], list[str]]], ...] = (
    ("Hypothesis", _hypothesis),
    ("Universe", _universe),
    ("Signal", _signal),
    ("Portfolio Construction", _construction),
    ("Rebalancing", _rebalancing),
    ("Transaction Costs and Capacity", _costs),
    ("Risk Management", _risk),
    ("Data", _data),
    ("Backtest", _backtest),
    ("Execution", _execution),
    ("Governance", _governance),
    ("Glossary", _glossary),
)


def strategy_document(words: int, layout: str = "sections", seed: int = 11) -> str:
    """A Markdown strategy document of about `words` words, the section templates repeated
    with fresh values each time. In the "sections" layout each template is a section of its
    own, so sections keep their size as the document grows; in "chapters" the document has
    `CHAPTERS` sections whatever its length (a PDF whose headings were not recognised), so
    they grow with it."""
    rng = random.Random(seed)
    parts = ["# Cross-Sectional Equity Momentum Strategy\n"]
    count, index, chapters = 0, 0, 0
    per_chapter = max(words // CHAPTERS, 1)
    while count < words:
        title, template = _TEMPLATES[index % len(_TEMPLATES)]
        body = "\n\n".join(template(rng, index))
        if layout == "sections":
            parts.append(f"## {index + 1}. {title}\n\n{body}\n")
        else:
            if count >= chapters * per_chapter:
                chapters += 1
                parts.append(f"## Chapter {chapters}\n")
            parts.append(f"{title} (part {index + 1}).\n\n{body}\n")
        count += len(title.split()) + 1 + len(body.split())
        index += 1
    return "\n".join(parts)


class _CheckTimes:
    """Times every `CheckRunner.run` by check name; checks never nest, so times add up."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self._run = CheckRunner.run

    def __enter__(self) -> _CheckTimes:
        original, seconds = self._run, self.seconds

        def timed(runner: CheckRunner, check: str, default: Any, produce: Any, *args: Any) -> Any:
            started = time.perf_counter()
            try:
                return original(runner, check, default, produce, *args)
            finally:
                seconds[_family(check, produce)] += time.perf_counter() - started

        CheckRunner.run = timed  # type: ignore[method-assign]
        return self

    def __exit__(self, *exc: object) -> None:
        CheckRunner.run = self._run  # type: ignore[method-assign]


def _family(check: str, produce: Callable[..., Any]) -> str:
    """Extractors and quoted checks by name; the many checklist rows and red flags, and the
    engine's turning drafts into findings, by the function run for each."""
    if check.startswith(("semantics/", "review_")):
        return check
    return produce.__name__


def _timed(run: Callable[..., Any], *args: Any) -> tuple[float, Any]:
    started = time.perf_counter()
    result = run(*args)
    return time.perf_counter() - started, result


def measure(words: int, layout: str, repeat: int, top: int) -> dict[str, Any]:
    data = strategy_document(words, layout).encode()
    stages: dict[str, list[float]] = defaultdict(list)
    checks: dict[str, list[float]] = defaultdict(list)
    findings = 0
    for _ in range(repeat):
        ingest_s, ir = _timed(partial(ingest, max_bytes=MAX_BYTES), data, "strategy.md")
        with _CheckTimes() as times:
            semantics_s, _ = _timed(extract_semantics, ir.sections, ir.tables)
            review_s, review = _timed(review_document, ir)
        stages["ingest"].append(ingest_s)
        stages["semantics"].append(semantics_s)
        stages["review"].append(review_s)
        for name, seconds in times.seconds.items():
            checks[name].append(seconds)
        findings = len(review.findings)
    medians = {stage: statistics.median(values) for stage, values in stages.items()}
    per_check = {name: statistics.median(values) for name, values in checks.items()}
    slowest = sorted(per_check.items(), key=lambda item: -item[1])[:top]
    return {
        "bench": "review_scaling",
        "layout": layout,
        "words": ir.words,
        "sections": len(ir.sections),
        "findings": findings,
        **{f"{stage}_s": round(value, 3) for stage, value in medians.items()},
        **{f"{stage}_us_per_word": _per_word(value, ir.words) for stage, value in medians.items()},
        # Ingest includes semantic extraction (also timed on its own above).
        "total_us_per_word": _per_word(medians["ingest"] + medians["review"], ir.words),
        "checks_us_per_word": {name: _per_word(value, ir.words) for name, value in slowest},
    }


def _per_word(seconds: float, words: int) -> float:
    return round(seconds * 1e6 / words, 2)


def _sizes(text: str) -> Iterator[int]:
    return (int(size) for size in text.split(","))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)), help="words, comma-separated")
    parser.add_argument("--layouts", default=",".join(LAYOUTS), help="comma-separated")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per size")
    parser.add_argument("--top", type=int, default=8, help="slowest checks listed")
    args = parser.parse_args()
    for layout in args.layouts.split(","):
        for words in _sizes(args.sizes):
            print(json.dumps(measure(words, layout, args.repeat, args.top)), flush=True)


if __name__ == "__main__":
    main()
