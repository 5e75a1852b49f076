"""Liveness, readiness and Prometheus metrics."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response

from chat_api.server.deps import MetricsDep, SlotDep
from chat_api.server.schemas import ReadyResponse


def build_router() -> APIRouter:
    router = APIRouter(tags=["health"])

    @router.get("/healthz")
    async def healthz() -> dict[str, str]:
        """The process is up (it may still be loading the index)."""
        return {"status": "ok"}

    @router.get(
        "/readyz",
        response_model=ReadyResponse,
        responses={503: {"model": ReadyResponse, "description": "Still loading, or failed."}},
    )
    async def readyz(slot: SlotDep) -> JSONResponse:
        """200 once the model and index are loaded; 503 before, or when loading failed."""
        engine = slot.engine
        if engine is not None:
            return JSONResponse({"status": "ready", "index_version": engine.index_version})
        if slot.error:
            body = {"status": "error", "message": f"the index could not be loaded: {slot.error}"}
        else:
            body = {"status": "loading", "message": "loading the model and index"}
        return JSONResponse(body, status_code=503, headers={"Retry-After": "1"})

    @router.get("/metrics", response_class=Response)
    def metrics(metrics: MetricsDep) -> Response:
        """Prometheus metrics: request counts and latency by route, answers and abstentions."""
        return Response(metrics.render(), media_type=metrics.content_type)

    return router
