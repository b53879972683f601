"""Reviews through the real SDKs and local fakes of the APIs: a long DOCX whose parts are
reviewed apart, and what the orchestrator does with each way a reply can end."""

from __future__ import annotations

import io
import json
import re
from collections.abc import AsyncIterator
from typing import Any

import docx
import pytest

from domain.ai.anthropic_provider import AnthropicProvider
from domain.ai.gemini_provider import GeminiProvider
from domain.ai.openai_provider import OpenAIProvider
from domain.ai.orchestrator import AIReviewer
from domain.ingest import ingest
from domain.ir import DocumentIR
from tests.fakes.ai_servers import FakeAnthropic, FakeGemini, FakeOpenAI, JsonObject

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
FORMULA = "z_t = r_t / σ_t"
_SECTION = re.compile(r'<section label="([^"]+)"[^>]*>\n(.*?)\n</section>', re.S)


def long_specification(sections: int = 40) -> DocumentIR:
    """Definitions in section 1; the symbol they define used only in the last section,
    dozens of pages later. Empty paragraphs separate the filler paragraphs."""
    document = docx.Document()
    document.core_properties.title = "Volatility-Scaled Momentum"
    document.add_heading("1. Definitions", level=1)
    document.add_paragraph("“σ_t” means the 20-day standard deviation of daily returns.")
    document.add_paragraph("“r_t” means the 12-month return excluding the last month.")
    for number in range(2, sections):
        document.add_heading(f"{number}. Procedure {number}", level=1)
        for paragraph in range(8):
            document.add_paragraph(
                " ".join(
                    f"Step {number}.{paragraph}.{k} records the value in the daily log."
                    for k in range(12)
                )
            )
            document.add_paragraph("")
    document.add_heading(f"{sections}. Signal", level=1)
    document.add_paragraph(f"The signal is {FORMULA}, computed after the close.")
    buffer = io.BytesIO()
    document.save(buffer)
    data = buffer.getvalue()
    return ingest(data, "spec.docx", DOCX, max_bytes=len(data) + 1)


def reviewer_model(body: JsonObject) -> str:
    """A reviewer that flags a symbol as undefined when nothing it was sent defines it (the
    text it reviews, or the brief's definitions), as a model reading one part of a document
    without the rest would."""
    blocks = [block["text"] for block in body["messages"][0]["content"]]
    sent = "\n".join(blocks)
    defined = "“σ_t” means" in sent or "\n- σ_t: " in sent
    findings = []
    for label, text in _SECTION.findall(blocks[-1]):
        if "σ_t" in text and not defined:
            findings.append(
                {
                    "title": "σ_t is never defined",
                    "detail": "The signal divides by σ_t, which the document does not define.",
                    "suggestion": "Define σ_t with its window and unit.",
                    "category": "undefined_parameter",
                    "severity": "high",
                    "quote": FORMULA,
                    "section": label,
                }
            )
    return json.dumps({"findings": findings})


@pytest.fixture
async def anthropic() -> AsyncIterator[tuple[FakeAnthropic, AnthropicProvider]]:
    async with FakeAnthropic() as fake:
        provider = AnthropicProvider("key", base_url=fake.base_url)
        try:
            yield fake, provider
        finally:
            await provider.aclose()


async def test_a_symbol_defined_in_section_1_is_not_undefined_in_a_later_part(
    anthropic: tuple[FakeAnthropic, AnthropicProvider],
) -> None:
    fake, provider = anthropic
    fake.respond_with(reviewer_model)
    ir = long_specification()
    assert ir.definitions[0].term == "σ_t"

    review = await AIReviewer([provider], max_concurrency=4).review(ir)

    parts = [request.body["messages"][0]["content"] for request in fake.requests]
    assert len(parts) > 2
    signal = [n for n, blocks in enumerate(parts) if FORMULA in blocks[-1]["text"]]
    assert signal == [len(parts) - 1], "the symbol is used in the last part only"
    assert "“σ_t” means" not in parts[-1][-1]["text"], "its definition is in another part"
    assert "σ_t: the 20-day standard deviation" in parts[-1][0]["text"]  # the brief has it
    assert review.note is None
    assert [f for f in review.findings if f.category == "undefined_parameter"] == []


async def test_no_part_is_cut_inside_a_sentence(
    anthropic: tuple[FakeAnthropic, AnthropicProvider],
) -> None:
    fake, provider = anthropic
    fake.respond_with(lambda _: json.dumps({"findings": []}))
    await AIReviewer([provider], max_concurrency=4).review(long_specification())

    for request in fake.requests:
        for _, text in _SECTION.findall(request.body["messages"][0]["content"][-1]["text"]):
            assert text.startswith(("Step ", "The signal", "“")), text[:40]
            assert text.rstrip().endswith("."), text[-40:]


async def test_a_truncated_reply_is_asked_again_with_twice_the_max_tokens(
    anthropic: tuple[FakeAnthropic, AnthropicProvider],
) -> None:
    fake, provider = anthropic
    fake.reply_text("", stop="max_tokens")
    fake.reply_findings([])
    ir = long_specification(sections=3)
    review = await AIReviewer([provider], max_concurrency=1, max_output_tokens=8_000).review(ir)

    assert [r.body["max_tokens"] for r in fake.requests] == [8_000, 16_000]
    assert review.note is None
    assert review.usage.output_tokens == 2 * fake.usage["output_tokens"]  # both were billed


async def test_a_refusal_goes_to_the_next_provider_once(
    anthropic: tuple[FakeAnthropic, AnthropicProvider],
) -> None:
    fake, claude = anthropic
    fake.reply_text("", stop="refusal")
    async with FakeOpenAI(api="chat") as server:
        in_house = OpenAIProvider("key", base_url=server.base_url, api_style="chat")
        try:
            server.reply_findings([])
            review = await AIReviewer([claude, in_house], max_concurrency=1).review(
                long_specification(sections=3)
            )
        finally:
            await in_house.aclose()

    assert len(fake.requests) == 1 and len(server.requests) == 1
    assert review.providers_used == ["openai"] and review.note is None


@pytest.mark.parametrize(
    ("script", "named"),
    [
        (lambda fake: fake.reply_blocked_prompt("SAFETY"), "blocked by the provider's safety"),
        (lambda fake: fake.reply_text("", stop="RECITATION"), "blocked by the provider's safety"),
    ],
    ids=["prompt-blocked", "recitation"],
)
async def test_a_gemini_block_is_not_retried_and_is_named_in_the_note(
    script: Any, named: str
) -> None:
    async with FakeGemini() as fake:
        provider = GeminiProvider("key", base_url=fake.base_url)
        try:
            script(fake)
            review = await AIReviewer([provider], max_concurrency=1).review(
                long_specification(sections=3)
            )
        finally:
            await provider.aclose()

    assert len(fake.requests) == 1
    assert review.note is not None and named in review.note
    assert review.note.startswith("AI review unavailable: gemini blocked")
