"""Gemini through generateContent with a JSON response schema, one attempt per call.

The schema is our pydantic model's JSON schema without `additionalProperties`: the SDK refuses
that keyword for the Gemini Developer API (`_raise_for_unsupported_mldev_properties`) and would
otherwise read `extra="forbid"` as exactly that. The SDK inlines `$defs` itself. Its retries stay
off: `HttpRetryOptions(attempts=1)` also stops the one silent retry it makes on connection
errors when no retry options are set.

Implicit caching applies to identical prefixes, so the system instruction and the document
(the first content) are byte-identical for every question on a document.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import aiohttp
from google import genai
from google.genai import errors, types

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


class GeminiProvider:
    name = "gemini"

    def __init__(
        self,
        api_key: str,
        *,
        model: str = DEFAULT_MODEL,
        base_url: str | None = None,
        timeout: float = 60,
    ) -> None:
        self.model = model
        self._client = genai.Client(
            enterprise=False,
            api_key=api_key,
            http_options=types.HttpOptions(
                base_url=base_url,
                timeout=round(timeout * 1000),
                retry_options=types.HttpRetryOptions(attempts=1),
            ),
        )

    async def review(self, request: ReviewRequest) -> Completion[ReviewOutput]:
        contents = _conversation(request.document, (), None)
        return await self._complete(request.system, contents, ReviewOutput, _REVIEW_SCHEMA)

    async def answer(self, request: AnswerRequest) -> Completion[AnswerOutput]:
        contents = _conversation(request.document, request.history, request.question)
        return await self._complete(request.system, contents, AnswerOutput, _ANSWER_SCHEMA)

    async def aclose(self) -> None:
        await self._client.aio.aclose()

    async def _complete(
        self,
        system: str,
        contents: list[types.Content],
        output_type: type[Output],
        schema: dict[str, Any],
    ) -> Completion[Output]:
        config = types.GenerateContentConfig(
            system_instruction=system,
            response_mime_type="application/json",
            response_schema=schema,
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
        return Completion(
            output=parse_json(output_type, _reply_text(response)),
            usage=_usage(response),
            model=response.model_version or self.model,
        )


def _conversation(
    document: str, history: tuple[tuple[str, str], ...], question: str | None
) -> list[types.Content]:
    contents = [types.Content(role="user", parts=[types.Part(text=document)])]
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


def _usage(response: types.GenerateContentResponse) -> TokenUsage:
    """Gemini's prompt count includes cached tokens, and thinking is billed as output."""
    metadata = response.usage_metadata
    if metadata is None:
        return TokenUsage()
    cached = metadata.cached_content_token_count or 0
    return TokenUsage(
        input_tokens=max((metadata.prompt_token_count or 0) - cached, 0),
        output_tokens=(metadata.candidates_token_count or 0) + (metadata.thoughts_token_count or 0),
        cache_read_tokens=cached,
    )
