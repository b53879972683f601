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


def _listeners(source: Path) -> dict[str, set[str]]:
    """`@app.event("x")`, `@app.command("/x")`, ... in a Bolt module: kind -> names."""
    found: dict[str, set[str]] = {}
    for node in ast.walk(ast.parse(source.read_text())):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id == "app"
            and node.args
        ):
            name = node.args[0].value if isinstance(node.args[0], ast.Constant) else "?"
            found.setdefault(node.func.attr, set()).add(name)
    return found


# Slack's bot scope for each event type the manifest subscribes to.
EVENT_SCOPES = {
    "app_mention": "app_mentions:read",
    "file_shared": "files:read",
    "message.channels": "channels:history",
    "message.groups": "groups:history",
    "message.im": "im:history",
    "message.mpim": "mpim:history",
}


def test_manifest_matches_the_listeners_and_the_published_path() -> None:
    manifest = yaml.safe_load((DEPLOY / "slack-app-manifest.yaml").read_text())
    settings, features = manifest["settings"], manifest["features"]
    listeners = _listeners(ROOT / "bot" / "slack_app.py")

    events = settings["event_subscriptions"]["bot_events"]
    assert {event.split(".")[0] for event in events} == listeners["event"]
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    assert {EVENT_SCOPES[event] for event in events} <= scopes
    commands = {command["command"] for command in features["slash_commands"]}
    assert commands == listeners["command"]
    assert settings["interactivity"]["is_enabled"] == bool(listeners["action"] | listeners["view"])

    urls = [
        settings["event_subscriptions"]["request_url"],
        settings["interactivity"]["request_url"],
    ]
    urls += [command["url"] for command in features["slash_commands"]]
    paths = {urlsplit(url).path for url in urls}
    assert paths == {"/slack/events"}
    assert "location = /slack/events {" in (DEPLOY / "nginx.conf").read_text()
    assert 'web_app(path="/slack/events"' in (ROOT / "bot" / "serve.py").read_text()
