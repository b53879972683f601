"""A check that raises costs its own result, never its neighbours' or the review."""

from __future__ import annotations

from domain.checks import CheckFailure, CheckRunner, failure_note


def _divide(total: int, parts: int) -> float:
    return total / parts


def test_a_raising_check_leaves_its_default_and_is_recorded() -> None:
    runner = CheckRunner()
    assert runner.run("split", 0.0, _divide, 10, 0) == 0.0
    assert runner.run("share", 0.0, _divide, 10, 4) == 2.5
    assert runner.failures == [
        CheckFailure(check="split", error="ZeroDivisionError: division by zero")
    ]


def test_note_counts_distinct_checks() -> None:
    assert failure_note([]) is None
    one = [CheckFailure(check="a", error="x"), CheckFailure(check="a", error="y")]
    assert failure_note(one) == (
        "1 check could not run on this document; the other findings are complete."
    )
    two = [*one, CheckFailure(check="b", error="z")]
    assert failure_note(two) is not None and failure_note(two).startswith("2 checks ")
