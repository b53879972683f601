"""Local stand-ins for the Anthropic, OpenAI and Gemini HTTP APIs, reached through the real SDKs.

Tests hand ``fake.base_url`` to an adapter, so the SDK builds and sends real requests and parses
real responses; only the far end is scripted. Each fake records every request and answers from
a queue the test fills: ``reply_findings``, ``reply_answer``, ``reply_text`` (the model's raw
output text, optionally with how the reply ended: ``stop``), ``reply_raw`` (a whole HTTP body)
and ``fail``; ``delay`` holds the next answer back to provoke client timeouts. With the queue
empty, ``respond_with`` computes the output text from the request, like a model reading it.
Success bodies, error bodies and usage follow each API's own shape; ``minimal`` leaves out
every field the API's reference marks optional, as OpenAI-compatible servers do; ``usage`` is
returned exactly as set, in the provider's field names.

``FakeAnthropic(cache=PromptCache())`` computes usage from each request instead, with the
Messages API's caching rules (documented on `PromptCache`), for measuring what request shapes
cost.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import itertools
import json
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Literal, Self

from aiohttp import web

from tests.fakes.local_server import serve_locally

JsonObject = dict[str, Any]


@dataclass(frozen=True)
class Received:
    """One request as it arrived: ``raw`` is the body's bytes, ``body`` the parsed JSON."""

    path: str
    headers: dict[str, str]
    raw: bytes
    body: JsonObject


@dataclass(frozen=True)
class _Reply:
    status: int
    body: JsonObject | None
    headers: dict[str, str]
    text: str = ""
    """The output text of a success whose body is built when the request arrives."""
    stop: str | None = None


Handler = Callable[[JsonObject], str]


_ANTHROPIC_ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    500: "api_error",
    529: "overloaded_error",
}

_OPENAI_ERRORS = {
    400: ("invalid_request_error", None),
    401: ("invalid_request_error", "invalid_api_key"),
    403: ("invalid_request_error", "unsupported_country_region_territory"),
    404: ("invalid_request_error", "model_not_found"),
    429: ("rate_limit_exceeded", "rate_limit_exceeded"),
}

_GEMINI_STATUSES = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
}


class _FakeAPI:
    """The scripting, recording and serving every fake shares; subclasses speak the dialect."""

    usage: JsonObject

    def __init__(self, *, minimal: bool = False) -> None:
        self.minimal = minimal
        self.requests: list[Received] = []
        self.latency = 0.0
        """Seconds every answer takes (a model's latency, for benchmarks)."""
        self._replies: deque[_Reply] = deque()
        self._delays: deque[float] = deque()
        self._handler: Handler | None = None
        self._closing = asyncio.Event()
        self._serial = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self._origin = ""

    # Scripting ----------------------------------------------------------------------------

    def reply_findings(self, findings: Sequence[JsonObject]) -> None:
        self.reply_text(json.dumps({"findings": list(findings)}))

    def reply_answer(self, answer: str, citations: Sequence[JsonObject] = ()) -> None:
        self.reply_text(json.dumps({"answer": answer, "citations": list(citations)}))

    def reply_text(self, text: str, *, stop: str | None = None) -> None:
        """The model's output text, wrapped in a successful response; `stop` is the
        dialect's own word for how the reply ended (its default: a complete reply)."""
        self._replies.append(_Reply(200, None, {}, text, stop))

    def reply_raw(self, body: JsonObject, status: int = 200) -> None:
        self._replies.append(_Reply(status, body, {}))

    def respond_with(self, handler: Handler) -> None:
        """Answer every request nothing is scripted for with `handler(request body)`."""
        self._handler = handler

    def fail(self, status: int, *, retry_after: float | None = None, times: int = 1) -> None:
        for _ in range(times):
            headers = self._retry_headers(retry_after)
            self._replies.append(_Reply(status, self._error(status, retry_after), headers))

    def delay(self, seconds: float) -> None:
        """Hold the next answer back this long (cut short when the fake shuts down)."""
        self._delays.append(seconds)

    # Dialect ------------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return self._origin

    def _routes(self, app: web.Application) -> None:
        raise NotImplementedError

    def _success(self, text: str, stop: str | None, request: JsonObject) -> JsonObject:
        raise NotImplementedError

    def _error(self, status: int, retry_after: float | None) -> JsonObject:
        raise NotImplementedError

    def _retry_headers(self, retry_after: float | None) -> dict[str, str]:
        return {} if retry_after is None else {"retry-after": f"{retry_after:g}"}

    def _answered(self, request: JsonObject) -> None:
        """Called once a response has been sent (its prefix is then cached, for example)."""

    # Serving ------------------------------------------------------------------------------

    async def _answer(self, request: web.Request) -> web.Response:
        raw = await request.read()
        body = json.loads(raw)
        self.requests.append(
            Received(request.path, {k.lower(): v for k, v in request.headers.items()}, raw, body)
        )
        # The reply is claimed on arrival, so a request that times out still uses up its own.
        if self._replies:
            reply = self._replies.popleft()
        elif self._handler is not None:
            reply = _Reply(200, None, {}, self._handler(body))
        else:
            message = f"{type(self).__name__}: nothing scripted"
            reply = _Reply(418, {"error": {"message": message}}, {})
        content = (
            reply.body if reply.body is not None else self._success(reply.text, reply.stop, body)
        )
        wait = (self._delays.popleft() if self._delays else 0.0) + self.latency
        if wait:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._closing.wait(), wait)
        self._answered(body)
        return web.json_response(content, status=reply.status, headers=reply.headers)

    def _next_id(self, prefix: str) -> str:
        return f"{prefix}_fake{next(self._serial):04d}"

    def _optional(self, body: JsonObject, **fields: Any) -> JsonObject:
        """`body` plus the fields a minimal server leaves out."""
        return body if self.minimal else {**body, **fields}

    async def __aenter__(self) -> Self:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        self._routes(app)
        self._runner, self._origin = await serve_locally(app)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._closing.set()
        if self._runner is not None:
            await self._runner.cleanup()


@dataclass
class PromptCache:
    """The Messages API's prompt caching, as documented (platform.claude.com, "Prompt
    caching"), for counting what a request shape costs:

    - the prefix is the system blocks, then the message blocks, in order; a block with
      `cache_control` is a breakpoint, and the prefix up to it is one cache entry;
    - an entry exists only once the response of the request that wrote it has started, so
      concurrent requests do not read each other's writes;
    - a prefix shorter than `min_tokens` is not cached at all (no write, no read);
    - a request reads the longest entry among its breakpoints, writes the tokens from there
      to its last cacheable breakpoint, and pays the rest as input; entries do not expire
      (every call of a benchmark falls within the 5-minute lifetime).

    Tokens are counted as characters / 4 per block, OpenAI's rule of thumb for English.
    """

    min_tokens: int = 1024
    output_tokens: int = 1_000
    entries: set[str] = field(default_factory=set)

    def usage(self, request: JsonObject) -> tuple[JsonObject, list[str]]:
        """The request's usage, and the entries it writes once answered."""
        total, read, written_to = 0, 0, 0
        digest = hashlib.sha256()
        writes: list[str] = []
        for block in _blocks(request):
            text = block.get("text", "")
            digest.update(text.encode() + b"\0")
            total += len(text) // 4 + 4
            if "cache_control" not in block or total < self.min_tokens:
                continue
            key = digest.hexdigest()
            if key in self.entries:
                read = total
            else:
                writes.append(key)
                written_to = total
        written = max(written_to - read, 0)
        usage = {
            "input_tokens": total - read - written,
            "output_tokens": self.output_tokens,
            "cache_creation_input_tokens": written,
            "cache_read_input_tokens": read,
        }
        return usage, writes


def _blocks(request: JsonObject) -> list[JsonObject]:
    system = request.get("system") or []
    blocks = [{"text": system}] if isinstance(system, str) else list(system)
    for message in request.get("messages", []):
        content = message.get("content")
        blocks += [{"text": content}] if isinstance(content, str) else list(content or [])
    return blocks


class FakeAnthropic(_FakeAPI):
    """``POST /v1/messages``. Replies open with a thinking block, as the current models' do;
    `stop` is a `stop_reason` (`max_tokens`, `refusal`, `pause_turn`, ...)."""

    def __init__(self, *, minimal: bool = False, cache: PromptCache | None = None) -> None:
        super().__init__(minimal=minimal)
        self.usage = {
            "input_tokens": 412,
            "output_tokens": 951,
            "cache_creation_input_tokens": 2048,
            "cache_read_input_tokens": 30_720,
        }
        self.model = "claude-opus-5-5"
        self.cache = cache
        self._writes: dict[int, list[str]] = {}

    def _routes(self, app: web.Application) -> None:
        app.router.add_post("/v1/messages", self._answer)

    def _success(self, text: str, stop: str | None, request: JsonObject) -> JsonObject:
        usage = dict(self.usage)
        if self.cache is not None:
            usage, self._writes[id(request)] = self.cache.usage(request)
        content: list[JsonObject] = [{"type": "text", "text": text}]
        if not self.minimal:
            content.insert(0, {"type": "thinking", "thinking": "", "signature": "c2lnbmF0dXJl"})
        return self._optional(
            {
                "id": self._next_id("msg"),
                "type": "message",
                "role": "assistant",
                "model": self.model,
                "content": content,
                "stop_reason": stop or "end_turn",
                "usage": usage,
            },
            stop_sequence=None,
        )

    def _answered(self, request: JsonObject) -> None:
        if self.cache is not None:
            self.cache.entries.update(self._writes.pop(id(request), []))

    def _error(self, status: int, retry_after: float | None) -> JsonObject:
        kind = _ANTHROPIC_ERROR_TYPES.get(status, "api_error")
        return {
            "type": "error",
            "error": {"type": kind, "message": f"fake {kind}"},
            "request_id": self._next_id("req"),
        }


class FakeOpenAI(_FakeAPI):
    """``POST /v1/responses`` (the Responses API) and, with ``api="chat"`` instead,
    ``POST /v1/chat/completions`` alone, like a server that implements only Chat Completions
    (``/v1/responses`` is then a 404). ``base_url`` ends in ``/v1`` like the SDK's. `stop` is a
    Responses `incomplete_details.reason` (status `incomplete`), or `failed`; for Chat
    Completions a `finish_reason` (`length`, `content_filter`)."""

    def __init__(
        self, *, api: Literal["responses", "chat"] = "responses", minimal: bool = False
    ) -> None:
        super().__init__(minimal=minimal)
        self.api = api
        self.usage = (
            {
                "input_tokens": 33_180,
                "input_tokens_details": {"cached_tokens": 30_720, "cache_write_tokens": 2048},
                "output_tokens": 951,
                "output_tokens_details": {"reasoning_tokens": 512},
                "total_tokens": 34_131,
            }
            if api == "responses"
            else {
                "prompt_tokens": 33_180,
                "completion_tokens": 951,
                "total_tokens": 34_131,
                "prompt_tokens_details": {"cached_tokens": 30_720, "cache_write_tokens": 2048},
            }
        )
        self.model = "gpt-6.2-astra-2026-11-01"

    @property
    def base_url(self) -> str:
        return f"{self._origin}/v1"

    def reply_refusal(self, refusal: str = "I can't help with that.") -> None:
        if self.api == "chat":
            self.reply_raw(self._completion(None, "stop", refusal=refusal))
        else:
            self.reply_raw(self._response([{"type": "refusal", "refusal": refusal}]))

    def _routes(self, app: web.Application) -> None:
        if self.api == "chat":
            app.router.add_post("/v1/chat/completions", self._answer)
        else:
            app.router.add_post("/v1/responses", self._answer)

    def _success(self, text: str, stop: str | None, request: JsonObject) -> JsonObject:
        if self.api == "chat":
            return self._completion(text, stop or "stop")
        content = self._optional({"type": "output_text", "text": text}, annotations=[])
        return self._response([content], stop)

    def _response(self, content: list[JsonObject], stop: str | None = None) -> JsonObject:
        status, details = "completed", None
        if stop == "failed":
            status = "failed"
        elif stop is not None:
            status, details = "incomplete", {"reason": stop}
        message = self._optional(
            {"type": "message", "role": "assistant", "content": content},
            id=self._next_id("msg"),
            status="incomplete" if details else "completed",
            phase="final_answer",
        )
        output = [message]
        if not self.minimal:
            output.insert(0, {"type": "reasoning", "id": self._next_id("rs"), "summary": []})
        return self._optional(
            {
                "id": self._next_id("resp"),
                "object": "response",
                "created_at": 1_790_000_000,
                "status": status,
                "model": self.model,
                "output": output,
                "usage": dict(self.usage),
            },
            error={"code": "server_error", "message": "fake"} if status == "failed" else None,
            incomplete_details=details,
            parallel_tool_calls=True,
            tool_choice="auto",
            tools=[],
        )

    def _completion(
        self, text: str | None, finish_reason: str, *, refusal: str | None = None
    ) -> JsonObject:
        message: JsonObject = {"role": "assistant", "content": text}
        if refusal is not None or not self.minimal:
            message["refusal"] = refusal
        return self._optional(
            {
                "id": self._next_id("chatcmpl"),
                "object": "chat.completion",
                "created": 1_790_000_000,
                "model": self.model,
                "choices": [{"index": 0, "message": message, "finish_reason": finish_reason}],
                "usage": dict(self.usage),
            },
            system_fingerprint="fp_fake",
            service_tier="default",
        )

    def _error(self, status: int, retry_after: float | None) -> JsonObject:
        kind, code = _OPENAI_ERRORS.get(status, ("server_error", None))
        return {"error": {"message": f"fake {kind}", "type": kind, "param": None, "code": code}}

    def _retry_headers(self, retry_after: float | None) -> dict[str, str]:
        if retry_after is None:
            return {}
        return {"retry-after": f"{retry_after:g}", "retry-after-ms": f"{retry_after * 1000:g}"}


class FakeGemini(_FakeAPI):
    """``POST /{version}/models/{model}:generateContent``: the SDK calls the stable ``v1``
    unless told otherwise, ``v1beta`` is served too. A 429's wait travels as a RetryInfo error
    detail, as Gemini sends it, not as a Retry-After header. `stop` is a `finishReason`
    (`MAX_TOKENS`, `SAFETY`, `RECITATION`, ...); ``reply_blocked_prompt`` answers with no
    candidate at all, as a blocked prompt gets."""

    def __init__(self, *, minimal: bool = False) -> None:
        super().__init__(minimal=minimal)
        self.usage = {
            "promptTokenCount": 33_180,
            "candidatesTokenCount": 439,
            "cachedContentTokenCount": 30_720,
            "thoughtsTokenCount": 512,
            "totalTokenCount": 34_131,
        }
        self.model_version = "gemini-3.8-flash"

    def reply_blocked_prompt(self, reason: str = "SAFETY") -> None:
        self.reply_raw(
            {
                "promptFeedback": {"blockReason": reason},
                "usageMetadata": {"promptTokenCount": 120, "totalTokenCount": 120},
                "modelVersion": self.model_version,
            }
        )

    def _routes(self, app: web.Application) -> None:
        app.router.add_post(r"/{version:v1|v1beta}/models/{call}", self._answer)

    def _success(self, text: str, stop: str | None, request: JsonObject) -> JsonObject:
        parts: list[JsonObject] = [{"text": text}]
        if not self.minimal:
            parts.insert(0, {"text": "Weighing the sections.", "thought": True})
        candidate = self._optional(
            {"content": {"role": "model", "parts": parts}, "finishReason": stop or "STOP"},
            index=0,
        )
        return self._optional(
            {"candidates": [candidate], "usageMetadata": dict(self.usage)},
            modelVersion=self.model_version,
            responseId=self._next_id("resp"),
        )

    def _error(self, status: int, retry_after: float | None) -> JsonObject:
        error: JsonObject = {
            "code": status,
            "message": "fake error",
            "status": _GEMINI_STATUSES.get(status, "INTERNAL"),
        }
        if retry_after is not None:
            error["details"] = [
                {
                    "@type": "type.googleapis.com/google.rpc.RetryInfo",
                    "retryDelay": f"{retry_after:g}s",
                }
            ]
        return {"error": error}

    def _retry_headers(self, retry_after: float | None) -> dict[str, str]:
        return {}
