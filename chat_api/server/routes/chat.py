"""POST /api/chat: a question in, the answer JSON of `govqa ask --json` out."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from slowapi import Limiter

from chat_api.server.deps import AnswersDep
from chat_api.server.routes.limits import limited
from chat_api.server.schemas import ERRORS, ChatRequest, ChatResponse
from chat_api.settings import Settings

CHANNEL_HEADER = "X-GovQA-Channel"


def build_router(limiter: Limiter, settings: Settings) -> APIRouter:
    router = APIRouter(tags=["chat"])

    @router.post("/api/chat", response_model=ChatResponse, responses=ERRORS)
    @limited(limiter, settings)
    async def chat(
        request: Request,
        body: ChatRequest,
        answers: AnswersDep,
    ) -> JSONResponse:
        """Answer a question with text quoted from the site's pages, or abstain.

        Send the returned `conversation_id` with the next question to ask a follow-up.
        """
        # The widget says who it is, so editors can tell its visitors from API callers.
        channel = "widget" if request.headers.get(CHANNEL_HEADER) == "widget" else "api"
        answer = await answers.ask(body.question, body.conversation_id, channel)
        return JSONResponse(answer.to_dict())

    return router
