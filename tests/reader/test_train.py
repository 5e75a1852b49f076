"""The reader's training command end to end on a tiny slice: train, resume, export, check."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest


def test_groups_from_squad_hold_the_answer_first(squad_slice: Path) -> None:
    from reader.data import squad_groups

    data = json.loads(squad_slice.read_text())["data"]
    answers = {qa["question"]: [a["text"] for a in qa["answers"]]
               for art in data for p in art["paragraphs"] for qa in p["qas"]}
    groups = squad_groups(squad_slice, limit=None)
    assert len(groups) >= 30
    for g in groups:
        title, _, first = g.candidates[0].partition(": ")
        assert title in {a["title"].replace("_", " ") for a in data}
        assert any(a in first for a in answers[g.question])
        # Negatives never hold the answer text: they would teach the wrong lesson.
        for neg in g.candidates[1:]:
            assert not any(a in neg.partition(": ")[2] for a in answers[g.question][:1])
        assert g.positives == 1 and 2 <= len(g.candidates) <= 4


def test_train_resume_and_export(run_cli, squad_slice: Path, tmp_path: Path) -> None:
    run = tmp_path / "run"
    args = ("reader", "train", "--squad", squad_slice, "--out", run, "--questions", "12",
            "--batch", "4", "--layers", "2", "--max-length", "48", "--threads", "1")
    rc, out, err = run_cli(*args, "--max-steps", "1")
    assert rc == 0, err
    first = json.loads(out.strip().splitlines()[-1])
    assert first["steps"] == 1 and first["finished"] is False and first["pairs"] > 0
    assert (run / "state.pt").is_file() and (run / "groups.jsonl").is_file()

    # The same --out again without --resume is refused in one line.
    rc, _, err = run_cli(*args, "--max-steps", "1")
    assert rc != 0 and "--resume" in err and "Traceback" not in err

    rc, out, err = run_cli("reader", "train", "--out", run, "--resume", "--max-steps", "1")
    assert rc == 0, err
    second = json.loads(out.strip().splitlines()[-1])
    assert second["steps"] == 2 and second["pairs"] > first["pairs"]
    assert second["total_steps"] == first["total_steps"]

    out_dir = tmp_path / "reader-test"
    rc, out, err = run_cli("reader", "export", "--run", run, "--out", out_dir,
                           "--version", "t1", "--check", "5")
    assert rc == 0, err
    card = json.loads((out_dir / "reader.json").read_text())
    assert sorted(p.name for p in out_dir.iterdir()) == [
        "model-int8.onnx", "reader.json", "tokenizer.json"]
    assert card["version"] == "t1" and card["layers"] == 2 and card["max_length"] == 48
    assert card["trained"]["steps"] == 2
    assert card["int8_check_groups"] == 5 and card["int8_max_abs_diff"] < 0.5
    from retriever.embedder import sha256_file

    assert card["sha256"] == sha256_file(out_dir / "model-int8.onnx")


def test_int8_scores_follow_torch(tiny_reader) -> None:  # type: ignore[no-untyped-def]
    """The ONNX reader (its own tokenizer, int8 weights) scores as the torch model does."""
    from transformers import AutoTokenizer

    from reader.export import torch_scores
    from reader.train import load_trained
    from retriever.reader import OnnxReader

    run, folder, card = tiny_reader
    model, cfg, _ = load_trained(run)
    tokenizer = AutoTokenizer.from_pretrained(cfg.base)
    question = "Which country was the subject?"
    candidates = ["Topic: a short sentence.", "Topic: " + "a much longer sentence " * 12]
    expected = torch_scores(model, tokenizer, [(question, c) for c in candidates],
                            cfg.max_length)
    got = OnnxReader(folder).score(question, candidates)
    assert got.shape == (2,) and got.dtype == np.float32
    assert np.abs(got - expected).max() <= max(0.5, card["int8_max_abs_diff"] * 2)


def test_trains_on_cuda_when_present() -> None:
    import torch

    from reader.train import pick_device

    assert pick_device("auto").type == ("cuda" if torch.cuda.is_available() else "cpu")
    assert pick_device("cpu").type == "cpu"


@pytest.mark.parametrize("blind", ["holdout.jsonl", "dev-sites.jsonl"])
def test_indomain_groups_refuse_the_blind_sets(blind: str, sample_index_dir: Path) -> None:
    from reader.indomain import indomain_groups

    with pytest.raises(ValueError, match=f"{blind}: its questions are never trained on"):
        indomain_groups([(Path("bench/questions") / blind, sample_index_dir)])


def test_indomain_groups_read_what_the_engine_reads(sample_index_dir: Path,
                                                   sample_engine) -> None:  # type: ignore[no-untyped-def]
    from bench.metrics import contains
    from bench.questions import load_questions
    from reader.indomain import indomain_groups
    from retriever.reader import candidate_text, chunk_title

    qset = Path(__file__).resolve().parents[2] / "bench/questions/sample.jsonl"
    groups = indomain_groups([(qset, sample_index_dir)], negatives=3)
    by_question = {g.question: g for g in groups}
    for q in load_questions(qset):
        group = by_question.get(q.question)
        if group is None:
            continue  # no read sentence holds its gold
        # The sentences of the sections served, after the rerank: what the reader reads.
        prepared = sample_engine.prepare(q.question, mode="hybrid")
        served = {candidate_text(chunk_title(h.chunk), h.chunk.text[s:e])
                  for h in prepared.hits for s, e in h.chunk.sentences}
        assert set(group.candidates) <= served, q.question
        assert group.positives == (1 if q.answers else 0)
        assert 0 < len(group.candidates) - group.positives <= 3
        if q.answers:
            assert any(contains(group.candidates[0], g) for g in q.answers)
    assert sum(g.positives == 0 for g in groups) == sum(1 for q in load_questions(qset)
                                                      if not q.answers)


def test_eval_prints_r1_and_mrr(run_cli, tiny_reader, squad_slice: Path) -> None:  # type: ignore[no-untyped-def]
    from reader.selection import evaluate, load_items
    from retriever.reader import OnnxReader

    rc, out, err = run_cli("reader", "eval", "--reader", tiny_reader[1], "--squad", squad_slice,
                           "--no-baselines")
    assert rc == 0, err
    header, row = out.strip().splitlines()
    assert header.split() == ["ranker", "questions", "R@1", "MRR"]
    expected = evaluate(load_items(squad_slice, limit=None), OnnxReader(tiny_reader[1]).score)
    assert row.split() == ["reader", "test", str(expected["questions"]),
                           f"{expected['r@1']:.3f}", f"{expected['mrr']:.3f}"]


def test_the_no_answer_choice_must_win_only_where_nothing_answers() -> None:
    import torch

    from reader.data import Group
    from reader.train import TrainConfig, loss_of, no_answer_loss

    answered = Group("q?", ["answer.", "other.", "another."], positives=1)
    silent = Group("q?", ["near miss.", "other."], positives=0)

    def expected(scores: list[float], target: int) -> float:
        return -(scores[target] - math.log(sum(math.exp(x) for x in scores)))

    logits = torch.tensor([4.0, -2.0, -3.0, 3.0, -1.0])
    got = no_answer_loss(logits, [answered, silent]).item()
    # The answer against its negatives and a no-answer at 0; the near miss's 3.0 against 0.
    want = (expected([4.0, -2.0, -3.0, 0.0], 0) + expected([3.0, -1.0, 0.0], 2)) / 2
    assert got == pytest.approx(want, rel=1e-6)
    # An unanswerable group whose every sentence is far below 0 costs almost nothing.
    assert no_answer_loss(torch.tensor([-9.0, -9.0]), [silent]).item() < 1e-3

    base = TrainConfig(squad="", base="")
    with_it = TrainConfig(squad="", base="", no_answer_weight=0.5)
    assert loss_of(logits, [answered, silent], with_it).item() == pytest.approx(
        loss_of(logits, [answered, silent], base).item() + 0.5 * want, rel=1e-6)


def test_a_run_with_the_no_answer_choice_records_it(run_cli, squad_slice: Path,
                                                     tmp_path: Path) -> None:
    run = tmp_path / "run"
    rc, out, err = run_cli("reader", "train", "--squad", squad_slice, "--out", run,
                           "--questions", "8", "--batch", "4", "--layers", "1",
                           "--max-length", "48", "--threads", "1", "--max-steps", "1",
                           "--no-answer-weight", "1", "--checkpoint", tmp_path / "c.safetensors")
    assert rc == 0, err
    assert json.loads((run / "config.json").read_text())["no_answer_weight"] == 1.0
    assert math.isfinite(json.loads(out.strip().splitlines()[-1])["loss"])
