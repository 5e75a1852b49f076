"""The feedback store: visitors' votes and the redacted question log, on SQLite or PostgreSQL."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as CallTimeout
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Engine, delete, func, insert, select
from sqlalchemy.exc import SQLAlchemyError

from chat_api.service_health import Dependency
from chat_api.store.db import migrate
from chat_api.store.db.schema import feedback, questions
from chat_api.store.db.urls import connect, sqlite_url
from chat_api.store.question_log import BUFFER_ROWS, STALL_S, QuestionLog, storable
from chat_api.store.redact import redact
from govqa.errors import StoreUnavailable, UnknownTurn
from retriever.conversation import CONVERSATION_TTL_S
from retriever.records import Answer

log = logging.getLogger("chat_api")

CALL_TIMEOUT_S = 6.0  # a vote or a stats read waits no longer on the database than this
T = TypeVar("T")


class FeedbackStore:
    """Question log and votes, shared by the web API and the Slack bot; safe across threads.

    Everything a visitor typed is redacted before it is written. While the database is
    down, logged questions wait in a bounded buffer and are written when it is back; a vote
    or a stats read raises StoreUnavailable (a 503).
    """

    def __init__(self, url: str | Path, *, buffer_rows: int = BUFFER_ROWS,
                 stall_s: float = STALL_S,
                 on_change: Callable[[bool], None] | None = None,
                 on_buffer: Callable[[int], None] | None = None,
                 on_drop: Callable[[str, int], None] | None = None,
                 on_written: Callable[[int], None] | None = None) -> None:
        """`on_change(up)`, `on_buffer(rows waiting)`, `on_drop(reason, rows lost)` and
        `on_written(rows)` report the store's health, e.g. to Prometheus."""
        url = str(url)
        self.url = url if "://" in url else sqlite_url(url)
        self.engine: Engine = connect(self.url)
        self.health = Dependency("the feedback database", on_change)
        # Votes and reads run here, so that a database that never answers costs a request
        # CALL_TIMEOUT_S and a 503, not a thread held for as long as the stall lasts.
        self._calls = ThreadPoolExecutor(max_workers=4, thread_name_prefix="govqa-db")
        try:
            migrate.prepare(self.engine)
        except SQLAlchemyError as exc:
            # Start anyway: answers need no database, and the log waits for it.
            self.health.failed(exc)
        self.log = QuestionLog(self.engine, self.health, buffer_rows=buffer_rows,
                               stall_s=stall_s, on_buffer=on_buffer, on_drop=on_drop,
                               on_written=on_written)

    @property
    def pending(self) -> int:
        return self.log.pending

    @property
    def dropped(self) -> int:
        return sum(self.log.dropped.values())

    def log_question(self, answer: Answer, source: str = "web") -> None:
        """Queue one answered or abstained question for the log. Never blocks on the
        database and never raises: the log's own thread writes it."""
        cited = answer.citations[0] if answer.answered and answer.citations else None
        self.log.put({
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
        })

    def flush(self, timeout: float | None = CALL_TIMEOUT_S) -> int:
        """Write the queued questions now; returns how many were written (0 while the
        database is down or a stalled write holds on past `timeout`)."""
        return self.log.write(timeout) or 0

    def _call(self, fn: Callable[[], T], unavailable: str) -> T:
        """Run one database call with a deadline; StoreUnavailable when it fails or waits."""
        if not self.health.worth_trying:
            raise StoreUnavailable(unavailable)
        future = self._calls.submit(fn)
        try:
            return future.result(timeout=CALL_TIMEOUT_S)
        except CallTimeout as exc:
            self.health.failed(TimeoutError(f"no answer in {CALL_TIMEOUT_S:.0f} s"))
            raise StoreUnavailable(unavailable) from exc
        except SQLAlchemyError as exc:
            self.health.failed(exc)
            raise StoreUnavailable(unavailable) from exc

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
        turn = int(turn)
        comment = storable(redact(comment)) if comment else None
        conversation_id, voter = storable(conversation_id), storable(voter)
        unavailable = ("feedback cannot be recorded right now: the database does not answer; "
                       "the answer itself is unaffected, try the vote again shortly")
        # The turn voted on may still be waiting in the log's queue.
        if self.log.write(timeout=CALL_TIMEOUT_S) is None:
            raise StoreUnavailable(unavailable)

        def vote() -> int:
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
                return int(conn.execute(insert(feedback).values(
                    ts=now, source=source, conversation_id=conversation_id, turn=turn,
                    helpful=int(bool(helpful)), comment=comment,
                    voter=voter).returning(feedback.c.id)).scalar_one())

        row = self._call(vote, unavailable)
        self.health.succeeded()
        return row

    def stats(self, top: int = 10) -> dict[str, Any]:
        """Counts for the editors, and the questions the site most often could not answer."""
        q = questions.c

        def read() -> tuple[Any, ...]:
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
            return total, answered, helpful, unhelpful, gaps

        total, answered, helpful, unhelpful, gaps = self._call(
            read, "statistics are unavailable right now: the database does not answer")
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

    def close(self, timeout: float = CALL_TIMEOUT_S) -> None:
        """Write what the log holds (waiting at most `timeout`), then let go of the pool."""
        self.log.close(timeout)
        self._calls.shutdown(wait=False, cancel_futures=True)
        self.engine.dispose()


def _iso(ts: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))
