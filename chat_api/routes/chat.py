"""POST /api/chat: a question in, the answer JSON of `govqa ask --json` out."""

from __future__ import annotations

import asyncio
import functools

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from slowapi import Limiter

from chat_api.deps import EngineDep, MetricsDep, StoreDep
from chat_api.routes.limits import limited
from chat_api.schemas import ERRORS, ChatRequest, ChatResponse
from chat_api.settings import Settings

CHANNEL_HEADER = "X-GovQA-Channel"


def build_router(limiter: Limiter, settings: Settings) -> APIRouter:
    router = APIRouter(tags=["chat"])

    @router.post("/api/chat", response_model=ChatResponse, responses=ERRORS)
    @limited(limiter, settings)
    async def chat(
        request: Request,
        body: ChatRequest,
        engine: EngineDep,
        store: StoreDep,
        metrics: MetricsDep,
    ) -> JSONResponse:
        """Answer a question with text quoted from the site's pages, or abstain.

        Send the returned `conversation_id` with the next question to ask a follow-up.
        """
        # On the app's answer thread: the reader's ONNX call takes tens of ms, too long to
        # hold the event loop (and every other request) for.
        answer = await asyncio.get_running_loop().run_in_executor(
            request.app.state.answers,
            functools.partial(engine.ask, body.question, conversation_id=body.conversation_id))
        # The widget says who it is, so editors can tell its visitors from API callers.
        channel = "widget" if request.headers.get(CHANNEL_HEADER) == "widget" else "api"
        # Only queued: the log's own thread writes it, so no database holds the answer up.
        store.log_question(answer, channel)
        metrics.count_answer(answer.answered, channel)
        return JSONResponse(answer.to_dict())

    return router
