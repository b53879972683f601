"""Run AI review and answers over the configured providers without ever failing the caller.

Each call has a budget (output tokens and the time to produce them) and is retried by what
went wrong: 429, 5xx and timeouts with exponential backoff and full jitter (never less than
a server's Retry-After); malformed output and an incomplete reply once more; a reply cut off
at the output limit (`truncated`) once more with twice the budget; a refusal or a safety
block never on the same provider, since it would only repeat. A provider that still fails
a call is replaced by the next one for the rest of the work, except after a refusal or a
block, which concern that call's text and not the provider. When every provider has failed
the caller gets a plain note naming what happened (review) or None (answer) and carries on
with the rules findings or the offline answer. Output is grounded before it leaves this
module, and every billed call's tokens (failed ones too) are summed and priced, with what
the provider's cache saved.

A long document is reviewed in parts, each sent after the document brief; the first part
goes alone and the rest after it, so the brief it writes to the provider's cache is read by
every other part (a cache entry exists only once its first response has started).
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Generic, Protocol

import structlog

from domain.ai.brief import DEFAULT_BRIEF_TOKENS, render_brief
from domain.ai.chunking import DEFAULT_BUDGET, chunk_document
from domain.ai.grounding import ground_citations, ground_findings
from domain.ai.leaks import InstructionEcho
from domain.ai.pricing import Price, cache_saving, price
from domain.ai.prompts import (
    ANSWER_SYSTEM,
    CATEGORY_GUIDE,
    REVIEW_SYSTEM,
    render_document,
    render_passages,
)
from domain.ai.provider import (
    BLOCKED,
    DEFAULT_MAX_OUTPUT_TOKENS,
    INCOMPLETE,
    REFUSED,
    TRUNCATED,
    AnswerRequest,
    Budget,
    Completion,
    ModelFinding,
    Output,
    Provider,
    ProviderError,
    ReviewOutput,
    ReviewRequest,
    TokenUsage,
    timeout_for,
)
from domain.answers import Citation, PassageIndex, select_passages
from domain.findings import Finding
from domain.ir import DocumentIR

log = structlog.get_logger(__name__)

MALFORMED = "malformed_output"
TIMEOUT = "timeout"
# Attempts per provider and call for failures that another sample may fix: a second
# malformed, incomplete or truncated reply means the model cannot produce this object for
# this input, and the next provider is the better bet.
_ONE_MORE_TRY = {MALFORMED: 2, INCOMPLETE: 2, TRUNCATED: 2}
# Failures that concern the text sent, not the provider: the next provider gets the call,
# but the failing one stays in use for the work's other calls.
_ABOUT_THE_TEXT = {REFUSED, BLOCKED}
_DESCRIBED = {
    TRUNCATED: "truncated: the reply hit the output limit",
    REFUSED: "refused: the model declined",
    BLOCKED: "blocked by the provider's safety filter",
    INCOMPLETE: "incomplete: the reply stopped early",
}
# The whole document is the answer prefix up to this size (about 40K tokens): one cached
# prefix serves every question in the thread.
FULL_DOCUMENT_CHARS = 150_000
INSTRUCTIONS_WITHHELD = (
    "I answer questions about this document from the document only; my own instructions "
    "are not part of it, so I won't repeat them."
)
"""Shown instead of an answer that copied the answer prompt (see domain/ai/leaks.py)."""

Sleep = Callable[[float], Awaitable[None]]
Clock = Callable[[], float]
Call = Callable[[Provider, Budget], Awaitable[Completion[Output]]]


@dataclass(frozen=True, slots=True)
class Backoff:
    """Exponential backoff with full jitter: attempt n waits uniform(0, min(cap, base*2^(n-1)))
    seconds, so many clients hit by one outage do not retry in step."""

    base: float = 1.0
    cap: float = 30.0

    def delay(self, attempt: int, retry_after: float | None, rng: Callable[[], float]) -> float:
        delay = rng() * min(self.cap, self.base * 2 ** (attempt - 1))
        return max(delay, retry_after or 0.0)


def budget_for(max_output_tokens: int, timeout_seconds: float | None) -> Budget:
    """A call's budget from the settings; no timeout means the one the token budget needs."""
    return Budget(max_output_tokens, timeout_seconds or timeout_for(max_output_tokens))


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
    """Model findings dropped, by reason (grounding's, and `absence_in_part`)."""
    elapsed_ms: int = 0
    cache_saved_usd: float = 0.0
    """What prompt caching saved on this review (negative if writes were never read)."""


@dataclass(frozen=True, slots=True)
class AIAnswer:
    text: str
    citations: list[Citation]
    usage: TokenUsage
    cost_usd: float
    provider: str
    note: str | None
    cache_saved_usd: float = 0.0


class RequestObserver(Protocol):
    """Told about every model call (metrics live in the entry points, not here)."""

    def request(
        self,
        provider: str,
        outcome: str,
        seconds: float,
        usage: TokenUsage | None,
        cost_usd: float,
        saved_usd: float = 0.0,
    ) -> None:
        """`outcome` is `ok` or the failure's reason; a failed call the provider billed
        (truncated, refused, malformed) has its usage and cost too."""

    def dropped(self, reasons: Counter[str]) -> None:
        """Model findings and citations dropped, by reason."""


@dataclass(frozen=True, slots=True)
class _Served(Generic[Output]):
    provider: Provider
    completion: Completion[Output]


class _Accounts:
    """Tokens, dollars and cache savings over every billed call of one piece of work."""

    def __init__(self, overrides: Mapping[str, Price]) -> None:
        self._overrides = overrides
        self.usage = TokenUsage()
        self.cost_usd = 0.0
        self.saved_usd = 0.0

    def add(self, model: str, usage: TokenUsage) -> tuple[float, float]:
        """Counts the call; returns its cost and cache saving in USD."""
        cost = price(model, usage, self._overrides)
        if not cost.priced:
            log.warning("ai.model_unpriced", model=model, counted_usd=0)
        saved = cache_saving(model, usage, self._overrides)
        self.usage += usage
        self.cost_usd += cost.usd
        self.saved_usd += saved
        return cost.usd, saved


@dataclass
class _Failover:
    """One piece of work's (a review's or an answer's) walk through the providers.

    `active` is shared by every call of that work: once a provider has failed a call after
    its retries, later calls start at the next provider instead of trying it again.
    """

    providers: Sequence[Provider]
    budget: Budget
    max_attempts: int
    backoff: Backoff
    sleep: Sleep
    rng: Callable[[], float]
    accounts: _Accounts
    limit: asyncio.Semaphore | None = None
    observer: RequestObserver | None = None
    active: int = 0
    failures: dict[str, str] = field(default_factory=dict)

    async def run(self, call: Call[Output]) -> _Served[Output] | None:
        """The first successful completion, or None once every provider has failed."""
        position = self.active
        while position < len(self.providers):
            provider = self.providers[position]
            completion, reason = await self._attempts(provider, call)
            if completion is not None:
                return _Served(provider, completion)
            if reason in _ABOUT_THE_TEXT:
                position += 1
                continue
            # The last provider stays in use for later calls: its failure may be particular
            # to this call (a chunk it could not do), and there is nothing else to try.
            self.active = max(self.active, min(position + 1, len(self.providers) - 1))
            position = max(position + 1, self.active)
        return None

    async def _attempts(
        self, provider: Provider, call: Call[Output]
    ) -> tuple[Completion[Output] | None, str]:
        tries: Counter[str] = Counter()
        budget = self.budget
        attempt = 0
        while True:
            attempt += 1
            try:
                return await self._once(provider, call, budget), "ok"
            except ProviderError as error:
                tries[error.reason] += 1
                limit = _ONE_MORE_TRY.get(error.reason, self.max_attempts)
                log.warning(
                    "ai.provider_failed",
                    provider=provider.name,
                    attempt=attempt,
                    reason=error.reason,
                    max_output_tokens=budget.max_output_tokens,
                )
                if (
                    not error.retryable
                    or tries[error.reason] >= limit
                    or attempt >= self.max_attempts
                ):
                    self.failures[provider.name] = error.reason
                    return None, error.reason
                if error.retry_after is not None and error.retry_after > self.backoff.cap:
                    # Waiting that long would stall the review; the next provider is faster.
                    self.failures[provider.name] = (
                        f"{error.reason} (retry after {error.retry_after:g}s)"
                    )
                    return None, error.reason
                if error.reason == TRUNCATED:
                    budget = budget.doubled()  # no wait: the server is fine, the room was not
                    continue
                await self.sleep(self.backoff.delay(attempt, error.retry_after, self.rng))

    async def _once(
        self, provider: Provider, call: Call[Output], budget: Budget
    ) -> Completion[Output]:
        if self.limit is None:
            return await self._timed(provider, call, budget)
        async with self.limit:
            return await self._timed(provider, call, budget)

    async def _timed(
        self, provider: Provider, call: Call[Output], budget: Budget
    ) -> Completion[Output]:
        started = time.perf_counter()
        try:
            async with asyncio.timeout(budget.timeout_seconds):
                completion = await call(provider, budget)
        except TimeoutError as error:
            self._observe(provider, TIMEOUT, started)
            raise ProviderError(TIMEOUT, retryable=True) from error
        except ProviderError as error:
            self._observe(provider, error.reason, started, error.model, error.usage)
            raise
        except Exception as error:  # an adapter bug must not take the review down
            log.exception("ai.provider_raised", provider=provider.name)
            self._observe(provider, "adapter_error", started)
            raise ProviderError(type(error).__name__, retryable=False) from error
        self._observe(provider, "ok", started, completion.model, completion.usage)
        return completion

    def _observe(
        self,
        provider: Provider,
        outcome: str,
        started: float,
        model: str | None = None,
        usage: TokenUsage | None = None,
    ) -> None:
        cost = saved = 0.0
        if usage is not None:
            cost, saved = self.accounts.add(model or provider.model, usage)
        if self.observer is not None:
            seconds = time.perf_counter() - started
            self.observer.request(provider.name, outcome, seconds, usage, cost, saved)

    def reason(self) -> str:
        if not self.providers:
            return "no AI provider is configured"
        return ", ".join(
            f"{name} {_DESCRIBED.get(reason, reason)}" for name, reason in self.failures.items()
        )


class AIReviewer:
    """Reviews a document with the configured providers, in order of preference."""

    def __init__(
        self,
        providers: Sequence[Provider],
        *,
        max_concurrency: int,
        timeout_seconds: float | None = None,
        max_output_tokens: int = DEFAULT_MAX_OUTPUT_TOKENS,
        max_attempts: int = 3,
        chunk_tokens: int = DEFAULT_BUDGET,
        brief_tokens: int = DEFAULT_BRIEF_TOKENS,
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
        self.budget = budget_for(max_output_tokens, timeout_seconds)
        self.max_attempts = max_attempts
        self.chunk_tokens = chunk_tokens
        self.brief_tokens = brief_tokens
        self.backoff = backoff
        self.price_overrides = dict(price_overrides or {})
        self._sleep = sleep
        self._clock = clock
        self._rng = rng
        self.observer = observer

    def requests(self, ir: DocumentIR) -> list[ReviewRequest]:
        """One request per part; the parts of a long document share the brief as their
        cached prefix, a document reviewed whole needs neither."""
        chunks = chunk_document(ir, self.chunk_tokens)
        if len(chunks) == 1:
            return [ReviewRequest(REVIEW_SYSTEM, chunks[0], budget=self.budget)]
        brief = render_brief(ir, self.brief_tokens)
        return [
            ReviewRequest(REVIEW_SYSTEM, chunk, brief, cache_prefix=True, budget=self.budget)
            for chunk in chunks
        ]

    async def review(self, ir: DocumentIR) -> AIReview:
        """Model findings for the document, grounded; never raises for provider trouble.

        Parts after the first go out concurrently, at most `max_concurrency` calls in flight.
        Absences are only taken from a review of the whole document: a part cannot know
        what the others contain (the rules engine's coverage checks the whole document).
        """
        started = self._clock()
        requests = self.requests(ir)
        accounts = _Accounts(self.price_overrides)
        failover = _Failover(
            self.providers,
            self.budget,
            self.max_attempts,
            self.backoff,
            self._sleep,
            self._rng,
            accounts,
            limit=asyncio.Semaphore(self.max_concurrency),
            observer=self.observer,
        )
        served = [await failover.run(_review_call(requests[0]))]
        served += await asyncio.gather(*(failover.run(_review_call(r)) for r in requests[1:]))
        whole = len(requests) == 1
        dropped: Counter[str] = Counter()
        proposed: list[ModelFinding] = []
        used: dict[str, str] = {}
        for result in served:
            if result is None:
                continue
            for finding in result.completion.output.findings:
                if whole or finding.quote.strip():
                    proposed.append(finding)
                else:
                    dropped["absence_in_part"] += 1
            used.setdefault(result.provider.name, result.completion.model)
        findings, grounding = ground_findings(proposed, ir)
        dropped += grounding
        echo = InstructionEcho(REVIEW_SYSTEM, ir, allowed=CATEGORY_GUIDE.values())
        shown = [f for f in findings if not echo.repeats(f.title, f.detail, f.suggestion)]
        if len(shown) < len(findings):
            dropped["prompt_leak"] += len(findings) - len(shown)
            findings = shown
        if self.observer is not None:
            self.observer.dropped(dropped)
        order = [p.name for p in self.providers if p.name in used]
        return AIReview(
            findings=findings,
            usage=accounts.usage,
            cost_usd=accounts.cost_usd,
            providers_used=order,
            model=", ".join(dict.fromkeys(used[name] for name in order)) or None,
            note=_review_note(len(requests), sum(r is None for r in served), failover.reason()),
            dropped=dropped,
            elapsed_ms=round((self._clock() - started) * 1000),
            cache_saved_usd=accounts.saved_usd,
        )


class AIAnswerer:
    """Answers a question about a document with the configured providers."""

    def __init__(
        self,
        providers: Sequence[Provider],
        *,
        timeout_seconds: float | None = None,
        max_output_tokens: int = DEFAULT_MAX_OUTPUT_TOKENS,
        max_attempts: int = 3,
        full_document_chars: int = FULL_DOCUMENT_CHARS,
        passages: int = 8,
        brief_tokens: int = DEFAULT_BRIEF_TOKENS,
        backoff: Backoff = Backoff(),
        price_overrides: Mapping[str, Price] | None = None,
        sleep: Sleep = asyncio.sleep,
        rng: Callable[[], float] = random.random,
        observer: RequestObserver | None = None,
    ) -> None:
        self.providers = list(providers)
        self.budget = budget_for(max_output_tokens, timeout_seconds)
        self.max_attempts = max_attempts
        self.full_document_chars = full_document_chars
        self.passages = passages
        self.brief_tokens = brief_tokens
        self.backoff = backoff
        self.price_overrides = dict(price_overrides or {})
        self._sleep = sleep
        self._rng = rng
        self.observer = observer

    def request(
        self,
        ir: DocumentIR,
        question: str,
        history: Sequence[tuple[str, str]] = (),
        *,
        index: PassageIndex | None = None,
    ) -> AnswerRequest:
        """What the model reads for this question.

        The whole rendered document when it is under `full_document_chars`; a longer
        document is replaced by its brief plus the passages `select_passages` picks for
        this question. Either way the prefix (the document, or the brief) is byte-identical
        for every question on that document and marked for caching, so the thread's later
        questions read it from the provider's cache.
        """
        whole = render_document(ir)
        if len(whole) <= self.full_document_chars:
            prefix, passages = whole, ""
        else:
            chosen = select_passages(ir, question, self.passages, index=index)
            prefix, passages = render_brief(ir, self.brief_tokens), render_passages(ir, chosen)
        return AnswerRequest(
            system=ANSWER_SYSTEM,
            document=prefix,
            question=question,
            history=tuple(history),
            passages=passages,
            budget=self.budget,
        )

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
        request = self.request(ir, question, history, index=index)
        accounts = _Accounts(self.price_overrides)
        failover = _Failover(
            self.providers,
            self.budget,
            self.max_attempts,
            self.backoff,
            self._sleep,
            self._rng,
            accounts,
            observer=self.observer,
        )
        served = await failover.run(
            lambda provider, budget: provider.answer(replace(request, budget=budget))
        )
        if served is None:
            log.warning("ai.answer_unavailable", reason=failover.reason())
            return None
        output = served.completion.output
        citations, dropped = ground_citations(output.citations, ir)
        text = output.answer
        if InstructionEcho(ANSWER_SYSTEM, ir).repeats(text):
            dropped["prompt_leak"] += 1
            text, citations = INSTRUCTIONS_WITHHELD, []
        if self.observer is not None:
            self.observer.dropped(dropped)
        missing = sum(dropped[reason] for reason in ("quote_not_found", "wrong_section"))
        note = (
            f"{missing} quoted passage{'s' if missing != 1 else ''} could not be found in the "
            f"document and {'were' if missing != 1 else 'was'} left out."
            if missing
            else None
        )
        return AIAnswer(
            text=text,
            citations=citations,
            usage=accounts.usage,
            cost_usd=accounts.cost_usd,
            provider=served.provider.name,
            note=note,
            cache_saved_usd=accounts.saved_usd,
        )


def _review_call(request: ReviewRequest) -> Call[ReviewOutput]:
    return lambda provider, budget: provider.review(replace(request, budget=budget))


def _review_note(chunks: int, failed: int, reason: str) -> str | None:
    if failed == 0:
        return None
    if failed == chunks:
        return f"AI review unavailable: {reason}; showing rules findings"
    return (
        f"AI review incomplete: {failed} of {chunks} parts of the document could not be "
        f"reviewed ({reason}); rules findings cover the whole document"
    )
