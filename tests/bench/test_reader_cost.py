"""The reader-cost bench times the very batches the engine hands its reader."""

from __future__ import annotations

import json
from pathlib import Path

from bench.questions import load_questions
from loadtest.reader_cost import batches, padded_logits, padded_report
from retriever.reader import CARD_FILE, READER_DIR, OnnxReader

SAMPLE = Path(__file__).parents[2] / "bench" / "questions" / "sample.jsonl"


def test_each_question_hands_the_reader_one_batch_of_its_top_sentences(
        sample_index_dir: Path) -> None:
    work = batches(sample_index_dir, SAMPLE)
    questions = [q.question for q in load_questions(SAMPLE)]
    # Every sample question reaches the reader once, with the 8 sentences it reads.
    assert len(work) == len(questions)
    assert {len(texts) for _, texts in work} == {8}
    reader = OnnxReader(READER_DIR, threads=1)
    query, texts = work[0]
    assert len(reader.score(query, texts)) == 8


def test_padded_runs_are_compared_with_pairs_run_alone(sample_index_dir: Path) -> None:
    reader = OnnxReader(READER_DIR, threads=1)
    work = batches(sample_index_dir, SAMPLE)[:3]
    query, texts = work[0]
    # Padded to the batch's longest, a logit moves with its neighbours; alone it does not.
    assert padded_logits(reader, query, texts).shape == (8,)
    assert padded_logits(reader, query, texts[:1])[0] == reader.score(query, texts[:1])[0]
    report = padded_report(reader, work, rounds=1)
    assert report.startswith("  one pair per run p50 ")
    assert report.endswith(" of 3 batches")


def test_the_cost_command_times_each_reader_at_each_cut_and_parallelism(
        sample_index_dir: Path, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from loadtest import reader_cost

    monkeypatch.setattr("sys.argv", ["reader_cost", str(READER_DIR), "--index",
                                     str(sample_index_dir), "--rounds", "1",
                                     "--candidates", "8,4", "--parallel", "1,2"])
    reader_cost.main()
    layers = json.loads((READER_DIR / CARD_FILE).read_text())["layers"]
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "81 batches x 1 rounds, one intra-op thread per reader"
    assert [line.split(": p50")[0] for line in lines[1:]] == [
        f"{READER_DIR}: {layers} layers, 80 tokens, {k} sentences, {n} at once"
        for n in (1, 2) for k in (8, 4)]
    assert lines[1].endswith(", 1.00x the first")
