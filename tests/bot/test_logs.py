"""Log lines as a shipper receives them: stdlib loggers rendered like ours, stacks as
fields, secrets masked."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from collections.abc import Callable, Iterator

import pytest
import structlog

from bot.logs import MASK, SecretMasker, configure_logging

SECRET = "xoxb-1111-masked-in-logs"


@pytest.fixture
def json_logs(capsys: pytest.CaptureFixture[str]) -> Iterator[Callable[[], list[dict]]]:
    """Call to switch JSON logging on (inside the test: the handler keeps the stderr of
    the phase it was made in) and again to read what was written since."""
    started = False

    def logs() -> list[dict]:
        nonlocal started
        if not started:
            configure_logging("INFO", "json", secrets=[SECRET])
            started = True
            return []
        return [json.loads(line) for line in capsys.readouterr().err.splitlines()]

    yield logs
    configure_logging("INFO", "console")


def test_a_library_logger_with_a_traceback_becomes_one_json_object(json_logs) -> None:
    json_logs()
    try:
        raise ConnectionResetError(f"lost the server while sending {SECRET}")
    except ConnectionResetError:
        logging.getLogger("asyncpg.pool").warning("connection lost %s", "again", exc_info=True)
    (entry,) = json_logs()
    assert entry["logger"] == "asyncpg.pool" and entry["level"] == "warning"
    assert entry["event"] == "connection lost again"
    (exception,) = entry["exception"]
    assert exception["exc_type"] == "ConnectionResetError"
    assert exception["exc_value"] == f"lost the server while sending {MASK}"
    assert exception["frames"] and "locals" not in exception["frames"][0]


def test_our_lines_carry_bound_fields_and_never_a_secret(json_logs) -> None:
    json_logs()
    structlog.contextvars.bind_contextvars(correlation_id="Ev123")
    try:
        structlog.get_logger("bot.test").info("slack.sent", token=SECRET, nested={"k": [SECRET]})
        logging.getLogger("slack_sdk").warning("Sending with %s", SECRET)
    finally:
        structlog.contextvars.clear_contextvars()
    ours, theirs = json_logs()
    assert ours["correlation_id"] == theirs["correlation_id"] == "Ev123"
    assert ours["token"] == MASK and ours["nested"] == {"k": [MASK]}
    assert theirs["event"] == f"Sending with {MASK}"


def test_python_warnings_become_log_lines() -> None:
    # In a process of its own: pytest records warnings before logging could see them.
    program = (
        "import warnings; from bot.logs import configure_logging;"
        "configure_logging('INFO', 'json');"
        "warnings.warn('Unclosed client session', ResourceWarning, stacklevel=1)"
    )
    done = subprocess.run(
        [sys.executable, "-W", "always", "-c", program], capture_output=True, text=True, check=True
    )
    (entry,) = [json.loads(line) for line in done.stderr.splitlines()]
    assert entry["logger"] == "py.warnings" and "Unclosed client session" in entry["event"]


def test_libraries_say_only_warnings_below_debug(json_logs) -> None:
    json_logs()
    logging.getLogger("aiohttp.client").debug("chatty")
    logging.getLogger("pgserver").info("Running commandline: pg_ctl start")
    structlog.get_logger("bot.test").debug("chatty too")
    structlog.get_logger("eventstore.worker").info("job.succeeded")
    logging.getLogger("asyncpg.pool").warning("connection lost")
    assert [entry["event"] for entry in json_logs()] == ["job.succeeded", "connection lost"]


def test_debug_shows_the_libraries_too(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("DEBUG", "json")
    try:
        logging.getLogger("slack_sdk.web").debug("Sending a request")
        (entry,) = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    finally:
        configure_logging("INFO", "console")
    assert entry["logger"] == "slack_sdk.web" and entry["level"] == "debug"


def test_secrets_in_values_rendered_late_are_masked(json_logs) -> None:
    json_logs()

    class Request:
        def __repr__(self) -> str:
            return f"Request(token={SECRET!r})"

    error = RuntimeError(f"bad token {SECRET}")
    structlog.get_logger("bot.test").warning("x", request=Request(), error=error, items={SECRET})
    quoted = 'pass"word\\x'
    configure_logging("INFO", "json", secrets=[quoted])
    structlog.get_logger("bot.test").warning("y", value=quoted)
    out = "\n".join(json.dumps(entry) for entry in json_logs())
    assert SECRET not in out and "pass" not in out and out.count(MASK) == 4


def test_a_longer_secret_is_masked_whole() -> None:
    masker = SecretMasker(["abcd", "abcd-efgh"])
    assert masker.mask("x abcd-efgh y abcd") == f"x {MASK} y {MASK}"
