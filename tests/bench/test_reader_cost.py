"""The reader-cost bench times the very batches the engine hands its reader."""

from __future__ import annotations

from pathlib import Path

from bench.questions import load_questions
from loadtest.reader_cost import batches, padded_logits, padded_report
from retriever.reader import READER_DIR, OnnxReader

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
