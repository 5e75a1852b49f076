"""The reader's in-domain groups, read from the training groups' files."""

from __future__ import annotations

import json
from pathlib import Path


def _write(folder: Path, sections: list[dict], groups: list[dict]) -> Path:  # type: ignore[type-arg]
    folder.mkdir()
    for name, rows in (("sections", sections), ("groups", groups)):
        (folder / f"{name}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    return folder


def test_faq_and_unanswerable_groups_read_under_an_unmasked_heading(tmp_path: Path) -> None:
    from reader.data import Group
    from reader.site_groups import site_groups

    sections = [
        {"id": "a", "title": "Library cards › Question", "text": "",
         "sentences": ["Cards cost $5.", "Pay at any branch."]},
        {"id": "b", "title": "Loans › How long can I borrow?", "text": "",
         "sentences": ["Loans last 21 days."]},
    ]
    group = {"source": "isomerpages/nlb", "positives": ["a"], "negatives": ["b"], "id": ""}
    groups = [
        {**group, "kind": "faq", "split": "train", "question": "How much is a card?",
         "answer_sentences": [["a", 0]], "other_sentences": [["a", 0], ["b", 0], ["a", 1]]},
        {**group, "kind": "unanswerable", "split": "train", "question": "How much is a card?",
         "answer_sentences": [], "other_sentences": [["b", 0]]},
        {**group, "kind": "faq", "split": "val", "question": "Kept for measuring?",
         "answer_sentences": [["a", 0]], "other_sentences": [["b", 0]]},
        {**group, "kind": "structure", "split": "train", "question": "Loans",
         "answer_sentences": [], "other_sentences": []},
    ]
    found, counts = site_groups(_write(tmp_path / "g", sections, groups))
    assert found == [
        Group("How much is a card?", ("Library cards: Cards cost $5.",
                                      "How long can I borrow?: Loans last 21 days.",
                                      "Library cards: Pay at any branch."), 1),
        Group("How much is a card?", ("How long can I borrow?: Loans last 21 days.",), 0),
    ]
    assert counts == {"faq": 1, "unanswerable": 1}
