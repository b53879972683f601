"""AI review benchmark: does chunked review run as concurrently as the bound allows?

A fake provider answers every call after a fixed delay (standing in for model latency), and
`AIReviewer.review` runs over the text of the 150-page strategy document the ingest
benchmark uses (130 sections, ingested from Markdown). The ideal wall time is
`delay * ceil(chunks / concurrency)`; chunking, prompt rendering and grounding should add
little to it (target ratio <= 1.2).

Prints one JSON object per line: chunks, concurrency, wall_s, ideal_s, ratio, target_met.

Usage: .venv/bin/python tests/benchmarks/ai_bench.py [--delay 0.2] [--concurrency 4 8 16]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from domain.ai.orchestrator import AIReviewer  # noqa: E402
from domain.ai.provider import ReviewOutput  # noqa: E402
from domain.ingest import ingest  # noqa: E402
from domain.ir import DocumentIR  # noqa: E402
from tests.domain.ai.ai_fakes import FakeProvider, model_finding  # noqa: E402
from tests.domain.ingest.builders import strategy_outline  # noqa: E402

RATIO_TARGET = 1.2


def document() -> DocumentIR:
    lines = ["# Cross-Sectional Momentum Strategy", ""]
    for heading, blocks in strategy_outline(sections=130, paragraphs=8):
        lines += [f"## {heading}", ""]
        lines += [f"{block}\n" for block in blocks if isinstance(block, str)]
    data = "\n".join(lines).encode()
    return ingest(data, "strategy.md", "text/markdown", max_bytes=len(data) + 1)


def findings(request: object) -> ReviewOutput:
    """Per chunk, one finding quoting it and one hallucinated quote: grounding is part of
    what is timed, including its worst case (searching every section for a quote)."""
    text = getattr(request, "document", "")
    quote = next(line for line in text.splitlines() if line and not line.startswith("<"))[:80]
    return ReviewOutput(
        findings=[model_finding(quote), model_finding("The kill switch is tested weekly.")]
    )


async def measure(ir: DocumentIR, delay: float, concurrency: int) -> dict[str, object]:
    provider = FakeProvider(delay=delay, default=findings)
    reviewer = AIReviewer([provider], max_concurrency=concurrency, timeout_seconds=60)
    started = time.perf_counter()
    result = await reviewer.review(ir)
    wall = time.perf_counter() - started
    chunks = len(provider.requests)
    ideal = delay * math.ceil(chunks / concurrency)
    assert result.note is None and provider.max_in_flight <= concurrency
    return {
        "benchmark": "ai_review",
        "sections": len(ir.sections),
        "chunks": chunks,
        "concurrency": concurrency,
        "max_in_flight": provider.max_in_flight,
        "findings": len(result.findings),
        "dropped": sum(result.dropped.values()),
        "wall_s": round(wall, 3),
        "ideal_s": round(ideal, 3),
        "ratio": round(wall / ideal, 3),
        "target_met": wall / ideal <= RATIO_TARGET,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--delay", type=float, default=0.2, help="fake model latency, seconds")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[4, 8, 16])
    args = parser.parse_args()
    ir = document()
    for concurrency in args.concurrency:
        print(json.dumps(asyncio.run(measure(ir, args.delay, concurrency))), flush=True)


if __name__ == "__main__":
    main()
