"""POST /api/feedback: a visitor's 👍/👎 on one answer."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from slowapi import Limiter

from chat_api.server.deps import StoreDep
from chat_api.server.routes.limits import limited
from chat_api.server.schemas import ERRORS, FEEDBACK_ERRORS, FeedbackRequest, FeedbackResponse
from chat_api.settings import Settings


def build_router(limiter: Limiter, settings: Settings) -> APIRouter:
    router = APIRouter(tags=["feedback"])

    @router.post(
        "/api/feedback", status_code=201, response_model=FeedbackResponse,
        responses={**ERRORS, **FEEDBACK_ERRORS}
    )
    @limited(limiter, settings)
    async def feedback(
        request: Request, body: FeedbackRequest, store: StoreDep
    ) -> JSONResponse:
        """Record whether an answer (a conversation's `turn`) helped; the comment is redacted.
        A second vote on the same answer replaces the first."""
        row = await asyncio.to_thread(
            store.add_feedback, body.conversation_id, body.turn, body.helpful, body.comment,
            "web")
        return JSONResponse({"ok": True, "id": row}, status_code=201)

    return router
