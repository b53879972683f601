"""Gemini through generateContent with a JSON response schema, one attempt per call.

The schema is our pydantic model's JSON schema without `additionalProperties`: the SDK refuses
that keyword for the Gemini Developer API (`_raise_for_unsupported_mldev_properties`) and would
otherwise read `extra="forbid"` as exactly that. The SDK inlines `$defs` itself. Its retries stay
off: `HttpRetryOptions(attempts=1)` also stops the one silent retry it makes on connection
errors when no retry options are set.

Implicit caching applies to identical prefixes (and bills no cache write), so the system
instruction and the shared prefix (the brief of a review's parts, the document of a thread's
questions) open every call byte-identical; there is no breakpoint to mark. How a reply ended
is read from the first candidate's `finish_reason`, or from `prompt_feedback.block_reason`
when a blocked prompt left no candidate at all.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import aiohttp
from google import genai
from google.genai import errors, types

from domain.ai.adapter_common import complete, count, error_for_status, transport_error
from domain.ai.provider import (
    BLOCKED,
    INCOMPLETE,
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

DEFAULT_MODEL = "gemini-3.8-flash"
"""ai.google.dev/gemini-api/docs/models: the newest stable Gemini 3 text model (3.1 Pro is
still a preview)."""


def _response_schema(output_type: type[Output]) -> dict[str, Any]:
    def strip(node: Any) -> Any:
        if isinstance(node, dict):
            return {
                key: strip(value) for key, value in node.items() if key != "additionalProperties"
            }
        if isinstance(node, list):
            return [strip(value) for value in node]
        return node

    return strip(output_type.model_json_schema())


_REVIEW_SCHEMA = _response_schema(ReviewOutput)
_ANSWER_SCHEMA = _response_schema(AnswerOutput)
# `types.FinishReason` values that leave no usable answer; STOP, FINISH_REASON_UNSPECIFIED and
# a missing value mean the reply is complete. The rest are safety, policy or recitation
# filters (BLOCKED) or tool and format trouble (INCOMPLETE).
_TRUNCATING = {"MAX_TOKENS", "CONTINUATION"}
_BLOCKING = {
    "SAFETY",
    "RECITATION",
    "LANGUAGE",
    "BLOCKLIST",
    "PROHIBITED_CONTENT",
    "SPII",
    "IMAGE_SAFETY",
    "IMAGE_PROHIBITED_CONTENT",
    "IMAGE_RECITATION",
    "MODEL_ARMOR",
    "ESCALATION",
    "PUP_LIMITED_DISABLED",
}
_COMPLETE = {"STOP", "FINISH_REASON_UNSPECIFIED"}


class GeminiProvider:
    name = "gemini"

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
        self._client = genai.Client(
            enterprise=False,
            api_key=api_key,
            http_options=types.HttpOptions(
                base_url=base_url, retry_options=types.HttpRetryOptions(attempts=1)
            ),
        )

    async def review(self, request: ReviewRequest) -> Completion[ReviewOutput]:
        opening = [request.brief, request.document] if request.brief else [request.document]
        contents = _conversation(opening, (), None)
        return await self._complete(
            request.system, contents, request.budget, ReviewOutput, _REVIEW_SCHEMA
        )

    async def answer(self, request: AnswerRequest) -> Completion[AnswerOutput]:
        opening = [request.document, request.passages] if request.passages else [request.document]
        contents = _conversation(opening, request.history, request.question)
        return await self._complete(
            request.system, contents, request.budget, AnswerOutput, _ANSWER_SCHEMA
        )

    async def aclose(self) -> None:
        await self._client.aio.aclose()

    async def _complete(
        self,
        system: str,
        contents: list[types.Content],
        budget: Budget,
        output_type: type[Output],
        schema: dict[str, Any],
    ) -> Completion[Output]:
        config = types.GenerateContentConfig(
            system_instruction=system,
            response_mime_type="application/json",
            response_schema=schema,
            max_output_tokens=budget.max_output_tokens,
            http_options=types.HttpOptions(timeout=round(budget.timeout_seconds * 1000)),
            thinking_config=(
                types.ThinkingConfig(thinking_level=types.ThinkingLevel(self._effort.upper()))
                if self._effort is not None
                else None
            ),
        )
        try:
            response = await self._client.aio.models.generate_content(
                model=self.model, contents=contents, config=config
            )
        except errors.APIError as error:
            raise error_for_status(
                error.code, _headers(error), retry_after=_retry_delay(error.details)
            ) from error
        except TimeoutError as error:
            raise transport_error(timed_out=True) from error
        except aiohttp.ClientError as error:
            raise transport_error(timed_out=False) from error
        return complete(
            output_type,
            _reply_text(response),
            usage=_usage(response),
            model=response.model_version or self.model,
            stopped=_stopped(response),
        )


def _conversation(
    opening: list[str], history: tuple[tuple[str, str], ...], question: str | None
) -> list[types.Content]:
    """The shared prefix opens the first content, each text a part of its own."""
    contents = [types.Content(role="user", parts=[types.Part(text=text) for text in opening])]
    for asked, answered in history:
        contents.append(types.Content(role="user", parts=[types.Part(text=asked)]))
        contents.append(types.Content(role="model", parts=[types.Part(text=answered)]))
    if question is not None:
        contents.append(types.Content(role="user", parts=[types.Part(text=question)]))
    return contents


def _headers(error: errors.APIError) -> Mapping[str, str] | None:
    """Case-insensitive headers of whichever HTTP client the SDK used, if it kept a response."""
    return getattr(error.response, "headers", None)


def _retry_delay(details: Any) -> float | None:
    """Gemini puts the wait in a google.rpc.RetryInfo error detail ("retryDelay": "21s")."""
    error = details.get("error", details) if isinstance(details, dict) else {}
    for detail in error.get("details") or []:
        if isinstance(detail, dict) and str(detail.get("@type")).endswith("rpc.RetryInfo"):
            try:
                return float(str(detail.get("retryDelay", "")).removesuffix("s"))
            except ValueError:
                return None
    return None


def _reply_text(response: types.GenerateContentResponse) -> str:
    """The first candidate's answer text; thought summaries are not part of the object."""
    if not response.candidates or response.candidates[0].content is None:
        return ""
    parts = response.candidates[0].content.parts or []
    return "".join(part.text for part in parts if part.text and not part.thought)


def _stopped(response: types.GenerateContentResponse) -> str | None:
    if not response.candidates:
        feedback = response.prompt_feedback
        return BLOCKED if feedback is not None and feedback.block_reason else None
    reason = _name(response.candidates[0].finish_reason)
    if reason is None or reason in _COMPLETE:
        return None
    if reason in _TRUNCATING:
        return TRUNCATED
    return BLOCKED if reason in _BLOCKING else INCOMPLETE


def _name(value: object) -> str | None:
    """An enum member's value, or the raw string the SDK kept for a value it does not know."""
    if value is None:
        return None
    return str(getattr(value, "value", value)).upper()


def _usage(response: types.GenerateContentResponse) -> TokenUsage:
    """Gemini's prompt count includes cached tokens, and thinking is billed as output."""
    metadata = response.usage_metadata
    if metadata is None:
        return TokenUsage()
    cached = count(metadata.cached_content_token_count)
    return TokenUsage(
        input_tokens=max(count(metadata.prompt_token_count) - cached, 0),
        output_tokens=count(metadata.candidates_token_count) + count(metadata.thoughts_token_count),
        cache_read_tokens=cached,
    )
