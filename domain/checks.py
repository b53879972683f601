"""Running one extractor or rule so that its failure costs only its own output.

A real document will always find a corner some check did not foresee; that must cost the
user one check ("2 checks could not run on this document"), never the whole review.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict

T = TypeVar("T")


class CheckFailure(BaseModel):
    """A check that raised: its id and the exception, for the log, the metric and the note."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    check: str
    error: str


class CheckRunner:
    """Collects the failures of the checks it runs; each failure leaves the default result."""

    def __init__(self) -> None:
        self.failures: list[CheckFailure] = []

    def run(self, check: str, default: T, produce: Callable[..., T], *args: Any) -> T:
        try:
            return produce(*args)
        except Exception as error:
            failure = CheckFailure(check=check, error=f"{type(error).__name__}: {error}")
            self.failures.append(failure)
            return default


def failure_note(failures: list[CheckFailure]) -> str | None:
    """What the reader of a review is told when some checks could not run."""
    if not failures:
        return None
    count = len({failure.check for failure in failures})
    checks = "check" if count == 1 else "checks"
    return f"{count} {checks} could not run on this document; the other findings are complete."
