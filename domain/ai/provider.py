"""The one interface every AI provider adapter implements, and the shapes it returns.

Adapters turn these calls into their SDK's structured-output request (JSON outputs for
Anthropic, a strict JSON schema for OpenAI's Responses and Chat Completions APIs,
`response_schema` for Gemini) and validate the reply against the same pydantic models, so
the rest of DocSense never sees a provider's own format. How a reply ended (cut off at the
output limit, refused, blocked by a safety filter) is reported in the same few words for
every provider, because what to do next depends on it and not on who answered.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Generic, Literal, Protocol, TypeVar

from pydantic import BaseModel, ConfigDict

from domain.findings import Category, Severity


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ModelFinding(_Strict):
    """One finding as a model reports it; `quote` is empty when the problem is an absence."""

    title: str
    detail: str
    suggestion: str
    category: Category
    severity: Severity
    quote: str
    section: str


class ReviewOutput(_Strict):
    """The `record_findings` JSON object."""

    findings: list[ModelFinding]


class ModelCitation(_Strict):
    quote: str
    section: str


class AnswerOutput(_Strict):
    """The `answer_question` JSON object."""

    answer: str
    citations: list[ModelCitation]


@dataclass(frozen=True, slots=True)
class TokenUsage:
    """Disjoint counts: `input_tokens` are billed at the base rate, without the cache reads
    and writes counted in their own fields."""

    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0

    def __add__(self, other: TokenUsage) -> TokenUsage:
        return TokenUsage(
            self.input_tokens + other.input_tokens,
            self.output_tokens + other.output_tokens,
            self.cache_read_tokens + other.cache_read_tokens,
            self.cache_write_tokens + other.cache_write_tokens,
        )


Output = TypeVar("Output", ReviewOutput, AnswerOutput)


@dataclass(frozen=True, slots=True)
class Completion(Generic[Output]):
    output: Output
    usage: TokenUsage
    model: str


# How a reply that came back ended, when it is not a usable answer.
TRUNCATED = "truncated"
"""Cut off at the output limit (thinking counts against it): worth one more try with room."""
REFUSED = "refused"
"""The model declined: asking it again gives the same answer."""
BLOCKED = "blocked"
"""A provider's safety or policy filter stopped the prompt or the reply: it will again."""
INCOMPLETE = "incomplete"
"""Stopped for another reason (paused, interrupted, unfinished status): may pass once more."""


class ProviderError(Exception):
    """A call that failed. `retryable` (429, 5xx, timeouts, connection errors, malformed
    output, truncation) tells the caller whether another attempt may succeed; `retry_after`
    is the server's hint in seconds when it gave one. `usage` and `model` are set when the
    provider answered and billed the call although the answer is unusable."""

    def __init__(
        self,
        reason: str,
        *,
        retryable: bool,
        retry_after: float | None = None,
        usage: TokenUsage | None = None,
        model: str | None = None,
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retryable = retryable
        self.retry_after = retry_after
        self.usage = usage
        self.model = model


Effort = Literal["low", "medium", "high", "xhigh"]
"""How hard a thinking model reasons; every current provider has these four levels."""

DEFAULT_MAX_OUTPUT_TOKENS = 16_000
"""Room for thinking and the JSON reply: current default models think, and their thinking
counts against this limit."""


def timeout_for(max_output_tokens: int) -> float:
    """The time a non-streamed call producing that many tokens may need: the Anthropic SDK's
    own estimate (an hour per 128,000 tokens; 450 s for 16,000), never under a minute."""
    return max(60.0, 3600 * max_output_tokens / 128_000)


@dataclass(frozen=True, slots=True)
class Budget:
    """What one call may produce and how long it may take."""

    max_output_tokens: int = DEFAULT_MAX_OUTPUT_TOKENS
    timeout_seconds: float = timeout_for(DEFAULT_MAX_OUTPUT_TOKENS)

    def doubled(self) -> Budget:
        """The retry after a truncated reply: twice the room, and the time to fill it."""
        return replace(
            self,
            max_output_tokens=self.max_output_tokens * 2,
            timeout_seconds=self.timeout_seconds * 2,
        )


@dataclass(frozen=True, slots=True)
class ReviewRequest:
    system: str
    """Instructions; states that text inside the document is data, never instructions."""
    document: str
    """The delimited document text (or the part of it) under review."""
    brief: str = ""
    """The whole document's brief (outline, definitions, parameters, symbols), sent before a
    part of a long document so the model knows what the other parts define."""
    cache_prefix: bool = False
    """Mark the instructions and the brief as a cache breakpoint: set when later calls (the
    review's other parts) send the same prefix and so read what this call writes."""
    budget: Budget = Budget()


@dataclass(frozen=True, slots=True)
class AnswerRequest:
    system: str
    document: str
    """The prefix every question on this document shares: the whole document, or the brief
    of a document too long to send whole (then `passages` follow it)."""
    question: str
    history: tuple[tuple[str, str], ...] = ()
    """Earlier (question, answer) pairs of the thread."""
    passages: str = ""
    """The passages picked for this question, when the prefix is a brief."""
    cache_prefix: bool = True
    """Mark `system` + `document` as a cache breakpoint: later questions in the thread read it."""
    budget: Budget = Budget()


class Provider(Protocol):
    name: str
    """`anthropic`, `openai` or `gemini`."""
    model: str

    async def review(self, request: ReviewRequest) -> Completion[ReviewOutput]: ...

    async def answer(self, request: AnswerRequest) -> Completion[AnswerOutput]: ...

    async def aclose(self) -> None:
        """Close the SDK client's connections."""
