"""The engine's answer cache: a question asked again is answered as before, follow-ups never are."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import pytest

from retriever.answer_cache import CachedAnswer, MemoryAnswers, answer_key
from retriever.engine import Engine

QUESTION = "which countries attended DGX?"
FOLLOW_UP = "who organises it?"


@pytest.fixture
def cached_engine(sample_engine: Engine) -> Engine:
    """The loaded sample engine's parts, with an answer cache of its own."""
    return Engine(sample_engine.index, scorer=sample_engine.scorer,
                  reranker=sample_engine.reranker, answers=MemoryAnswers(size=16))


def _same(answer: Any) -> dict[str, Any]:
    """An answer without what belongs to its request alone."""
    return {k: v for k, v in asdict(answer).items()
            if k not in {"conversation_id", "turn", "took_ms"}}


def test_a_question_asked_again_gets_the_same_answer_in_its_own_conversation(
        cached_engine: Engine) -> None:
    first = cached_engine.ask(QUESTION)
    again = cached_engine.ask("  which countries   attended DGX? ")
    assert len(cached_engine.answers) == 1  # type: ignore[arg-type]
    assert _same(again) == {**_same(first), "question": "  which countries   attended DGX? "}
    assert again.conversation_id != first.conversation_id
    assert (first.turn, again.turn) == (1, 1)
    in_a_thread = cached_engine.ask(QUESTION, conversation_id="thread-1")
    assert (in_a_thread.conversation_id, in_a_thread.turn) == ("thread-1", 1)
    assert _same(in_a_thread) == _same(first)


def test_a_follow_up_is_never_kept_nor_served_from_the_cache(
        cached_engine: Engine, sample_engine: Engine) -> None:
    # Asked alone first, the words are kept as a question of their own ...
    alone = cached_engine.ask(FOLLOW_UP)
    assert alone.resolved_question is None
    # ... but after DGX (itself now kept) they are a follow-up, answered from the thread.
    first = cached_engine.ask(QUESTION, conversation_id="thread-2")
    follow = cached_engine.ask(FOLLOW_UP, conversation_id="thread-2")
    assert len(cached_engine.answers) == 2  # type: ignore[arg-type]
    uncached_first = sample_engine.ask(QUESTION, conversation_id="thread-3")
    uncached = sample_engine.ask(FOLLOW_UP, conversation_id="thread-3")
    assert follow.resolved_question is not None
    assert _same(follow) == _same(uncached)
    assert _same(first) == _same(uncached_first)
    # Once more, with the first turn served from the cache: its turn still carries the quote.
    cached_engine.ask(QUESTION, conversation_id="thread-4")
    follow_again = cached_engine.ask(FOLLOW_UP, conversation_id="thread-4")
    assert _same(follow_again) == _same(uncached)
    assert follow_again.turn == 2


def test_the_key_holds_the_index_version_the_mode_and_the_models(
        cached_engine: Engine) -> None:
    key = cached_engine.answer_key(QUESTION, "reader")
    assert key != cached_engine.answer_key(QUESTION, "hybrid")
    assert key != cached_engine.answer_key("which countries attended DGX", "reader")
    assert key == answer_key(QUESTION, cached_engine.index_version, "reader",
                             cached_engine._models)
    assert key != answer_key(QUESTION, "another-version", "reader", cached_engine._models)
    assert key != answer_key(QUESTION, cached_engine.index_version, "reader", "other-models")


def test_each_mode_keeps_its_own_answer(cached_engine: Engine, sample_engine: Engine) -> None:
    hybrid = cached_engine.ask(QUESTION, mode="hybrid")
    reader = cached_engine.ask(QUESTION, mode="reader")
    assert len(cached_engine.answers) == 2  # type: ignore[arg-type]
    assert _same(hybrid) == _same(sample_engine.ask(QUESTION, mode="hybrid"))
    assert _same(reader) == _same(sample_engine.ask(QUESTION, mode="reader"))


def test_a_kept_answer_reads_back_whole() -> None:
    memory = MemoryAnswers(size=2, ttl_s=60)
    kept = CachedAnswer({"question": "q", "answered": False}, start=None)
    memory.put("a", kept)
    assert memory.get("a") == kept
    assert CachedAnswer.from_json(kept.to_json()) == kept
    memory.put("b", kept)
    memory.put("c", kept)  # over the size: the oldest goes
    assert (memory.get("a"), len(memory)) == (None, 2)
    memory.clear()
    assert len(memory) == 0


def test_recall_finds_only_a_kept_answer_and_never_a_follow_up(cached_engine: Engine,
                                                               sample_engine: Engine) -> None:
    assert cached_engine.recall(QUESTION) is None  # nothing kept yet
    first = cached_engine.ask(QUESTION, conversation_id="thread-5")
    recalled = cached_engine.recall(QUESTION, conversation_id="thread-6")
    assert recalled is not None
    assert (recalled.conversation_id, recalled.turn) == ("thread-6", 1)
    assert _same(recalled) == _same(first)
    # In thread-5 the same words after DGX are a follow-up: never recalled.
    assert cached_engine.recall(FOLLOW_UP, conversation_id="thread-5") is None
    assert sample_engine.recall(QUESTION) is None  # an engine without a cache
