"""The image, the compose file and the Slack manifest agree with the code and each other."""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
PINNED = re.compile(r"@sha256:[0-9a-f]{64}$")


def _compose() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def _unit_setting(key: str) -> str:
    (value,) = re.findall(rf"^{key}=(.*)$", (DEPLOY / "docsense.service").read_text(), re.M)
    return value


def test_image_is_built_from_a_pinned_base_and_the_hashed_lock() -> None:
    lines = [line.split() for line in (DEPLOY / "Dockerfile").read_text().splitlines()]
    bases = [words[1] for words in lines if words[:1] == ["FROM"]]
    assert bases and all(PINNED.search(base) for base in bases), bases
    installs = [words for words in lines if words[:3] == ["RUN", "pip", "install"]]
    assert ["RUN", "pip", "install", "--require-hashes", "-r", "runtime.lock"] in installs
    # Anything else is installed without resolving dependencies, so nothing unpinned gets in.
    assert all("--require-hashes" in words or "--no-deps" in words for words in installs)


def test_compose_pins_images_and_waits_for_a_healthy_database() -> None:
    services = _compose()["services"]
    postgres, docsense = services["postgres"], services["docsense"]
    assert PINNED.search(postgres["image"])
    assert postgres["healthcheck"]["test"]
    assert any(v.endswith(":/var/lib/postgresql/data") for v in postgres["volumes"])
    assert docsense["build"] == {"context": ".", "dockerfile": "deploy/Dockerfile"}
    assert docsense["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    url = re.sub(r"\$\{[^}]*\}", "password", docsense["environment"]["DATABASE_URL"])
    assert urlsplit(url).hostname == "postgres"
    assert docsense["env_file"] == "docsense.env"


def test_compose_drains_like_the_unit_and_publishes_on_loopback_only() -> None:
    docsense = _compose()["services"]["docsense"]
    assert docsense["stop_grace_period"] == _unit_setting("TimeoutStopSec") + "s"
    assert {p.rsplit(":", 1)[1] for p in docsense["ports"]} == {"3000", "9090"}
    assert all(port.startswith("127.0.0.1:") for port in docsense["ports"])


def _listeners(*sources: Path) -> dict[str, set[str]]:
    """`app.event("x")`, `app.command("/x")`, ... in Bolt modules: kind -> names (names
    from constants resolved), and `assistant.<listener>(...)`: "assistant" -> listeners."""
    found: dict[str, set[str]] = {}
    for source in sources:
        constants = _constants(source)
        for node in ast.walk(ast.parse(source.read_text())):
            if not (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name)
            ):
                continue
            owner = node.func.value.id
            if owner == "assistant":
                found.setdefault("assistant", set()).add(node.func.attr)
            elif owner == "app" and node.args:
                argument = node.args[0]
                if isinstance(argument, ast.Constant):
                    name = argument.value
                elif isinstance(argument, ast.Name):
                    name = constants.get(argument.id, "?")
                else:
                    name = "?"
                found.setdefault(node.func.attr, set()).add(name)
    return found


def _constants(source: Path) -> dict[str, str]:
    """String constants the module imports from `bot.*` modules or defines itself."""
    values: dict[str, str] = {}
    for node in ast.walk(ast.parse(source.read_text())):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("bot."):
            module = ROOT / Path(*node.module.split(".")).with_suffix(".py")
            defined = {
                target.id: statement.value.value
                for statement in ast.parse(module.read_text()).body
                if isinstance(statement, ast.Assign)
                and isinstance(statement.value, ast.Constant)
                and isinstance(statement.value.value, str)
                for target in statement.targets
                if isinstance(target, ast.Name)
            }
            values |= {
                alias.name: defined[alias.name] for alias in node.names if alias.name in defined
            }
    return values


# Slack's bot scope for each event type the manifest subscribes to (None: no scope).
EVENT_SCOPES: dict[str, str | None] = {
    "app_home_opened": None,
    "assistant_thread_started": None,
    "assistant_thread_context_changed": None,
    "app_mention": "app_mentions:read",
    "file_shared": "files:read",
    "message.channels": "channels:history",
    "message.groups": "groups:history",
    "message.im": "im:history",
    "message.mpim": "mpim:history",
}


def test_manifest_matches_the_listeners_and_the_published_path() -> None:
    text = (DEPLOY / "slack-app-manifest.yaml").read_text()
    manifest = yaml.safe_load(text)
    settings, features = manifest["settings"], manifest["features"]
    listeners = _listeners(ROOT / "bot" / "slack_app.py", ROOT / "bot" / "slack_surfaces.py")

    events = settings["event_subscriptions"]["bot_events"]
    assert {event.split(".")[0] for event in events} == listeners["event"]
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    assert {EVENT_SCOPES[event] for event in events} - {None} <= scopes
    commands = {command["command"] for command in features["slash_commands"]}
    assert commands == listeners["command"]
    assert {s["callback_id"] for s in features["shortcuts"]} == listeners["shortcut"]
    assert settings["interactivity"]["is_enabled"] == bool(
        listeners["action"] | listeners["view"] | listeners["shortcut"]
    )
    assert features["app_home"]["home_tab_enabled"] is True

    # The side panel, as its commented lines turn it on: its two events, handled by the
    # assistant middleware, and nothing of it in the manifest as shipped.
    panel = yaml.safe_load(text.replace("#assistant# ", ""))
    added = set(panel["settings"]["event_subscriptions"]["bot_events"]) - set(events)
    assert added == {"assistant_thread_started", "assistant_thread_context_changed"}
    assert {"thread_started", "thread_context_changed", "user_message"} <= listeners["assistant"]
    assert "assistant_view" in panel["features"] and "assistant_view" not in features
    assert "message.im" in events, "the panel's threads are DM messages"

    urls = [
        settings["event_subscriptions"]["request_url"],
        settings["interactivity"]["request_url"],
    ]
    urls += [command["url"] for command in features["slash_commands"]]
    paths = {urlsplit(url).path for url in urls}
    assert paths == {"/slack/events"}
    assert "location = /slack/events {" in (DEPLOY / "nginx.conf").read_text()
    assert 'web_app(path="/slack/events"' in (ROOT / "bot" / "serve.py").read_text()
