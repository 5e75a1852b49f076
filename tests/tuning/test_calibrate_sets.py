"""What a calibration is fitted on: never a blind set (the holdout, the dev-site questions, an
index of a dev site); a set only scored changes no fitted figure; a choice set fits the reader
stage's choice and leaves the feature scorer alone."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from bench.questions import load_questions
from retriever.engine import Engine
from tuning import calibrate
from tuning.blind import BLIND_SETS, why_blind

REPO = Path(__file__).resolve().parents[2]


def test_blind_sets_and_dev_site_indexes_are_refused(sample_index_dir: Path,
                                                     tmp_path: Path) -> None:
    sample = REPO / "bench" / "questions" / "sample.jsonl"
    assert [why_blind(p, sample_index_dir) for p in BLIND_SETS] == [
        "holdout.jsonl is never fitted on: it stays blind",
        "dev-sites.jsonl is never fitted on: it stays blind"]
    assert why_blind(sample, sample_index_dir) is None
    assert why_blind(sample, tmp_path / "no-index") is None  # the engine says it is missing
    dev = tmp_path / "dev-sites.yml"
    dev.write_text("- url: https://www.tech.gov.sg\n  sources: pages\n")
    assert why_blind(sample, sample_index_dir, dev_sites=dev) == (
        f"{sample_index_dir} holds pages of the dev site www.tech.gov.sg: never fitted on")


def test_calibrate_refuses_a_blind_set_in_one_line(sample_index_dir: Path) -> None:
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "tuning.calibrate", "--folds", "0",
                           f"bench/questions/sample.jsonl@{sample_index_dir}", "--eval",
                           f"bench/questions/dev-sites.jsonl@{sample_index_dir}"],
                          cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines()[-1].endswith(
        "dev-sites.jsonl is never fitted on: it stays blind")


def test_a_set_scored_only_leaves_the_fitted_sets_figures_as_they_were(
        sample_index_dir: Path) -> None:
    engine = Engine.load(sample_index_dir, reader=None)
    questions = load_questions(REPO / "bench" / "questions" / "sample.jsonl")
    fitted, scored = (engine, questions[:50]), (engine, questions[50:])
    alone, each_alone = calibrate.cross_validate([fitted], 3)
    both, each = calibrate.cross_validate([fitted, scored], 3, unfitted=frozenset({1}))
    assert both == alone and each[0] == each_alone[0]
    assert set(each[1]) == {"answer_accuracy", "abstained_unanswerable", "false_abstain"}


def test_a_choice_set_moves_the_reader_stage_choice_and_not_the_feature_scorer(
        sample_index_dir: Path) -> None:
    from retriever.reader import READER_DIR, OnnxReader

    engine = Engine.load(sample_index_dir, reader=None)
    questions = load_questions(REPO / "bench" / "questions" / "sample.jsonl")
    reader = calibrate.MemoReader(OnnxReader(READER_DIR))
    full, choice = (engine, questions[:40]), (engine, questions[40:])
    alone = calibrate.fit([full], reader, top_k=8)
    both = calibrate.fit([full, choice], reader, top_k=8, choice_only=frozenset({1}))
    assert both.feature_stage.calibration == alone.feature_stage.calibration
    assert both.calibration.sentence_weights != alone.calibration.sentence_weights
    unweighed = calibrate.fit([full, choice], reader, top_k=8, choice_only=frozenset({1}),
                              choice_weight=0.0)
    assert np.allclose(list(unweighed.calibration.sentence_weights.values()),
                       list(alone.calibration.sentence_weights.values()), atol=1e-6)
