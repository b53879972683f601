"""OpenAI, and servers that speak its API, with Structured Outputs; one attempt per call.

Two API styles (`OPENAI_API_STYLE`): the Responses API (`responses`, the default: the SDK's
README names it the primary API, and new models and caching controls land there first) and
Chat Completions (`chat`), which every OpenAI-compatible server implements (vLLM, Ollama,
LiteLLM, Azure OpenAI deployments) and some implement alone. Both ask for the same strict
JSON schema, taken from the SDK's own `pydantic_function_tool` (every property required,
`additionalProperties: false` at every level, `$defs` kept), so it matches what the API checks.

Fields only OpenAI's own API knows go only to it (no base URL, or api.openai.com): `phase` on
earlier answers, `reasoning` effort, `prompt_cache_key`, and explicit prompt caching
(`prompt_cache_options` with one `prompt_cache_breakpoint` at the end of the shared prefix,
for the GPT-5.6 and later families that have it; older models reject both). `store=false`,
which keeps documents out of stored responses, also goes to Azure, which honours it; other
hosts get the standard fields alone. Usage a server leaves out counts as 0.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlsplit

import openai
from openai.types.chat import ChatCompletion
from openai.types.responses import Response

from domain.ai.adapter_common import complete, count, sdk_errors
from domain.ai.provider import (
    BLOCKED,
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

DEFAULT_MODEL = "gpt-6.2-astra"
"""developers.openai.com/api/docs/models: "If you're not sure where to start, use GPT-6.2 Astra"."""

ApiStyle = Literal["responses", "chat"]
Host = Literal["openai", "azure", "other"]
_AZURE_HOSTS = (".openai.azure.com", ".cognitiveservices.azure.com", ".services.ai.azure.com")
_FAMILY = re.compile(r"(?:^|/)gpt-(\d+)(?:\.(\d+))?")
_EXPLICIT_BREAKPOINT = {"mode": "explicit"}
# Responses `incomplete_details.reason` and Chat Completions `finish_reason` values that
# leave no usable answer (openai.types.responses.Response, .chat.ChatCompletion).
_INCOMPLETE_REASONS = {"max_output_tokens": TRUNCATED, "content_filter": BLOCKED}
_FINISH_REASONS = {
    "length": TRUNCATED,
    "content_filter": BLOCKED,
    "tool_calls": INCOMPLETE,
    "function_call": INCOMPLETE,
}


def _schema(output_type: type[Output], name: str) -> dict[str, Any]:
    function = openai.pydantic_function_tool(output_type, name=name)["function"]
    return {"name": name, "strict": True, "schema": function["parameters"]}


_REVIEW_SCHEMA = _schema(ReviewOutput, "record_findings")
_ANSWER_SCHEMA = _schema(AnswerOutput, "answer_question")


def host_kind(base_url: str | None) -> Host:
    """Whose server `base_url` is: OpenAI's own (the SDK default), Azure's, or another."""
    if base_url is None:
        return "openai"
    host = (urlsplit(base_url).hostname or "").lower()
    if host == "api.openai.com":
        return "openai"
    return "azure" if host.endswith(_AZURE_HOSTS) else "other"


def has_explicit_caching(model: str) -> bool:
    """GPT-5.6 and later families take `prompt_cache_options` and breakpoints."""
    family = _FAMILY.search(model)
    if family is None:
        return False
    return (int(family.group(1)), int(family.group(2) or 0)) >= (5, 6)


class OpenAIProvider:
    name = "openai"

    def __init__(
        self,
        api_key: str,
        *,
        model: str = DEFAULT_MODEL,
        base_url: str | None = None,
        api_style: ApiStyle = "responses",
        effort: Effort | None = None,
        host: Host | None = None,
    ) -> None:
        """`host` overrides what `base_url` says about the server, for a gateway that passes
        requests to OpenAI's API unchanged."""
        self.model = model
        self.api_style = api_style
        self.host = host or host_kind(base_url)
        self._effort = effort
        self._client = openai.AsyncOpenAI(api_key=api_key, base_url=base_url, max_retries=0)

    async def review(self, request: ReviewRequest) -> Completion[ReviewOutput]:
        prefix, rest = (
            (request.brief, request.document) if request.brief else (request.document, "")
        )
        return await self._complete(
            _Prompt(request.system, prefix, rest, (), None, request.cache_prefix),
            request.budget,
            ReviewOutput,
            _REVIEW_SCHEMA,
        )

    async def answer(self, request: AnswerRequest) -> Completion[AnswerOutput]:
        prompt = _Prompt(
            request.system,
            request.document,
            request.passages,
            request.history,
            request.question,
            request.cache_prefix,
        )
        return await self._complete(prompt, request.budget, AnswerOutput, _ANSWER_SCHEMA)

    async def aclose(self) -> None:
        await self._client.close()

    async def _complete(
        self,
        prompt: _Prompt,
        budget: Budget,
        output_type: type[Output],
        schema: dict[str, Any],
    ) -> Completion[Output]:
        official = self.host == "openai"
        explicit_cache = official and has_explicit_caching(self.model)
        breakpoint = explicit_cache and prompt.cache
        extra: dict[str, Any] = {}
        if self.host in ("openai", "azure"):
            extra["store"] = False
        if explicit_cache:
            extra["prompt_cache_options"] = {"mode": "explicit"}
        if breakpoint:
            extra["prompt_cache_key"] = prompt.cache_key()
        with sdk_errors(openai):
            if self.api_style == "chat":
                if official:
                    extra["max_completion_tokens"] = budget.max_output_tokens
                    if self._effort is not None:
                        extra["reasoning_effort"] = self._effort
                else:
                    extra["max_tokens"] = budget.max_output_tokens
                completion = await self._client.chat.completions.create(
                    model=self.model,
                    messages=prompt.chat_messages(structured=official, breakpoint=breakpoint),
                    response_format={"type": "json_schema", "json_schema": schema},
                    timeout=budget.timeout_seconds,
                    **extra,
                )
                return _from_chat(output_type, completion, self.model)
            if official and self._effort is not None:
                extra["reasoning"] = {"effort": self._effort}
            response = await self._client.responses.create(
                model=self.model,
                instructions=prompt.system,
                input=prompt.response_items(official=official, breakpoint=breakpoint),
                text={"format": {"type": "json_schema", **schema}},
                max_output_tokens=budget.max_output_tokens,
                timeout=budget.timeout_seconds,
                **extra,
            )
        return _from_response(output_type, response, self.model)


@dataclass(frozen=True, slots=True)
class _Prompt:
    """One call's text in the order caching needs: instructions, the shared prefix, then
    what differs per call (a review's part, a question's passages, the thread, the question)."""

    system: str
    prefix: str
    rest: str
    history: tuple[tuple[str, str], ...]
    question: str | None
    cache: bool

    def cache_key(self) -> str:
        return hashlib.sha256(f"{self.system}\0{self.prefix}".encode()).hexdigest()[:32]

    def _opening(self) -> list[str]:
        texts = [self.prefix, self.rest] if self.rest else [self.prefix]
        if self.history:
            texts.append(self.history[0][0])
        elif self.question is not None:
            texts.append(self.question)
        return texts

    def _turns(self) -> list[tuple[str, str]]:
        """(role, text) after the opening user turn: the thread, then the question."""
        turns: list[tuple[str, str]] = []
        for number, (asked, answered) in enumerate(self.history):
            if number:
                turns.append(("user", asked))
            turns.append(("assistant", answered))
        if self.history and self.question is not None:
            turns.append(("user", self.question))
        return turns

    def _opening_content(self, part_type: str | None, breakpoint: bool) -> Any:
        """The first user turn: for OpenAI, the prefix as a content part of its own (with the
        breakpoint when caching), so the cached prefix ends exactly after it; for other hosts
        (`part_type` None) one plain string, since some compatible servers take no parts."""
        opening = self._opening()
        if part_type is None:
            return "\n\n".join(opening)
        content = [{"type": part_type, "text": text} for text in opening]
        if breakpoint:
            content[0]["prompt_cache_breakpoint"] = _EXPLICIT_BREAKPOINT
        return content

    def response_items(self, *, official: bool, breakpoint: bool) -> list[Any]:
        content = self._opening_content("input_text" if official else None, breakpoint)
        items: list[Any] = [{"role": "user", "content": content}]
        for role, text in self._turns():
            item: dict[str, Any] = {"role": role, "content": text}
            if official and role == "assistant":
                item["phase"] = "final_answer"
            items.append(item)
        return items

    def chat_messages(self, *, structured: bool, breakpoint: bool) -> list[Any]:
        content = self._opening_content("text" if structured else None, breakpoint)
        messages: list[Any] = [
            {"role": "system", "content": self.system},
            {"role": "user", "content": content},
        ]
        messages += [{"role": role, "content": text} for role, text in self._turns()]
        return messages


def _from_response(
    output_type: type[Output], response: Response, default: str
) -> Completion[Output]:
    """The final-answer text and how the response ended: `status` with
    `incomplete_details.reason`, and refusal content."""
    texts: list[str] = []
    stopped: str | None = None
    for item in response.output or []:
        if item.type != "message" or getattr(item, "phase", None) not in (None, "final_answer"):
            continue
        for content in item.content or []:
            if content.type == "refusal":
                stopped = REFUSED
            elif content.type == "output_text":
                texts.append(content.text or "")
    status = response.status
    if status == "incomplete":
        reason = response.incomplete_details.reason if response.incomplete_details else None
        stopped = _INCOMPLETE_REASONS.get(str(reason), INCOMPLETE)
    elif status not in (None, "completed"):  # failed, cancelled, queued, in_progress
        stopped = stopped or INCOMPLETE
    tokens = _disjoint(response.usage, "input_tokens", "output_tokens", "input_tokens_details")
    model = response.model or default
    return complete(output_type, "".join(texts), usage=tokens, model=model, stopped=stopped)


def _from_chat(
    output_type: type[Output], completion: ChatCompletion, default: str
) -> Completion[Output]:
    """The first choice's content and how it ended: `finish_reason` and `message.refusal`."""
    usage = completion.usage
    tokens = _disjoint(usage, "prompt_tokens", "completion_tokens", "prompt_tokens_details")
    model = completion.model or default
    choice = completion.choices[0] if completion.choices else None
    if choice is None:
        return complete(output_type, None, usage=tokens, model=model)
    message = choice.message
    stopped = _FINISH_REASONS.get(str(choice.finish_reason))
    if message is not None and message.refusal:
        stopped = REFUSED
    text = message.content if message is not None else None
    return complete(output_type, text, usage=tokens, model=model, stopped=stopped)


def _disjoint(usage: object, prompt: str, output: str, details: str) -> TokenUsage:
    """Usage under the two APIs' field names, any of them possibly absent. OpenAI's prompt
    count includes cached reads and cache writes; ours excludes both."""
    breakdown = getattr(usage, details, None)
    cached = count(getattr(breakdown, "cached_tokens", None))
    written = count(getattr(breakdown, "cache_write_tokens", None))
    return TokenUsage(
        input_tokens=max(count(getattr(usage, prompt, None)) - cached - written, 0),
        output_tokens=count(getattr(usage, output, None)),
        cache_read_tokens=cached,
        cache_write_tokens=written,
    )
