"""The sentence-scoring stage: which candidate sentence answers, behind one small Protocol.

Two implementations: the linear feature scorer (fast, `hybrid` mode) and the reader, which
rescores the feature scorer's best few sentences with the cross-encoder (`reader` mode).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from retriever.calibration import Calibration
from retriever.confidence import (
    CONFIDENCE_FEATURES,
    READER,
    READER_CONFIDENCE_FEATURES,
    READER_SENTENCE_FEATURES,
)
from retriever.context import QuestionContext
from retriever.features import SENTENCE_FEATURE_NAMES, Candidates, Table
from retriever.reader import READER_DIR, OnnxReader, candidate_text, chunk_title


class PairScorer(Protocol):
    """Anything that gives one logit per (question, candidate text): the ONNX reader."""

    def score(self, question: str, candidates: list[str]) -> np.ndarray: ...


@dataclass
class Rows:
    """The feature rows of the candidates a scorer considers (`kept`); the rest score -inf."""

    kept: np.ndarray  # bool per candidate
    features: Table  # candidates x scorer.features


class Scorer(Protocol):
    """Scores every candidate sentence of the retrieved sections against the question."""

    mode: str
    features: tuple[str, ...]  # the sentence features it weighs, in the calibration's order
    confidence_features: tuple[str, ...]
    calibration: Calibration

    @property
    def feature_stage(self) -> Scorer:
        """The fast feature-only stage: `hybrid` mode, and what chooses what a reader reads."""
        ...

    def rows(self, ctx: QuestionContext, cands: Candidates) -> Rows: ...

    def rank_free(self, ctx: QuestionContext, sentences: list[str],
                  features: Callable[[], Table]) -> np.ndarray:
        """Scores for free-standing sentences (answer-sentence selection benchmarks);
        `features` builds the sentence features they have, when a scorer needs them."""
        ...


def scores(scorer: Scorer, rows: Rows) -> np.ndarray:
    """The calibrated score of each candidate; -inf for one the scorer did not consider."""
    weights = scorer.calibration.weights_for(rows.features.names)
    return np.where(rows.kept, rows.features.values @ weights, -np.inf)


class FeatureScorer:
    """A linear score over the hand-built features: cosines, term coverage, question cues."""

    mode: str = "hybrid"
    features: tuple[str, ...] = SENTENCE_FEATURE_NAMES
    confidence_features: tuple[str, ...] = CONFIDENCE_FEATURES

    def __init__(self, calibration: Calibration) -> None:
        self.calibration = calibration

    @property
    def feature_stage(self) -> FeatureScorer:
        return self

    def rows(self, ctx: QuestionContext, cands: Candidates) -> Rows:
        return Rows(np.ones(len(cands.where), dtype=bool), cands.features)

    def rank_free(self, ctx: QuestionContext, sentences: list[str],
                  features: Callable[[], Table]) -> np.ndarray:
        table = features()
        return np.asarray(table.values @ self.calibration.weights_for(table.names))


class ReaderScorer:
    """The feature scorer keeps its `top_k` best sentences; the reader reads each against
    the question in one batched call, and its logit joins the features as `reader`."""

    mode: str = "reader"
    features: tuple[str, ...] = READER_SENTENCE_FEATURES
    confidence_features: tuple[str, ...] = READER_CONFIDENCE_FEATURES

    def __init__(self, reader: PairScorer, calibration: Calibration,
                 feature_stage: FeatureScorer, top_k: int | None = None) -> None:
        self.reader = reader
        self.calibration = calibration
        self._feature_stage = feature_stage
        self.top_k = top_k or calibration.top_k or 8

    @property
    def feature_stage(self) -> FeatureScorer:
        return self._feature_stage

    def rows(self, ctx: QuestionContext, cands: Candidates) -> Rows:
        n = len(cands.where)
        base = scores(self._feature_stage, self._feature_stage.rows(ctx, cands))
        keep = np.argsort(-base, kind="stable")[:self.top_k]
        texts = []
        for i in keep:
            hit, j = cands.where[int(i)]
            texts.append(candidate_text(chunk_title(hit.chunk),
                                        hit.chunk.text[slice(*hit.chunk.sentences[j])]))
        column = np.zeros(n)
        column[keep] = self.reader.score(ctx.query, texts)
        kept = np.zeros(n, dtype=bool)
        kept[keep] = True
        return Rows(kept, cands.features.with_column(READER, column))

    def rank_free(self, ctx: QuestionContext, sentences: list[str],
                  features: Callable[[], Table]) -> np.ndarray:
        return np.asarray(self.reader.score(ctx.query, [" ".join(s.split())
                                                        for s in sentences]), dtype=np.float64)


def load_scorer(reader_dir: Path | None = READER_DIR, threads: int = 1) -> Scorer:
    """The shipped scoring stage: the reader over the feature scorer, each with its own
    calibration, or the feature scorer alone when `reader_dir` is None. A reader without a
    calibration fitted for its exact file is refused, never half-used. `threads`: the
    reader's pairs run that many at once."""
    from retriever.calibration import CALIBRATION_FILE, READER_CALIBRATION_FILE

    feature = FeatureScorer(Calibration.load(CALIBRATION_FILE, features=SENTENCE_FEATURE_NAMES,
                                             confidence_features=CONFIDENCE_FEATURES))
    if reader_dir is None:
        return feature
    # One intra-op thread whatever the encoder gets: on a batch of 8 short pairs, a second
    # thread cost more than it saved (`make bench-perf`: 47-53 ms p50 with 2, 36-43 with 1).
    # The engine's threads run whole pairs side by side instead.
    reader = OnnxReader(reader_dir, threads=1, parallel=threads)
    cal = Calibration.load(READER_CALIBRATION_FILE, features=READER_SENTENCE_FEATURES,
                           confidence_features=READER_CONFIDENCE_FEATURES,
                           reader_sha256=reader.info.sha256)
    return ReaderScorer(reader, cal, feature)
