"""Request and response bodies, with the examples shown in the OpenAPI docs at /docs."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from retriever.engine import MAX_QUESTION_CHARS

EXAMPLE_URL = (
    "https://www.tech.gov.sg/products-and-services/collaborate-with-us/"
    "international-collaboration/"
)
EXAMPLE_QUOTE = (
    "The Digital Government Exchange (DGX) brings together digital government leaders "
    "from around the world."
)


# At least one character that Python's str.split() does not treat as a space (the engine's
# test for a blank question): ECMA's \s, plus the separators \x1c-\x1f and NEL. Only
# documented in the schema: the engine itself refuses a blank question, with a message
# that says what to type.
NOT_BLANK = r"[^\s\x1c-\x1f\x85]"


class ChatRequest(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"question": "Which countries attended DGX?"},
                {"question": "When was it held?", "conversation_id": "c0ffee00c0ffee00"},
            ]
        }
    )

    question: str = Field(min_length=1, max_length=MAX_QUESTION_CHARS,
                          json_schema_extra={"pattern": NOT_BLANK},
                          description="The visitor's question.")
    conversation_id: str | None = Field(
        default=None,
        max_length=128,
        description="Send back the id of the previous answer to ask a follow-up.",
    )


class CitationOut(BaseModel):
    title: str
    section: str
    section_path: list[str]
    url: str = Field(description="Page URL and #anchor of the section.")
    highlight_url: str = Field(description="Text-fragment link that highlights the quote.")
    quote: str = Field(description="The cited text, verbatim from the page.")
    start: int
    end: int
    chunk_id: str


class ListItemOut(BaseModel):
    text: str = Field(description="The item's title, and its first sentence when short.")
    citation: CitationOut


class SuggestionOut(BaseModel):
    title: str
    section: str
    url: str
    score: float


class ChatResponse(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "question": "Which countries attended DGX?",
                    "answered": True,
                    "answer": EXAMPLE_QUOTE,
                    "confidence": 0.83,
                    "citations": [
                        {
                            "title": "International Collaboration",
                            "section": "Digital Government Exchange",
                            "section_path": [
                                "International Collaboration",
                                "Digital Government Exchange",
                            ],
                            "url": EXAMPLE_URL + "#digital-government-exchange",
                            "highlight_url": EXAMPLE_URL
                            + "#:~:text=The%20Digital%20Government%20Exchange",
                            "quote": EXAMPLE_QUOTE,
                            "start": 0,
                            "end": len(EXAMPLE_QUOTE),
                            "chunk_id": "3f2a9c0d1b7e4a55",
                        }
                    ],
                    "items": [],
                    "suggestions": [],
                    "highlights": [[4, 28]],
                    "conversation_id": "c0ffee00c0ffee00",
                    "turn": 1,
                    "index_version": "20261126T120000000000Z-1a2b3c4d",
                    "took_ms": 4.2,
                    "resolved_question": None,
                }
            ]
        }
    )

    question: str
    answered: bool = Field(description="False when the pages don't say: the bot abstains.")
    answer: str | None = Field(description="Text copied verbatim from the pages, or null.")
    confidence: float
    citations: list[CitationOut]
    items: list[ListItemOut] = Field(
        default_factory=list,
        description="A list the page spreads over sibling sections (cards, accordions, "
        "sub-headings): `answer` is the whole text, these are its lines, each cited.",
    )
    suggestions: list[SuggestionOut] = Field(
        description="Sections offered instead of an answer when the bot abstains."
    )
    highlights: list[list[int]] = Field(description="[start, end) of matched terms in answer.")
    conversation_id: str
    turn: int
    index_version: str
    took_ms: float
    resolved_question: str | None = Field(description="The follow-up as understood, if rewritten.")


class SearchHitOut(BaseModel):
    rank: int
    score: float
    dense: float | None
    bm25: float | None
    chunk_id: str
    title: str
    section: str
    section_path: list[str]
    url: str
    text: str


class SearchResponse(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "query": "digital government exchange",
                    "k": 1,
                    "index_version": "20261126T120000000000Z-1a2b3c4d",
                    "hits": [
                        {
                            "rank": 1,
                            "score": 0.0328,
                            "dense": 0.61,
                            "bm25": 7.9,
                            "chunk_id": "3f2a9c0d1b7e4a55",
                            "title": "International Collaboration",
                            "section": "Digital Government Exchange",
                            "section_path": [
                                "International Collaboration",
                                "Digital Government Exchange",
                            ],
                            "url": EXAMPLE_URL + "#digital-government-exchange",
                            "text": EXAMPLE_QUOTE,
                        }
                    ],
                }
            ]
        }
    )

    query: str
    k: int
    index_version: str
    hits: list[SearchHitOut]


def _json_integer(value: Any) -> Any:
    """A JSON number that is an integer; strings and booleans are refused, not coerced."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("Input should be a valid integer")
    return value


class FeedbackRequest(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"conversation_id": "c0ffee00c0ffee00", "turn": 1, "helpful": True},
                {
                    "conversation_id": "c0ffee00c0ffee00",
                    "turn": 2,
                    "helpful": False,
                    "comment": "It quoted the wrong year.",
                },
            ]
        }
    )

    conversation_id: str = Field(min_length=1, max_length=128,
                                 description="The `conversation_id` the answer came with.")
    # Strict: `"yes"`, `0` or `"1"` are refused rather than coerced, so a vote means one thing
    # (a turn may be written 3.0, which JSON Schema counts as the integer 3).
    turn: Annotated[int, BeforeValidator(_json_integer)] = Field(
        ge=0, le=10_000, description="The `turn` of the answer being rated.")
    helpful: bool = Field(strict=True, description="true for 👍, false for 👎.")
    comment: str | None = Field(default=None, max_length=2000)


class FeedbackResponse(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"ok": True, "id": 42}]})

    ok: bool
    id: int


class Gap(BaseModel):
    question: str = Field(description="As asked, with personal data redacted.")
    count: int
    last_asked: str


class VoteCounts(BaseModel):
    helpful: int
    unhelpful: int


class StatsResponse(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "questions": 120,
                    "answered": 97,
                    "abstained": 23,
                    "feedback": {"helpful": 31, "unhelpful": 4},
                    "top_unanswered": [
                        {
                            "question": "how do I renew my parking permit? call me at [phone]",
                            "count": 5,
                            "last_asked": "2026-11-26T12:00:00Z",
                        }
                    ],
                    "index_version": "20261126T120000000000Z-1a2b3c4d",
                }
            ]
        }
    )

    questions: int
    answered: int
    abstained: int
    feedback: VoteCounts
    top_unanswered: list[Gap]
    index_version: str | None


class ReloadResponse(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "previous_version": "20261126T120000000000Z-1a2b3c4d",
                    "index_version": "20261126T130000000000Z-5e6f7a8b",
                    "changed": True,
                }
            ]
        }
    )

    previous_version: str | None
    index_version: str
    changed: bool


class ReadyResponse(BaseModel):
    status: str = Field(description="ready, loading or error")
    index_version: str | None = None
    message: str | None = None


class ErrorResponse(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "error": "invalid_request",
                    "message": "question: String should have at least 1 character",
                    "request_id": "5b0e9c2f6f4d4c2a9d1e0f3a7b6c5d4e",
                }
            ]
        }
    )

    error: str
    message: str
    request_id: str


_TOO_LARGE = {"model": ErrorResponse, "description": "The body is over the endpoint's size limit."}
FEEDBACK_ERRORS: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorResponse,
          "description": "No such answer was given (or it is older than a conversation lives)."},
    503: {"model": ErrorResponse,
          "description": "The feedback database does not answer; answers are unaffected."},
}
ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorResponse, "description": "The request cannot be understood."},
    413: _TOO_LARGE,
    422: {"model": ErrorResponse, "description": "The request is malformed."},
    429: {"model": ErrorResponse, "description": "Rate limit exceeded; see Retry-After."},
    503: {"model": ErrorResponse, "description": "The model and index are not loaded yet."},
}
ADMIN_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorResponse, "description": "No bearer token."},
    403: {"model": ErrorResponse, "description": "Wrong token, or no admin token configured."},
    413: _TOO_LARGE,
}
