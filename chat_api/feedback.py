"""The feedback store: visitors' votes and the redacted question log, in SQLite."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

from chat_api.redact import redact
from govqa.errors import UnknownTurn
from retriever.conversation import CONVERSATION_TTL_S
from retriever.records import Answer

SCHEMA = """
CREATE TABLE IF NOT EXISTS questions (
    id INTEGER PRIMARY KEY,
    ts REAL NOT NULL,
    source TEXT NOT NULL,
    conversation_id TEXT NOT NULL,
    turn INTEGER NOT NULL,
    question TEXT NOT NULL,
    answered INTEGER NOT NULL,
    confidence REAL NOT NULL,
    index_version TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS questions_unanswered ON questions (answered, question);
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY,
    ts REAL NOT NULL,
    source TEXT NOT NULL,
    conversation_id TEXT NOT NULL,
    turn INTEGER NOT NULL,
    helpful INTEGER NOT NULL,
    comment TEXT
);
CREATE INDEX IF NOT EXISTS questions_turn ON questions (conversation_id, turn);
"""
# Added after the first release: files written before it gain the column, rows kept.
VOTER_COLUMN = "ALTER TABLE feedback ADD COLUMN voter TEXT NOT NULL DEFAULT ''"


class FeedbackStore:
    """Question log and votes, shared by the web API and the Slack bot; safe across threads.

    Everything a visitor typed is redacted before it is written.
    """

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        if str(path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        # One connection guarded by a lock: SQLite serialises writers anyway, and this
        # keeps the per-request cost to one short transaction.
        self._conn = sqlite3.connect(str(path), check_same_thread=False, timeout=10.0)
        self._lock = threading.Lock()
        with self._lock:
            # WAL lets several worker processes share the file; NORMAL skips an fsync per vote.
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=NORMAL")
            self._conn.executescript(SCHEMA)
            columns = {row[1] for row in self._conn.execute("PRAGMA table_info(feedback)")}
            if "voter" not in columns:
                self._conn.execute(VOTER_COLUMN)
            self._conn.commit()

    def log_question(self, answer: Answer, source: str = "web") -> int:
        """Record one answered or abstained question; returns its row id."""
        row = (
            time.time(),
            source,
            answer.conversation_id,
            answer.turn,
            redact(answer.question),
            int(answer.answered),
            float(answer.confidence),
            answer.index_version,
        )
        with self._lock, self._conn:
            cur = self._conn.execute(
                "INSERT INTO questions (ts, source, conversation_id, turn, question, answered,"
                " confidence, index_version) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                row,
            )
        return int(cur.lastrowid or 0)

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
        row = (
            now,
            source,
            conversation_id,
            int(turn),
            int(bool(helpful)),
            redact(comment) if comment else None,
            voter,
        )
        with self._lock, self._conn:
            issued = self._conn.execute(
                "SELECT 1 FROM questions WHERE conversation_id = ? AND turn = ? AND ts >= ?"
                " LIMIT 1", (conversation_id, int(turn), now - window_s)).fetchone()
            if issued is None:
                raise UnknownTurn(f"no answer with conversation_id {conversation_id!r} and turn "
                                  f"{int(turn)} was given in the last {window_s / 60:.0f} minutes")
            self._conn.execute(
                "DELETE FROM feedback WHERE conversation_id = ? AND turn = ? AND source = ?"
                " AND voter = ?", (conversation_id, int(turn), source, voter))
            cur = self._conn.execute(
                "INSERT INTO feedback (ts, source, conversation_id, turn, helpful, comment, voter)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                row,
            )
        return int(cur.lastrowid or 0)

    def stats(self, top: int = 10) -> dict[str, Any]:
        """Counts for the editors, and the questions the site most often could not answer."""
        with self._lock:
            questions, answered = self._conn.execute(
                "SELECT COUNT(*), COALESCE(SUM(answered), 0) FROM questions"
            ).fetchone()
            helpful, unhelpful = self._conn.execute(
                "SELECT COALESCE(SUM(helpful), 0), COALESCE(SUM(1 - helpful), 0) FROM feedback"
            ).fetchone()
            # Grouped case-insensitively, so "Parking?" and "parking?" count as one gap.
            gaps = self._conn.execute(
                "SELECT MIN(question), COUNT(*) AS n, MAX(ts) FROM questions WHERE answered = 0"
                " GROUP BY LOWER(TRIM(question)) ORDER BY n DESC, MAX(ts) DESC LIMIT ?",
                (top,),
            ).fetchall()
        return {
            "questions": questions,
            "answered": answered,
            "abstained": questions - answered,
            "feedback": {"helpful": helpful, "unhelpful": unhelpful},
            "top_unanswered": [
                {"question": q, "count": n, "last_asked": _iso(ts)} for q, n, ts in gaps
            ],
        }

    def close(self) -> None:
        with self._lock:
            self._conn.close()


def _iso(ts: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))
