"""What the separation report measures: the chance a right answer's feature is above an
unanswerable question's, over the answers the fitted stage gives."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from bench.questions import load_questions
from retriever.confidence import CONFIDENCE_FEATURES, confidence
from retriever.engine import Engine
from tuning import calibrate
from tuning.separation import CONFIDENCE, auc, separation

REPO = Path(__file__).resolve().parents[2]


def test_auc_counts_each_pair_and_ties_half() -> None:
    # (3, 1), (3, 2), (2, 1) are ordered right and (2, 2) is a tie: 3.5 of 4 pairs.
    assert auc([3.0, 2.0], [1.0, 2.0]) == 0.875
    assert auc([1.0], [2.0, 3.0]) == 0.0
    assert np.isnan(auc([1.0], []))


def test_the_report_reads_the_answers_the_fitted_stage_gives(sample_index_dir: Path) -> None:
    engine = Engine.load(sample_index_dir, reader=None)
    batch = [(engine, load_questions(REPO / "bench" / "questions" / "sample.jsonl"))]
    scorer = calibrate.fit(batch)
    figures, n_right, n_unanswerable = separation(batch, scorer)
    feats, right, answerable = calibrate.answers(batch, scorer)
    assert (n_right, n_unanswerable) == (int(right.sum()), int((~answerable).sum()))
    assert tuple(figures) == (*CONFIDENCE_FEATURES, CONFIDENCE)
    conf = [confidence(f, scorer.calibration) for f in feats]
    assert figures[CONFIDENCE] == round(auc(
        [c for c, r in zip(conf, right, strict=True) if r],
        [c for c, a in zip(conf, answerable, strict=True) if not a]), 3)
    assert figures[CONFIDENCE] > 0.5
