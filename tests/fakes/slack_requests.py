"""Requests from Slack to our app, built and signed the way Slack builds and signs them.

Inner event builders return the ``event`` dict; ``event_callback``, ``block_actions``,
``view_submission`` and ``slash_command`` return the wire body (JSON for events, a form for
interactions and commands) ready for ``sign``/``post_to_app``. Shapes follow the Events API
envelope, the interaction payloads and slash-command forms documented at docs.slack.dev.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
import uuid
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlencode

import aiohttp

from tests.fakes import API_APP_ID, BOT_ID, BOT_USER_ID, TEAM_DOMAIN, TEAM_ID

JsonObject = dict[str, Any]

JSON = "application/json"
FORM = "application/x-www-form-urlencoded"

# Slack always sends a response_url; a reserved .invalid host guarantees a test that forgets to
# pass FakeSlack.response_url() fails locally instead of posting to hooks.slack.com.
UNUSED_RESPONSE_URL = "https://hooks.slack.invalid/commands/T1/1/unused"

# Deprecated verification token; Slack still sends it, signed requests make it irrelevant.
_VERIFICATION_TOKEN = "verification-token"

_serial = itertools.count(1)


def sign(signing_secret: str, body: bytes, timestamp: int | None = None) -> dict[str, str]:
    """Slack's v0 signature headers: HMAC-SHA256 of ``v0:{timestamp}:{body}``."""
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    base = b"v0:" + stamp.encode() + b":" + body
    digest = hmac.new(signing_secret.encode(), base, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": f"v0={digest}"}


async def post_to_app(
    session: aiohttp.ClientSession,
    url: str,
    body: bytes,
    content_type: str,
    secret: str,
    *,
    retry_num: int | None = None,
    retry_reason: str | None = None,
    timestamp: int | None = None,
) -> aiohttp.ClientResponse:
    """Sign and POST ``body`` like Slack; a redelivery carries the retry headers.

    The body is read before returning, so ``await response.text()``/``json()`` still work.
    """
    headers = {"Content-Type": content_type, **sign(secret, body, timestamp)}
    if retry_num is not None:
        headers["X-Slack-Retry-Num"] = str(retry_num)
    if retry_reason is not None:
        headers["X-Slack-Retry-Reason"] = retry_reason
    async with session.post(url, data=body, headers=headers) as response:
        await response.read()
    return response


# -- Events API --------------------------------------------------------------------------------


def event_callback(
    event: JsonObject,
    *,
    event_id: str | None = None,
    team_id: str = TEAM_ID,
    api_app_id: str = API_APP_ID,
    authorizations: Sequence[JsonObject] | None = None,
    event_time: int | None = None,
) -> bytes:
    """The Events API envelope around ``event``, as JSON bytes; event ids are unique by default."""
    if authorizations is None:
        authorizations = [
            {
                "enterprise_id": None,
                "team_id": team_id,
                "user_id": BOT_USER_ID,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ]
    envelope = {
        "token": _VERIFICATION_TOKEN,
        "team_id": team_id,
        "context_team_id": team_id,
        "context_enterprise_id": None,
        "api_app_id": api_app_id,
        "event": event,
        "type": "event_callback",
        "event_id": event_id or f"Ev{next(_serial):08d}",
        "event_time": int(time.time()) if event_time is None else event_time,
        "authorizations": list(authorizations),
        "is_ext_shared_channel": False,
        "event_context": f"4-{uuid.uuid4().hex}",
    }
    return json.dumps(envelope).encode()


def user_message(
    channel: str,
    user: str,
    text: str,
    ts: str,
    *,
    thread_ts: str | None = None,
    channel_type: str = "channel",
) -> JsonObject:
    """A ``message`` event typed by a person (no subtype)."""
    message: JsonObject = {
        "type": "message",
        "client_msg_id": str(uuid.uuid4()),
        "text": text,
        "user": user,
        "ts": ts,
        "team": TEAM_ID,
        "channel": channel,
        "event_ts": ts,
        "channel_type": channel_type,
    }
    if thread_ts is not None:
        message["thread_ts"] = thread_ts
    return message


def thread_reply(
    channel: str,
    user: str,
    text: str,
    ts: str,
    thread_ts: str,
    *,
    parent_user_id: str | None = None,
    channel_type: str = "channel",
) -> JsonObject:
    """A person's reply in a thread; Slack names the thread starter in ``parent_user_id``."""
    message = user_message(channel, user, text, ts, thread_ts=thread_ts, channel_type=channel_type)
    if parent_user_id is not None:
        message["parent_user_id"] = parent_user_id
    return message


def file_share_message(
    channel: str,
    user: str,
    files: Sequence[JsonObject],
    ts: str,
    thread_ts: str | None = None,
    channel_type: str = "channel",
    *,
    text: str = "",
) -> JsonObject:
    """A ``message`` with ``subtype: file_share``; ``files`` are Slack file objects.

    ``FakeSlack.add_file`` returns such objects, so the event and ``files.info`` agree.
    """
    message = user_message(channel, user, text, ts, thread_ts=thread_ts, channel_type=channel_type)
    message.update(subtype="file_share", files=list(files), upload=True, display_as_bot=False)
    return message


def file_shared_event(
    file_id: str, channel: str, user: str, *, event_ts: str | None = None
) -> JsonObject:
    """``file_shared``: only ids; the details must be fetched with ``files.info``."""
    return {
        "type": "file_shared",
        "channel_id": channel,
        "file_id": file_id,
        "user_id": user,
        "file": {"id": file_id},
        "event_ts": event_ts or f"{time.time():.6f}",
    }


def app_mention(
    channel: str, user: str, text: str, ts: str, thread_ts: str | None = None
) -> JsonObject:
    """``app_mention``; ``text`` should contain ``<@BOT_USER_ID>`` as Slack's does."""
    mention: JsonObject = {
        "type": "app_mention",
        "client_msg_id": str(uuid.uuid4()),
        "user": user,
        "text": text,
        "ts": ts,
        "team": TEAM_ID,
        "channel": channel,
        "event_ts": ts,
    }
    if thread_ts is not None:
        mention["thread_ts"] = thread_ts
    return mention


def app_home_opened(user: str, channel: str = "D0HOME", tab: str = "home") -> JsonObject:
    """A user opened the app's Home (or Messages) tab; ``channel`` is their DM with the app."""
    return {
        "type": "app_home_opened",
        "user": user,
        "channel": channel,
        "tab": tab,
        "event_ts": f"{time.time():.6f}",
    }


def assistant_thread_started(
    user: str, channel: str, thread_ts: str, context_channel: str | None = None
) -> JsonObject:
    """The side panel opened a new assistant thread in the user's DM with the app;
    ``context`` names the channel the user was viewing (empty when none)."""
    return {
        "type": "assistant_thread_started",
        "assistant_thread": {
            "user_id": user,
            "context": _assistant_context(context_channel),
            "channel_id": channel,
            "thread_ts": thread_ts,
        },
        "event_ts": f"{time.time():.6f}",
    }


def assistant_thread_context_changed(
    user: str, channel: str, thread_ts: str, context_channel: str
) -> JsonObject:
    """The user moved to another channel while the assistant thread stayed open."""
    event = assistant_thread_started(user, channel, thread_ts, context_channel)
    return {**event, "type": "assistant_thread_context_changed"}


def assistant_message(
    channel: str,
    user: str,
    text: str,
    ts: str,
    thread_ts: str,
    *,
    files: Sequence[JsonObject] = (),
) -> JsonObject:
    """A person's message in an assistant thread (a file drop when ``files`` are given).
    Slack marks these with ``assistant_thread`` and names the app as the thread's parent."""
    message = thread_reply(
        channel, user, text, ts, thread_ts, parent_user_id=BOT_USER_ID, channel_type="im"
    )
    message["assistant_thread"] = {"action_token": f"{next(_serial)}.{uuid.uuid4().hex}"}
    if files:
        message.update(subtype="file_share", files=list(files), upload=True)
    return message


def _assistant_context(channel: str | None) -> JsonObject:
    if channel is None:
        return {}
    return {"channel_id": channel, "team_id": TEAM_ID, "enterprise_id": None}


def message_changed(
    channel: str,
    message: JsonObject,
    previous_message: JsonObject,
    ts: str,
    channel_type: str = "channel",
) -> JsonObject:
    """An edit: ``ts`` is the edit's own timestamp, ``message.ts`` the edited message's."""
    return {
        "type": "message",
        "subtype": "message_changed",
        "hidden": True,
        "message": message,
        "previous_message": previous_message,
        "channel": channel,
        "channel_type": channel_type,
        "ts": ts,
        "event_ts": ts,
    }


def message_deleted(
    channel: str,
    deleted_ts: str,
    ts: str,
    previous_message: JsonObject | None = None,
    channel_type: str = "channel",
) -> JsonObject:
    """A deletion of the message at ``deleted_ts``; ``ts`` is the deletion's own timestamp."""
    deleted: JsonObject = {
        "type": "message",
        "subtype": "message_deleted",
        "hidden": True,
        "deleted_ts": deleted_ts,
        "channel": channel,
        "channel_type": channel_type,
        "ts": ts,
        "event_ts": ts,
    }
    if previous_message is not None:
        deleted["previous_message"] = previous_message
    return deleted


def bot_message(
    channel: str,
    bot_id: str,
    text: str,
    ts: str,
    *,
    user: str | None = None,
    thread_ts: str | None = None,
    channel_type: str = "channel",
) -> JsonObject:
    """``subtype: bot_message``: another integration's post, or ours when ``bot_id=BOT_ID``.

    Pass ``user`` for bots that post as a bot user, which Slack then includes.
    """
    message: JsonObject = {
        "type": "message",
        "subtype": "bot_message",
        "text": text,
        "ts": ts,
        "bot_id": bot_id,
        "channel": channel,
        "event_ts": ts,
        "channel_type": channel_type,
    }
    if user is not None:
        message["user"] = user
    if thread_ts is not None:
        message["thread_ts"] = thread_ts
    return message


# -- Interactivity and slash commands -----------------------------------------------------------


def block_actions(
    action_id: str,
    value: str,
    user: str,
    channel: str,
    message_ts: str,
    trigger_id: str | None = None,
    *,
    block_id: str = "actions",
    message: JsonObject | None = None,
    thread_ts: str | None = None,
    response_url: str = UNUSED_RESPONSE_URL,
    team_id: str = TEAM_ID,
    api_app_id: str = API_APP_ID,
    element: str = "button",
) -> bytes:
    """A button click on a bot message (or, with ``element="static_select"``, a choice in
    a select menu, whose ``value`` arrives as ``selected_option``), as the form body
    ``payload=<json>``."""
    container: JsonObject = {
        "type": "message",
        "message_ts": message_ts,
        "channel_id": channel,
        "is_ephemeral": False,
    }
    if thread_ts is not None:
        container["thread_ts"] = thread_ts
    payload = {
        "type": "block_actions",
        "user": _interaction_user(user, team_id),
        "api_app_id": api_app_id,
        "token": _VERIFICATION_TOKEN,
        "container": container,
        "trigger_id": trigger_id or _trigger_id(),
        "team": {"id": team_id, "domain": TEAM_DOMAIN},
        "enterprise": None,
        "is_enterprise_install": False,
        "channel": {"id": channel, "name": channel.lower()},
        "message": message
        or {
            "type": "message",
            "user": BOT_USER_ID,
            "bot_id": BOT_ID,
            "app_id": api_app_id,
            "text": "",
            "ts": message_ts,
            "team": team_id,
        },
        "state": {"values": {}},
        "response_url": response_url,
        "actions": [_action(action_id, block_id, value, element)],
    }
    return _payload_form(payload)


def _action(action_id: str, block_id: str, value: str, element: str) -> JsonObject:
    action: JsonObject = {
        "action_id": action_id,
        "block_id": block_id,
        "type": element,
        "action_ts": f"{time.time():.6f}",
    }
    label = {"type": "plain_text", "text": action_id, "emoji": True}
    if element == "static_select":
        action["selected_option"] = {"text": label, "value": value}
        action["placeholder"] = label
    else:
        action.update(text=label, value=value)
    return action


def message_action(
    callback_id: str,
    user: str,
    channel: str,
    message: JsonObject,
    *,
    response_url: str = UNUSED_RESPONSE_URL,
    trigger_id: str | None = None,
    team_id: str = TEAM_ID,
) -> bytes:
    """A message shortcut chosen on ``message`` (as Slack shows it: ``ts``, ``files``...)."""
    payload = {
        "type": "message_action",
        "token": _VERIFICATION_TOKEN,
        "action_ts": f"{time.time():.6f}",
        "team": {"id": team_id, "domain": TEAM_DOMAIN},
        "user": _interaction_user(user, team_id),
        "channel": {"id": channel, "name": channel.lower()},
        "is_enterprise_install": False,
        "enterprise": None,
        "callback_id": callback_id,
        "trigger_id": trigger_id or _trigger_id(),
        "response_url": response_url,
        "message_ts": message["ts"],
        "message": message,
    }
    return _payload_form(payload)


def view_submission(
    callback_id: str,
    private_metadata: str,
    values: JsonObject,
    user: str,
    *,
    view_id: str = "V1",
    trigger_id: str | None = None,
    team_id: str = TEAM_ID,
    api_app_id: str = API_APP_ID,
) -> bytes:
    """A modal submission; ``values`` is ``state.values``: ``{block_id: {action_id: {...}}}``."""
    payload = {
        "type": "view_submission",
        "team": {"id": team_id, "domain": TEAM_DOMAIN},
        "user": _interaction_user(user, team_id),
        "api_app_id": api_app_id,
        "token": _VERIFICATION_TOKEN,
        "trigger_id": trigger_id or _trigger_id(),
        "view": {
            "id": view_id,
            "team_id": team_id,
            "type": "modal",
            "blocks": [],
            "private_metadata": private_metadata,
            "callback_id": callback_id,
            "state": {"values": values},
            "hash": f"{int(time.time())}.{uuid.uuid4().hex[:8]}",
            "title": {"type": "plain_text", "text": "DocSense", "emoji": True},
            "clear_on_close": False,
            "notify_on_close": False,
            "close": None,
            "submit": {"type": "plain_text", "text": "Submit", "emoji": True},
            "previous_view_id": None,
            "root_view_id": view_id,
            "app_id": api_app_id,
            "external_id": "",
            "app_installed_team_id": team_id,
            "bot_id": BOT_ID,
        },
        "response_urls": [],
        "is_enterprise_install": False,
        "enterprise": None,
    }
    return _payload_form(payload)


def slash_command(
    text: str,
    user: str,
    channel: str,
    command: str = "/docsense",
    response_url: str = UNUSED_RESPONSE_URL,
    trigger_id: str | None = None,
    *,
    channel_name: str = "general",
    team_id: str = TEAM_ID,
    api_app_id: str = API_APP_ID,
) -> bytes:
    """A slash command invocation as Slack's url-encoded form."""
    return urlencode(
        {
            "token": _VERIFICATION_TOKEN,
            "team_id": team_id,
            "team_domain": TEAM_DOMAIN,
            "channel_id": channel,
            "channel_name": channel_name,
            "user_id": user,
            "user_name": user.lower(),
            "command": command,
            "text": text,
            "api_app_id": api_app_id,
            "is_enterprise_install": "false",
            "response_url": response_url,
            "trigger_id": trigger_id or _trigger_id(),
        }
    ).encode()


def _interaction_user(user: str, team_id: str) -> JsonObject:
    return {"id": user, "username": user.lower(), "name": user.lower(), "team_id": team_id}


def _trigger_id() -> str:
    return f"{next(_serial)}.1.{uuid.uuid4().hex}"


def _payload_form(payload: JsonObject) -> bytes:
    """Interactions arrive as a form with one field, ``payload``, holding the JSON."""
    return urlencode({"payload": json.dumps(payload)}).encode()
