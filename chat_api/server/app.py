"""The app factory: `uvicorn --factory chat_api.server.app:create_app` (what `govqa serve` runs)."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.staticfiles import StaticFiles

from chat_api.answers.engines import EngineLoader, EngineSlot, load_engine, watch_index
from chat_api.answers.service import AnswerService
from chat_api.errors import install_error_handlers
from chat_api.insights import ASSETS_DIR
from chat_api.metrics import Metrics
from chat_api.server.admin_guard import (
    AdminGuard,
    LockoutPolicy,
    SignInRefused,
    redis_counters,
    refused_response,
)
from chat_api.server.admin_session import MemorySessions, RedisSessions, Sessions
from chat_api.server.body_limit import BodyLimitMiddleware
from chat_api.server.middleware import RequestContextMiddleware
from chat_api.server.routes import admin, chat, dashboard, feedback, health, search, web
from chat_api.server.routes.limits import build_limiter
from chat_api.settings import Settings
from chat_api.state.shared import SharedState
from chat_api.store.feedback import FeedbackStore
from govqa import __version__
from retriever.reader import reader_setting

if TYPE_CHECKING:
    from chat_api.slack.bot import SlackHTTP

log = logging.getLogger("chat_api")

SLACK_NOT_CONFIGURED = (
    "Slack is not configured: set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET to enable /slack/events"
)

ADMIN_PER_WORKER = (
    "several workers without GOVQA_REDIS_URL: each keeps its own editors' sessions and admin "
    "lockouts, so a dashboard sign-in holds only on the worker that took it; set "
    "GOVQA_REDIS_URL to share them"
)

DESCRIPTION = """\
Answers questions about the site with text copied **verbatim** from its pages, citing the
page, the section and a link that highlights the quote. When the pages don't say, it
abstains and suggests the closest sections instead.

Errors are JSON: `{"error": code, "message": text, "request_id": id}`; every response
carries `X-Request-ID`.
"""


def create_app(
    settings: Settings | None = None, engine_loader: EngineLoader | None = None
) -> FastAPI:
    """Build the service. Settings come from the environment and `.env` unless given.

    The model and index load in a background thread after start-up, so `/healthz` answers
    at once and `/readyz` (and the routes that need the engine) say 503 until they are in.
    `engine_loader(index_dir, model)` replaces `Engine.load`, e.g. to gate loading in tests.
    """
    settings = settings or Settings()
    loader = engine_loader or functools.partial(
        load_engine, threads=settings.engine_threads, query_cache=settings.query_cache,
        reader=reader_setting(settings.reader))
    metrics = Metrics()
    shared = SharedState.build(settings, metrics)
    slot = EngineSlot(settings.index_dir, settings.model, settings.base_url, loader,
                      conversations=shared.conversations, answers=shared.answers)
    store = FeedbackStore(settings.store_url, stall_s=settings.database_stall_s,
                          on_change=metrics.dependency("database"),
                          on_buffer=metrics.log_buffered.set, on_drop=metrics.count_log_drop,
                          on_written=metrics.log_written.inc)
    limiter = build_limiter(settings, shared.redis_health)
    sessions: Sessions = MemorySessions()
    counters = None
    if shared.clients is not None and shared.redis_health is not None and settings.redis_url:
        async_client = shared.clients[1]
        sessions = RedisSessions(async_client, shared.redis_health, settings.redis_prefix)
        counters = redis_counters(settings.redis_url, async_client, settings.redis_prefix)
    elif settings.workers > 1:
        log.warning(ADMIN_PER_WORKER)
    guard = AdminGuard(LockoutPolicy.from_settings(settings), metrics, counters,
                       shared.redis_health)
    answers = AnswerService(slot, store, metrics)

    def on_reload(swapped: bool) -> None:
        metrics.reloads.labels("ok" if swapped else "error").inc()
        if slot.ready:
            metrics.ready.set(1)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # A daemon thread, not to_thread: shutdown must never wait on a load in progress.
        def first_load() -> None:
            slot.start(build_missing=True)
            on_reload(slot.ready)

        threading.Thread(target=first_load, name="govqa-load", daemon=True).start()
        tasks = []
        if settings.reload_interval > 0:
            tasks.append(asyncio.create_task(
                watch_index(slot, settings.reload_interval, on_reload)))
        try:
            yield
        finally:
            answers.close()
            for task in tasks:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            await asyncio.to_thread(store.close)
            await shared.close()

    app = FastAPI(
        title="govqa chat API",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url="/docs",
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.engines = slot
    app.state.store = store
    app.state.metrics = metrics
    app.state.answers = answers
    app.state.limiter = limiter  # slowapi looks for it here
    app.state.admin_guard = guard
    app.state.admin_sessions = sessions

    install_error_handlers(app)
    app.add_exception_handler(SignInRefused, refused_response)
    app.include_router(chat.build_router(limiter, settings))
    app.include_router(search.build_router(limiter, settings))
    app.include_router(feedback.build_router(limiter, settings))
    app.include_router(admin.build_router())
    app.include_router(dashboard.build_router(ASSETS_DIR))
    app.include_router(health.build_router())
    _mount_slack(app, settings, answers, store, shared)
    app.include_router(web.build_router(settings))
    app.mount("/static", StaticFiles(directory=settings.web_dir, check_dir=False), name="static")
    app.mount("/admin/assets", StaticFiles(directory=ASSETS_DIR), name="admin-assets")

    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.cors_origin_list,
        allow_origin_regex=settings.cors_origin_regex,
        allow_methods=["GET", "POST"],
        allow_headers=["Content-Type", "Authorization", "X-Request-ID", "X-GovQA-Channel"],
        expose_headers=["X-Request-ID", "Retry-After"],
        max_age=600,
    )
    app.add_middleware(BodyLimitMiddleware, default=settings.max_body_bytes,
                       limits={"/slack/": settings.max_slack_body_bytes},
                       read_timeout_s=settings.body_timeout_s)
    # Added last, so it is outermost: even CORS preflights and 500s get an X-Request-ID.
    app.add_middleware(RequestContextMiddleware, metrics=metrics)
    return app


def _mount_slack(
    app: FastAPI, settings: Settings, answers: AnswerService, store: FeedbackStore,
    shared: SharedState,
) -> None:
    """POST /slack/events, only when Slack's tokens are set."""
    if not (settings.slack_bot_token and settings.slack_signing_secret):
        # Checked here so that a service without Slack never pays ~0.3 s to import Bolt.
        log.warning(SLACK_NOT_CONFIGURED)
        return
    from chat_api.slack.bot import create_slack_handler

    handler: SlackHTTP | None = create_slack_handler(settings, answers, store, seen=shared.seen)
    if handler is None:
        return

    @app.post("/slack/events", include_in_schema=False)
    async def slack_events(request: Request):  # type: ignore[no-untyped-def]
        return await handler.handle(request)
