"""Fitting reads what serving serves: the calibration and the rerank are fitted through the
engine's own query path, and the shared fitters find what the data say."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from bench.questions import load_questions
from retriever.confidence import CONFIDENCE_FEATURES
from retriever.engine import Engine
from retriever.features import SECTION_FEATURE_NAMES, SENTENCE_FEATURE_NAMES
from retriever.rerank import FusionOrder, LinearReranker, load_reranker
from tuning import calibrate, rerank
from tuning.fit import conditional_logit, logistic
from tuning.threshold import WRONG_ANSWER_COST, ThresholdRule, choose_threshold

REPO = Path(__file__).resolve().parents[2]
SAMPLE_SET = REPO / "bench/questions/sample.jsonl"


def test_conditional_logit_finds_the_feature_that_marks_the_right_candidate() -> None:
    rng = np.random.default_rng(0)
    groups = []
    for _ in range(60):
        x = rng.normal(size=(6, 3))
        right = np.zeros(6, dtype=bool)
        right[int(np.argmax(x[:, 1] + 0.1 * rng.normal(size=6)))] = True
        groups.append((x, right))
    w = conditional_logit(groups, np.zeros(3), l2=0.01)
    assert w[1] > 2 and abs(w[0]) < 0.5 * w[1] and abs(w[2]) < 0.5 * w[1]
    picked = [bool(y[int(np.argmax(x @ w))]) for x, y in groups]
    assert sum(picked) >= 0.9 * len(groups)


def test_conditional_logit_weighs_groups() -> None:
    """Groups of weight 0 change nothing; weighted groups pull the fit their way."""
    rng = np.random.default_rng(2)

    def groups(column: int) -> list[tuple[np.ndarray, np.ndarray]]:
        out = []
        for _ in range(40):
            x = rng.normal(size=(5, 2))
            right = np.zeros(5, dtype=bool)
            right[int(np.argmax(x[:, column]))] = True
            out.append((x, right))
        return out

    first, second = groups(0), groups(1)
    alone = conditional_logit(first, np.zeros(2), l2=0.01)
    ignored = conditional_logit(first + second, np.zeros(2), l2=0.01, weights=[1.0] * 40
                                + [0.0] * 40)
    assert np.allclose(alone, ignored, atol=1e-4)
    light = conditional_logit(first + second, np.zeros(2), l2=0.01, weights=[1.0] * 40
                              + [0.25] * 40)
    even = conditional_logit(first + second, np.zeros(2), l2=0.01)
    assert light[0] / light[1] > even[0] / even[1] > 0


def test_a_per_feature_penalty_shrinks_only_the_features_it_names() -> None:
    """Both columns mark the right candidate; a heavy penalty on one hands the choice to the
    other (how `tuning.calibrate --feature-l2` puts the reader first)."""
    rng = np.random.default_rng(3)
    groups = []
    for _ in range(60):
        x = rng.normal(size=(5, 2))
        x[:, 1] = x[:, 0] + 0.3 * rng.normal(size=5)
        right = np.zeros(5, dtype=bool)
        right[int(np.argmax(x[:, 0] + x[:, 1]))] = True
        groups.append((x, right))
    even = conditional_logit(groups, np.zeros(2), l2=0.01)
    first = conditional_logit(groups, np.zeros(2), l2=np.array([0.01, 10.0]))
    assert even[1] > 0.5 * even[0] > 0
    assert first[0] > even[0] and abs(first[1]) < 0.1 * first[0]
    x = rng.normal(size=(400, 2))
    y = (x[:, 0] + x[:, 1] > 0).astype(float)
    _, both = logistic(x, y, l2=0.001)
    _, one = logistic(x, y, l2=np.array([0.001, 10.0]))
    assert abs(both[0] - both[1]) < 0.3 * both[0]
    assert one[0] > 0 and abs(one[1]) < 0.1 * one[0]


def test_logistic_applies_to_raw_features() -> None:
    rng = np.random.default_rng(1)
    x = np.column_stack([rng.normal(5, 2, 400), rng.normal(size=400)])
    y = (x[:, 0] > 5).astype(float)
    bias, w = logistic(x, y, l2=0.001)
    p = 1 / (1 + np.exp(-(bias + x @ w)))
    assert w[0] > 0 and abs(w[1]) < 0.2 * w[0]
    assert np.mean((p >= 0.5) == (y == 1)) > 0.95


@pytest.fixture(scope="module")
def feature_engine(sample_index_dir: Path) -> Engine:
    return Engine.load(sample_index_dir, reader=None)


def test_the_threshold_keeps_each_sets_abstentions_above_the_floor() -> None:
    # Twenty answerable questions answered right (one of them barely: 0.55) and two
    # unanswerable ones, one as sure as that right answer (0.56).
    conf = np.array([0.9] * 19 + [0.55, 0.56, 0.3])
    right = np.array([True] * 20 + [False, False])
    answerable = right.copy()
    free = ThresholdRule()
    # Abstaining on the sure one costs a right answer: no floor keeps the lower threshold.
    assert choose_threshold(conf, right, answerable, None, free) == 0.31
    assert choose_threshold(conf, right, answerable, None, replace(free, abstain_floor=0.5)
                            ) == 0.31
    # A floor of both abstentions pays that answer (one false abstention in 20: the cap).
    assert choose_threshold(conf, right, answerable, None, replace(free, abstain_floor=0.75)
                            ) == 0.57
    # Where only abstaining on every question would meet the floor, the cap wins.
    conf[20] = 0.95
    assert choose_threshold(conf, right, answerable, None, replace(free, abstain_floor=0.75)
                            ) == 0.31


def test_a_wrong_answer_costs_the_threshold_what_the_rule_says() -> None:
    # Nineteen right answers at 0.9; wrong answers to two answerable questions, at 0.7 and
    # 0.6; one unanswerable question at 0.3.
    conf = np.array([0.9] * 19 + [0.7, 0.6, 0.3])
    right = np.array([True] * 19 + [False] * 3)
    answerable = np.array([True] * 21 + [False])
    # Free wrong answers (the default): abstaining on a wrong answer earns nothing, so the
    # lowest threshold that abstains on the unanswerable one is as good as any.
    assert WRONG_ANSWER_COST == 0.0
    assert choose_threshold(conf, right, answerable) == 0.31
    # At half a point the threshold also abstains on one wrong answer; not on both, which
    # would abstain on 2 of 21 answerable questions, over the 5% cap.
    assert choose_threshold(conf, right, answerable, None, ThresholdRule(wrong_cost=0.5)
                            ) == 0.61


def test_a_fitted_calibration_abstains_exactly_where_the_engine_does(
        feature_engine: Engine) -> None:
    questions = load_questions(SAMPLE_SET)
    batch = [(feature_engine, questions)]
    scorer = calibrate.fit(batch)
    cal = scorer.calibration
    assert tuple(cal.sentence_weights) == SENTENCE_FEATURE_NAMES
    assert tuple(cal.conf_weights) == CONFIDENCE_FEATURES
    answered, _right, answerable = calibrate.verdicts(batch, scorer)
    serving = Engine(feature_engine.index, scorer=scorer, reranker=feature_engine.reranker)
    served = [serving.ask(q.question, mode="hybrid").answered for q in questions]
    assert answered.tolist() == served
    assert answerable.sum() == sum(1 for q in questions if q.answers)
    assert 0 < answered.sum() < len(questions)  # it answers most and abstains on some


def test_a_fitted_rerank_round_trips_through_its_file(sample_index_dir: Path,
                                                      tmp_path: Path) -> None:
    from retriever.index import read_pages

    fused = Engine.load(sample_index_dir, reader=None, reranker=FusionOrder())
    sources = {p.url: p.source for p in read_pages(sample_index_dir)}
    groups = rerank.groups(fused, sources, SAMPLE_SET, depth=10)
    assert groups and all(g.features.shape == (len(g.relevant), len(SECTION_FEATURE_NAMES))
                          for g in groups)
    # The fused order the groups hold is the engine's own retrieval at that depth.
    first = next(q for q in load_questions(SAMPLE_SET) if q.answers and (q.section or q.page))
    assert len(groups[0].relevant) == len(fused.search(first.question, k=10))
    w = rerank.fit(groups, list(range(len(SECTION_FEATURE_NAMES))))
    path = tmp_path / "rerank.json"
    path.write_text(json.dumps({"depth": 10, "weights": dict(zip(
        SECTION_FEATURE_NAMES, map(float, w), strict=True))}))
    loaded = load_reranker(path)
    assert isinstance(loaded, LinearReranker) and loaded.depth == 10
    reranked = Engine(fused.index, scorer=fused.scorer, reranker=loaded)
    hits = reranked.search(first.question)
    assert len(hits) == 5 and [h.rank for h in hits] == [1, 2, 3, 4, 5]
