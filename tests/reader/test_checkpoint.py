"""The reader's committed weights: saved without the frozen embeddings, resumed on a machine
whose run folder is gone, and v1's weights read back from its shipped int8 file."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest


def test_saved_weights_resume_where_the_run_folder_is_gone(run_cli, squad_slice: Path,
                                                           tmp_path: Path) -> None:
    from safetensors.numpy import load_file

    run, saved = tmp_path / "run", tmp_path / "checkpoints" / "reader.safetensors"
    rc, _, err = run_cli("reader", "train", "--squad", squad_slice, "--out", run,
                         "--questions", "12", "--batch", "4", "--layers", "2",
                         "--max-length", "48", "--threads", "1", "--max-steps", "1",
                         "--checkpoint", saved)
    assert rc == 0, err
    rc, out, err = run_cli("reader", "save", "--run", run, "--out", saved, "--check", "0")
    assert rc == 0, err
    assert "at step 1" in out
    weights = load_file(str(saved))
    assert "encoder.embeddings.word_embeddings.weight" not in weights
    assert {str(w.dtype) for w in weights.values()} == {"float16"}
    assert "head.weight" in weights and len(
        [k for k in weights if k.endswith("attention.self.query.weight")]) == 2
    card = json.loads(saved.with_suffix(".json").read_text())
    assert card["steps"] == 1 and card["config"]["layers"] == 2 and card["curve"] == []

    shutil.rmtree(run)  # a new machine: only the committed files are left
    rc, out, err = run_cli("reader", "train", "--out", run, "--resume", "--checkpoint", saved,
                           "--max-steps", "1", "--threads", "1")
    assert rc == 0, err
    resumed = json.loads(out.strip().splitlines()[-1])
    assert resumed["steps"] == 2 and resumed["pairs"] > card["pairs"]
    assert json.loads((run / "config.json").read_text())["questions"] == 12

    # Rebuilt groups whose candidates differ (another machine's floats can pick other hard
    # negatives) but that ask the same questions in the same order: resumed, with a warning;
    # the weights the run started from may be gone (a retired reader): they are not needed.
    assert len(card["plan_sha256"]) == 64
    shutil.rmtree(run)
    saved.with_suffix(".json").write_text(json.dumps({
        **card, "groups_sha256": "0" * 64,
        "config": {**card["config"], "init": str(tmp_path / "retired" / "model-int8.onnx")}}))
    rc, out, err = run_cli("reader", "train", "--out", run, "--resume", "--checkpoint", saved,
                           "--max-steps", "1", "--threads", "1")
    assert rc == 0, err
    assert "same questions in the same order" in err
    assert json.loads(out.strip().splitlines()[-1])["steps"] == 2

    # Groups rebuilt otherwise would replay other batches: refused in one line.
    shutil.rmtree(run)
    saved.with_suffix(".json").write_text(json.dumps({**card, "groups_sha256": "0" * 64,
                                                      "plan_sha256": "0" * 64}))
    rc, _, err = run_cli("reader", "train", "--out", run, "--resume", "--checkpoint", saved,
                         "--max-steps", "1", "--threads", "1")
    assert rc != 0 and "differ" in err and "Traceback" not in err


def test_resume_with_neither_run_nor_checkpoint_is_one_line(run_cli, tmp_path: Path) -> None:
    rc, _, err = run_cli("reader", "train", "--out", tmp_path / "none", "--resume",
                         "--checkpoint", tmp_path / "none.safetensors")
    assert rc != 0 and "nothing to resume" in err and "Traceback" not in err


def test_a_checkpoint_of_another_size_is_refused(tmp_path: Path) -> None:
    from reader.checkpoint import load_into, save
    from reader.model import build
    from retriever.embedder import resolve_model

    base = Path(resolve_model().path)
    save(build(base, 2), tmp_path / "two.safetensors")
    with pytest.raises(ValueError, match="does not fit this reader"):
        load_into(build(base, 3), tmp_path / "two.safetensors")


def test_v1_weights_read_back_from_its_int8_file_score_as_it_does(shared_dir: Path) -> None:
    """The shipped v1 reader's torch checkpoint was lost with its machine; its int8 file,
    dequantized, starts the next reader where v1 left off."""
    from transformers import AutoTokenizer

    from reader.checkpoint import load_into
    from reader.export import torch_scores
    from reader.model import build
    from reader.selection import load_items
    from retriever.embedder import resolve_model
    from retriever.reader import READER_DIR, OnnxReader

    v1 = OnnxReader(READER_DIR, threads=1)
    base = Path(resolve_model().path)
    model = build(base, v1.info.layers)
    load_into(model, READER_DIR / "model-int8.onnx")
    model.eval()
    tokenizer = AutoTokenizer.from_pretrained(str(base))
    items = load_items(shared_dir / "bench" / "squad" / "dev-v1.1.json", limit=40, seed=3)
    agree, diffs = 0, []
    for item in items:
        got = torch_scores(model, tokenizer, [(item.question, c) for c in item.candidates],
                           v1.info.max_length)
        want = v1.score(item.question, item.candidates)
        agree += int(np.argmax(got) == np.argmax(want))
        diffs.append(float(np.abs(got - want).max()))
    assert agree >= 36, (agree, max(diffs))
    assert float(np.median(diffs)) < 0.5


def test_a_committed_checkpoint_exports_to_the_reader_its_run_exports(
        run_cli, tiny_reader, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from retriever.reader import OnnxReader

    run, exported, _ = tiny_reader
    saved = tmp_path / "reader.safetensors"
    rc, _, err = run_cli("reader", "save", "--run", run, "--out", saved, "--check", "0")
    assert rc == 0, err
    rc, out, err = run_cli("reader", "export", "--checkpoint", saved, "--out",
                           tmp_path / "reader-c", "--version", "c", "--check", "2")
    assert rc == 0, err
    card = json.loads((tmp_path / "reader-c" / "reader.json").read_text())
    assert card["version"] == "c" and card["trained"]["steps"] == 1
    question = "Which NFL team represented the AFC at Super Bowl 50?"
    candidates = ["Super Bowl 50: The Denver Broncos defeated the Carolina Panthers.",
                  "Super Bowl 50: The game was played in Santa Clara, California.",
                  "Super Bowl 50: It was the 50th Super Bowl."]
    from_run = OnnxReader(exported).score(question, candidates)
    from_checkpoint = OnnxReader(tmp_path / "reader-c").score(question, candidates)
    # fp16 weights, then int8 again: close to the run's own export, not bit-equal.
    assert np.abs(from_run - from_checkpoint).max() < 0.1


def test_export_of_a_missing_checkpoint_is_one_line(run_cli, tmp_path: Path) -> None:
    rc, _, err = run_cli("reader", "export", "--checkpoint", tmp_path / "none.safetensors")
    assert rc != 0 and "no checkpoint and card" in err and "Traceback" not in err


def test_averaged_checkpoints_are_their_weighted_mean_and_export(
        run_cli, tiny_reader, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import torch
    from safetensors.torch import load_file, save_file

    from retriever.embedder import sha256_file
    from retriever.reader import OnnxReader

    run, _, _ = tiny_reader
    a, b, c = (tmp_path / f"{n}.safetensors" for n in "abc")
    rc, _, err = run_cli("reader", "save", "--run", run, "--out", a, "--check", "0")
    assert rc == 0, err
    # A second checkpoint of the same lineage: every weight moved by one.
    save_file({k: (v.float() + 1).half() for k, v in load_file(str(a)).items()}, str(b))
    shutil.copy(a.with_suffix(".json"), b.with_suffix(".json"))
    rc, out, err = run_cli("reader", "average", a, b, "--weight", "3", "--weight", "1",
                           "--out", c, "--check", "0")
    assert rc == 0, err
    assert "the mean of 2" in out
    mean, first = load_file(str(c)), load_file(str(a))
    assert set(mean) == set(first)
    for name, value in first.items():
        torch.testing.assert_close(mean[name].float(), value.float() + 0.25,
                                   atol=2e-3, rtol=2e-3)
    card = json.loads(c.with_suffix(".json").read_text())
    assert card["averaged"] == [
        {"checkpoint": str(a), "sha256": sha256_file(a), "weight": 3.0},
        {"checkpoint": str(b), "sha256": sha256_file(b), "weight": 1.0}]
    assert card["config"]["layers"] == 2 and card["steps"] == 1 and card["curve"] == []

    rc, _, err = run_cli("reader", "export", "--checkpoint", c, "--out", tmp_path / "reader-c",
                         "--version", "soup", "--check", "2")
    assert rc == 0, err
    exported = json.loads((tmp_path / "reader-c" / "reader.json").read_text())
    assert exported["trained"]["averaged"] == card["averaged"]
    scores = OnnxReader(tmp_path / "reader-c").score("Who won?", ["The Broncos won.", "Rain."])
    assert scores.shape == (2,) and np.isfinite(scores).all()


def test_averaging_what_does_not_fit_is_one_line(run_cli, tiny_reader, tmp_path: Path
                                                 ) -> None:  # type: ignore[no-untyped-def]
    from reader.checkpoint import save
    from reader.model import build
    from retriever.embedder import resolve_model

    run, _, _ = tiny_reader
    two, three = tmp_path / "two.safetensors", tmp_path / "three.safetensors"
    rc, _, err = run_cli("reader", "save", "--run", run, "--out", two, "--check", "0")
    assert rc == 0, err
    rc, _, err = run_cli("reader", "average", two, two, "--weight", "1", "--out",
                         tmp_path / "x.safetensors", "--check", "0")
    assert rc != 0 and "need as many" in err and "Traceback" not in err
    save(build(Path(resolve_model().path), 3), three)
    card = json.loads(two.with_suffix(".json").read_text())
    three.with_suffix(".json").write_text(json.dumps(
        {**card, "config": {**card["config"], "layers": 3}}))
    rc, _, err = run_cli("reader", "average", two, three, "--out", tmp_path / "x.safetensors",
                         "--check", "0")
    assert rc != 0 and "only one architecture" in err and "Traceback" not in err
