"""The feedback store: visitors' votes and the redacted question log, on SQLite or PostgreSQL."""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, delete, func, insert, select
from sqlalchemy.exc import SQLAlchemyError

from chat_api.db import migrate
from chat_api.db.schema import feedback, questions
from chat_api.db.urls import connect, sqlite_url
from chat_api.dependency import Dependency
from chat_api.redact import redact
from govqa.errors import StoreUnavailable, UnknownTurn
from retriever.conversation import CONVERSATION_TTL_S
from retriever.records import Answer

log = logging.getLogger("chat_api")

BUFFER_ROWS = 10_000  # questions held while the database is down: a few MB at most


class FeedbackStore:
    """Question log and votes, shared by the web API and the Slack bot; safe across threads.

    Everything a visitor typed is redacted before it is written. While the database is
    down, logged questions wait in a bounded buffer and are written when it is back; a vote
    or a stats read raises StoreUnavailable (a 503).
    """

    def __init__(self, url: str | Path, *, buffer_rows: int = BUFFER_ROWS,
                 on_change: Callable[[bool], None] | None = None,
                 on_buffer: Callable[[int], None] | None = None,
                 on_drop: Callable[[int], None] | None = None) -> None:
        """`on_change(up)`, `on_buffer(rows waiting)` and `on_drop(rows lost)` report the
        store's health, e.g. to Prometheus gauges."""
        url = str(url)
        self.url = url if "://" in url else sqlite_url(url)
        self.engine: Engine = connect(self.url)
        self.health = Dependency("the feedback database", on_change)
        self.buffer_rows = buffer_rows
        self._pending: deque[dict[str, Any]] = deque()
        self._lock = threading.Lock()  # one flush at a time, in order
        self._on_buffer: Callable[[int], None] = on_buffer or (lambda n: None)
        self._on_drop: Callable[[int], None] = on_drop or (lambda n: None)
        self.dropped = 0
        try:
            migrate.prepare(self.engine)
        except SQLAlchemyError as exc:
            # Start anyway: answers need no database, and the log waits for it.
            self.health.failed(exc)

    @property
    def pending(self) -> int:
        return len(self._pending)

    def log_question(self, answer: Answer, source: str = "web") -> None:
        """Record one answered or abstained question. Never raises: while the database is
        down the row waits in memory (bounded; what overflows is counted and logged)."""
        cited = answer.citations[0] if answer.answered and answer.citations else None
        row = {
            "ts": time.time(), "source": source, "conversation_id": answer.conversation_id,
            "turn": answer.turn, "question": redact(answer.question),
            "answered": int(answer.answered), "confidence": float(answer.confidence),
            "index_version": answer.index_version,
            # The answer is the site's own text, quoted: nothing of the visitor's to redact.
            "answer": answer.answer if answer.answered else None,
            "cite_title": cited.title if cited else None,
            "cite_section": cited.section if cited else None,
            "cite_url": cited.url if cited else None,
            "latency_ms": round(float(answer.took_ms), 3),
        }
        with self._lock:
            self._pending.append(row)
            overflow = len(self._pending) - self.buffer_rows
            for _ in range(max(0, overflow)):
                self._pending.popleft()
            if overflow > 0:
                self.dropped += overflow
                self._on_drop(overflow)
                log.error("the question log buffer is full: %d oldest rows dropped (%d in all)",
                          overflow, self.dropped)
        if self.health.worth_trying:
            self.flush()
        self._on_buffer(len(self._pending))

    def flush(self) -> int:
        """Write the buffered questions; returns how many were written (0 while down)."""
        with self._lock:
            if not self._pending:
                return 0
            rows = list(self._pending)
            try:
                with self.engine.begin() as conn:
                    conn.execute(insert(questions), rows)
            except SQLAlchemyError as exc:
                self.health.failed(exc)
                return 0
            for _ in rows:
                self._pending.popleft()
        self.health.succeeded()
        self._on_buffer(len(self._pending))
        if len(rows) > 1:
            log.info("wrote %d buffered questions to the database", len(rows))
        return len(rows)

    def add_feedback(
        self,
        conversation_id: str,
        turn: int,
        helpful: bool,
        comment: str | None = None,
        source: str = "web",
        voter: str = "",
        window_s: float = CONVERSATION_TTL_S,
    ) -> int:
        """Record one vote on one answer (a conversation's turn); returns its row id.

        Only a turn this service answered in the last `window_s` seconds (a conversation's
        lifetime) can be voted on, so votes cannot be stuffed under made-up ids; a second
        vote by the same voter (the visitor on the web; each Slack user) replaces the first.
        """
        now = time.time()
        self.flush()  # the turn voted on may still be waiting in the buffer
        turn = int(turn)
        try:
            with self.engine.begin() as conn:
                issued = conn.execute(
                    select(questions.c.id).where(
                        questions.c.conversation_id == conversation_id,
                        questions.c.turn == turn, questions.c.ts >= now - window_s).limit(1)
                ).first()
                if issued is None:
                    raise UnknownTurn(
                        f"no answer with conversation_id {conversation_id!r} and turn {turn} "
                        f"was given in the last {window_s / 60:.0f} minutes")
                conn.execute(delete(feedback).where(
                    feedback.c.conversation_id == conversation_id, feedback.c.turn == turn,
                    feedback.c.source == source, feedback.c.voter == voter))
                row = conn.execute(insert(feedback).values(
                    ts=now, source=source, conversation_id=conversation_id, turn=turn,
                    helpful=int(bool(helpful)), comment=redact(comment) if comment else None,
                    voter=voter).returning(feedback.c.id)).scalar_one()
        except SQLAlchemyError as exc:
            self.health.failed(exc)
            raise StoreUnavailable(
                "feedback cannot be recorded right now: the database does not answer; "
                "the answer itself is unaffected, try the vote again shortly") from exc
        self.health.succeeded()
        return int(row)

    def stats(self, top: int = 10) -> dict[str, Any]:
        """Counts for the editors, and the questions the site most often could not answer."""
        q = questions.c
        try:
            with self.engine.connect() as conn:
                total, answered = conn.execute(
                    select(func.count(), func.coalesce(func.sum(q.answered), 0))).one()
                helpful, unhelpful = conn.execute(select(
                    func.coalesce(func.sum(feedback.c.helpful), 0),
                    func.coalesce(func.sum(1 - feedback.c.helpful), 0))).one()
                # Grouped case-insensitively, so "Parking?" and "parking?" count as one gap.
                group = func.lower(func.trim(q.question))
                gaps = conn.execute(
                    select(func.min(q.question), func.count().label("n"), func.max(q.ts))
                    .where(q.answered == 0).group_by(group)
                    .order_by(func.count().desc(), func.max(q.ts).desc()).limit(top)).all()
        except SQLAlchemyError as exc:
            self.health.failed(exc)
            raise StoreUnavailable("statistics are unavailable right now: the database "
                                   "does not answer") from exc
        self.health.succeeded()
        return {
            "questions": int(total),
            "answered": int(answered),
            "abstained": int(total) - int(answered),
            "feedback": {"helpful": int(helpful), "unhelpful": int(unhelpful)},
            "top_unanswered": [
                {"question": text, "count": int(n), "last_asked": _iso(ts)}
                for text, n, ts in gaps
            ],
        }

    def close(self) -> None:
        if self._pending:
            self.flush()
        if self._pending:
            log.error("%d logged questions could not be written before shutdown",
                      len(self._pending))
        self.engine.dispose()


def _iso(ts: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))
