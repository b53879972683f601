"""Run AI review and answers over the configured providers without ever failing the caller.

Each call gets a timeout and retries with exponential backoff and full jitter (never less
than a server's Retry-After); a provider that still fails is replaced by the next one for
the rest of the work; when every provider has failed the caller gets a plain note (review)
or None (answer) and carries on with the rules findings or the offline answer. Output is
grounded before it leaves this module, and every completion's tokens are summed and priced.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Generic, Protocol

import structlog

from domain.ai.chunking import DEFAULT_BUDGET, chunk_document
from domain.ai.grounding import ground_citations, ground_findings
from domain.ai.pricing import Price, price
from domain.ai.prompts import ANSWER_SYSTEM, REVIEW_SYSTEM, render_document, render_passages
from domain.ai.provider import (
    AnswerRequest,
    Completion,
    ModelFinding,
    Output,
    Provider,
    ProviderError,
    ReviewOutput,
    ReviewRequest,
    TokenUsage,
)
from domain.answers import Citation, PassageIndex, select_passages
from domain.findings import Finding
from domain.ir import DocumentIR

log = structlog.get_logger(__name__)

MALFORMED = "malformed_output"
TIMEOUT = "timeout"
# Malformed output gets one more try: a second malformed reply means the model cannot
# produce this schema for this input, and the next provider is the better bet.
_MALFORMED_ATTEMPTS = 2
# The whole document is the answer prefix up to this size (about 40K tokens): one cached
# prefix serves every question in the thread.
FULL_DOCUMENT_CHARS = 150_000

Sleep = Callable[[float], Awaitable[None]]
Clock = Callable[[], float]


@dataclass(frozen=True, slots=True)
class Backoff:
    """Exponential backoff with full jitter: attempt n waits uniform(0, min(cap, base*2^(n-1)))
    seconds, so many clients hit by one outage do not retry in step."""

    base: float = 1.0
    cap: float = 30.0

    def delay(self, attempt: int, retry_after: float | None, rng: Callable[[], float]) -> float:
        delay = rng() * min(self.cap, self.base * 2 ** (attempt - 1))
        return max(delay, retry_after or 0.0)


@dataclass(frozen=True, slots=True)
class AIReview:
    findings: list[Finding]
    """Grounded model findings, not yet merged with the rules findings."""
    usage: TokenUsage
    cost_usd: float
    providers_used: list[str]
    model: str | None
    note: str | None
    """For the user when the AI review was partial or unavailable."""
    dropped: Counter[str]
    """Model findings dropped by grounding, by reason."""
    elapsed_ms: int = 0


@dataclass(frozen=True, slots=True)
class AIAnswer:
    text: str
    citations: list[Citation]
    usage: TokenUsage
    cost_usd: float
    provider: str
    note: str | None


class RequestObserver(Protocol):
    """Told about every model call (metrics live in the entry points, not here)."""

    def request(
        self,
        provider: str,
        outcome: str,
        seconds: float,
        usage: TokenUsage | None,
        cost_usd: float,
    ) -> None: ...

    def dropped(self, reasons: Counter[str]) -> None:
        """Model quotes that grounding refused, by reason."""


@dataclass(frozen=True, slots=True)
class _Served(Generic[Output]):
    provider: Provider
    completion: Completion[Output]


@dataclass
class _Failover:
    """One piece of work's (a review's or an answer's) walk through the providers.

    `active` is shared by every call of that work: once a provider has failed a call after
    its retries, later calls start at the next provider instead of trying it again.
    """

    providers: Sequence[Provider]
    timeout_seconds: float
    max_attempts: int
    backoff: Backoff
    sleep: Sleep
    rng: Callable[[], float]
    limit: asyncio.Semaphore | None = None
    observer: RequestObserver | None = None
    price_overrides: Mapping[str, Price] = field(default_factory=dict)
    active: int = 0
    failures: dict[str, str] = field(default_factory=dict)

    async def run(
        self, call: Callable[[Provider], Awaitable[Completion[Output]]]
    ) -> _Served[Output] | None:
        """The first successful completion, or None once every provider has failed."""
        position = self.active
        while position < len(self.providers):
            provider = self.providers[position]
            completion = await self._attempts(provider, call)
            if completion is not None:
                return _Served(provider, completion)
            # The last provider stays in use for later calls: its failure may be particular
            # to this call (a chunk it refused), and there is nothing else to try.
            self.active = max(self.active, min(position + 1, len(self.providers) - 1))
            position = max(position + 1, self.active)
        return None

    async def _attempts(
        self, provider: Provider, call: Callable[[Provider], Awaitable[Completion[Output]]]
    ) -> Completion[Output] | None:
        tries: Counter[str] = Counter()
        attempt = 0
        while True:
            attempt += 1
            try:
                return await self._once(provider, call)
            except ProviderError as error:
                kind = MALFORMED if error.reason == MALFORMED else "other"
                tries[kind] += 1
                limit = _MALFORMED_ATTEMPTS if kind == MALFORMED else self.max_attempts
                log.warning(
                    "ai.provider_failed",
                    provider=provider.name,
                    attempt=attempt,
                    reason=error.reason,
                )
                if not error.retryable or tries[kind] >= limit or attempt >= self.max_attempts:
                    self.failures[provider.name] = error.reason
                    return None
                if error.retry_after is not None and error.retry_after > self.backoff.cap:
                    # Waiting that long would stall the review; the next provider is faster.
                    self.failures[provider.name] = (
                        f"{error.reason} (retry after {error.retry_after:g}s)"
                    )
                    return None
                await self.sleep(self.backoff.delay(attempt, error.retry_after, self.rng))

    async def _once(
        self, provider: Provider, call: Callable[[Provider], Awaitable[Completion[Output]]]
    ) -> Completion[Output]:
        if self.limit is None:
            return await self._timed(provider, call)
        async with self.limit:
            return await self._timed(provider, call)

    async def _timed(
        self, provider: Provider, call: Callable[[Provider], Awaitable[Completion[Output]]]
    ) -> Completion[Output]:
        started = time.perf_counter()
        try:
            async with asyncio.timeout(self.timeout_seconds):
                completion = await call(provider)
        except TimeoutError as error:
            self._observe(provider, TIMEOUT, started)
            raise ProviderError(TIMEOUT, retryable=True) from error
        except ProviderError as error:
            self._observe(provider, error.reason, started)
            raise
        except Exception as error:  # an adapter bug must not take the review down
            log.exception("ai.provider_raised", provider=provider.name)
            self._observe(provider, "adapter_error", started)
            raise ProviderError(type(error).__name__, retryable=False) from error
        cost = price(completion.model, completion.usage, self.price_overrides)
        self._observe(provider, "ok", started, completion.usage, cost.usd)
        return completion

    def _observe(
        self,
        provider: Provider,
        outcome: str,
        started: float,
        usage: TokenUsage | None = None,
        cost_usd: float = 0.0,
    ) -> None:
        if self.observer is not None:
            seconds = time.perf_counter() - started
            self.observer.request(provider.name, outcome, seconds, usage, cost_usd)

    def reason(self) -> str:
        if not self.providers:
            return "no AI provider is configured"
        return ", ".join(f"{name} {reason}" for name, reason in self.failures.items())


class _Accounts:
    """Tokens and dollars over every completion of one piece of work."""

    def __init__(self, overrides: Mapping[str, Price]) -> None:
        self._overrides = overrides
        self.usage = TokenUsage()
        self.cost_usd = 0.0

    def add(self, completion: Completion[Output]) -> None:
        self.usage += completion.usage
        cost = price(completion.model, completion.usage, self._overrides)
        if not cost.priced:
            log.warning("ai.model_unpriced", model=completion.model, counted_usd=0)
        self.cost_usd += cost.usd


class AIReviewer:
    """Reviews a document with the configured providers, in order of preference."""

    def __init__(
        self,
        providers: Sequence[Provider],
        *,
        max_concurrency: int,
        timeout_seconds: float,
        max_attempts: int = 3,
        chunk_tokens: int = DEFAULT_BUDGET,
        backoff: Backoff = Backoff(),
        price_overrides: Mapping[str, Price] | None = None,
        sleep: Sleep = asyncio.sleep,
        clock: Clock = time.monotonic,
        rng: Callable[[], float] = random.random,
        observer: RequestObserver | None = None,
    ) -> None:
        if max_concurrency < 1 or max_attempts < 1:
            raise ValueError("max_concurrency and max_attempts must be at least 1")
        self.providers = list(providers)
        self.max_concurrency = max_concurrency
        self.timeout_seconds = timeout_seconds
        self.max_attempts = max_attempts
        self.chunk_tokens = chunk_tokens
        self.backoff = backoff
        self.price_overrides = dict(price_overrides or {})
        self._sleep = sleep
        self._clock = clock
        self._rng = rng
        self.observer = observer

    async def review(self, ir: DocumentIR) -> AIReview:
        """Model findings for the document, grounded; never raises for provider trouble.

        Chunks go out concurrently, at most `max_concurrency` calls in flight at once.
        """
        started = self._clock()
        chunks = chunk_document(ir, self.chunk_tokens)
        failover = _Failover(
            self.providers,
            self.timeout_seconds,
            self.max_attempts,
            self.backoff,
            self._sleep,
            self._rng,
            limit=asyncio.Semaphore(self.max_concurrency),
            observer=self.observer,
            price_overrides=self.price_overrides,
        )
        served = await asyncio.gather(*(failover.run(_review_call(chunk)) for chunk in chunks))
        accounts = _Accounts(self.price_overrides)
        proposed: list[ModelFinding] = []
        used: dict[str, str] = {}
        for result in served:
            if result is not None:
                accounts.add(result.completion)
                proposed += result.completion.output.findings
                used.setdefault(result.provider.name, result.completion.model)
        findings, dropped = ground_findings(proposed, ir)
        if self.observer is not None:
            self.observer.dropped(dropped)
        order = [p.name for p in self.providers if p.name in used]
        return AIReview(
            findings=findings,
            usage=accounts.usage,
            cost_usd=accounts.cost_usd,
            providers_used=order,
            model=", ".join(dict.fromkeys(used[name] for name in order)) or None,
            note=_review_note(len(chunks), sum(r is None for r in served), failover.reason()),
            dropped=dropped,
            elapsed_ms=round((self._clock() - started) * 1000),
        )


class AIAnswerer:
    """Answers a question about a document with the configured providers."""

    def __init__(
        self,
        providers: Sequence[Provider],
        *,
        timeout_seconds: float,
        max_attempts: int = 3,
        full_document_chars: int = FULL_DOCUMENT_CHARS,
        passages: int = 8,
        backoff: Backoff = Backoff(),
        price_overrides: Mapping[str, Price] | None = None,
        sleep: Sleep = asyncio.sleep,
        rng: Callable[[], float] = random.random,
        observer: RequestObserver | None = None,
    ) -> None:
        self.providers = list(providers)
        self.timeout_seconds = timeout_seconds
        self.max_attempts = max_attempts
        self.full_document_chars = full_document_chars
        self.passages = passages
        self.backoff = backoff
        self.price_overrides = dict(price_overrides or {})
        self._sleep = sleep
        self._rng = rng
        self.observer = observer

    def document_prefix(
        self, ir: DocumentIR, question: str, *, index: PassageIndex | None = None
    ) -> str:
        """What the model reads before the question.

        The whole rendered document when it is under `full_document_chars`: then the prefix
        is byte-identical for every question on that document and provider-side prompt
        caching makes follow-up questions cheap and fast. A longer document is replaced by
        the passages `select_passages` picks for this question, which differ per question,
        so caching only helps for the full-document prefix.
        """
        whole = render_document(ir)
        if len(whole) <= self.full_document_chars:
            return whole
        chosen = select_passages(ir, question, self.passages, index=index)
        return render_passages(ir, chosen)

    async def answer(
        self,
        ir: DocumentIR,
        question: str,
        history: Sequence[tuple[str, str]] = (),
        *,
        index: PassageIndex | None = None,
    ) -> AIAnswer | None:
        """The model's answer with grounded citations, or None when every provider failed
        (the caller then answers offline)."""
        request = AnswerRequest(
            system=ANSWER_SYSTEM,
            document=self.document_prefix(ir, question, index=index),
            question=question,
            history=tuple(history),
        )
        failover = _Failover(
            self.providers,
            self.timeout_seconds,
            self.max_attempts,
            self.backoff,
            self._sleep,
            self._rng,
            observer=self.observer,
            price_overrides=self.price_overrides,
        )
        served = await failover.run(lambda provider: provider.answer(request))
        if served is None:
            log.warning("ai.answer_unavailable", reason=failover.reason())
            return None
        accounts = _Accounts(self.price_overrides)
        accounts.add(served.completion)
        output = served.completion.output
        citations, dropped = ground_citations(output.citations, ir)
        if self.observer is not None:
            self.observer.dropped(dropped)
        missing = dropped["quote_not_found"]
        note = (
            f"{missing} quoted passage{'s' if missing != 1 else ''} could not be found in the "
            f"document and {'were' if missing != 1 else 'was'} left out."
            if missing
            else None
        )
        return AIAnswer(
            text=output.answer,
            citations=citations,
            usage=accounts.usage,
            cost_usd=accounts.cost_usd,
            provider=served.provider.name,
            note=note,
        )


def _review_call(chunk: str) -> Callable[[Provider], Awaitable[Completion[ReviewOutput]]]:
    request = ReviewRequest(system=REVIEW_SYSTEM, document=chunk)
    return lambda provider: provider.review(request)


def _review_note(chunks: int, failed: int, reason: str) -> str | None:
    if failed == 0:
        return None
    if failed == chunks:
        return f"AI review unavailable: {reason}; showing rules findings"
    return (
        f"AI review incomplete: {failed} of {chunks} parts of the document could not be "
        f"reviewed ({reason}); rules findings cover the whole document"
    )
