"""The Slack manifest grants every bot scope the code's Web API calls need.

The calls are found in `bot/` by reading it (every call of an `AsyncWebClient` method),
and each SDK method is followed to the Web API methods it sends (`files_upload_v2` is
three). Each Web API method maps to the scopes Slack's method reference lists for a bot
token; a method missing from the table fails too, so a new call cannot slip past. The
side panel's methods are checked against the manifest with its assistant lines enabled,
the rest against the manifest as shipped.
"""

from __future__ import annotations

import ast
import inspect
import re
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from slack_sdk.web.async_client import AsyncWebClient

from tests.deploy.test_deploy_files import EVENT_SCOPES

ROOT = Path(__file__).resolve().parents[2]
MANIFEST = ROOT / "deploy" / "slack-app-manifest.yaml"
ASSISTANT_MARK = "#assistant# "

_CONVERSATIONS = frozenset({"channels:read", "groups:read", "im:read", "mpim:read"})
_HISTORY = frozenset({"channels:history", "groups:history", "im:history", "mpim:history"})
# Bot-token scopes from each method's page at docs.slack.dev/reference/methods/<method>.
# users.conversations and conversations.info need the scope of each conversation type
# they touch: DocSense asks for all four types, and looks up any channel.
METHOD_SCOPES: dict[str, frozenset[str]] = {
    "auth.test": frozenset(),
    "chat.postMessage": frozenset({"chat:write"}),
    "chat.update": frozenset({"chat:write"}),
    "chat.postEphemeral": frozenset({"chat:write"}),
    "reactions.add": frozenset({"reactions:write"}),
    "files.info": frozenset({"files:read"}),
    "files.getUploadURLExternal": frozenset({"files:write"}),
    "files.completeUploadExternal": frozenset({"files:write"}),
    "views.open": frozenset(),
    "views.publish": frozenset(),
    "users.conversations": _CONVERSATIONS,
    "conversations.info": _CONVERSATIONS,
    # Looking up a post in its thread before posting again, in any conversation type.
    "conversations.replies": _HISTORY,
    "assistant.threads.setStatus": frozenset({"chat:write"}),
    "assistant.threads.setSuggestedPrompts": frozenset({"assistant:write"}),
    "assistant.threads.setTitle": frozenset({"assistant:write"}),
}
# Slack's side panel only: their scope is granted when the panel is turned on.
ASSISTANT_METHODS = frozenset(m for m in METHOD_SCOPES if m.startswith("assistant.threads."))

_API_CALL = re.compile(r"""api_call\(\s*["']([A-Za-z.]+)["']""")
_SELF_CALL = re.compile(r"self\.(\w+)\(")


@cache
def _client_methods() -> frozenset[str]:
    return frozenset(
        name
        for name, member in inspect.getmembers(AsyncWebClient, inspect.isfunction)
        if not name.startswith("_") and member.__qualname__.startswith("AsyncWebClient.")
    )


@cache
def api_methods_of(sdk_method: str) -> frozenset[str]:
    """The Web API methods one `AsyncWebClient` method sends, read from the SDK's source."""
    source = inspect.getsource(getattr(AsyncWebClient, sdk_method))
    found = set(_API_CALL.findall(source))
    for called in set(_SELF_CALL.findall(source)) & _client_methods() - {sdk_method}:
        found |= api_methods_of(called)
    return frozenset(found)


def sdk_calls(folder: Path) -> dict[str, set[str]]:
    """`AsyncWebClient` methods called, or taken to be called later, anywhere in
    `folder`'s modules: method -> files."""
    calls: dict[str, set[str]] = {}
    for path in sorted(folder.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Attribute) and node.attr in _client_methods():
                calls.setdefault(node.attr, set()).add(path.name)
    return calls


def manifest(*, assistant: bool) -> dict[str, Any]:
    text = MANIFEST.read_text()
    return yaml.safe_load(text.replace(ASSISTANT_MARK, "") if assistant else text)


def bot_scopes(loaded: dict[str, Any]) -> set[str]:
    return set(loaded["oauth_config"]["scopes"]["bot"])


def missing_scopes(methods: set[str], granted: set[str]) -> dict[str, set[str]]:
    """Each method whose scopes are not all granted, with what is lacking."""
    return {
        method: set(METHOD_SCOPES[method]) - granted
        for method in sorted(methods)
        if not METHOD_SCOPES[method] <= granted
    }


def _used_api_methods() -> set[str]:
    found = {api for sdk in sdk_calls(ROOT / "bot") for api in api_methods_of(sdk)}
    # Bolt asks auth.test itself (who the bot is) before any listener runs.
    return found | {"auth.test"}


def test_the_scan_finds_the_calls_and_follows_the_sdk_to_the_web_api() -> None:
    calls = sdk_calls(ROOT / "bot")
    assert {"chat_postMessage", "views_publish", "users_conversations"} <= set(calls)
    assert "assistant_threads_setStatus" in calls and "files_upload_v2" in calls
    assert api_methods_of("files_upload_v2") >= {
        "files.getUploadURLExternal",
        "files.completeUploadExternal",
    }
    assert api_methods_of("chat_postMessage") == {"chat.postMessage"}


def test_every_web_api_method_the_code_calls_has_its_scopes_in_the_manifest() -> None:
    used = _used_api_methods()
    unknown = used - METHOD_SCOPES.keys()
    assert not unknown, f"add these methods and their scopes to METHOD_SCOPES: {unknown}"
    shipped, with_panel = manifest(assistant=False), manifest(assistant=True)
    assert missing_scopes(used - ASSISTANT_METHODS, bot_scopes(shipped)) == {}
    assert missing_scopes(used & ASSISTANT_METHODS, bot_scopes(with_panel)) == {}
    assert used & ASSISTANT_METHODS, "the side panel's methods are checked too"


def test_a_method_used_without_its_scope_fails_the_check() -> None:
    used = _used_api_methods()
    granted = bot_scopes(manifest(assistant=True))
    assert missing_scopes(used, granted - {"files:write"}) == {
        "files.completeUploadExternal": {"files:write"},
        "files.getUploadURLExternal": {"files:write"},
    }
    assert "users.conversations" in missing_scopes(used, granted - {"im:read"})
    shipped = bot_scopes(manifest(assistant=False))
    assert set(missing_scopes(used, shipped)) == {
        "assistant.threads.setSuggestedPrompts",
        "assistant.threads.setTitle",
    }, "without the panel only its own calls lack a scope"


def test_no_scope_is_granted_that_no_call_or_event_needs() -> None:
    """The minimum: every bot scope serves a method the code calls, an event it subscribes
    to, or the slash command and shortcut (`commands`)."""
    loaded = manifest(assistant=True)
    needed = set().union(*(METHOD_SCOPES[m] for m in _used_api_methods()))
    events = loaded["settings"]["event_subscriptions"]["bot_events"]
    needed |= {EVENT_SCOPES[event] for event in events} - {None}
    needed.add("commands")
    assert bot_scopes(loaded) == needed
