"""The answer-side records: a retrieval Hit, a Citation and the Answer itself."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from ingest.records import Chunk


@dataclass
class Hit:
    """A chunk found for a query, with the scores that ranked it."""

    chunk: Chunk
    score: float  # fused score; higher is better
    rank: int
    dense: float | None = None  # cosine similarity, when the dense retriever found it
    bm25: float | None = None  # BM25 score, when the lexical retriever found it

    def to_dict(self) -> dict[str, Any]:
        c = self.chunk
        return {
            "rank": self.rank,
            "score": round(self.score, 6),
            "dense": None if self.dense is None else round(self.dense, 6),
            "bm25": None if self.bm25 is None else round(self.bm25, 6),
            "chunk_id": c.id,
            "title": c.page_title,
            "section": c.section_title,
            "section_path": c.section,
            "url": c.url,
            "text": c.text,
        }


@dataclass
class Citation:
    """Where an answer's text came from, down to the character."""

    title: str  # page title
    section: str  # section title
    section_path: list[str]
    url: str  # page URL + #anchor
    highlight_url: str  # page URL + #:~:text= fragment that highlights the quote
    quote: str  # == chunk text[start:end]
    start: int
    end: int
    chunk_id: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class ListItem:
    """One line of a list answer the page spreads over sibling sections, with its source."""

    text: str  # the section's title, and its first sentence when that is short
    citation: Citation

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "citation": self.citation.to_dict()}


@dataclass
class Suggestion:
    """A section offered instead of an answer when the bot abstains."""

    title: str
    section: str
    url: str
    score: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Answer:
    """What the bot says to one question: the JSON of `govqa ask --json` and `/api/chat`."""

    question: str
    answered: bool
    answer: str | None
    confidence: float
    citations: list[Citation] = field(default_factory=list)
    # A list assembled from sibling sections: `answer` is the whole text, these its lines.
    items: list[ListItem] = field(default_factory=list)
    suggestions: list[Suggestion] = field(default_factory=list)
    highlights: list[tuple[int, int]] = field(default_factory=list)  # matched terms in answer
    conversation_id: str = ""
    turn: int = 0
    index_version: str = ""
    took_ms: float = 0.0
    resolved_question: str | None = None  # the follow-up as understood, when rewritten

    def to_dict(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "answered": self.answered,
            "answer": self.answer,
            "confidence": round(self.confidence, 4),
            "citations": [c.to_dict() for c in self.citations],
            "items": [i.to_dict() for i in self.items],
            "suggestions": [s.to_dict() for s in self.suggestions],
            "highlights": [list(h) for h in self.highlights],
            "conversation_id": self.conversation_id,
            "turn": self.turn,
            "index_version": self.index_version,
            "took_ms": round(self.took_ms, 3),
            "resolved_question": self.resolved_question,
        }


def answer_from_dict(data: dict[str, Any]) -> Answer:
    """The Answer that `Answer.to_dict()` wrote (a cached answer read back)."""

    def citation(c: dict[str, Any]) -> Citation:
        return Citation(**{**c, "section_path": list(c["section_path"])})

    return Answer(
        question=data["question"], answered=data["answered"], answer=data["answer"],
        confidence=float(data["confidence"]),
        citations=[citation(c) for c in data["citations"]],
        items=[ListItem(text=i["text"], citation=citation(i["citation"]))
               for i in data["items"]],
        suggestions=[Suggestion(**s) for s in data["suggestions"]],
        highlights=[(int(a), int(b)) for a, b in data["highlights"]],
        conversation_id=data["conversation_id"], turn=int(data["turn"]),
        index_version=data["index_version"], took_ms=float(data["took_ms"]),
        resolved_question=data["resolved_question"])
