"""The training groups: from `train` sites and SQuAD only; dev sites and blind sets stay out."""

from __future__ import annotations

import json

from tests.tuning.conftest import HOLDOUT, HOLDOUT_QUESTION, _squad2
from tuning.groups import build


def test_groups_hold_train_sites_and_squad_only(isomer, bench_data, tmp_path):
    out = tmp_path / "groups"
    groups = build(isomer, bench_data / "squad-tiny.json", _squad2(tmp_path), out,
                   structure_per_site=10, blind=[HOLDOUT])
    assert groups.counts() == {
        "faq": {"train": 1},
        "squad": {"train": 3, "val": 3},  # Normans hashes to val
        "squad2-unanswerable": {"train": 1},
        "structure": {"train": 4},
        "unanswerable": {"train": 1},
    }
    assert groups.dropped_blind == 2  # the holdout question: its FAQ and unanswerable groups
    rows = [json.loads(line) for line in (out / "groups.jsonl").read_text().splitlines()]
    sections = {json.loads(line)["id"]: json.loads(line)
                for line in (out / "sections.jsonl").read_text().splitlines()}
    assert {r["source"] for r in rows} == {"isomerpages/train-b", "Super Bowl 50", "Normans",
                                          "Apollo"}
    assert HOLDOUT_QUESTION not in {r["question"] for r in rows}
    assert not [s for s in sections.values() if "quokka" in s["text"].casefold()]
    assert not [s for s in sections.values() if "Hera" in s["title"]]
    faq = next(r for r in rows if r["kind"] == "faq")
    positive = sections[faq["positives"][0]]
    # The question's own heading is masked; the answer's first sentence is the positive one.
    assert positive["title"] == "Grant help › Question"
    assert "What documents" not in positive["text"]
    assert [positive["sentences"][j] for _, j in faq["answer_sentences"]] == [
        "You need your company registration and the latest audited accounts."]
    silent = next(r for r in rows if r["kind"] == "unanswerable")
    assert silent["positives"] == []
    assert {sections[s]["title"].split(" › ")[0] for s in silent["negatives"]} == {
        "About the grants office"}
    assert json.loads((out / "counts.json").read_text())["groups"] == groups.counts()
