"""GET /api/search: the ranked sections for a query, with their scores, for staff and debugging."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from slowapi import Limiter

from chat_api.server.deps import AnswersDep
from chat_api.server.routes.limits import limited
from chat_api.server.schemas import ERRORS, NOT_BLANK, SearchResponse
from chat_api.settings import Settings
from govqa.errors import InvalidQuestion
from retriever.engine import MAX_QUESTION_CHARS


def build_router(limiter: Limiter, settings: Settings) -> APIRouter:
    router = APIRouter(tags=["search"])

    @router.get("/api/search", response_model=SearchResponse, responses=ERRORS)
    @limited(limiter, settings)
    async def search(
        request: Request,
        answers: AnswersDep,
        q: Annotated[str, Query(min_length=1, max_length=MAX_QUESTION_CHARS,
                                json_schema_extra={"pattern": NOT_BLANK},
                                description="The query.")],
        k: Annotated[int, Query(ge=1, le=50, description="How many sections to return.")] = 5,
    ) -> JSONResponse:
        """Rank the indexed sections for a query (hybrid BM25 + embeddings), best first."""
        if not q.strip():
            raise InvalidQuestion("q must not be blank")
        engine, hits = await answers.search(q, k)
        return JSONResponse(
            {
                "query": q,
                "k": k,
                "index_version": engine.index_version,
                "hits": [h.to_dict() for h in hits],
            }
        )

    return router
