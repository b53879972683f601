"""Slack's rate limits are per method and workspace: after a 429 on `chat.postMessage`,
every `chat.postMessage` must wait out its `Retry-After`, not only the call that got it.

slack_sdk's `AsyncRateLimitErrorRetryHandler` sleeps before retrying the one call that
was limited, while the process's other tasks keep calling the method and collect 429s
of their own. Here a 429 closes a per-method gate that every call of that method waits
at, across all tasks of this process (other replicas learn from their own 429s).
"""

from __future__ import annotations

import asyncio
import random
import time
from typing import Any
from urllib.parse import urlsplit

from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse

DEFAULT_RETRY_AFTER = 1.0
"""Seconds to wait after a 429 without `Retry-After`, which Slack always sends."""


class RateLimitGate:
    """When each Web API method may be called again, on this process's monotonic clock."""

    def __init__(self) -> None:
        self._open_at: dict[str, float] = {}

    def close_for(self, method: str, seconds: float) -> None:
        """Slack answered `method` with 429 and `Retry-After: seconds`."""
        open_at = time.monotonic() + seconds
        self._open_at[method] = max(open_at, self._open_at.get(method, 0.0))

    def open_at(self, method: str) -> float:
        return self._open_at.get(method, 0.0)

    async def wait(self, method: str) -> None:
        """Return once `method` may be called; a later 429 meanwhile extends the wait."""
        while (remaining := self.open_at(method) - time.monotonic()) > 0:
            await asyncio.sleep(remaining)


def retry_after(response: HttpResponse) -> float:
    for name, values in response.headers.items():
        if name.lower() == "retry-after" and values:
            try:
                return max(0.0, float(values[0]))
            except ValueError:
                break
    return DEFAULT_RETRY_AFTER


def method_of(url: str) -> str:
    """`https://slack.com/api/chat.postMessage` -> `chat.postMessage`."""
    return urlsplit(url).path.rstrip("/").rpartition("/")[2]


class GatedRateLimitRetryHandler(AsyncRateLimitErrorRetryHandler):
    """Closes the gate on every 429 (also the last one, which is not retried), and
    retries the limited call once the gate opens again, with a little jitter so the
    waiting calls do not all go at the same instant."""

    def __init__(self, gate: RateLimitGate, max_retry_count: int = 3) -> None:
        super().__init__(max_retry_count=max_retry_count)
        self.gate = gate

    async def can_retry_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if response is not None and response.status_code == 429:
            self.gate.close_for(method_of(request.url), retry_after(response))
        return await super().can_retry_async(
            state=state, request=request, response=response, error=error
        )

    async def prepare_for_next_attempt_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        state.next_attempt_requested = True
        await self.gate.wait(method_of(request.url))
        await asyncio.sleep(random.uniform(0, 0.1))
        state.increment_current_attempt()


class GatedWebClient(AsyncWebClient):
    """An `AsyncWebClient` whose every call first waits at its method's gate."""

    def __init__(self, *args: Any, gate: RateLimitGate, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.gate = gate

    async def api_call(self, api_method: str, **kwargs: Any) -> AsyncSlackResponse:  # type: ignore[override]
        await self.gate.wait(api_method)
        return await super().api_call(api_method, **kwargs)
