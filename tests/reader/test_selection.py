"""Answer-sentence selection within a paragraph: items from SQuAD, R@1 and MRR."""

from __future__ import annotations

from pathlib import Path

from reader.selection import Item, evaluate, load_items, overlap_ranker


def test_items_from_squad_mark_the_first_answers_sentence(bench_data: Path) -> None:
    items = load_items(bench_data / "squad-tiny.json", limit=None)
    assert items and all(len(i.candidates) >= 2 and len(i.gold) == 1 for i in items)
    for item in items:
        title, sep, _ = item.candidates[0].partition(": ")
        assert sep and title
    assert load_items(bench_data / "squad-tiny.json", limit=2, seed=0) == \
        load_items(bench_data / "squad-tiny.json", limit=2, seed=0)


def test_r1_and_mrr_break_ties_against_the_ranker() -> None:
    items = [Item("q1", ["T: a", "T: b", "T: c"], {1}), Item("q2", ["T: a", "T: b"], {0})]
    scores = {"q1": [0.1, 0.9, 0.2], "q2": [0.5, 0.5]}  # q2: a tie is not a win
    result = evaluate(items, lambda q, c: scores[q])
    assert result == {"questions": 2, "r@1": 0.5, "mrr": 0.75}


def test_word_overlap_ignores_the_title() -> None:
    assert overlap_ranker("Where is the Eiffel Tower?",
                          ["Eiffel Tower: It opened in 1889.",
                           "Paris: The Eiffel Tower stands in Paris."]) == [0, 2]
