"""What the provider adapters share: HTTP failures and model replies turned into our terms.

Every provider reports failures as HTTP statuses with an optional Retry-After, and every
structured reply ends up as JSON text to validate; doing both in one place keeps the retry
policy and the malformed-output rule the orchestrator sees identical whichever SDK answered.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from pydantic import ValidationError

from domain.ai.provider import Output, ProviderError

_REASONS = {
    400: "bad_request",
    401: "auth_failed",
    402: "payment_required",
    403: "permission_denied",
    404: "not_found",
    408: "timeout",
    413: "request_too_large",
    422: "bad_request",
    429: "rate_limited",
    529: "overloaded",
}


def error_for_status(
    status: int, headers: Mapping[str, str] | None, *, retry_after: float | None = None
) -> ProviderError:
    """429, 408, 409 and 5xx may succeed on another attempt; any other status will not.
    A Retry-After header wins over `retry_after`, a hint the provider gave in the body."""
    retryable = status in (408, 409, 429) or status >= 500
    reason = _REASONS.get(status, "server_error" if status >= 500 else f"http_{status}")
    if retryable and headers:
        retry_after = retry_after_seconds(headers) or retry_after
    return ProviderError(
        reason, retryable=retryable, retry_after=retry_after if retryable else None
    )


def retry_after_seconds(headers: Mapping[str, str]) -> float | None:
    """`retry-after-ms` (OpenAI), else `retry-after` as seconds or an HTTP date."""
    millis = headers.get("retry-after-ms")
    if millis:
        try:
            return max(float(millis) / 1000, 0.0)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max((when - datetime.now(UTC)).total_seconds(), 0.0)


def transport_error(*, timed_out: bool) -> ProviderError:
    """No HTTP answer at all: the next attempt may well get one."""
    return ProviderError("timeout" if timed_out else "connection_error", retryable=True)


def malformed_output() -> ProviderError:
    """The model answered, but not with the object asked for; sampling again usually fixes it."""
    return ProviderError("malformed_output", retryable=True)


def parse_json(output_type: type[Output], text: str | None) -> Output:
    if not text:
        raise malformed_output()
    try:
        return output_type.model_validate_json(text)
    except ValidationError as error:
        raise malformed_output() from error
