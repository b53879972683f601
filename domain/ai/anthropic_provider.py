"""Claude through the Messages API, one attempt per call.

Structured output uses JSON outputs (`output_config.format`) rather than a forced tool: the
recommended model, Claude Opus 5.5, answers `tool_choice` of type `tool` or `any` with a 400
(platform.claude.com, "What's new in Claude Opus 5.5"), while JSON outputs constrain the reply to
the schema on every current model. The schema is the SDK's `transform_schema` of our pydantic
model, i.e. the subset the API accepts (no `$defs` surprises, `additionalProperties: false`).

Prompt caching: the system prompt and the document are separate blocks, each marked
`cache_control: ephemeral`, ahead of any question, so every question on a document reuses them.
"""

from __future__ import annotations

from typing import Any

import anthropic
from anthropic.types import Message, MessageParam, TextBlockParam

from domain.ai.adapter_common import error_for_status, parse_json, transport_error
from domain.ai.provider import (
    AnswerOutput,
    AnswerRequest,
    Completion,
    Output,
    ReviewOutput,
    ReviewRequest,
    TokenUsage,
)

DEFAULT_MODEL = "claude-opus-5-5"
"""platform.claude.com/docs/en/models: "start with Claude Opus 5.5 for most workloads"."""

DEFAULT_MAX_TOKENS = 16_000
"""Thinking is always on for the default model and counts against this budget."""

_REVIEW_SCHEMA = anthropic.transform_schema(ReviewOutput)
_ANSWER_SCHEMA = anthropic.transform_schema(AnswerOutput)


def _cached_text(text: str) -> TextBlockParam:
    return {"type": "text", "text": text, "cache_control": {"type": "ephemeral"}}


class AnthropicProvider:
    name = "anthropic"

    def __init__(
        self,
        api_key: str,
        *,
        model: str = DEFAULT_MODEL,
        base_url: str | None = None,
        timeout: float = 60,
        max_tokens: int = DEFAULT_MAX_TOKENS,
    ) -> None:
        self.model = model
        self._max_tokens = max_tokens
        self._client = anthropic.AsyncAnthropic(
            api_key=api_key, base_url=base_url, max_retries=0, timeout=timeout
        )

    async def review(self, request: ReviewRequest) -> Completion[ReviewOutput]:
        messages = _conversation(request.document, (), None)
        return await self._complete(request.system, messages, ReviewOutput, _REVIEW_SCHEMA)

    async def answer(self, request: AnswerRequest) -> Completion[AnswerOutput]:
        messages = _conversation(request.document, request.history, request.question)
        return await self._complete(request.system, messages, AnswerOutput, _ANSWER_SCHEMA)

    async def aclose(self) -> None:
        await self._client.close()

    async def _complete(
        self,
        system: str,
        messages: list[MessageParam],
        output_type: type[Output],
        schema: dict[str, Any],
    ) -> Completion[Output]:
        try:
            message = await self._client.messages.create(
                model=self.model,
                max_tokens=self._max_tokens,
                system=[_cached_text(system)],
                messages=messages,
                output_config={"format": {"type": "json_schema", "schema": schema}},
            )
        except anthropic.APIStatusError as error:
            raise error_for_status(error.status_code, error.response.headers) from error
        except anthropic.APITimeoutError as error:
            raise transport_error(timed_out=True) from error
        except anthropic.APIConnectionError as error:
            raise transport_error(timed_out=False) from error
        return Completion(
            output=parse_json(output_type, _reply_text(message)),
            usage=_usage(message),
            model=message.model or self.model,
        )


def _conversation(
    document: str, history: tuple[tuple[str, str], ...], question: str | None
) -> list[MessageParam]:
    """The document opens the first user turn; earlier questions and answers alternate after it."""
    turns: list[MessageParam] = []
    pending: list[TextBlockParam] = [_cached_text(document)]
    for asked, answered in history:
        pending.append({"type": "text", "text": asked})
        turns.append({"role": "user", "content": pending})
        turns.append({"role": "assistant", "content": answered})
        pending = []
    if question is not None:
        pending.append({"type": "text", "text": question})
    turns.append({"role": "user", "content": pending})
    return turns


def _reply_text(message: Message) -> str:
    """The JSON sits in the text blocks; thinking blocks come before it and are skipped."""
    return "".join(block.text for block in message.content if block.type == "text")


def _usage(message: Message) -> TokenUsage:
    """Anthropic already reports the three input kinds separately."""
    usage = message.usage
    return TokenUsage(
        input_tokens=usage.input_tokens,
        output_tokens=usage.output_tokens,
        cache_read_tokens=usage.cache_read_input_tokens or 0,
        cache_write_tokens=usage.cache_creation_input_tokens or 0,
    )
