"""Listeners for App Home, the "Review with DocSense" shortcut, the Export button and
assistant threads.

Registered by `build_slack_app` on the same terms as its own listeners: what a request
asks to store is stored before Slack hears 200, and the Slack calls that only show it run
after the ack, as steps of the app's `follow_up` lazy listener (`later`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncAssistant
from slack_sdk.web.async_client import AsyncWebClient

from bot.runtime import Runtime
from bot.slack_app import SLACK_NAMESPACE, Outcome, SlackHandlers, counted, later, outcome
from bot.slack_assistant import AssistantThreads
from bot.slack_blocks import EXPORT_ACTION, PICK_ACTION
from bot.slack_export import Exports
from bot.slack_home import AppHome
from bot.slack_jobs import SlackNotifier
from bot.slack_links import Permalinks
from bot.slack_shortcuts import REVIEW_SHORTCUT, ReviewShortcut, reply

Step = Callable[..., Awaitable[None]]


def register_surfaces(
    app: AsyncApp,
    *,
    runtime: Runtime,
    client: AsyncWebClient,
    notifier: SlackNotifier,
    handlers: SlackHandlers,
    steps: dict[str, Step],
    follow_up: Step,
) -> None:
    home = AppHome(runtime, client, Permalinks(client))
    shortcuts = ReviewShortcut(client, handlers)
    exports = Exports(runtime.documents, runtime.jobs, client)
    threads = AssistantThreads(runtime, client, notifier, handlers, SLACK_NAMESPACE)
    steps.update(
        {
            "publish_home": home.publish,
            "reply": reply,
            "assistant_greet": threads.greet,
            "assistant_suggest": threads.suggest,
            "assistant_say": threads.say,
            "assistant_hint": threads.hint,
            "assistant_decorate": threads.decorate,
        }
    )

    def later_in(context: dict[str, Any]) -> Callable[..., None]:
        return lambda step, **arguments: later(context, step, **arguments)

    @counted("app_home_opened")
    async def on_home_opened(event: dict[str, Any], context: dict[str, Any]) -> Outcome:
        """Nothing to store: the Home tab is published after the ack (the Messages tab
        sends this event too, and needs nothing)."""
        if event.get("tab") != "home":
            return "ignored"
        later(context, "publish_home", user_id=event["user"])
        return "handled"

    app.event("app_home_opened")(ack=on_home_opened, lazy=[follow_up])

    @counted("shortcut")
    async def on_review_shortcut(
        ack: AsyncAck, shortcut: dict[str, Any], context: dict[str, Any]
    ) -> Outcome:
        stored, text = await shortcuts.review(
            shortcut, lambda announcement: later(context, "announce", **announcement)
        )
        await ack()
        later(context, "reply", response_url=shortcut["response_url"], text=text)
        return outcome(stored)

    app.shortcut(REVIEW_SHORTCUT)(ack=on_review_shortcut, lazy=[follow_up])

    @counted("action")
    async def on_export(
        ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], context: dict[str, Any]
    ) -> Outcome:
        """Queued once per review, then acknowledged; the note follows, to the clicker."""
        queued, note = await exports.queue(
            document_id=action["value"],
            channel_id=body["channel"]["id"],
            user_id=body["user"]["id"],
        )
        await ack()
        later(context, "reply", response_url=body["response_url"], text=note)
        return outcome(queued)

    app.action(EXPORT_ACTION)(ack=on_export, lazy=[follow_up])

    @counted("action")
    async def on_pick(
        ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], context: dict[str, Any]
    ) -> Outcome:
        container = body.get("container") or {}
        message = body.get("message") or {}
        picked = await threads.pick(
            document_id=action["selected_option"]["value"],
            user_id=body["user"]["id"],
            channel_id=body["channel"]["id"],
            thread_ts=container.get("thread_ts") or message.get("thread_ts") or message["ts"],
            key=f"pick:{body['channel']['id']}:{action['action_ts']}",
            later=later_in(context),
        )
        await ack()
        return outcome(picked)

    app.action(PICK_ACTION)(ack=on_pick, lazy=[follow_up])

    assistant = AsyncAssistant()

    @counted("assistant_thread_started")
    async def on_thread_started(payload: dict[str, Any], context: dict[str, Any]) -> Outcome:
        later(context, "assistant_greet", **_thread(payload))
        return "handled"

    @counted("assistant_thread_context_changed")
    async def on_context_changed(payload: dict[str, Any], context: dict[str, Any]) -> Outcome:
        thread = _thread(payload)
        if not thread["context_channel"]:
            return "ignored"
        later(context, "assistant_suggest", **thread)
        return "handled"

    @counted("message")
    async def on_thread_message(
        payload: dict[str, Any], body: dict[str, Any], context: dict[str, Any]
    ) -> Outcome:
        acted = await threads.message(
            payload, team_id=body.get("team_id", ""), later=later_in(context)
        )
        return outcome(acted)

    assistant.thread_started(lazy=[follow_up])(on_thread_started)
    assistant.thread_context_changed(lazy=[follow_up])(on_context_changed)
    assistant.user_message(lazy=[follow_up])(on_thread_message)
    app.assistant(assistant)


def _thread(payload: dict[str, Any]) -> dict[str, Any]:
    """Whose assistant thread, where, and the channel they are looking at (if any)."""
    thread = payload["assistant_thread"]
    return {
        "user_id": thread["user_id"],
        "channel_id": thread["channel_id"],
        "thread_ts": thread["thread_ts"],
        "context_channel": (thread.get("context") or {}).get("channel_id"),
    }
