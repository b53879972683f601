"""Claude through the Messages API, one attempt per call.

Structured output uses JSON outputs (`output_config.format`) rather than a forced tool: the
recommended model, Claude Opus 5.5, answers `tool_choice` of type `tool` or `any` with a 400
(platform.claude.com, "What's new in Claude Opus 5.5"), while JSON outputs constrain the reply to
the schema on every current model. The schema is the SDK's `transform_schema` of our pydantic
model, i.e. the subset the API accepts (no `$defs` surprises, `additionalProperties: false`).

The default model always thinks, and thinking counts against `max_tokens`: the budget and
timeout come with each request (`Budget`), and the effort (`output_config.effort`) is set
explicitly when configured. Calls are not streamed; the timeout follows the SDK's own
estimate for a non-streamed call of that many tokens.

Prompt caching: one `cache_control` breakpoint, on the block that ends the prefix later calls
share (the brief of a review's parts, the document of a thread's questions), and none when
no later call would read it, since a cache write costs 1.25x the input price.
"""

from __future__ import annotations

from typing import Any

import anthropic
from anthropic.types import Message, MessageParam, TextBlockParam

from domain.ai.adapter_common import complete, count, sdk_errors
from domain.ai.provider import (
    INCOMPLETE,
    REFUSED,
    TRUNCATED,
    AnswerOutput,
    AnswerRequest,
    Budget,
    Completion,
    Effort,
    Output,
    ReviewOutput,
    ReviewRequest,
    TokenUsage,
)

DEFAULT_MODEL = "claude-opus-5-5"
"""platform.claude.com/docs/en/models: "start with Claude Opus 5.5 for most workloads"."""

_REVIEW_SCHEMA = anthropic.transform_schema(ReviewOutput)
_ANSWER_SCHEMA = anthropic.transform_schema(AnswerOutput)
# `stop_reason` values (anthropic.types.StopReason) that leave no usable answer; `end_turn`,
# `stop_sequence` and a missing value mean the reply is complete. Claude has no separate
# safety block: declining is `refusal`.
_STOPPED = {
    "max_tokens": TRUNCATED,
    "model_context_window_exceeded": TRUNCATED,
    "refusal": REFUSED,
    "pause_turn": INCOMPLETE,
    "tool_use": INCOMPLETE,
}


class AnthropicProvider:
    name = "anthropic"

    def __init__(
        self,
        api_key: str,
        *,
        model: str = DEFAULT_MODEL,
        base_url: str | None = None,
        effort: Effort | None = None,
    ) -> None:
        self.model = model
        self._effort = effort
        self._client = anthropic.AsyncAnthropic(api_key=api_key, base_url=base_url, max_retries=0)

    async def review(self, request: ReviewRequest) -> Completion[ReviewOutput]:
        blocks = [_text(request.brief, cached=request.cache_prefix)] if request.brief else []
        cached_document = request.cache_prefix and not request.brief
        blocks.append(_text(request.document, cached=cached_document))
        messages: list[MessageParam] = [{"role": "user", "content": blocks}]
        return await self._complete(
            request.system, messages, request.budget, ReviewOutput, _REVIEW_SCHEMA
        )

    async def answer(self, request: AnswerRequest) -> Completion[AnswerOutput]:
        opening = [_text(request.document, cached=request.cache_prefix)]
        if request.passages:
            opening.append(_text(request.passages))
        messages = _conversation(opening, request.history, request.question)
        return await self._complete(
            request.system, messages, request.budget, AnswerOutput, _ANSWER_SCHEMA
        )

    async def aclose(self) -> None:
        await self._client.close()

    async def _complete(
        self,
        system: str,
        messages: list[MessageParam],
        budget: Budget,
        output_type: type[Output],
        schema: dict[str, Any],
    ) -> Completion[Output]:
        output_config: dict[str, Any] = {"format": {"type": "json_schema", "schema": schema}}
        if self._effort is not None:
            output_config["effort"] = self._effort
        with sdk_errors(anthropic):
            message = await self._client.messages.create(
                model=self.model,
                max_tokens=budget.max_output_tokens,
                system=[_text(system)],
                messages=messages,
                output_config=output_config,  # type: ignore[arg-type]
                timeout=budget.timeout_seconds,
            )
        return complete(
            output_type,
            _reply_text(message),
            usage=_usage(message),
            model=message.model or self.model,
            stopped=_STOPPED.get(str(message.stop_reason)),
        )


def _text(text: str, *, cached: bool = False) -> TextBlockParam:
    block: TextBlockParam = {"type": "text", "text": text}
    if cached:
        block["cache_control"] = {"type": "ephemeral"}
    return block


def _conversation(
    opening: list[TextBlockParam], history: tuple[tuple[str, str], ...], question: str
) -> list[MessageParam]:
    """The prefix opens the first user turn; earlier questions and answers alternate after it."""
    turns: list[MessageParam] = []
    pending = opening
    for asked, answered in history:
        pending.append(_text(asked))
        turns.append({"role": "user", "content": pending})
        turns.append({"role": "assistant", "content": answered})
        pending = []
    pending.append(_text(question))
    turns.append({"role": "user", "content": pending})
    return turns


def _reply_text(message: Message) -> str:
    """The JSON sits in the text blocks; thinking blocks come before it and are skipped."""
    return "".join(
        getattr(block, "text", "") or "" for block in message.content or [] if block.type == "text"
    )


def _usage(message: Message) -> TokenUsage:
    """Anthropic already reports the three input kinds separately."""
    usage = message.usage
    if usage is None:
        return TokenUsage()
    return TokenUsage(
        input_tokens=count(usage.input_tokens),
        output_tokens=count(usage.output_tokens),
        cache_read_tokens=count(usage.cache_read_input_tokens),
        cache_write_tokens=count(usage.cache_creation_input_tokens),
    )
