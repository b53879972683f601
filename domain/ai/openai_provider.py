"""OpenAI through the Responses API with Structured Outputs, one attempt per call.

The Responses API rather than Chat Completions: the SDK's README names it the primary API
(Chat Completions is "the previous standard"), new models and caching controls land there first,
and `store=False` keeps trading documents out of OpenAI's 30-day response storage.

The strict schema comes from the SDK's own `pydantic_function_tool` (every property required,
`additionalProperties: false` at every level, `$defs` kept), so it matches what the API checks.
Prompt caching is automatic for identical prefixes: the instructions and the document come first
and byte-identical for every question, and `prompt_cache_key` routes them to the same cache.
"""

from __future__ import annotations

import hashlib

import openai
from openai.types.responses import (
    Response,
    ResponseFormatTextJSONSchemaConfigParam,
    ResponseInputItemParam,
)

from domain.ai.adapter_common import (
    error_for_status,
    malformed_output,
    parse_json,
    transport_error,
)
from domain.ai.provider import (
    AnswerOutput,
    AnswerRequest,
    Completion,
    Output,
    ReviewOutput,
    ReviewRequest,
    TokenUsage,
)

DEFAULT_MODEL = "gpt-6.2-astra"
"""developers.openai.com/api/docs/models: "If you're not sure where to start, use GPT-6.2 Astra"."""


def _text_format(output_type: type[Output], name: str) -> ResponseFormatTextJSONSchemaConfigParam:
    function = openai.pydantic_function_tool(output_type, name=name)["function"]
    return {
        "type": "json_schema",
        "name": name,
        "strict": True,
        "schema": function["parameters"],
    }


_REVIEW_FORMAT = _text_format(ReviewOutput, "record_findings")
_ANSWER_FORMAT = _text_format(AnswerOutput, "answer_question")


class OpenAIProvider:
    name = "openai"

    def __init__(
        self,
        api_key: str,
        *,
        model: str = DEFAULT_MODEL,
        base_url: str | None = None,
        timeout: float = 60,
    ) -> None:
        self.model = model
        self._client = openai.AsyncOpenAI(
            api_key=api_key, base_url=base_url, max_retries=0, timeout=timeout
        )

    async def review(self, request: ReviewRequest) -> Completion[ReviewOutput]:
        items = _conversation(request.document, (), None)
        return await self._complete(
            request.system, request.document, items, _REVIEW_FORMAT, ReviewOutput
        )

    async def answer(self, request: AnswerRequest) -> Completion[AnswerOutput]:
        items = _conversation(request.document, request.history, request.question)
        return await self._complete(
            request.system, request.document, items, _ANSWER_FORMAT, AnswerOutput
        )

    async def aclose(self) -> None:
        await self._client.close()

    async def _complete(
        self,
        system: str,
        document: str,
        items: list[ResponseInputItemParam],
        text_format: ResponseFormatTextJSONSchemaConfigParam,
        output_type: type[Output],
    ) -> Completion[Output]:
        try:
            response = await self._client.responses.create(
                model=self.model,
                instructions=system,
                input=items,
                text={"format": text_format},
                store=False,
                prompt_cache_key=_cache_key(system, document),
            )
        except openai.APIStatusError as error:
            raise error_for_status(error.status_code, error.response.headers) from error
        except openai.APITimeoutError as error:
            raise transport_error(timed_out=True) from error
        except openai.APIConnectionError as error:
            raise transport_error(timed_out=False) from error
        return Completion(
            output=parse_json(output_type, _final_text(response)),
            usage=_usage(response),
            model=response.model or self.model,
        )


def _conversation(
    document: str, history: tuple[tuple[str, str], ...], question: str | None
) -> list[ResponseInputItemParam]:
    """The document is a message of its own, so the cached prefix ends exactly after it."""
    items: list[ResponseInputItemParam] = [{"role": "user", "content": document}]
    for asked, answered in history:
        items.append({"role": "user", "content": asked})
        items.append({"role": "assistant", "content": answered, "phase": "final_answer"})
    if question is not None:
        items.append({"role": "user", "content": question})
    return items


def _cache_key(system: str, document: str) -> str:
    return hashlib.sha256(f"{system}\0{document}".encode()).hexdigest()[:32]


def _final_text(response: Response) -> str:
    """The final-answer text; a refusal is no answer, and commentary is not the object."""
    texts: list[str] = []
    for item in response.output:
        if item.type != "message" or item.phase not in (None, "final_answer"):
            continue
        for content in item.content:
            if content.type == "refusal":
                raise malformed_output()
            texts.append(content.text)
    return "".join(texts)


def _usage(response: Response) -> TokenUsage:
    """OpenAI's `input_tokens` include cached reads and cache writes; ours exclude both."""
    usage = response.usage
    if usage is None:
        return TokenUsage()
    cached = usage.input_tokens_details.cached_tokens
    written = usage.input_tokens_details.cache_write_tokens
    return TokenUsage(
        input_tokens=max(usage.input_tokens - cached - written, 0),
        output_tokens=usage.output_tokens,
        cache_read_tokens=cached,
        cache_write_tokens=written,
    )
