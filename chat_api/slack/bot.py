"""The Slack bot on Bolt: /ask, @mentions in threads, DMs and feedback buttons."""

from __future__ import annotations

import asyncio
import logging
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from slack_bolt.adapter.fastapi.async_handler import AsyncSlackRequestHandler
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp, AsyncBoltRequest
from slack_bolt.logger import get_bolt_logger
from slack_bolt.logger.messages import warning_client_prioritized_and_token_skipped
from slack_bolt.response import BoltResponse
from slack_sdk.web.async_client import AsyncWebClient
from starlette.requests import Request
from starlette.responses import Response

from chat_api.errors import error_response, status_code_name
from chat_api.slack.blocks import (
    ACTION_HELPFUL,
    ACTION_UNHELPFUL,
    answer_blocks,
    answer_text,
    escape,
    parse_feedback_value,
)
from chat_api.slack.gate import SlackGate
from chat_api.state.seen import RecentKeys, SeenKeys
from chat_api.store.feedback import FeedbackStore
from govqa.errors import GovqaError, UnknownTurn
from retriever.records import Answer

if TYPE_CHECKING:
    from chat_api.answers.service import AnswerService

log = logging.getLogger(__name__)

NOT_CONFIGURED = (
    "Slack is not configured: set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET to enable /slack/events"
)
USAGE = "Ask me about the site: `/ask <question>`, e.g. `/ask which countries attended DGX?`"
# X-Slack-Retry-Reason over HTTP, and a Socket Mode envelope's retry_reason.
TIMEOUT_RETRIES = frozenset({"http_timeout", "timeout"})
# Slack's markup in message text: <@U123> mentions, <!here>, <#C123|name>, <url|label>.
_MENTION = re.compile(r"<[@!][^>]*>")
_LABELLED = re.compile(r"<[^>|]*\|([^>]*)>")
_BARE = re.compile(r"<([^>]*)>")


@dataclass(frozen=True)
class SlackConfig:
    """The Slack side of the settings; tokens only ever come from the environment."""

    bot_token: str | None = None
    signing_secret: str | None = None
    app_token: str | None = None
    api_url: str | None = None
    ephemeral: bool = False

    @classmethod
    def from_settings(cls, settings: Any) -> SlackConfig:
        """Read the Slack fields from Settings, falling back to the environment for any it lacks."""

        def pick(attr: str, env: str) -> str | None:
            # Settings already read the environment; an explicit None there means "unset".
            value = getattr(settings, attr) if hasattr(settings, attr) else os.environ.get(env)
            if value is not None and hasattr(value, "get_secret_value"):
                value = value.get_secret_value()
            return (str(value).strip() or None) if value is not None else None

        if hasattr(settings, "slack_ephemeral"):
            ephemeral = settings.slack_ephemeral
        else:
            raw = os.environ.get("GOVQA_SLACK_EPHEMERAL", "")
            ephemeral = raw.strip().lower() in {"1", "true", "yes", "on"}
        return cls(
            bot_token=pick("slack_bot_token", "SLACK_BOT_TOKEN"),
            signing_secret=pick("slack_signing_secret", "SLACK_SIGNING_SECRET"),
            app_token=pick("slack_app_token", "SLACK_APP_TOKEN"),
            api_url=pick("slack_api_url", "SLACK_API_URL"),
            ephemeral=bool(ephemeral),
        )

    @property
    def http_ready(self) -> bool:
        return bool(self.bot_token and self.signing_secret)


def conversation_id_for(channel: str, thread_ts: str | None) -> str:
    """One conversation per thread; a DM outside threads is one running conversation."""
    return f"slack:{channel}:{thread_ts}" if thread_ts else f"slack:{channel}"


def question_text(text: str) -> str:
    """The question as typed: without @mentions, with links as their text, unescaped."""
    text = _MENTION.sub(" ", text or "")
    text = _BARE.sub(r"\1", _LABELLED.sub(r"\1", text))
    # Slack escapes exactly these three; &amp; goes last so "&amp;lt;" stays "&lt;".
    text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    return " ".join(text.split())


class _SameTokenFilter(logging.Filter):
    """Drop Bolt's warning that the client's token wins over SLACK_BOT_TOKEN: it is that token."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != warning_client_prioritized_and_token_skipped()


def _web_client(config: SlackConfig) -> AsyncWebClient:
    kwargs: dict[str, Any] = {"token": config.bot_token}
    if config.api_url:
        # slack_sdk joins base_url and the method name without a separator.
        kwargs["base_url"] = config.api_url.rstrip("/") + "/"
    return AsyncWebClient(**kwargs)


def _sorry(exc: Exception) -> str:
    """The reply when no answer could be made: the user's error, or a bug without details."""
    if isinstance(exc, GovqaError):
        return f"Sorry: {escape(str(exc))}"
    log.exception("a Slack question failed")
    return "Sorry, something went wrong on our side; it has been logged."


def build_app(
    config: SlackConfig,
    answers: AnswerService,
    store: FeedbackStore,
    *,
    recent: SeenKeys | None = None,
) -> AsyncApp:
    """The Bolt app with every listener. Bolt does not verify signatures itself: over HTTP
    the SlackGate in front of it has, on the raw bytes; Socket Mode needs none."""
    bolt_logger = get_bolt_logger(AsyncApp)
    if not any(isinstance(f, _SameTokenFilter) for f in bolt_logger.filters):
        bolt_logger.addFilter(_SameTokenFilter())
    app = AsyncApp(
        client=_web_client(config),
        signing_secret=config.signing_secret or "",
        request_verification_enabled=False,
        name="govqa",
    )
    seen: SeenKeys = recent if recent is not None else RecentKeys()

    async def ask(question: str, conversation_id: str | None) -> Answer:
        # The same service as /api/chat: the worker's answer thread, the log, the metrics.
        return await answers.ask(question, conversation_id, channel="slack")

    @app.middleware
    async def drop_retries(
        body: dict[str, Any], request: AsyncBoltRequest, next: Callable[[], Any]
    ) -> BoltResponse | None:
        # Slack re-sends an event it thinks was lost, with the same event_id: answer it once.
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        if event_id and await seen.check_and_add(f"event:{event_id}"):
            log.info("ignoring a repeated Slack event %s", event_id)
            return BoltResponse(status=200, body="")
        # A timeout retry comes 3 s after a delivery that did arrive, maybe at another
        # worker or replica that answers it; other retries mean the first one never landed.
        reason = request.headers.get("x-slack-retry-reason", [""])[0]
        if event_id and reason in TIMEOUT_RETRIES:
            log.info("ignoring Slack's timeout retry of event %s", event_id)
            return BoltResponse(status=200, body="")
        return await next()  # type: ignore[no-any-return]

    @app.command("/ask")
    async def ask_command(ack: Any, command: dict[str, Any], respond: Any) -> None:
        question = question_text(command.get("text", ""))
        if not question:
            await ack(text=USAGE, response_type="ephemeral")
            return
        await ack()  # within Slack's 3 seconds; the answer follows on response_url
        try:
            answer = await ask(question, None)
        except Exception as exc:
            await respond(text=_sorry(exc), response_type="ephemeral")
            return
        await respond(
            text=answer_text(answer),
            blocks=answer_blocks(answer),
            response_type="ephemeral" if config.ephemeral else "in_channel",
            replace_original=False,
        )

    async def answer_message(event: dict[str, Any], client: Any, *, threaded: bool) -> None:
        channel = event["channel"]
        if await seen.check_and_add(f"message:{channel}:{event.get('ts')}"):
            return  # the same message can arrive as app_mention and message.im
        thread_ts = event.get("thread_ts") or (event.get("ts") if threaded else None)
        question = question_text(event.get("text", ""))
        if not question:
            await client.chat_postMessage(channel=channel, thread_ts=thread_ts, text=USAGE)
            return
        try:
            answer = await ask(question, conversation_id_for(channel, thread_ts))
        except Exception as exc:
            await client.chat_postMessage(channel=channel, thread_ts=thread_ts, text=_sorry(exc))
            return
        await client.chat_postMessage(
            channel=channel,
            thread_ts=thread_ts,
            text=answer_text(answer),
            blocks=answer_blocks(answer),
            unfurl_links=False,
            unfurl_media=False,
        )

    @app.event("app_mention")
    async def on_mention(event: dict[str, Any], client: Any) -> None:
        await answer_message(event, client, threaded=True)

    @app.event("message")
    async def on_message(event: dict[str, Any], client: Any) -> None:
        # Only plain messages people write to the bot directly; edits, joins and bots are noise.
        if event.get("channel_type") != "im" or event.get("subtype") or event.get("bot_id"):
            return
        await answer_message(event, client, threaded=False)

    @app.event(re.compile(".*"))
    async def on_other_event() -> None:
        # Registered last: events the manifest may gain later are acked, not 404ed and retried.
        return None

    @app.action(re.compile(f"^({ACTION_HELPFUL}|{ACTION_UNHELPFUL})$"))
    async def on_feedback(ack: Any, action: dict[str, Any], body: dict[str, Any],
                          respond: Any) -> None:
        await ack()
        try:
            conversation_id, turn = parse_feedback_value(action.get("value", ""))
        except (ValueError, KeyError, TypeError):
            log.warning("ignoring a feedback button with an unreadable value")
            return
        helpful = action.get("action_id") == ACTION_HELPFUL
        try:
            await asyncio.to_thread(
                store.add_feedback,
                conversation_id=conversation_id,
                turn=turn,
                helpful=helpful,
                source="slack",
                voter=str((body.get("user") or {}).get("id") or ""),
            )
        except UnknownTurn:
            # A button under an answer from before the bot's memory: say so, store nothing.
            await respond(text="Sorry, that answer can no longer be rated.",
                          response_type="ephemeral", replace_original=False)
            return
        # Ephemeral, so others in the channel can still vote on the same answer.
        await respond(
            text="Thanks, your feedback was recorded.",
            response_type="ephemeral",
            replace_original=False,
        )

    return app


def create_slack_handler(
    settings: Any,
    answers: AnswerService,
    store: FeedbackStore,
    seen: SeenKeys | None = None,
) -> SlackHTTP | None:
    """The handler behind `POST /slack/events`, or None (and one log line) without tokens.

    `seen` (this process's RecentKeys by default) remembers the events and bodies handled.
    """
    config = SlackConfig.from_settings(settings)
    if not config.http_ready:
        log.warning(NOT_CONFIGURED)
        return None
    recent = seen if seen is not None else RecentKeys()
    app = build_app(config, answers, store, recent=recent)
    return SlackHTTP(SlackGate(config.signing_secret or "", recent),
                     AsyncSlackRequestHandler(app))


@dataclass
class SlackHTTP:
    """The gate, then Bolt: a request Bolt sees is signed, fresh, readable and not a replay."""

    gate: SlackGate
    bolt: AsyncSlackRequestHandler

    async def handle(self, request: Request) -> Response:
        refusal = await self.gate.check(await request.body(), request.headers)
        if refusal is None:
            return await self.bolt.handle(request)  # type: ignore[no-any-return]
        if refusal.status == 200:
            return Response(status_code=200)
        return error_response(request, refusal.status, status_code_name(refusal.status),
                              refusal.message)


def create_socket_mode_handler(
    config: SlackConfig, answers: AnswerService, store: FeedbackStore,
    seen: SeenKeys | None = None,
) -> AsyncSocketModeHandler:
    """A Socket Mode connection for the same bot, for workspaces without a public URL."""
    if not (config.bot_token and config.app_token):
        raise GovqaError(
            "Slack Socket Mode is not configured: set SLACK_BOT_TOKEN and SLACK_APP_TOKEN"
        )
    app = build_app(config, answers, store, recent=seen)
    return AsyncSocketModeHandler(app, app_token=config.app_token)


def run_socket_mode(settings: Any) -> None:
    """`govqa slack`: load the engine from settings.index_dir and serve Slack over Socket Mode.

    The engine sits in the same EngineSlot as under `govqa serve`, so a `govqa ingest` into
    the index directory is picked up here too.
    """
    from chat_api.answers.engines import EngineSlot, watch_index
    from chat_api.answers.service import AnswerService
    from chat_api.metrics import Metrics
    from chat_api.state.shared import SharedState

    config = SlackConfig.from_settings(settings)
    if not (config.bot_token and config.app_token):
        raise GovqaError(
            "Slack Socket Mode is not configured: set SLACK_BOT_TOKEN and SLACK_APP_TOKEN"
        )
    # Slack spreads events over every Socket Mode connection an app opens: with Redis, all
    # the `govqa slack` processes share conversations and the events already answered.
    metrics = Metrics()
    shared = SharedState.build(settings, metrics)
    slot = EngineSlot(settings.index_dir, settings.model, settings.base_url,
                      conversations=shared.conversations, answers=shared.answers)
    slot.start(build_missing=True)
    slot.get()  # raises the load error, if any, as one line
    store = FeedbackStore(settings.store_url)
    answers = AnswerService(slot, store, metrics)

    async def serve() -> None:
        handler = create_socket_mode_handler(config, answers, store, seen=shared.seen)
        # Referenced here until exit, so the task is not garbage-collected while it runs.
        watcher = None
        if settings.reload_interval > 0:
            watcher = asyncio.create_task(watch_index(slot, settings.reload_interval))
        log.warning("govqa answering Slack over Socket Mode (index %s)", slot.get().index_version)
        try:
            await handler.start_async()
        finally:
            if watcher is not None:
                watcher.cancel()
            await handler.close_async()
            await shared.close()

    try:
        asyncio.run(serve())
    except KeyboardInterrupt:
        pass
    finally:
        answers.close()
        store.close()
