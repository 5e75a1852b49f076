"""Votes and the question log in the real PostgreSQL: migrations, the CLI, and an outage."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

import psycopg
import pytest
from alembic import command

from chat_api.store.db import migrate
from chat_api.store.db.urls import connect
from chat_api.store.feedback import FeedbackStore
from govqa.errors import SchemaOutdated, StoreUnavailable
from loadtest.proxy import TcpProxy
from retriever.records import Answer


def _answer(conversation_id: str, turn: int, question: str = "Where do I park?",
            answered: bool = False) -> Answer:
    return Answer(question=question, answered=answered, answer=None, confidence=0.125,
                  conversation_id=conversation_id, turn=turn, index_version="v1")


def _rows(url: str, sql: str) -> list[tuple[object, ...]]:
    with psycopg.connect(url) as conn:
        return list(conn.execute(sql).fetchall())


def test_an_empty_database_is_migrated_at_start_up(database_url: str) -> None:
    store = FeedbackStore(database_url)
    store.log_question(_answer("c1", 1, "Parking? email me at a@b.sg"))
    store.log_question(_answer("c1", 2, "parking?"))
    store.log_question(_answer("c2", 1, "What is DGX?", answered=True))
    assert store.add_feedback("c2", 1, True, comment="thanks, call 9123 4567") > 0
    stats = store.stats()
    store.close()
    assert stats["questions"] == 3 and stats["answered"] == 1 and stats["abstained"] == 2
    assert stats["feedback"] == {"helpful": 1, "unhelpful": 0}
    # Asked as often: the most recently asked first.
    assert [(g["question"], g["count"]) for g in stats["top_unanswered"]] == [
        ("parking?", 1), ("Parking? email me at [email]", 1)]
    assert _rows(database_url, "SELECT version_num FROM alembic_version") == [("0003",)]
    assert _rows(database_url, "SELECT comment, voter FROM feedback") == [
        ("thanks, call [phone]", "")]


def test_govqa_db_upgrade_migrates_once(database_url: str, run_cli, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("GOVQA_DATABASE_URL", database_url)
    rc, out, err = run_cli("db", "upgrade")
    assert (rc, err) == (0, "")
    where = database_url.replace("postgresql://", "postgresql+psycopg://")
    assert out == f"{where}: revision none -> 0003\n"
    assert run_cli("db", "upgrade") == (0, f"{where} is at revision 0003, the newest\n", "")


def test_a_shared_database_at_an_older_revision_waits_for_govqa_db_upgrade(
        database_url: str, run_cli, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    engine = connect(database_url)
    with engine.begin() as conn:
        command.upgrade(migrate._config(conn), "0001")
        conn.exec_driver_sql(
            "INSERT INTO feedback (ts, source, conversation_id, turn, helpful, comment)"
            " VALUES (1.0, 'web', 'c1', 1, 0, 'old vote')")
    engine.dispose()
    with pytest.raises(SchemaOutdated) as refused:
        FeedbackStore(database_url)
    assert str(refused.value) == (
        "the database at GOVQA_DATABASE_URL is at revision 0001, this govqa needs 0003: run "
        "`govqa db upgrade` once, then start the replicas")
    monkeypatch.setenv("GOVQA_DATABASE_URL", database_url)
    assert run_cli("db", "upgrade")[0] == 0
    FeedbackStore(database_url).close()
    assert _rows(database_url, "SELECT comment, voter FROM feedback") == [("old vote", "")]


def _written(store: FeedbackStore, rows: int, within_s: float = 10.0) -> bool:
    """Whether the log's own thread has written `rows` rows in all, waiting for it."""
    deadline = time.monotonic() + within_s
    while store.log.written < rows and time.monotonic() < deadline:
        time.sleep(0.02)
    return store.log.written == rows


def test_while_the_database_is_down_questions_wait_and_votes_get_503(
        database_url: str, proxy: Callable[[str, int], TcpProxy],
        caplog: pytest.LogCaptureFixture) -> None:
    gate = proxy("127.0.0.1", 5432)
    store = FeedbackStore(database_url.replace("127.0.0.1:5432", f"127.0.0.1:{gate.port}"),
                          buffer_rows=2)
    store.health.retry_after_s = 0
    store.log_question(_answer("c1", 1))
    assert _written(store, 1)
    gate.cut()
    with caplog.at_level(logging.WARNING, logger="chat_api"):
        for turn in (2, 3, 4):  # one more than the buffer holds
            store.log_question(_answer("c1", turn))
        with pytest.raises(StoreUnavailable):
            store.add_feedback("c1", 1, True)
        with pytest.raises(StoreUnavailable):
            store.stats()
    assert store.pending == 2 and store.dropped == 1
    assert dict(store.log.dropped) == {"buffer_full": 1}
    messages = [r.getMessage() for r in caplog.records if r.name == "chat_api"]
    assert "the question log buffer is full: 1 oldest rows dropped (1 in all)" in messages
    unreachable = [m for m in messages if "unreachable" in m]
    assert len(unreachable) == 1  # once per outage
    assert unreachable[0].startswith("the feedback database is unreachable (OperationalError")

    gate.restore()
    assert _written(store, 3)
    assert store.add_feedback("c1", 4, False) > 0
    store.close()
    assert _rows(database_url, "SELECT turn FROM questions ORDER BY turn") == [(1,), (3,), (4,)]


def test_a_bad_database_url_is_one_line_at_start_up(run_cli, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("GOVQA_DATABASE_URL", "mysql://db/govqa")
    assert run_cli("serve") == (2, "", "error: GOVQA_DATABASE_URL: unsupported database "
                                       "'mysql': use postgresql://… or sqlite:///…\n")
    monkeypatch.delenv("GOVQA_DATABASE_URL")
    monkeypatch.setenv("GOVQA_REDIS_URL", "localhost:6379")
    rc, out, err = run_cli("serve")
    assert (rc, out) == (2, "")
    assert err == ("error: GOVQA_REDIS_URL: not a Redis URL like redis://127.0.0.1:6379/0: "
                   "'localhost:6379'\n")


def test_a_nul_or_a_lone_surrogate_is_stored_and_jams_nothing(database_url: str) -> None:
    store = FeedbackStore(database_url)
    for turn, question in enumerate(["a\x00b", "half \ud800 a pair", "after them"], start=1):
        store.log_question(_answer("c1", turn, question))
    assert _written(store, 3)
    assert store.add_feedback("c1", 3, True, comment="nul\x00here", voter="u\udc80") > 0
    store.close()
    assert _rows(database_url, "SELECT turn, question FROM questions ORDER BY turn") == [
        (1, "ab"), (2, "half \ufffd a pair"), (3, "after them")]
    assert _rows(database_url, "SELECT comment, voter FROM feedback") == [
        ("nulhere", "u\ufffd")]
    assert dict(store.log.dropped) == {}


def test_a_row_the_database_refuses_is_dropped_alone(
        database_url: str, caplog: pytest.LogCaptureFixture) -> None:
    store = FeedbackStore(database_url)
    store.health.retry_after_s = 0
    good = [_answer("c1", turn) for turn in (1, 2, 3)]
    with caplog.at_level(logging.ERROR, logger="chat_api"), store.log._writing:
        # Queued together while the writer waits, so they go in one batch.
        store.log_question(good[0])
        store.log_question(good[1], source="x" * 40)  # over the column's 16 characters
        store.log_question(good[2])
    assert _written(store, 2)
    store.log_question(_answer("c1", 4))
    assert _written(store, 3)
    store.close()
    assert _rows(database_url, "SELECT turn FROM questions ORDER BY turn") == [(1,), (3,), (4,)]
    assert dict(store.log.dropped) == {"unstorable": 1}
    assert [r.getMessage() for r in caplog.records if r.name == "chat_api"] == [
        "a logged question from conversation c1, turn 2, could not be stored and was dropped "
        "alone (DataError); the rows around it were written"]
    assert store.health.up
