"""AI review and answers through the service: real SDKs, local fakes of the provider APIs,
real PostgreSQL, real ingest and rules. What a user sees when the models work, lie,
stall or fail."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from functools import partial
from pathlib import Path

import pytest

from bot.observability import AIMetricsObserver
from bot.runtime import ai_services
from bot.settings import Settings
from domain.ai.pricing import cache_saving, price
from domain.ai.provider import TokenUsage
from domain.ingest.offload import shutdown_ingest_pool
from domain.pipeline import read_and_review_in_worker
from domain.projections import DocumentsProjection
from domain.queries import EPOCH, ai_usage
from domain.service import (
    AIServices,
    AskQuestion,
    DocumentService,
    ReviewDocument,
    SubmitDocument,
)
from eventstore import EventStore, JobQueue
from eventstore.projections import Projector
from tests.fakes.ai_servers import FakeAnthropic, FakeOpenAI

SPEC = Path(__file__).resolve().parents[3] / "docs" / "examples" / "momentum_strategy.md"
REAL_QUOTE = "The full derivation of the signal is given in Appendix C."
GROUNDED = {
    "title": "Which financials are excluded is not defined",
    "detail": "No classification (e.g. GICS sector 40) is named for 'financials'.",
    "suggestion": "Name the classification scheme and the excluded sector codes.",
    "category": "clarity",
    "severity": "medium",
    "quote": "",
    "section": "2 Universe",
}


@pytest.fixture
async def fakes() -> AsyncIterator[tuple[FakeAnthropic, FakeOpenAI]]:
    async with FakeAnthropic() as anthropic, FakeOpenAI() as openai:
        yield anthropic, openai


def _ai(anthropic: FakeAnthropic, openai: FakeOpenAI, **settings: object) -> AIServices:
    configured = Settings(
        ai_provider="auto",
        anthropic_api_key="sk-ant-test",
        openai_api_key="sk-openai-test",
        anthropic_base_url=anthropic.base_url,
        openai_base_url=openai.base_url,
        ai_timeout_seconds=2,
        **settings,
    )
    services = ai_services(configured, AIMetricsObserver())
    assert services is not None
    return services


async def _reviewed(store: EventStore, ai: AIServices):
    service = DocumentService(
        store,
        partial(read_and_review_in_worker, max_bytes=5 * 1024 * 1024),
        JobQueue(store.pool),
        ai,
    )
    document_id = uuid.uuid4()
    data = SPEC.read_bytes()
    await service.submit(SubmitDocument.local(document_id, "momentum.md", None, data, "U1"))
    review = await service.review(ReviewDocument(document_id, data, actor="U1"))
    assert review.analysis is not None
    return service, document_id, review


@pytest.fixture(scope="module", autouse=True)
def _stop_ingest_workers() -> object:
    yield
    shutdown_ingest_pool()


async def test_model_findings_are_grounded_merged_and_accounted(
    store: EventStore, fakes: tuple[FakeAnthropic, FakeOpenAI]
) -> None:
    anthropic, openai = fakes
    # Spacing differs and the section named is the next one: grounding maps both back to the
    # document. A quote from far away in the document, or from nowhere, is dropped.
    quoted = {**GROUNDED, "quote": "Financials  are\nexcluded.", "section": "3 Signal"}
    invented = {**GROUNDED, "quote": "Leverage may reach 12x on Fridays.", "title": "Invented"}
    elsewhere = {**GROUNDED, "quote": "Financials are excluded.", "section": "8 Risk Management"}
    anthropic.reply_findings([quoted, invented, {**elsewhere, "title": "Misplaced"}])
    _, _, review = await _reviewed(store, _ai(anthropic, openai))
    analysis = review.analysis

    assert analysis.providers == ["rules", "anthropic"]
    llm = [f for f in analysis.findings if f.source == "llm"]
    assert [f.title for f in llm] == ["Which financials are excluded is not defined"]
    assert llm[0].evidence is not None and llm[0].evidence.section == "2 Universe"
    assert llm[0].evidence.quote == "Financials are excluded."
    assert not any(f.title in ("Invented", "Misplaced") for f in analysis.findings)
    assert any(f.source == "rules" for f in analysis.findings)
    usage = TokenUsage(412, 951, 30_720, 2048)
    assert (analysis.usage.input_tokens, analysis.usage.output_tokens) == (412, 951)
    assert analysis.usage.cache_read_tokens == 30_720
    assert analysis.usage.cost_usd == pytest.approx(price("claude-opus-5-5", usage).usd, abs=1e-6)
    assert analysis.note is None

    await Projector(store, DocumentsProjection()).catch_up()
    cost = await store.pool.fetchval(
        "SELECT cost_usd FROM documents WHERE id = $1", review.document.id
    )
    assert cost == pytest.approx(analysis.usage.cost_usd)
    saved = cache_saving("claude-opus-5-5", usage)
    assert analysis.usage.cache_saved_usd == pytest.approx(saved, abs=1e-6)
    cached = await ai_usage(store.pool, channels=None, since=EPOCH)
    assert (cached.reviews, cached.cache_read_tokens, cached.cache_write_tokens) == (
        1,
        30_720,
        2048,
    )
    assert cached.cache_saved_usd == pytest.approx(saved, abs=1e-6)
    assert cached.cache_hit_rate == pytest.approx(30_720 / (412 + 30_720 + 2048))


async def test_a_failing_provider_hands_over_to_the_next(
    store: EventStore, fakes: tuple[FakeAnthropic, FakeOpenAI]
) -> None:
    anthropic, openai = fakes
    anthropic.fail(500, times=3)
    openai.reply_findings([{**GROUNDED, "quote": REAL_QUOTE, "section": "1 Summary"}])
    _, _, review = await _reviewed(store, _ai(anthropic, openai))
    assert review.analysis.providers == ["rules", "openai"]
    assert len(anthropic.requests) == 3  # one call, retried up to the attempt limit
    assert review.analysis.note is None


async def test_when_every_provider_fails_the_rules_review_stands_with_a_note(
    store: EventStore, fakes: tuple[FakeAnthropic, FakeOpenAI]
) -> None:
    anthropic, openai = fakes
    anthropic.fail(401)
    openai.reply_text("this is not JSON")
    openai.reply_text("still not JSON")
    _, _, review = await _reviewed(store, _ai(anthropic, openai))
    analysis = review.analysis
    assert analysis.providers == ["rules"]
    assert analysis.note is not None
    assert analysis.note.startswith("AI review unavailable:")
    assert analysis.note.endswith("showing rules findings")
    assert all(f.source == "rules" for f in analysis.findings)
    assert analysis.findings, "the rules findings are still there"


async def test_answers_cite_the_document_and_reuse_an_identical_prefix(
    store: EventStore, fakes: tuple[FakeAnthropic, FakeOpenAI]
) -> None:
    anthropic, openai = fakes
    anthropic.reply_findings([])
    service, document_id, _ = await _reviewed(store, _ai(anthropic, openai))
    citation = {"quote": REAL_QUOTE, "section": "1 Summary"}
    anthropic.reply_answer("The derivation is said to be in Appendix C.", [citation])
    anthropic.reply_answer("It is monthly.", [{"quote": "made up words", "section": "x"}])
    answers = []
    for text in ("Where is the signal derived?", "How often does it rebalance?"):
        question_id = uuid.uuid4()
        await service.ask(AskQuestion(document_id, question_id, text, "U1", None, "U1"))
        answers.append(await service.answer(document_id, question_id))

    assert answers[0].provider == "anthropic"
    assert [c.quote for c in answers[0].citations] == [REAL_QUOTE]
    assert answers[0].citations[0].section == "1 Summary"
    assert answers[1].citations == [] and answers[1].note
    first, second = (json.loads(r.raw) for r in anthropic.requests[-2:])
    assert first["system"] == second["system"]
    assert first["messages"][0]["content"][0] == second["messages"][0]["content"][0]
    assert first["messages"][0]["content"][0]["cache_control"] == {"type": "ephemeral"}
    assert "Where is the signal derived?" in json.dumps(second["messages"])  # history


async def test_an_unreachable_model_answer_falls_back_to_quoting(
    store: EventStore, fakes: tuple[FakeAnthropic, FakeOpenAI]
) -> None:
    anthropic, openai = fakes
    anthropic.reply_findings([])
    service, document_id, _ = await _reviewed(store, _ai(anthropic, openai))
    anthropic.fail(500, times=3)
    openai.fail(500, times=3)
    question_id = uuid.uuid4()
    await service.ask(
        AskQuestion(document_id, question_id, "What is the stop-loss?", "U1", None, "U1")
    )
    answer = await service.answer(document_id, question_id)
    assert answer.provider == "rules"
    assert answer.note == "AI answer unavailable; quoting the document directly"
