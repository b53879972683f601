"""Small documents and an in-process fake Provider for the AI core tests.

The fake stands in for an external service at the `Provider` interface: it serves a script
of outcomes (outputs, errors, hangs) per call and records what it was asked and how many
calls were in flight at once. HTTP-level fakes of the real APIs live with the adapters.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Literal

from domain.ai.provider import (
    AnswerOutput,
    AnswerRequest,
    Completion,
    ModelFinding,
    ReviewOutput,
    ReviewRequest,
    TokenUsage,
)
from domain.findings import Category, Severity
from domain.ir import DocumentIR, Section

HANG = "hang"
"""An outcome that never completes, for timeouts."""

USAGE = TokenUsage(input_tokens=1000, output_tokens=100)
Outcome = ReviewOutput | AnswerOutput | Exception | Literal["hang"]


def make_ir(*sections: tuple[str | None, str, str], pages: bool = True) -> DocumentIR:
    """A document from (number, title, text) triples; section k is on page k when `pages`."""
    built = [
        Section(
            id=f"s{index}",
            number=number,
            title=title,
            text=text,
            page_start=index if pages else None,
            page_end=index if pages else None,
        )
        for index, (number, title, text) in enumerate(sections, start=1)
    ]
    return DocumentIR(
        title="Momentum Strategy",
        filename="strategy.md",
        media_type="text/markdown",
        sha256="0" * 64,
        pages=len(built),
        words=sum(len(s.text.split()) for s in built),
        sections=built,
    )


def model_finding(
    quote: str,
    section: str = "",
    *,
    category: Category = "undefined_parameter",
    severity: Severity = "high",
    title: str = "Threshold has no value",
) -> ModelFinding:
    return ModelFinding(
        title=title,
        detail="The document relies on a value it never gives.",
        suggestion="State the value and its unit.",
        category=category,
        severity=severity,
        quote=quote,
        section=section,
    )


class FakeProvider:
    """Serves `outcomes` in order, one per call, then `default(request)` (or empty output)."""

    def __init__(
        self,
        name: str = "anthropic",
        model: str = "claude-opus-5-5",
        *,
        outcomes: Sequence[Outcome] = (),
        default: Callable[[ReviewRequest | AnswerRequest], Outcome] | None = None,
        usage: TokenUsage = USAGE,
        delay: float = 0.0,
    ) -> None:
        self.name = name
        self.model = model
        self.outcomes = list(outcomes)
        self.default = default
        self.usage = usage
        self.delay = delay
        self.requests: list[ReviewRequest | AnswerRequest] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self.in_flight_at_start: list[int] = []
        """For each call, how many were in flight once it started (itself included)."""

    async def review(self, request: ReviewRequest) -> Completion[ReviewOutput]:
        output = await self._serve(request, ReviewOutput(findings=[]))
        assert isinstance(output, ReviewOutput)
        return Completion(output, self.usage, self.model)

    async def answer(self, request: AnswerRequest) -> Completion[AnswerOutput]:
        output = await self._serve(request, AnswerOutput(answer="", citations=[]))
        assert isinstance(output, AnswerOutput)
        return Completion(output, self.usage, self.model)

    async def aclose(self) -> None:
        """Nothing to close: no connection was opened."""

    async def _serve(
        self, request: ReviewRequest | AnswerRequest, empty: ReviewOutput | AnswerOutput
    ) -> ReviewOutput | AnswerOutput:
        self.requests.append(request)
        self.in_flight += 1
        self.in_flight_at_start.append(self.in_flight)
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            if self.delay:
                await asyncio.sleep(self.delay)
            if self.outcomes:
                outcome = self.outcomes.pop(0)
            else:
                outcome = self.default(request) if self.default else empty
            if outcome == HANG:
                await asyncio.Event().wait()
            if isinstance(outcome, Exception):
                raise outcome
            assert not isinstance(outcome, str)
            return outcome
        finally:
            self.in_flight -= 1


class SleepRecorder:
    """An injected `sleep` that records each delay instead of waiting."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)
