"""A local stand-in for Slack's Web API and file hosts, reached through the real SDKs.

Tests hand ``slack.api_url`` to ``AsyncWebClient(base_url=...)`` (or ``SLACK_API_URL``), so the
code under test builds real HTTP requests and parses real responses; only the far end is fake.
Answers follow Slack's: HTTP 200 with ``ok: false`` for API errors, 429 with ``Retry-After``
when rate limited, and an HTML login page instead of file bytes when the token is missing.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import mimetypes
from collections.abc import Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Self
from urllib.parse import quote

from aiohttp import web

from tests.fakes import API_APP_ID, BOT_ID, BOT_USER_ID, TEAM_DOMAIN, TEAM_ID, USER_ID
from tests.fakes.local_server import serve_locally

JsonObject = dict[str, Any]

LOGIN_PAGE = """<!DOCTYPE html>
<html lang="en-US">
<head><meta charset="utf-8"><title>Sign in | Slack</title></head>
<body><form id="signin_form" action="/signin" method="post">
<h1>Sign in to docsense-test</h1>
<input type="email" name="email"><input type="password" name="password">
<button type="submit" id="signin_btn">Sign in</button>
</form></body>
</html>
"""

# Large enough for any document DocSense accepts; aiohttp's default 1 MiB is not.
_MAX_BODY = 256 * 1024 * 1024
# Slack's Block Kit limits: a message, a Home tab, and a view's JSON.
_MAX_MESSAGE_BLOCKS = 50
_MAX_HOME_BLOCKS = 100
_MAX_VIEW_BYTES = 250_000
_FIRST_TS_MICROS = 1_700_000_000_000_000


@dataclass(frozen=True)
class Call:
    """One request to a Web API method (or a response_url), as received and answered.

    ``params`` merges query string and body without the token; form-encoded calls keep
    Slack's JSON-in-a-string arguments (``blocks``, ``view``, ``files``) as strings.
    """

    method: str
    params: JsonObject
    headers: dict[str, str]
    status: int = 200
    response: JsonObject = field(default_factory=dict)


@dataclass(frozen=True)
class Download:
    """One GET of a file URL; ``served_content`` is False when the login page came back."""

    file_id: str
    headers: dict[str, str]
    served_content: bool


@dataclass(frozen=True)
class Upload:
    """A file shared through getUploadURLExternal, the upload URL and completeUploadExternal."""

    file_id: str
    filename: str
    title: str
    content: bytes
    channel_id: str | None
    thread_ts: str | None
    initial_comment: str | None


@dataclass
class _File:
    id: str
    name: str
    title: str
    content: bytes
    mimetype: str
    filetype: str
    user: str
    created: int
    login_page: bool = False
    url_origin: str | None = None
    team: str | None = None
    shares: list[tuple[str, str, str | None]] = field(default_factory=list)


@dataclass
class _Channel:
    """A conversation and who is in it; the bot user is a member unless left out."""

    id: str
    name: str
    kind: str  # public_channel, private_channel, mpim or im
    members: set[str]


@dataclass
class _Fault:
    status: int
    error: str
    headers: dict[str, str]
    times: int
    # Only calls about this channel meet the fault; None: any call of the method.
    channel: str | None = None


class _ApiError(Exception):
    def __init__(self, error: str) -> None:
        super().__init__(error)
        self.error = error


class FakeSlack:
    """Slack's Web API, file downloads, upload URLs and response_urls on 127.0.0.1.

    Every request is recorded in ``calls`` (file GETs in ``downloads``, finished uploads in
    ``uploads``); scripted faults replace the next answers of a method.
    """

    def __init__(
        self,
        bot_token: str = "xoxb-test",
        *,
        app_token: str = "xapp-test",
        team_id: str = TEAM_ID,
        bot_user_id: str = BOT_USER_ID,
        bot_id: str = BOT_ID,
        app_id: str = API_APP_ID,
    ) -> None:
        self.bot_token = bot_token
        self.app_token = app_token
        self.socket_acks: list[JsonObject] = []
        self._sockets: list[web.WebSocketResponse] = []
        self.team_id = team_id
        self.bot_user_id = bot_user_id
        self.bot_id = bot_id
        self.app_id = app_id
        self.calls: list[Call] = []
        self.downloads: list[Download] = []
        self.uploads: list[Upload] = []
        self._origin: str | None = None
        self._runner: web.AppRunner | None = None
        self._changed = asyncio.Condition()
        self._clock = _FIRST_TS_MICROS
        self._serial = itertools.count(1)
        self._files: dict[str, _File] = {}
        self._pending_uploads: dict[str, tuple[str, bytes | None]] = {}
        self._messages: dict[str, list[JsonObject]] = {}
        self._reactions: dict[tuple[str, str], set[str]] = {}
        self._users: dict[str, JsonObject] = {}
        self._channels: dict[str, _Channel] = {}
        self._faults: dict[str, list[_Fault]] = {}
        self._responses: dict[str, list[Call]] = {}
        self.home_views: dict[str, JsonObject] = {}
        """The Home tab last published to each user (``views.publish``)."""
        self.thread_status: dict[tuple[str, str], str] = {}
        """An assistant thread's status; a post in that thread clears it, as Slack does."""
        self._methods = {
            "auth.test": self._auth_test,
            "chat.postMessage": self._chat_post_message,
            "chat.update": self._chat_update,
            "chat.postEphemeral": self._chat_post_ephemeral,
            "reactions.add": self._reactions_add,
            "reactions.remove": self._reactions_remove,
            "files.info": self._files_info,
            "files.getUploadURLExternal": self._files_get_upload_url_external,
            "files.completeUploadExternal": self._files_complete_upload_external,
            "views.open": self._views_open,
            "views.publish": self._views_publish,
            "users.conversations": self._users_conversations,
            "conversations.info": self._conversations_info,
            "assistant.threads.setStatus": self._assistant_set_status,
            "assistant.threads.setSuggestedPrompts": self._assistant_set_suggested_prompts,
            "assistant.threads.setTitle": self._assistant_set_title,
            "conversations.replies": self._conversations_replies,
            "users.info": self._users_info,
            "apps.connections.open": self._apps_connections_open,
        }

    # -- lifecycle -------------------------------------------------------------------------

    async def __aenter__(self) -> Self:
        app = web.Application(client_max_size=_MAX_BODY)
        app.router.add_route("*", "/api/{method}", self._handle_api)
        app.router.add_get("/files/{file_id}/{name}", self._handle_download)
        app.router.add_get("/files/{file_id}/download/{name}", self._handle_download)
        app.router.add_post("/upload/v1/{file_id}", self._handle_upload)
        app.router.add_post("/responses/{key}", self._handle_response_url)
        app.router.add_get("/socket", self._handle_socket)
        self._runner, self._origin = await serve_locally(app)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def origin(self) -> str:
        """``http://127.0.0.1:PORT``: the host Slack's file and upload URLs point at."""
        if self._origin is None:
            raise RuntimeError("FakeSlack is not running; use it as `async with FakeSlack()`")
        return self._origin

    @property
    def api_url(self) -> str:
        """Base URL for ``AsyncWebClient(base_url=...)`` and ``SLACK_API_URL``."""
        return f"{self.origin}/api/"

    # -- arranging -------------------------------------------------------------------------

    def add_file(
        self,
        file_id: str,
        name: str,
        content: bytes,
        mimetype: str | None = None,
        *,
        login_page: bool = False,
        url_host: str | None = None,
        filetype: str | None = None,
        title: str | None = None,
        user: str = USER_ID,
        channel: str | None = None,
        ts: str | None = None,
        thread_ts: str | None = None,
        team: str | None = None,
    ) -> JsonObject:
        """Register a file and return its Slack file object (for ``file_share_message``).

        ``login_page`` makes downloads answer with the HTML login page even with the right
        token, as Slack does when the token lacks ``files:read``. ``url_host`` (an origin such
        as ``https://evil.example.com``; a bare host means https) puts the file URLs on a
        foreign host. ``channel``
        records a share there, at ``ts`` (a fresh ts when omitted). ``team`` is the
        uploader's workspace (``user_team``; another organisation's in a Slack Connect
        channel), ours by default.
        """
        extension = name.rpartition(".")[2].lower() if "." in name else ""
        file = _File(
            id=file_id,
            name=name,
            title=title or name,
            content=content,
            mimetype=mimetype or mimetypes.guess_type(name)[0] or "application/octet-stream",
            filetype=filetype or extension or "binary",
            user=user,
            created=self._clock // 1_000_000,
            login_page=login_page,
            url_origin=url_host if url_host is None or "://" in url_host else f"https://{url_host}",
            team=team,
        )
        if channel is not None:
            file.shares.append((channel, ts or self._next_ts(), thread_ts))
        self._files[file_id] = file
        return self.file_object(file_id)

    def add_message(self, channel: str, message: JsonObject) -> None:
        """Seed channel history (a message dict with ``ts``) for ``conversations.replies``."""
        self._messages.setdefault(channel, []).append(message)

    def add_user(
        self,
        user_id: str,
        name: str,
        *,
        real_name: str | None = None,
        tz: str = "Etc/UTC",
        is_bot: bool = False,
    ) -> None:
        """Make ``users.info`` know a user; unknown users get ``user_not_found``."""
        self._users[user_id] = {
            "id": user_id,
            "team_id": self.team_id,
            "name": name,
            "deleted": False,
            "real_name": real_name or name,
            "tz": tz,
            "tz_offset": 0,
            "is_bot": is_bot,
            "profile": {"real_name": real_name or name, "display_name": name},
        }

    def add_channel(
        self,
        channel_id: str,
        members: Sequence[str] = (),
        *,
        name: str | None = None,
        kind: str | None = None,
        bot_member: bool = True,
    ) -> None:
        """A conversation and its members, for ``users.conversations`` and
        ``conversations.info``. The kind follows the id (C public, G private, D a direct
        message) unless given (``mpim``)."""
        kind = kind or {"G": "private_channel", "D": "im"}.get(channel_id[:1], "public_channel")
        people = set(members) | ({self.bot_user_id} if bot_member else set())
        self._channels[channel_id] = _Channel(channel_id, name or channel_id.lower(), kind, people)

    def fail_next(
        self,
        method: str,
        status: int = 429,
        retry_after: int = 1,
        times: int = 1,
        *,
        channel: str | None = None,
    ) -> None:
        """Answer the next ``times`` calls of ``method`` (about ``channel``, if given) with
        an HTTP error.

        429 carries ``Retry-After`` and ``ratelimited`` as Slack's rate limiter does; other
        statuses carry ``internal_error``. The calls are still recorded. A fake shared by a
        module's tests meets late calls of earlier tests too: ``channel`` keeps the fault
        for the call a test means.
        """
        if status < 400:
            raise ValueError("fail_next is for HTTP errors; use error_next for ok:false answers")
        if status == 429:
            headers = {"Retry-After": str(retry_after)}
            fault = _Fault(status, "ratelimited", headers, times, channel)
        else:
            fault = _Fault(status, "internal_error", {}, times, channel)
        self._faults.setdefault(method, []).append(fault)

    def error_next(self, method: str, error: str = "channel_not_found", times: int = 1) -> None:
        """Answer the next ``times`` calls of ``method`` with HTTP 200 and ``ok: false``."""
        self._faults.setdefault(method, []).append(_Fault(200, error, {}, times))

    def response_url(self) -> str:
        """A fresh response_url on the fake; posts to it are recorded as ``response_url`` calls."""
        return f"{self.origin}/responses/{next(self._serial)}"

    # -- inspecting ------------------------------------------------------------------------

    def calls_to(self, method: str) -> list[Call]:
        return [call for call in self.calls if call.method == method]

    def responses_to(self, response_url: str) -> list[Call]:
        """What was posted to one ``response_url`` from ``response_url()``."""
        return list(self._responses.get(response_url.rsplit("/", 1)[1], []))

    async def wait_for(self, method: str, count: int = 1, timeout: float = 5) -> list[Call]:
        """Wait until ``method`` has been called ``count`` times; return those calls.

        Code under test often answers Slack from background tasks, so tests wait for the
        effect instead of sleeping.
        """
        try:
            async with asyncio.timeout(timeout), self._changed:
                await self._changed.wait_for(lambda: len(self.calls_to(method)) >= count)
        except TimeoutError:
            seen = [call.method for call in self.calls]
            raise AssertionError(
                f"expected {count} call(s) to {method} within {timeout}s; calls so far: {seen}"
            ) from None
        return self.calls_to(method)

    def file_object(self, file_id: str) -> JsonObject:
        """The file as ``files.info`` returns it: URLs on the fake unless ``url_host`` was set."""
        file = self._files[file_id]
        origin = file.url_origin or self.origin
        name = quote(file.name)
        shares: dict[str, dict[str, list[JsonObject]]] = {}
        listed: dict[str, list[str]] = {"channels": [], "groups": [], "ims": []}
        for channel, ts, thread_ts in file.shares:
            share: JsonObject = {
                "reply_users": [],
                "reply_users_count": 0,
                "reply_count": 0,
                "ts": ts,
                "channel_name": channel.lower(),
                "team_id": self.team_id,
            }
            if thread_ts is not None:
                share["thread_ts"] = thread_ts
            visibility = "public" if channel.startswith("C") else "private"
            shares.setdefault(visibility, {}).setdefault(channel, []).append(share)
            kind = {"G": "groups", "D": "ims"}.get(channel[:1], "channels")
            listed[kind].append(channel)
        return {
            "id": file.id,
            "created": file.created,
            "timestamp": file.created,
            "name": file.name,
            "title": file.title,
            "mimetype": file.mimetype,
            "filetype": file.filetype,
            "pretty_type": file.filetype.upper(),
            "user": file.user,
            "user_team": file.team or self.team_id,
            "editable": False,
            "size": len(file.content),
            "mode": "hosted",
            "is_external": False,
            "external_type": "",
            "is_public": bool(listed["channels"]),
            "public_url_shared": False,
            "display_as_bot": False,
            "username": "",
            "url_private": f"{origin}/files/{file.id}/{name}",
            "url_private_download": f"{origin}/files/{file.id}/download/{name}",
            "permalink": f"https://{TEAM_DOMAIN}.slack.com/files/{file.user}/{file.id}/{name}",
            "comments_count": 0,
            "is_starred": False,
            "shares": shares,
            **listed,
            "has_rich_preview": False,
            "file_access": "visible",
        }

    def file_url(self, file_id: str) -> str:
        """The file's ``url_private_download``."""
        return str(self.file_object(file_id)["url_private_download"])

    def reactions_on(self, channel: str, ts: str) -> set[str]:
        """Reaction names currently on a message, after every add and remove."""
        return set(self._reactions.get((channel, ts), set()))

    # -- HTTP handlers ---------------------------------------------------------------------

    async def _handle_api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = await _read_params(request)
        token = params.pop("token", None) or _bearer_token(request)
        status, headers, body = self._answer(method, params, token)
        await self._record(Call(method, params, dict(request.headers), status, body))
        return web.json_response(body, status=status, headers=headers)

    def _answer(
        self, method: str, params: JsonObject, token: str | None
    ) -> tuple[int, dict[str, str], JsonObject]:
        handler = self._methods.get(method)
        if handler is None:
            return 200, {}, _error("unknown_method")
        if token is None:
            return 200, {}, _error("not_authed")
        expected = self.app_token if method == "apps.connections.open" else self.bot_token
        if token != expected:
            return 200, {}, _error("invalid_auth")
        fault = self._take_fault(method, params)
        if fault is not None:
            return fault.status, fault.headers, _error(fault.error)
        try:
            return 200, {}, {"ok": True, **handler(params)}
        except _ApiError as exc:
            return 200, {}, _error(exc.error)

    async def _handle_download(self, request: web.Request) -> web.Response:
        file = self._files.get(request.match_info["file_id"])
        if file is None or request.match_info["name"] != file.name:
            raise web.HTTPNotFound()
        served = _bearer_token(request) == self.bot_token and not file.login_page
        self.downloads.append(Download(file.id, dict(request.headers), served))
        if not served:
            return web.Response(text=LOGIN_PAGE, content_type="text/html")
        return web.Response(body=file.content, headers={"Content-Type": file.mimetype})

    async def _handle_upload(self, request: web.Request) -> web.Response:
        file_id = request.match_info["file_id"]
        if file_id not in self._pending_uploads:
            raise web.HTTPNotFound()
        if request.content_type == "multipart/form-data":
            form = await request.post()
            parts = [value for value in form.values() if isinstance(value, web.FileField)]
            if not parts:
                raise web.HTTPBadRequest(text="no file part")
            content = parts[0].file.read()
        else:
            content = await request.read()
        filename, _ = self._pending_uploads[file_id]
        self._pending_uploads[file_id] = (filename, content)
        return web.Response(text=f"OK - {len(content)}")

    async def socket_connected(self, timeout: float = 10) -> None:
        """Wait until a Socket Mode client has connected and been greeted."""
        async with asyncio.timeout(timeout), self._changed:
            await self._changed.wait_for(lambda: bool(self._sockets))

    async def socket_send(self, envelope_type: str, payload: JsonObject) -> str:
        """Deliver one Socket Mode envelope (events_api, slash_commands, interactive);
        returns its envelope_id, which the client must acknowledge."""
        envelope_id = f"env-{next(self._serial)}"
        message = {
            "envelope_id": envelope_id,
            "type": envelope_type,
            "payload": payload,
            "accepts_response_payload": envelope_type != "events_api",
            "retry_attempt": 0,
            "retry_reason": "",
        }
        await self._sockets[-1].send_json(message)
        return envelope_id

    async def _handle_socket(self, request: web.Request) -> web.WebSocketResponse:
        socket_response = web.WebSocketResponse()
        await socket_response.prepare(request)
        await socket_response.send_json(
            {"type": "hello", "num_connections": 1, "connection_info": {"app_id": self.app_id}}
        )
        async with self._changed:
            self._sockets.append(socket_response)
            self._changed.notify_all()
        async for message in socket_response:
            if message.type == web.WSMsgType.TEXT:
                async with self._changed:
                    self.socket_acks.append(json.loads(message.data))
                    self._changed.notify_all()
        return socket_response

    def _apps_connections_open(self, params: JsonObject) -> JsonObject:
        return {"url": self.origin.replace("http://", "ws://") + "/socket"}

    async def _handle_response_url(self, request: web.Request) -> web.Response:
        params = await _read_params(request)
        call = Call("response_url", params, dict(request.headers))
        self._responses.setdefault(request.match_info["key"], []).append(call)
        await self._record(call)
        return web.Response(text="ok")

    async def _record(self, call: Call) -> None:
        async with self._changed:
            self.calls.append(call)
            self._changed.notify_all()

    def _take_fault(self, method: str, params: JsonObject) -> _Fault | None:
        queue = self._faults.get(method, [])
        fault = next(
            (f for f in queue if f.channel is None or f.channel == params.get("channel")), None
        )
        if fault is None:
            return None
        fault.times -= 1
        if fault.times <= 0:
            queue.remove(fault)
        return fault

    def _next_ts(self) -> str:
        self._clock += 100
        return f"{self._clock // 1_000_000}.{self._clock % 1_000_000:06d}"

    def _next_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._serial):08d}"

    def _find_message(self, channel: str, ts: str) -> JsonObject:
        for message in self._messages.get(channel, []):
            if message.get("ts") == ts:
                return message
        raise _ApiError("message_not_found")

    def _post_as_bot(self, channel: str, fields: JsonObject) -> JsonObject:
        message = {
            "type": "message",
            "user": self.bot_user_id,
            "bot_id": self.bot_id,
            "app_id": self.app_id,
            "team": self.team_id,
            "ts": self._next_ts(),
            **fields,
        }
        self._messages.setdefault(channel, []).append(message)
        return message

    # -- Web API methods -------------------------------------------------------------------

    def _auth_test(self, params: JsonObject) -> JsonObject:
        return {
            "url": f"https://{TEAM_DOMAIN}.slack.com/",
            "team": "DocSense Test",
            "user": "docsense",
            "team_id": self.team_id,
            "user_id": self.bot_user_id,
            "bot_id": self.bot_id,
            "is_enterprise_install": False,
        }

    def _chat_post_message(self, params: JsonObject) -> JsonObject:
        channel = _required(params, "channel", "channel_not_found")
        if not any(params.get(key) for key in ("text", "blocks", "attachments")):
            raise _ApiError("no_text")
        fields: JsonObject = {"text": params.get("text", "")}
        if params.get("blocks"):
            fields["blocks"] = _structured(params["blocks"])
            if len(fields["blocks"]) > _MAX_MESSAGE_BLOCKS:
                raise _ApiError("invalid_blocks")
        if params.get("thread_ts"):
            fields["thread_ts"] = params["thread_ts"]
            self.thread_status.pop((channel, params["thread_ts"]), None)
        if params.get("metadata"):
            fields["metadata"] = _structured(params["metadata"])
        message = self._post_as_bot(channel, fields)
        return {"channel": channel, "ts": message["ts"], "message": message}

    def _chat_update(self, params: JsonObject) -> JsonObject:
        channel = _required(params, "channel", "channel_not_found")
        message = self._find_message(channel, _required(params, "ts", "message_not_found"))
        if "text" in params:
            message["text"] = params["text"]
        if "blocks" in params:
            message["blocks"] = _structured(params["blocks"])
        return {
            "channel": channel,
            "ts": message["ts"],
            "text": message["text"],
            "message": message,
        }

    def _chat_post_ephemeral(self, params: JsonObject) -> JsonObject:
        _required(params, "channel", "channel_not_found")
        _required(params, "user", "user_not_in_channel")
        return {"message_ts": self._next_ts()}

    def _reactions_add(self, params: JsonObject) -> JsonObject:
        names = self._reactions.setdefault(_reaction_target(params), set())
        name = _required(params, "name", "invalid_name")
        if name in names:
            raise _ApiError("already_reacted")
        names.add(name)
        return {}

    def _reactions_remove(self, params: JsonObject) -> JsonObject:
        names = self._reactions.get(_reaction_target(params), set())
        name = _required(params, "name", "invalid_name")
        if name not in names:
            raise _ApiError("no_reaction")
        names.remove(name)
        return {}

    def _files_info(self, params: JsonObject) -> JsonObject:
        file_id = _required(params, "file", "file_not_found")
        if file_id not in self._files:
            raise _ApiError("file_not_found")
        return {
            "file": self.file_object(file_id),
            "comments": [],
            "response_metadata": {"next_cursor": ""},
        }

    def _files_get_upload_url_external(self, params: JsonObject) -> JsonObject:
        filename = _required(params, "filename", "invalid_arguments")
        _required(params, "length", "invalid_arguments")
        file_id = self._next_id("F")
        self._pending_uploads[file_id] = (filename, None)
        return {"upload_url": f"{self.origin}/upload/v1/{file_id}", "file_id": file_id}

    def _files_complete_upload_external(self, params: JsonObject) -> JsonObject:
        channel = params.get("channel_id")
        thread_ts = params.get("thread_ts")
        comment = params.get("initial_comment")
        completed: list[JsonObject] = []
        for item in _structured(_required(params, "files", "invalid_arguments")):
            filename, content = self._pending_uploads.get(item["id"], ("", None))
            if content is None:
                raise _ApiError("file_not_found")
            del self._pending_uploads[item["id"]]
            title = item.get("title") or filename
            self.add_file(item["id"], filename, content, title=title, user=self.bot_user_id)
            self.uploads.append(
                Upload(item["id"], filename, title, content, channel, thread_ts, comment)
            )
            completed.append({"id": item["id"], "title": title})
        if channel is not None:
            fields: JsonObject = {"text": comment or ""}
            if thread_ts is not None:
                fields["thread_ts"] = thread_ts
            share = self._post_as_bot(channel, fields)
            for item in completed:
                self._files[item["id"]].shares.append((channel, share["ts"], thread_ts))
            share["files"] = [self.file_object(item["id"]) for item in completed]
        return {"files": completed}

    def _views_open(self, params: JsonObject) -> JsonObject:
        _required(params, "trigger_id", "invalid_trigger_id")
        return {"view": self._view(_structured(_required(params, "view", "invalid_arguments")))}

    def _view(self, view: JsonObject) -> JsonObject:
        """A view as Slack answers for it once opened or published."""
        view_id = self._next_id("V")
        return {
            "id": view_id,
            "team_id": self.team_id,
            "private_metadata": "",
            "callback_id": "",
            "external_id": "",
            **view,
            "state": {"values": {}},
            "hash": f"{self._clock}.{view_id.lower()}",
            "previous_view_id": None,
            "root_view_id": view_id,
            "app_id": self.app_id,
            "app_installed_team_id": self.team_id,
            "bot_id": self.bot_id,
        }

    def _views_publish(self, params: JsonObject) -> JsonObject:
        user_id = _required(params, "user_id", "invalid_arguments")
        view = _structured(_required(params, "view", "invalid_arguments"))
        if view.get("type") != "home" or len(view.get("blocks", [])) > _MAX_HOME_BLOCKS:
            raise _ApiError("invalid_arguments")
        if len(json.dumps(view)) > _MAX_VIEW_BYTES:
            raise _ApiError("view_too_large")
        published = self._view(view)
        self.home_views[user_id] = published
        return {"view": published}

    def _users_conversations(self, params: JsonObject) -> JsonObject:
        """Public channels the user is in, and private ones, group and direct messages only
        where the bot is in them too, as Slack answers a bot token; paged by cursor."""
        user = params.get("user") or self.bot_user_id
        types = str(params.get("types") or "public_channel").split(",")
        visible = [
            channel
            for channel in self._channels.values()
            if channel.kind in types
            and user in channel.members
            and (channel.kind == "public_channel" or self.bot_user_id in channel.members)
        ]
        start = int(params.get("cursor") or 0)
        limit = int(params.get("limit") or 100)
        page = visible[start : start + limit]
        following = str(start + limit) if start + limit < len(visible) else ""
        return {
            "channels": [_conversation(channel, self.bot_user_id) for channel in page],
            "response_metadata": {"next_cursor": following},
        }

    def _conversations_info(self, params: JsonObject) -> JsonObject:
        channel = self._channels.get(_required(params, "channel", "channel_not_found"))
        if channel is None or (
            channel.kind != "public_channel" and self.bot_user_id not in channel.members
        ):
            raise _ApiError("channel_not_found")
        described = _conversation(channel, self.bot_user_id)
        if channel.kind != "im":
            described["is_member"] = self.bot_user_id in channel.members
        return {"channel": described}

    def _assistant_set_status(self, params: JsonObject) -> JsonObject:
        channel = _required(params, "channel_id", "channel_not_found")
        thread_ts = _required(params, "thread_ts", "invalid_thread_ts")
        if "status" not in params:
            raise _ApiError("invalid_arguments")
        if params["status"]:
            self.thread_status[(channel, thread_ts)] = params["status"]
        else:
            self.thread_status.pop((channel, thread_ts), None)
        return {}

    def _assistant_set_suggested_prompts(self, params: JsonObject) -> JsonObject:
        _required(params, "channel_id", "channel_not_found")
        prompts = _structured(_required(params, "prompts", "invalid_arguments"))
        if not 1 <= len(prompts) <= 4 or not all({"title", "message"} <= set(p) for p in prompts):
            raise _ApiError("invalid_arguments")
        return {}

    def _assistant_set_title(self, params: JsonObject) -> JsonObject:
        _required(params, "channel_id", "channel_not_found")
        _required(params, "thread_ts", "invalid_thread_ts")
        _required(params, "title", "invalid_arguments")
        return {}

    def _conversations_replies(self, params: JsonObject) -> JsonObject:
        channel = _required(params, "channel", "channel_not_found")
        ts = _required(params, "ts", "thread_not_found")
        history = self._messages.get(channel, [])
        thread = [m for m in history if m.get("ts") == ts or m.get("thread_ts") == ts]
        if not thread:
            raise _ApiError("thread_not_found")
        thread.sort(key=lambda message: float(message["ts"]))
        if str(params.get("include_all_metadata")).lower() not in ("true", "1"):
            thread = [{k: v for k, v in m.items() if k != "metadata"} for m in thread]
        return {"messages": thread, "has_more": False, "response_metadata": {"next_cursor": ""}}

    def _users_info(self, params: JsonObject) -> JsonObject:
        user = self._users.get(_required(params, "user", "user_not_found"))
        if user is None:
            raise _ApiError("user_not_found")
        return {"user": user}


def _conversation(channel: _Channel, viewer: str) -> JsonObject:
    """A conversation object as the Conversations API lists it."""
    described: JsonObject = {
        "id": channel.id,
        "created": 1_700_000_000,
        "is_channel": channel.kind == "public_channel",
        "is_group": channel.kind == "private_channel",
        "is_im": channel.kind == "im",
        "is_mpim": channel.kind == "mpim",
        "is_private": channel.kind != "public_channel",
        "is_archived": False,
    }
    if channel.kind == "im":
        others = sorted(channel.members - {viewer}) or [viewer]
        described["user"] = others[0]
    else:
        described["name"] = channel.name
    return described


def _error(error: str) -> JsonObject:
    return {"ok": False, "error": error}


def _required(params: JsonObject, name: str, error: str) -> Any:
    value = params.get(name)
    if value in (None, ""):
        raise _ApiError(error)
    return value


def _reaction_target(params: JsonObject) -> tuple[str, str]:
    channel = _required(params, "channel", "channel_not_found")
    return channel, _required(params, "timestamp", "message_not_found")


def _structured(value: Any) -> Any:
    """Form-encoded calls carry blocks, views and file lists as JSON strings, JSON calls don't."""
    return json.loads(value) if isinstance(value, str) else value


def _bearer_token(request: web.Request) -> str | None:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token if scheme == "Bearer" and token else None


async def _read_params(request: web.Request) -> JsonObject:
    """Query string plus body, whichever of JSON and form encoding the caller chose."""
    params: JsonObject = dict(request.query)
    if request.content_type == "application/json":
        params.update(await request.json())
    elif request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        params.update((await request.post()).items())
    return params
