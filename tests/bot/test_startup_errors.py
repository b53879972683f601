"""Start-up problems as an operator meets them: exit code 2, one line per problem naming
the variable and what is expected, no traceback, no secret; and `docsense config check`."""

from __future__ import annotations

import os
import socket
import subprocess

import pytest

from tests.bot.test_cli import DOCSENSE

PASSWORD = "pw-never-printed-77"
BOT_TOKEN = "xoxb-9999-startup-secret"


def _docsense(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "LOG_FORMAT")}
    return subprocess.run(
        [DOCSENSE, *args],
        capture_output=True,
        text=True,
        env={**clean, "DB_CONNECT_SECONDS": "1", **env},
        timeout=120,
    )


def _refused(done: subprocess.CompletedProcess[str], code: int = 2) -> list[str]:
    assert done.returncode == code, done.stderr
    assert "Traceback" not in done.stderr and PASSWORD not in done.stderr
    lines = done.stderr.splitlines()
    assert all(line.startswith("docsense: invalid configuration: ") for line in lines), lines
    return lines


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"DB_POOL_MIN_SIZE": "20"}, "DB_POOL_MIN_SIZE: 20 is more than DB_POOL_MAX_SIZE (10)"),
        ({"METRICS_PORT": "3000", "PORT": "3000"}, "METRICS_PORT: 3000 is also PORT"),
        ({"SLACK_API_URL": "notaurl"}, "SLACK_API_URL: expected an http(s) URL"),
        ({"OPENAI_BASE_URL": "ftp://x"}, "OPENAI_BASE_URL: expected an http(s) URL"),
        ({"AI_PROVIDER": "anthropic"}, "ANTHROPIC_API_KEY: must be set when AI_PROVIDER=anthropic"),
        ({"AI_PRICES": "{not json"}, "AI_PRICES: price overrides are not valid JSON"),
        ({"DATABASE_URL": "mysql://u@h/db"}, "DATABASE_URL: expected a URL such as postgresql://"),
        ({"DATABASE_URL": f"postgresql://u:{PASSWORD}@h:port/db"}, "DATABASE_URL: the port"),
        ({"DATABASE_URL": "postgresql://h1:5432,h2:99999/db"}, "the port '99999' is not"),
        ({"AI_PROVIDER": "openai", "OPENAI_API_KEY": ""}, "OPENAI_API_KEY: must be set"),
        (
            {"DATABASE_URL": f"postgresql://u:{PASSWORD}@127.0.0.1:5432/db?sslmode=sometimes"},
            "DATABASE_URL: not a usable PostgreSQL URL: `sslmode` parameter must be one of",
        ),
    ],
)
def test_each_problem_is_one_line_naming_its_variable(env: dict[str, str], expected: str) -> None:
    (line,) = _refused(_docsense("status", **env))
    assert expected in line


def test_several_problems_are_one_line_each() -> None:
    lines = _refused(_docsense("status", DB_POOL_MIN_SIZE="20", METRICS_PORT="3000"))
    assert [line.split(": ")[2] for line in lines] == ["DB_POOL_MIN_SIZE", "METRICS_PORT"]


def test_an_unreachable_database_is_retried_then_named() -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"postgresql://docsense:{PASSWORD}@127.0.0.1:{port}/docsense"
    (line,) = _refused(_docsense("status", DATABASE_URL=url), code=75)  # worth a retry
    assert f"DATABASE_URL: cannot reach 127.0.0.1:{port}/docsense within 1 s" in line


def test_a_wrong_database_name_is_refused_at_once(database_dsn: str) -> None:
    head, _, query = database_dsn.partition("?")
    missing = head.rsplit("/", 1)[0] + "/no_such_db" + (f"?{query}" if query else "")
    (line,) = _refused(_docsense("status", DATABASE_URL=missing))
    assert 'refused: database "no_such_db" does not exist' in line


def test_a_port_in_use_is_named(database_dsn: str) -> None:
    with socket.socket() as taken:
        taken.bind(("0.0.0.0", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = _docsense(
            "serve",
            DATABASE_URL=database_dsn,
            SLACK_BOT_TOKEN=BOT_TOKEN,
            SLACK_SIGNING_SECRET="s",
            SLACK_API_URL="http://127.0.0.1:9/api/",
            PORT="0",
            METRICS_PORT=str(port),
        )
    (line,) = _refused(done)
    assert f"METRICS_PORT: cannot listen on port {port}" in line
    assert BOT_TOKEN not in done.stderr


def test_socket_mode_may_reuse_the_http_port_for_metrics(database_dsn: str) -> None:
    done = _docsense(
        "config", "check", DATABASE_URL=database_dsn, SLACK_APP_TOKEN="xapp-1", METRICS_PORT="3000"
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_json_mode_reports_problems_as_json_lines() -> None:
    done = _docsense("status", LOG_FORMAT="json", DB_POOL_MIN_SIZE="20")
    assert done.returncode == 2
    (line,) = done.stderr.splitlines()
    assert line.startswith("{") and '"event": "cli.error"' in line and "DB_POOL_MIN_SIZE" in line


def test_config_check_masks_secrets_and_checks_the_database(database_dsn: str) -> None:
    done = _docsense(
        "config",
        "check",
        "--serve",
        DATABASE_URL=database_dsn,
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET="signing-secret-1234",
        OPENAI_API_KEY="sk-config-check-secret",
    )
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    for secret in (BOT_TOKEN, "signing-secret-1234", "sk-config-check-secret"):
        assert secret not in out
    rows = {line.split()[0]: line for line in out.splitlines() if line[:1].isupper()}
    assert rows["SLACK_BOT_TOKEN"].split()[1:] == ["***", "[environment]"]
    assert rows["MAX_UPLOAD_MB"].split()[1:] == ["50", "[default]"]
    assert "ok   slack: HTTP" in out and "ok   ai: openai" in out
    assert "ok   database: PostgreSQL" in out and "migrations applied" in out


def test_config_check_fails_on_what_serve_would_fail_on() -> None:
    url = f"postgresql://u:{PASSWORD}@127.0.0.1:1/db"
    done = _docsense("config", "check", "--serve", DATABASE_URL=url)
    assert done.returncode == 2
    assert "postgresql://u:***@127.0.0.1:1/db" in done.stdout and PASSWORD not in done.stdout
    assert "FAIL slack: SLACK_BOT_TOKEN: must be set for serve" in done.stdout
    assert "FAIL database: DATABASE_URL: cannot reach 127.0.0.1:1/db" in done.stdout


def test_version() -> None:
    done = _docsense("--version")
    assert done.returncode == 0 and done.stdout.startswith("docsense 0.1.0 (Python 3.")
