"""Local stand-ins for the Anthropic, OpenAI and Gemini HTTP APIs, reached through the real SDKs.

Tests hand ``fake.base_url`` to an adapter, so the SDK builds and sends real requests and parses
real responses; only the far end is scripted. Each fake records every request and answers from
a queue the test fills: ``reply_findings``, ``reply_answer``, ``reply_text`` (the model's raw
output text), ``reply_raw`` (a whole HTTP body) and ``fail``; ``delay`` holds the next answer back
to provoke client timeouts. Success bodies, error bodies and usage follow each API's own shape,
and ``usage`` is returned exactly as set, in the provider's field names.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self

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
    body: JsonObject
    headers: dict[str, str]


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

    def __init__(self) -> None:
        self.requests: list[Received] = []
        self._replies: deque[_Reply] = deque()
        self._delays: deque[float] = deque()
        self._closing = asyncio.Event()
        self._serial = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self._origin = ""

    # Scripting ----------------------------------------------------------------------------

    def reply_findings(self, findings: Sequence[JsonObject]) -> None:
        self.reply_text(json.dumps({"findings": list(findings)}))

    def reply_answer(self, answer: str, citations: Sequence[JsonObject] = ()) -> None:
        self.reply_text(json.dumps({"answer": answer, "citations": list(citations)}))

    def reply_text(self, text: str) -> None:
        """The model's output text, wrapped in a successful response."""
        self._replies.append(_Reply(200, self._success(text), {}))

    def reply_raw(self, body: JsonObject, status: int = 200) -> None:
        self._replies.append(_Reply(status, body, {}))

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

    def _success(self, text: str) -> JsonObject:
        raise NotImplementedError

    def _error(self, status: int, retry_after: float | None) -> JsonObject:
        raise NotImplementedError

    def _retry_headers(self, retry_after: float | None) -> dict[str, str]:
        return {} if retry_after is None else {"retry-after": f"{retry_after:g}"}

    # Serving ------------------------------------------------------------------------------

    async def _answer(self, request: web.Request) -> web.Response:
        raw = await request.read()
        self.requests.append(
            Received(
                request.path,
                {k.lower(): v for k, v in request.headers.items()},
                raw,
                json.loads(raw),
            )
        )
        # The reply is claimed on arrival, so a request that times out still uses up its own.
        if not self._replies:
            reply = _Reply(
                418, {"error": {"message": f"{type(self).__name__}: nothing scripted"}}, {}
            )
        else:
            reply = self._replies.popleft()
        if self._delays:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._closing.wait(), self._delays.popleft())
        return web.json_response(reply.body, status=reply.status, headers=reply.headers)

    def _next_id(self, prefix: str) -> str:
        return f"{prefix}_fake{next(self._serial):04d}"

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


class FakeAnthropic(_FakeAPI):
    """``POST /v1/messages``. Replies open with a thinking block, as the current models' do."""

    def __init__(self) -> None:
        super().__init__()
        self.usage = {
            "input_tokens": 412,
            "output_tokens": 951,
            "cache_creation_input_tokens": 2048,
            "cache_read_input_tokens": 30_720,
        }
        self.model = "claude-opus-5-5"

    def _routes(self, app: web.Application) -> None:
        app.router.add_post("/v1/messages", self._answer)

    def _success(self, text: str) -> JsonObject:
        return {
            "id": self._next_id("msg"),
            "type": "message",
            "role": "assistant",
            "model": self.model,
            "content": [
                {"type": "thinking", "thinking": "", "signature": "c2lnbmF0dXJl"},
                {"type": "text", "text": text},
            ],
            "stop_reason": "end_turn",
            "stop_sequence": None,
            "usage": dict(self.usage),
        }

    def _error(self, status: int, retry_after: float | None) -> JsonObject:
        kind = _ANTHROPIC_ERROR_TYPES.get(status, "api_error")
        return {
            "type": "error",
            "error": {"type": kind, "message": f"fake {kind}"},
            "request_id": self._next_id("req"),
        }


class FakeOpenAI(_FakeAPI):
    """``POST /v1/responses`` (the Responses API); ``base_url`` ends in ``/v1`` like the SDK's."""

    def __init__(self) -> None:
        super().__init__()
        self.usage = {
            "input_tokens": 33_180,
            "input_tokens_details": {"cached_tokens": 30_720, "cache_write_tokens": 2048},
            "output_tokens": 951,
            "output_tokens_details": {"reasoning_tokens": 512},
            "total_tokens": 34_131,
        }
        self.model = "gpt-6.2-astra-2026-11-01"

    @property
    def base_url(self) -> str:
        return f"{self._origin}/v1"

    def reply_refusal(self, refusal: str = "I can't help with that.") -> None:
        self.reply_raw(self._response([{"type": "refusal", "refusal": refusal}]))

    def _routes(self, app: web.Application) -> None:
        app.router.add_post("/v1/responses", self._answer)

    def _success(self, text: str) -> JsonObject:
        return self._response([{"type": "output_text", "text": text, "annotations": []}])

    def _response(self, content: list[JsonObject]) -> JsonObject:
        return {
            "id": self._next_id("resp"),
            "object": "response",
            "created_at": 1_790_000_000,
            "status": "completed",
            "model": self.model,
            "output": [
                {"type": "reasoning", "id": self._next_id("rs"), "summary": []},
                {
                    "type": "message",
                    "id": self._next_id("msg"),
                    "status": "completed",
                    "role": "assistant",
                    "phase": "final_answer",
                    "content": content,
                },
            ],
            "error": None,
            "incomplete_details": None,
            "parallel_tool_calls": True,
            "tool_choice": "auto",
            "tools": [],
            "usage": dict(self.usage),
        }

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
    detail, as Gemini sends it, not as a Retry-After header."""

    def __init__(self) -> None:
        super().__init__()
        self.usage = {
            "promptTokenCount": 33_180,
            "candidatesTokenCount": 439,
            "cachedContentTokenCount": 30_720,
            "thoughtsTokenCount": 512,
            "totalTokenCount": 34_131,
        }
        self.model_version = "gemini-3.8-flash"

    def _routes(self, app: web.Application) -> None:
        app.router.add_post(r"/{version:v1|v1beta}/models/{call}", self._answer)

    def _success(self, text: str) -> JsonObject:
        return {
            "candidates": [
                {
                    "content": {
                        "role": "model",
                        "parts": [
                            {"text": "Weighing the sections.", "thought": True},
                            {"text": text},
                        ],
                    },
                    "finishReason": "STOP",
                    "index": 0,
                }
            ],
            "usageMetadata": dict(self.usage),
            "modelVersion": self.model_version,
            "responseId": self._next_id("resp"),
        }

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
