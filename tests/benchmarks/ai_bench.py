"""AI review benchmark: fan-out, and what reviewing a 150-page document and asking five
questions costs in calls, tokens, cache writes and reads and dollars.

Both parts use the text of the 150-page strategy document the ingest benchmark uses (130
sections, ingested from Markdown).

- `fanout`: a fake provider answers every call after a fixed delay (standing in for model
  latency) and `AIReviewer.review` runs at several concurrency bounds. The ideal wall time is
  `delay * rounds`, where the parts of a long document go out as the first alone (it writes
  the cached brief) and the rest `concurrency` at a time: `rounds = 1 + ceil((parts - 1) /
  concurrency)` (code without the brief sends all parts at once: `ceil(parts / concurrency)`).
  Chunking, prompt rendering and grounding should add little (target ratio <= 1.2).
- `cost`: the real `AnthropicProvider` (the default provider) reviews the document and then
  answers five questions in one thread (and the same for the two-page example specification
  in docs/examples, which is reviewed and answered from whole) against
  `FakeAnthropic(cache=PromptCache())`, which counts every request's tokens (characters / 4
  per block) and applies the Messages API's caching rules to the request shapes DocSense
  sends (see `PromptCache`); every call's output is 1,000 tokens. The code measured prices
  it at claude-opus-5-5's list prices.

`--code DIR` imports DocSense's `domain` from another checkout (for example a `git worktree`
of the commit before a change) while the fakes and the document come from this one, so the
same measurement runs against the code before and after.

Prints one JSON object per line.

Usage: .venv/bin/python tests/benchmarks/ai_bench.py [--delay 0.2] [--concurrency 4 8 16]
       [--questions 5] [--code DIR] [--only fanout|cost]
"""

from __future__ import annotations

import argparse
import asyncio
import inspect
import json
import math
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# The fakes and the document builder come from this checkout: none of them imports DocSense.
from tests.domain.ingest.builders import strategy_outline  # noqa: E402
from tests.fakes.ai_servers import FakeAnthropic, JsonObject, PromptCache  # noqa: E402

RATIO_TARGET = 1.2
QUESTIONS = [
    "What is the lookback of the momentum signal?",
    "How are transaction costs modelled in the backtest?",
    "Which exchange calendar defines a business day?",
    "What happens when the drawdown limit is breached?",
    "Who approves changes to the parameters?",
]


def load(code: str | None) -> dict[str, Any]:
    """DocSense's modules, from `code` when given."""
    if code:
        sys.path.insert(0, str(Path(code).resolve()))
    from domain.ai import orchestrator
    from domain.ai.anthropic_provider import AnthropicProvider
    from domain.ai.provider import Completion, ReviewOutput, TokenUsage
    from domain.ingest import ingest

    return {
        "orchestrator": orchestrator,
        "AnthropicProvider": AnthropicProvider,
        "Completion": Completion,
        "ReviewOutput": ReviewOutput,
        "TokenUsage": TokenUsage,
        "ingest": ingest,
    }


EXAMPLE = ROOT / "docs" / "examples" / "momentum_strategy.md"


def example(ingest: Any) -> Any:
    """A two-page specification: reviewed whole, and answered from the whole document."""
    data = EXAMPLE.read_bytes()
    return ingest(data, EXAMPLE.name, "text/markdown", max_bytes=len(data) + 1)


def document(ingest: Any) -> Any:
    lines = ["# Cross-Sectional Momentum Strategy", ""]
    for heading, blocks in strategy_outline(sections=130, paragraphs=8):
        lines += [f"## {heading}", ""]
        lines += [f"{block}\n" for block in blocks if isinstance(block, str)]
    data = "\n".join(lines).encode()
    return ingest(data, "strategy.md", "text/markdown", max_bytes=len(data) + 1)


def _finding(quote: str) -> JsonObject:
    return {
        "title": "Threshold has no value",
        "detail": "The document relies on a value it never gives.",
        "suggestion": "State the value and its unit.",
        "category": "undefined_parameter",
        "severity": "high",
        "quote": quote,
        "section": "",
    }


def _document_line(text: str) -> str:
    return next(
        line for line in text.splitlines() if line and not line.startswith("<") and "[" not in line
    )[:80]


def findings_reply(part: str) -> str:
    """One finding quoting the part reviewed and one hallucinated quote: grounding's worst
    case (searching every section) is part of what is timed."""
    findings = [_finding(_document_line(part)), _finding("The kill switch is tested weekly.")]
    return json.dumps({"findings": findings})


def model_reply(body: JsonObject) -> str:
    """A Messages API request's reply: findings for a review, a sentence for an answer."""
    if "findings" in json.dumps(body.get("output_config") or {}):
        return findings_reply(body["messages"][0]["content"][-1]["text"])
    question = body["messages"][-1]["content"][-1]["text"]
    return json.dumps({"answer": f"The document does not say ({question[:30]}).", "citations": []})


class _DelayedProvider:
    """A provider answering every review call after `delay` seconds, counting calls in
    flight; it stands in for model latency without an HTTP round trip."""

    name = "anthropic"
    model = "claude-opus-5-5"

    def __init__(self, code: dict[str, Any], delay: float) -> None:
        self._code = code
        self._delay = delay
        self.calls = 0
        self.in_flight = 0
        self.max_in_flight = 0

    async def review(self, request: Any) -> Any:
        self.calls += 1
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            await asyncio.sleep(self._delay)
        finally:
            self.in_flight -= 1
        output = self._code["ReviewOutput"].model_validate_json(findings_reply(request.document))
        return self._code["Completion"](output, self._code["TokenUsage"](1000, 100), self.model)

    async def aclose(self) -> None:
        """Nothing to close."""


async def fanout(code: dict[str, Any], ir: Any, delay: float, concurrency: int) -> JsonObject:
    orchestrator = code["orchestrator"]
    provider = _DelayedProvider(code, delay)
    reviewer = orchestrator.AIReviewer([provider], max_concurrency=concurrency, timeout_seconds=60)
    started = time.perf_counter()
    result = await reviewer.review(ir)
    wall = time.perf_counter() - started
    parts = provider.calls
    warm_first = hasattr(orchestrator, "render_brief")
    rounds = (
        1 + math.ceil((parts - 1) / concurrency) if warm_first else math.ceil(parts / concurrency)
    )
    ideal = delay * rounds
    assert result.note is None and provider.max_in_flight <= concurrency
    return {
        "benchmark": "ai_review_fanout",
        "sections": len(ir.sections),
        "chunks": parts,
        "concurrency": concurrency,
        "max_in_flight": provider.max_in_flight,
        "findings": len(result.findings),
        "dropped": sum(result.dropped.values()),
        "wall_s": round(wall, 3),
        "ideal_s": round(ideal, 3),
        "ratio": round(wall / ideal, 3),
        "target_met": wall / ideal <= RATIO_TARGET,
    }


def _provider(code: dict[str, Any], base_url: str) -> Any:
    """The adapter as the code measured builds it (its timeout went into each request)."""
    cls = code["AnthropicProvider"]
    options: dict[str, Any] = {"base_url": base_url}
    if "timeout" in inspect.signature(cls).parameters:
        options["timeout"] = 600
    return cls("key", **options)


async def cost(code: dict[str, Any], ir: Any, questions: int, concurrency: int) -> JsonObject:
    orchestrator = code["orchestrator"]
    cache = PromptCache()
    async with FakeAnthropic(cache=cache) as fake:
        fake.respond_with(model_reply)
        fake.latency = 0.05
        provider = _provider(code, fake.base_url)
        try:
            reviewer = orchestrator.AIReviewer(
                [provider], max_concurrency=concurrency, timeout_seconds=600
            )
            review = await reviewer.review(ir)
            review_calls = len(fake.requests)
            answerer = orchestrator.AIAnswerer([provider], timeout_seconds=600)
            history: list[tuple[str, str]] = []
            answers = []
            for question in QUESTIONS[:questions]:
                answer = await answerer.answer(ir, question, history)
                assert answer is not None
                answers.append(answer)
                history.append((question, answer.text))
        finally:
            await provider.aclose()
    calls = len(fake.requests)
    usages = [review.usage, *(a.usage for a in answers)]
    total = usages[0]
    for usage in usages[1:]:
        total = total + usage
    spent = review.cost_usd + sum(a.cost_usd for a in answers)
    prompt = total.input_tokens + total.cache_read_tokens + total.cache_write_tokens
    return {
        "benchmark": "ai_review_cost",
        "sections": len(ir.sections),
        "review_calls": review_calls,
        "answer_calls": calls - review_calls,
        "input_tokens": total.input_tokens,
        "output_tokens": total.output_tokens,
        "cache_write_tokens": total.cache_write_tokens,
        "cache_read_tokens": total.cache_read_tokens,
        "cache_hit_rate": round(total.cache_read_tokens / prompt, 3) if prompt else 0.0,
        "review_usd": round(review.cost_usd, 4),
        "answers_usd": round(sum(a.cost_usd for a in answers), 4),
        "cost_usd": round(spent, 4),
        "note": review.note,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--delay", type=float, default=0.2, help="fake model latency, seconds")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[4, 8, 16])
    parser.add_argument("--questions", type=int, default=5, choices=range(1, len(QUESTIONS) + 1))
    parser.add_argument("--code", help="a checkout whose domain package is measured")
    parser.add_argument("--only", choices=["fanout", "cost"])
    args = parser.parse_args()
    code = load(args.code)
    ir = document(code["ingest"])
    if args.only != "cost":
        for concurrency in args.concurrency:
            print(json.dumps(asyncio.run(fanout(code, ir, args.delay, concurrency))), flush=True)
    if args.only != "fanout":
        for name, reviewed in (("150-page strategy", ir), (EXAMPLE.name, example(code["ingest"]))):
            result = asyncio.run(cost(code, reviewed, args.questions, args.concurrency[0]))
            print(json.dumps({"code": args.code or "this checkout", "document": name, **result}))


if __name__ == "__main__":
    main()
