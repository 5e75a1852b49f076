"""POST /api/feedback: strict votes, only on answers the service gave, one per voter."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from chat_api.store.feedback import FeedbackStore
from govqa.errors import UnknownTurn
from retriever.records import Answer
from tests.api.conftest import ANSWERABLE


def _error(response, status: int, code: str) -> dict:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error"] == code
    assert body["request_id"] == response.headers["x-request-id"]
    return body  # type: ignore[no-any-return]


@pytest.mark.parametrize("bad", [
    {"helpful": 0}, {"helpful": 1}, {"helpful": "yes"}, {"helpful": "true"}, {"helpful": None},
    {"turn": "1"}, {"turn": 1.5}, {"turn": True},
])
def test_feedback_types_are_strict(client: TestClient, bad: dict[str, object]) -> None:
    answer = client.post("/api/chat", json={"question": ANSWERABLE}).json()
    vote = {"conversation_id": answer["conversation_id"], "turn": answer["turn"],
            "helpful": True, **bad}
    body = _error(client.post("/api/feedback", json=vote), 422, "invalid_request")
    assert [d["field"] for d in body["details"]] == list(bad)


def test_feedback_only_for_answers_the_service_gave(client: TestClient) -> None:
    answer = client.post("/api/chat", json={"question": ANSWERABLE}).json()
    for conversation_id, turn in [("made-up-id", 1), (answer["conversation_id"], 2)]:
        body = _error(client.post("/api/feedback", json={
            "conversation_id": conversation_id, "turn": turn, "helpful": True}),
            404, "unknown_turn")
        assert body["message"] == (f"no answer with conversation_id {conversation_id!r} and "
                                   f"turn {turn} was given in the last 30 minutes")
    ok = client.post("/api/feedback", json={"conversation_id": answer["conversation_id"],
                                            "turn": answer["turn"], "helpful": True})
    assert ok.status_code == 201


def test_a_second_vote_replaces_the_first(tmp_path: Path) -> None:
    path = tmp_path / "votes.sqlite3"
    store = FeedbackStore(path)
    answer = Answer(question="q", answered=True, answer="a", confidence=0.9,
                    conversation_id="c0ffee", turn=1, index_version="v1")
    store.log_question(answer)
    store.add_feedback("c0ffee", 1, True)
    store.add_feedback("c0ffee", 1, False, comment="on second thoughts, no")
    store.add_feedback("c0ffee", 1, True, source="slack", voter="U0BOB")
    with sqlite3.connect(path) as db:
        rows = db.execute(
            "SELECT source, turn, helpful, comment, voter FROM feedback ORDER BY id").fetchall()
    assert rows == [("web", 1, 0, "on second thoughts, no", ""), ("slack", 1, 1, None, "U0BOB")]
    # Past a conversation's lifetime, the answer can no longer be rated.
    with pytest.raises(UnknownTurn):
        store.add_feedback("c0ffee", 1, True, window_s=0.0)
    store.close()


def test_an_old_feedback_file_gains_the_voter_column_and_keeps_its_rows(tmp_path: Path) -> None:
    # The first release's file: both tables, no voter column, no migration history.
    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as db:
        db.executescript(
            "CREATE TABLE questions (id INTEGER PRIMARY KEY, ts REAL NOT NULL, source TEXT NOT"
            " NULL, conversation_id TEXT NOT NULL, turn INTEGER NOT NULL, question TEXT NOT NULL,"
            " answered INTEGER NOT NULL, confidence REAL NOT NULL, index_version TEXT NOT NULL);"
            "INSERT INTO questions VALUES (7, 1.0, 'web', 'c1', 1, 'parking?', 0, 0.1, 'v0');"
            "CREATE TABLE feedback (id INTEGER PRIMARY KEY, ts REAL NOT NULL, source TEXT NOT"
            " NULL, conversation_id TEXT NOT NULL, turn INTEGER NOT NULL, helpful INTEGER NOT"
            " NULL, comment TEXT);"
            "INSERT INTO feedback VALUES (1, 1.0, 'web', 'c1', 1, 1, NULL);"
            "INSERT INTO feedback VALUES (2, 2.0, 'web', 'c1', 1, 0, 'no');")
    store = FeedbackStore(path)
    assert store.stats()["top_unanswered"] == [
        {"question": "parking?", "count": 1, "last_asked": "1970-01-01T00:00:01Z"}]
    store.close()
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT id, helpful, comment, voter FROM feedback").fetchall() == [
            (1, 1, None, ""), (2, 0, "no", "")]
        assert db.execute("SELECT id, question FROM questions").fetchall() == [(7, "parking?")]
        assert db.execute("SELECT version_num FROM alembic_version").fetchall() == [("0003",)]
