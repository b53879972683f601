import pytest

from domain.ai.orchestrator import AIAnswerer, AIReviewer, Backoff
from domain.ai.provider import (
    AnswerOutput,
    AnswerRequest,
    ModelCitation,
    ProviderError,
    ReviewOutput,
    ReviewRequest,
    TokenUsage,
)
from tests.domain.ai.ai_fakes import (
    HANG,
    USAGE,
    FakeProvider,
    SleepRecorder,
    make_ir,
    model_finding,
)

CAP = "Gross exposure is capped at 150% of NAV."
SMALL = make_ir(
    ("1", "Signal", "Rebalance when drift exceeds the “tolerance threshold”."),
    ("2", "Risk", CAP),
)
# Ten sections of ~1,900 characters (about 550 tokens each): one chunk per section under a
# 1,000-token budget.
LONG = make_ir(
    *(
        (str(n), f"Topic {n}", f"Section {n} text. " + "Filler words here. " * 100)
        for n in range(10)
    )
)


def malformed() -> ProviderError:
    return ProviderError("malformed_output", retryable=True)


def found_threshold(request: ReviewRequest | AnswerRequest) -> ReviewOutput:
    quote = 'the "tolerance threshold"' if "tolerance" in request.document else ""
    return ReviewOutput(findings=[model_finding(quote, "1 Signal")] if quote else [])


def reviewer(*providers: FakeProvider, **options: object) -> AIReviewer:
    settings: dict[str, object] = {"max_concurrency": 4, "timeout_seconds": 5.0, "rng": lambda: 1}
    settings.update(options)
    return AIReviewer(list(providers), **settings)  # type: ignore[arg-type]


async def test_chunks_are_reviewed_concurrently_within_the_bound() -> None:
    provider = FakeProvider(delay=0.01)
    result = await reviewer(provider, max_concurrency=3, chunk_tokens=1_000).review(LONG)
    assert len(provider.requests) == 10
    assert provider.max_in_flight == 3
    assert result.note is None
    assert result.providers_used == ["anthropic"]
    assert all('part="' in r.document for r in provider.requests)


async def test_findings_are_grounded_and_hallucinations_counted() -> None:
    outputs = ReviewOutput(
        findings=[
            model_finding('the "tolerance threshold"', "Signal"),
            model_finding("Net exposure is capped at 90%.", "2 Risk"),
        ]
    )
    result = await reviewer(FakeProvider(outcomes=[outputs])).review(SMALL)
    assert [f.evidence.quote for f in result.findings if f.evidence] == [
        "the “tolerance threshold”"
    ]
    assert result.dropped["quote_not_found"] == 1
    assert all(f.source == "llm" for f in result.findings)


async def test_retry_honours_retry_after_and_backs_off_exponentially() -> None:
    sleep = SleepRecorder()
    provider = FakeProvider(
        outcomes=[
            ProviderError("rate_limited", retryable=True, retry_after=7.0),
            ProviderError("server_error", retryable=True),
        ],
        default=found_threshold,
    )
    result = await reviewer(provider, sleep=sleep, rng=lambda: 0.0).review(SMALL)
    assert sleep.delays == [7.0, 0.0]
    assert len(provider.requests) == 3
    assert len(result.findings) == 1
    assert result.note is None


async def test_full_jitter_delay_grows_exponentially_and_never_undercuts_retry_after() -> None:
    backoff = Backoff(base=1.0, cap=30.0)
    assert [backoff.delay(n, None, lambda: 1.0) for n in (1, 2, 3, 6, 7)] == [1, 2, 4, 30, 30]
    assert backoff.delay(3, None, lambda: 0.5) == 2.0
    assert backoff.delay(1, 9.5, lambda: 1.0) == 9.5
    assert backoff.delay(4, 2.0, lambda: 1.0) == 8.0


async def test_retry_after_longer_than_the_cap_fails_over_instead_of_waiting() -> None:
    sleep = SleepRecorder()
    first = FakeProvider(outcomes=[ProviderError("rate_limited", retryable=True, retry_after=600)])
    second = FakeProvider("openai", "gpt-6.2-astra", default=found_threshold)
    result = await reviewer(first, second, sleep=sleep).review(SMALL)
    assert sleep.delays == []
    assert result.providers_used == ["openai"]
    assert len(result.findings) == 1


async def test_malformed_output_twice_fails_over_to_the_next_provider() -> None:
    sleep = SleepRecorder()
    first = FakeProvider(outcomes=[malformed(), malformed(), malformed()])
    second = FakeProvider("openai", "gpt-6.2-astra", default=found_threshold)
    result = await reviewer(first, second, sleep=sleep, max_attempts=5).review(SMALL)
    assert len(first.requests) == 2
    assert len(second.requests) == 1
    assert len(sleep.delays) == 1
    assert result.providers_used == ["openai"]
    assert result.model == "gpt-6.2-astra"
    assert len(result.findings) == 1
    assert result.note is None


async def test_timeouts_are_retried_then_fail_over() -> None:
    sleep = SleepRecorder()
    first = FakeProvider(outcomes=[HANG, HANG, HANG])
    second = FakeProvider("gemini", "gemini-3.8-flash", default=found_threshold)
    result = await reviewer(first, second, sleep=sleep, timeout_seconds=0.01).review(SMALL)
    assert len(first.requests) == 3
    assert len(sleep.delays) == 2
    assert len(second.requests) == 1
    assert result.providers_used == ["gemini"]
    assert len(result.findings) == 1


async def test_a_failed_provider_is_skipped_for_the_remaining_chunks() -> None:
    first = FakeProvider(outcomes=[ProviderError("auth_failed", retryable=False)])
    second = FakeProvider("openai", "gpt-6.2-astra")
    result = await reviewer(first, second, max_concurrency=1, chunk_tokens=1_000).review(LONG)
    assert len(first.requests) == 1
    assert len(second.requests) == 10
    assert result.providers_used == ["openai"]
    assert result.note is None


async def test_all_providers_failing_gives_a_note_and_no_findings() -> None:
    sleep = SleepRecorder()
    first = FakeProvider(default=lambda _: ProviderError("auth_failed", retryable=False))
    second = FakeProvider(
        "openai", "gpt-6.2-astra", default=lambda _: ProviderError("server_error", retryable=True)
    )
    result = await reviewer(first, second, sleep=sleep).review(SMALL)
    assert result.findings == []
    assert result.note == (
        "AI review unavailable: anthropic auth_failed, openai server_error; showing rules findings"
    )
    assert len(first.requests) == 1
    assert len(second.requests) == 3
    assert result.usage == TokenUsage()
    assert result.cost_usd == 0.0
    assert result.providers_used == []
    assert result.model is None


async def test_an_adapter_bug_is_a_failure_not_a_crash() -> None:
    result = await reviewer(FakeProvider(outcomes=[KeyError("usage")])).review(SMALL)
    assert result.note == "AI review unavailable: anthropic KeyError; showing rules findings"


async def test_some_chunks_failing_gives_an_incomplete_note_and_the_other_findings() -> None:
    def flaky(request: ReviewRequest | AnswerRequest) -> ReviewOutput | ProviderError:
        if "Section 3 text" in request.document:
            return ProviderError("bad_request", retryable=False)
        return ReviewOutput(findings=[])

    result = await reviewer(FakeProvider(default=flaky), chunk_tokens=1_000).review(LONG)
    assert result.note is not None
    assert result.note == (
        "AI review incomplete: 1 of 10 parts of the document could not be reviewed "
        "(anthropic bad_request); rules findings cover the whole document"
    )
    assert result.providers_used == ["anthropic"]


async def test_usage_is_summed_and_priced() -> None:
    usage = TokenUsage(
        input_tokens=1_000, output_tokens=100, cache_read_tokens=2_000, cache_write_tokens=500
    )
    provider = FakeProvider(usage=usage)
    result = await reviewer(provider, chunk_tokens=1_000).review(LONG)
    calls = len(provider.requests)
    assert result.usage == TokenUsage(1_000 * calls, 100 * calls, 2_000 * calls, 500 * calls)
    per_call = (1_000 * 4.00 + 100 * 20.00 + 2_000 * 0.20 + 500 * 5.00) / 1_000_000
    assert result.cost_usd == pytest.approx(per_call * calls)


async def test_unpriced_models_cost_nothing_and_overrides_price_them() -> None:
    provider = FakeProvider(model="in-house-llm")
    assert (await reviewer(provider).review(SMALL)).cost_usd == 0.0
    from domain.ai.pricing import parse_overrides

    overrides = parse_overrides('{"in-house-llm": {"input": 1, "output": 10}}')
    priced = await reviewer(provider, price_overrides=overrides).review(SMALL)
    assert priced.cost_usd == pytest.approx((1_000 * 1 + 100 * 10) / 1_000_000)


def answer_with(*quotes: str) -> AnswerOutput:
    return AnswerOutput(
        answer="Exposure is capped at 150% of NAV.",
        citations=[ModelCitation(quote=q, section="2 Risk") for q in quotes],
    )


def answerer(*providers: FakeProvider, **options: object) -> AIAnswerer:
    settings: dict[str, object] = {"timeout_seconds": 5.0, "sleep": SleepRecorder()}
    settings.update(options)
    return AIAnswerer(list(providers), **settings)  # type: ignore[arg-type]


async def test_the_document_prefix_is_byte_identical_across_questions() -> None:
    provider = FakeProvider(default=lambda _: answer_with(CAP))
    ai = answerer(provider)
    await ai.answer(SMALL, "What is the exposure cap?", [])
    await ai.answer(SMALL, "How is drift handled?", [("What is the cap?", "150%.")])
    first, second = provider.requests
    assert isinstance(first, AnswerRequest) and isinstance(second, AnswerRequest)
    assert first.document == second.document
    assert first.document.startswith("<document ")
    assert first.question != second.question
    assert second.history == (("What is the cap?", "150%."),)


async def test_a_long_document_sends_the_passages_for_the_question() -> None:
    provider = FakeProvider(default=lambda _: answer_with())
    ai = answerer(provider, full_document_chars=2_000)
    await ai.answer(LONG, "What does section 3 say?", [])
    [request] = provider.requests
    assert isinstance(request, AnswerRequest)
    assert request.document.startswith("<brief ")  # the prefix every question shares
    assert request.document == ai.request(LONG, "Another question?").document
    assert 'part="selected passages"' in request.passages
    assert "Topic 3" in request.passages
    assert request.cache_prefix


async def test_answer_citations_are_grounded() -> None:
    provider = FakeProvider(
        outcomes=[answer_with("“Gross exposure is capped at 150% of NAV”", "Leverage is 3x.")],
        usage=TokenUsage(input_tokens=10, output_tokens=5, cache_read_tokens=5_000),
    )
    answer = await answerer(provider).answer(SMALL, "What is the exposure cap?", [])
    assert answer is not None
    assert [(c.quote, c.section, c.page) for c in answer.citations] == [
        ("Gross exposure is capped at 150% of NAV", "2 Risk", 2)
    ]
    assert answer.note == "1 quoted passage could not be found in the document and was left out."
    assert answer.provider == "anthropic"
    assert answer.usage.cache_read_tokens == 5_000
    assert answer.cost_usd == pytest.approx((10 * 4 + 5 * 20 + 5_000 * 0.2) / 1_000_000)


async def test_answer_fails_over_and_returns_none_when_every_provider_fails() -> None:
    sleep = SleepRecorder()
    first = FakeProvider(outcomes=[malformed(), malformed()])
    second = FakeProvider("openai", "gpt-6.2-astra", default=lambda _: answer_with(CAP))
    answer = await answerer(first, second, sleep=sleep).answer(SMALL, "Cap?", [])
    assert answer is not None and answer.provider == "openai"

    down = FakeProvider(default=lambda _: ProviderError("overloaded", retryable=True))
    assert await answerer(down, sleep=sleep).answer(SMALL, "Cap?", []) is None
    assert len(down.requests) == 3


def stop(reason: str, *, usage: TokenUsage = USAGE) -> ProviderError:
    """A reply that came back but ended without an answer, billed like a completion."""
    retryable = reason in ("truncated", "incomplete")
    return ProviderError(reason, retryable=retryable, usage=usage, model="claude-opus-5-5")


async def test_a_truncated_reply_is_retried_once_at_once_with_twice_the_budget() -> None:
    sleep = SleepRecorder()
    provider = FakeProvider(outcomes=[stop("truncated")], default=found_threshold)
    result = await reviewer(provider, sleep=sleep, max_output_tokens=8_000).review(SMALL)
    budgets = [r.budget for r in provider.requests]
    assert [b.max_output_tokens for b in budgets] == [8_000, 16_000]
    assert budgets[1].timeout_seconds == 2 * budgets[0].timeout_seconds
    assert sleep.delays == []  # nothing was overloaded: no backoff
    assert len(result.findings) == 1 and result.note is None
    assert result.usage == USAGE + USAGE  # the truncated call was paid for too


async def test_a_second_truncation_hands_the_call_to_the_next_provider() -> None:
    first = FakeProvider(outcomes=[stop("truncated"), stop("truncated")])
    second = FakeProvider("openai", "gpt-6.2-astra", default=found_threshold)
    result = await reviewer(first, second).review(SMALL)
    assert len(first.requests) == 2
    assert result.providers_used == ["openai"]


@pytest.mark.parametrize("reason", ["refused", "blocked"])
async def test_a_refusal_or_block_is_never_retried_on_that_provider(reason: str) -> None:
    def refuses_section_3(request: ReviewRequest | AnswerRequest) -> ReviewOutput | ProviderError:
        return stop(reason) if "Section 3 text" in request.document else ReviewOutput(findings=[])

    sleep = SleepRecorder()
    first = FakeProvider(default=refuses_section_3)
    second = FakeProvider("openai", "gpt-6.2-astra")
    result = await reviewer(first, second, sleep=sleep, chunk_tokens=1_000).review(LONG)
    assert sleep.delays == []
    assert sum("Section 3 text" in r.document for r in first.requests) == 1
    assert [r.document for r in second.requests] == [
        r.document for r in first.requests if "Section 3 text" in r.document
    ]
    # The text was the trouble, not the provider: it reviews every other part.
    assert len(first.requests) == 10
    assert result.providers_used == ["anthropic", "openai"]
    assert result.note is None


async def test_a_block_on_every_provider_is_named_in_the_note() -> None:
    def blocks_section_3(request: ReviewRequest | AnswerRequest) -> ReviewOutput | ProviderError:
        return (
            stop("blocked") if "Section 3 text" in request.document else ReviewOutput(findings=[])
        )

    result = await reviewer(FakeProvider(default=blocks_section_3), chunk_tokens=1_000).review(LONG)
    assert result.note == (
        "AI review incomplete: 1 of 10 parts of the document could not be reviewed "
        "(anthropic blocked by the provider's safety filter); rules findings cover the whole "
        "document"
    )


async def test_an_incomplete_reply_is_retried_once() -> None:
    first = FakeProvider(outcomes=[stop("incomplete"), stop("incomplete")])
    second = FakeProvider("openai", "gpt-6.2-astra", default=found_threshold)
    result = await reviewer(first, second, max_attempts=5).review(SMALL)
    assert len(first.requests) == 2
    assert result.providers_used == ["openai"]


async def test_the_parts_of_a_long_document_share_the_brief_and_the_first_goes_alone() -> None:
    provider = FakeProvider(delay=0.01)
    await reviewer(provider, max_concurrency=4, chunk_tokens=1_000).review(LONG)
    requests = [r for r in provider.requests if isinstance(r, ReviewRequest)]
    assert len(requests) == 10
    assert len({r.brief for r in requests}) == 1
    assert requests[0].brief.startswith("<brief ") and "9 Topic 9" in requests[0].brief
    assert all(r.cache_prefix for r in requests)
    # The first part writes the cached prefix; the others start once it has answered.
    assert provider.in_flight_at_start[0] == 1
    assert provider.in_flight_at_start[1] == 1
    assert provider.max_in_flight == 4


async def test_a_document_reviewed_whole_sends_no_brief_and_marks_no_cache() -> None:
    provider = FakeProvider()
    await reviewer(provider).review(SMALL)
    [request] = provider.requests
    assert isinstance(request, ReviewRequest)
    assert (request.brief, request.cache_prefix) == ("", False)


async def test_absences_come_only_from_a_review_of_the_whole_document() -> None:
    absence = model_finding("", category="risk_controls", title="No kill switch")
    quoted = model_finding("Section 3 text.", "3 Topic 3", category="clarity")
    parts = FakeProvider(default=lambda _: ReviewOutput(findings=[absence, quoted]))
    result = await reviewer(parts, chunk_tokens=1_000).review(LONG)
    assert all(f.evidence is not None for f in result.findings)
    assert result.dropped["absence_in_part"] == 10

    whole = FakeProvider(default=lambda _: ReviewOutput(findings=[absence]))
    [kept] = (await reviewer(whole).review(SMALL)).findings
    assert kept.evidence is None and kept.title == "No kill switch"


async def test_two_different_absences_of_one_category_are_two_findings() -> None:
    absences = [
        model_finding("", category="risk_controls", title="No kill switch"),
        model_finding("", category="risk_controls", title="No drawdown limit"),
    ]
    provider = FakeProvider(default=lambda _: ReviewOutput(findings=absences))
    result = await reviewer(provider).review(SMALL)
    assert len({f.id for f in result.findings}) == 2


async def test_what_the_cache_saved_is_reported() -> None:
    usage = TokenUsage(input_tokens=500, output_tokens=100, cache_read_tokens=10_000)
    result = await reviewer(FakeProvider(usage=usage)).review(SMALL)
    assert result.cache_saved_usd == pytest.approx(10_000 * (4.00 - 0.20) / 1_000_000)

    written = TokenUsage(input_tokens=500, output_tokens=100, cache_write_tokens=10_000)
    wasted = await reviewer(FakeProvider(usage=written)).review(SMALL)
    assert wasted.cache_saved_usd == pytest.approx(-10_000 * (5.00 - 4.00) / 1_000_000)
