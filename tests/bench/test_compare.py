"""`python -m bench.compare`: two benchmark runs, answer by answer."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bench.compare import compare, main


def _result(qid: str, mode: str = "reader", **changes: Any) -> dict[str, Any]:
    row = {"id": qid, "question": f"question {qid}?", "type": "factoid", "mode": mode,
           "gold": {"answers": ["x"]}, "answered": True, "answer": f"answer {qid}",
           "confidence": 0.73125, "citation": {"chunk_id": f"c{qid}", "start": 0, "end": 9},
           "correct": True, "answer_correct": True, "em": 0.0, "f1": 0.5,
           "citation_correct": True, "retrieval_rank": 1, "latency_ms": 12.0,
           "sentence_rank": None, "error": None, "extra": {}}
    row.update(changes)
    return row


def _run(folder: Path, name: str, rows: list[dict[str, Any]]) -> Path:
    out = folder / name
    out.mkdir(parents=True)
    (out / "results.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    return out


def test_identical_runs_pass_whatever_the_latency(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    _run(tmp_path / "before", "sample", [_result("1"), _result("2", mode="hybrid")])
    _run(tmp_path / "after", "sample", [_result("1", latency_ms=99.0),
                                        _result("2", mode="hybrid", confidence=0.7312504)])
    assert main([str(tmp_path / "before"), str(tmp_path / "after")]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "sample: 2 results, 0 changed", "2 results compared, 0 changed"]


def test_every_changed_field_is_listed(tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    before = _run(tmp_path, "before", [_result("1"), _result("2"), _result("3")])
    after = _run(tmp_path, "after", [
        _result("1", confidence=0.7313),
        _result("2", answer="another sentence", citation={"chunk_id": "c9", "start": 4,
                                                          "end": 20}),
        _result("3")])
    assert main([str(before / "results.jsonl"), str(after)]) == 1
    assert capsys.readouterr().out.splitlines() == [
        "after: 1 [reader]: confidence", "  before 0.73125", "  after  0.7313",
        "after: 2 [reader]: answer", '  before "answer 2"', '  after  "another sentence"',
        "after: 2 [reader]: citation",
        '  before {"chunk_id": "c2", "start": 0, "end": 9}',
        '  after  {"chunk_id": "c9", "start": 4, "end": 20}',
        "after: 3 results, 2 changed", "3 results compared, 2 changed"]


def test_a_question_missing_from_one_run_is_a_difference(tmp_path: Path) -> None:
    for side, rows in (("before", [_result("1"), _result("2")]), ("after", [_result("1")])):
        _run(tmp_path / side, "corpus-reader", rows)
        _run(tmp_path / side, "sample-reader", [_result("s1")])
    counts, diffs = compare(tmp_path / "before", tmp_path / "after")
    assert counts == {"corpus-reader": 2, "sample-reader": 1}
    assert [(d.run, d.key, d.field, d.before, d.after) for d in diffs] == [
        ("corpus-reader", "2 [reader]", "(question)", "present", "missing")]


def test_runs_that_do_not_pair_up_are_refused(tmp_path: Path) -> None:
    _run(tmp_path / "before", "sample", [_result("1")])
    _run(tmp_path / "after", "corpus", [_result("1")])
    with pytest.raises(SystemExit, match="the runs differ"):
        main([str(tmp_path / "before"), str(tmp_path / "after")])
