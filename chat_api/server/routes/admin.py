"""Admin endpoints behind the bearer token: usage stats and index reload."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.concurrency import run_in_threadpool

from chat_api.server.deps import MetricsDep, SlotDep, StoreDep, require_admin
from chat_api.server.schemas import ADMIN_ERRORS, ErrorResponse, ReloadResponse, StatsResponse

# Wrong tokens lock a client out for a while (chat_api.server.admin_guard).
ERRORS: dict[int | str, dict[str, Any]] = {**ADMIN_ERRORS, 429: {
    "model": ErrorResponse,
    "description": "Too many wrong tokens from this client, or from all clients together; "
                   "see Retry-After."}}


def build_router() -> APIRouter:
    router = APIRouter(tags=["admin"], dependencies=[Depends(require_admin)])

    @router.get("/api/stats", response_model=StatsResponse, responses=ERRORS)
    def stats(
        store: StoreDep,
        slot: SlotDep,
        top: Annotated[int, Query(ge=1, le=100, description="How many gaps to list.")] = 10,
    ) -> dict[str, object]:
        """Questions, answers, abstentions and votes, and the questions most often unanswered:
        the content gaps the site's editors should fill."""
        engine = slot.engine
        return {**store.stats(top), "index_version": engine.index_version if engine else None}

    @router.post("/api/admin/reload", response_model=ReloadResponse, responses=ERRORS)
    async def reload(
        slot: SlotDep, metrics: MetricsDep
    ) -> dict[str, object]:
        """Load the index directory's live version and swap it in; requests in flight finish
        on the previous one. If loading fails, the previous index keeps serving."""
        try:
            old, new = await run_in_threadpool(slot.reload)
        except Exception:
            metrics.reloads.labels("error").inc()
            raise
        metrics.reloads.labels("ok").inc()
        metrics.ready.set(1)
        return {"previous_version": old, "index_version": new, "changed": old != new}

    return router

