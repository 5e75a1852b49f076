"""The load test's question mix: the share of repeats asked for, the same mix every time."""

from __future__ import annotations

import pytest

from loadtest.mix import distinct_questions, mix


def test_half_the_requests_repeat_an_earlier_question() -> None:
    log = mix(iter(distinct_questions()), 4000)
    assert len(log) == 4000
    assert 0.47 < 1 - len(set(log)) / len(log) < 0.53
    assert log == mix(iter(distinct_questions()), 4000)  # seeded: the same mix each run
    first = {q: log.index(q) for q in set(log)}
    # Every new question comes in the pool's order, each the first time it is asked.
    assert sorted(first, key=first.__getitem__) == distinct_questions()[:len(first)]


def test_running_out_of_new_questions_is_an_error() -> None:
    with pytest.raises(ValueError, match="only 3 new questions for 10 requests"):
        mix(iter(["a", "b", "c"]), 10, repeat=0.0)
