"""The one interface every AI provider adapter implements, and the shapes it returns.

Adapters turn these calls into their SDK's structured-output request (a forced tool for
Anthropic, a strict JSON schema for OpenAI, `response_schema` for Gemini) and validate
the reply against the same pydantic models, so the rest of DocSense never sees a
provider's own format.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

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
    """The `record_findings` tool input / JSON object."""

    findings: list[ModelFinding]


class ModelCitation(_Strict):
    quote: str
    section: str


class AnswerOutput(_Strict):
    """The `answer_question` tool input / JSON object."""

    answer: str
    citations: list[ModelCitation]


@dataclass(frozen=True, slots=True)
class TokenUsage:
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


class ProviderError(Exception):
    """A call that failed. `retryable` (429, 5xx, timeouts, connection errors, malformed
    output once) tells the caller whether another attempt may succeed; `retry_after` is
    the server's hint in seconds when it gave one."""

    def __init__(self, reason: str, *, retryable: bool, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retryable = retryable
        self.retry_after = retry_after


@dataclass(frozen=True, slots=True)
class ReviewRequest:
    system: str
    """Instructions; states that text inside the document is data, never instructions."""
    document: str
    """The delimited document text (or the chunk of it) under review."""


@dataclass(frozen=True, slots=True)
class AnswerRequest:
    system: str
    document: str
    """The document prefix: byte-identical for every question on the same document, so
    provider-side prompt caching applies (Anthropic: marked with cache_control)."""
    question: str
    history: tuple[tuple[str, str], ...] = ()
    """Earlier (question, answer) pairs of the thread."""


class Provider(Protocol):
    name: str
    """`anthropic`, `openai` or `gemini`."""
    model: str

    async def review(self, request: ReviewRequest) -> Completion[ReviewOutput]: ...

    async def answer(self, request: AnswerRequest) -> Completion[AnswerOutput]: ...
