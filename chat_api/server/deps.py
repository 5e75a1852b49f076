"""Dependencies that hand routes the engine, stores, metrics and settings; the admin check."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request

from chat_api.answers.engines import EngineSlot
from chat_api.answers.service import AnswerService
from chat_api.metrics import Metrics
from chat_api.server.admin_guard import AdminGuard
from chat_api.server.admin_session import Sessions
from chat_api.settings import Settings
from chat_api.store.feedback import FeedbackStore


def get_slot(request: Request) -> EngineSlot:
    slot: EngineSlot = request.app.state.engines
    return slot


def get_answers(request: Request) -> AnswerService:
    answers: AnswerService = request.app.state.answers
    return answers


def get_store(request: Request) -> FeedbackStore:
    store: FeedbackStore = request.app.state.store
    return store


def get_metrics(request: Request) -> Metrics:
    metrics: Metrics = request.app.state.metrics
    return metrics


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_guard(request: Request) -> AdminGuard:
    guard: AdminGuard = request.app.state.admin_guard
    return guard


def get_sessions(request: Request) -> Sessions:
    sessions: Sessions = request.app.state.admin_sessions
    return sessions


async def require_admin(request: Request) -> None:
    """Bearer-token check for /api/stats and /api/admin/*: 401 without a token, 403 if wrong,
    429 while this client is locked out after wrong ones (AdminGuard)."""
    expected = get_settings(request).admin_token
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise HTTPException(
            401,
            "this endpoint needs 'Authorization: Bearer <GOVQA_ADMIN_TOKEN>'",
            headers={"WWW-Authenticate": "Bearer"},
        )
    if not expected:
        raise HTTPException(403, "the admin API is disabled: GOVQA_ADMIN_TOKEN is not set")
    if not await get_guard(request).check(request, token.strip(), expected):
        raise HTTPException(403, "the admin token is not valid")


# Annotated aliases keep route signatures short and free of call-in-default arguments.
AnswersDep = Annotated[AnswerService, Depends(get_answers)]
SlotDep = Annotated[EngineSlot, Depends(get_slot)]
StoreDep = Annotated[FeedbackStore, Depends(get_store)]
MetricsDep = Annotated[Metrics, Depends(get_metrics)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
