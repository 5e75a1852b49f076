"""The sentence-scoring stage: which candidate sentence answers, behind one small Protocol.

Two implementations: the linear feature scorer (fast, `hybrid` mode) and the reader, which
rescores the feature scorer's best few sentences with the cross-encoder (`reader` mode).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from retriever.calibration import Calibration
from retriever.extract import CONFIDENCE_FEATURES, SENTENCE_FEATURES, Candidates, score_rows
from retriever.reader import READER_DIR, OnnxReader, candidate_text, chunk_title

READER_SENTENCE_FEATURES = (*SENTENCE_FEATURES, "reader")
# "reader": the chosen sentence's logit; "reader_margin": its lead over the best other one.
READER_CONFIDENCE_FEATURES = (*CONFIDENCE_FEATURES, "reader", "reader_margin")


class PairScorer(Protocol):
    """Anything that gives one logit per (question, candidate text): the ONNX reader."""

    def score(self, question: str, candidates: list[str]) -> np.ndarray: ...


@dataclass
class Rows:
    """The feature rows of the candidates a scorer considers (`kept`); the rest score -inf."""

    kept: np.ndarray  # bool per candidate
    features: np.ndarray  # candidates x scorer.features


class Scorer(Protocol):
    """Scores every candidate sentence of the retrieved sections against the question."""

    mode: str
    features: tuple[str, ...]
    confidence_features: tuple[str, ...]
    calibration: Calibration

    def rows(self, question: str, cands: Candidates) -> Rows: ...

    def answer_features(self, rows: Rows, best: int) -> dict[str, float]: ...


def scores(scorer: Scorer, rows: Rows) -> np.ndarray:
    """The calibrated score of each candidate: its features times the fitted weights."""
    return score_rows(rows.kept, rows.features,
                      scorer.calibration.weight_vector(scorer.features))


class FeatureScorer:
    """A linear score over the hand-built features: cosines, term coverage, question cues."""

    mode: str = "hybrid"
    features: tuple[str, ...] = SENTENCE_FEATURES
    confidence_features: tuple[str, ...] = CONFIDENCE_FEATURES

    def __init__(self, calibration: Calibration) -> None:
        self.calibration = calibration

    def rows(self, question: str, cands: Candidates) -> Rows:
        return Rows(np.ones(len(cands.where), dtype=bool), cands.features)

    def answer_features(self, rows: Rows, best: int) -> dict[str, float]:
        return {}


class ReaderScorer:
    """The feature scorer keeps its `top_k` best sentences; the reader reads each against
    the question in one batched call, and its logit joins the features."""

    mode: str = "reader"
    features: tuple[str, ...] = READER_SENTENCE_FEATURES
    confidence_features: tuple[str, ...] = READER_CONFIDENCE_FEATURES

    def __init__(self, reader: PairScorer, calibration: Calibration,
                 prefilter: FeatureScorer, top_k: int | None = None) -> None:
        self.reader = reader
        self.calibration = calibration
        self.prefilter = prefilter
        self.top_k = top_k or calibration.top_k or 8

    def rows(self, question: str, cands: Candidates) -> Rows:
        n = len(cands.where)
        base = scores(self.prefilter, self.prefilter.rows(question, cands))
        keep = np.argsort(-base, kind="stable")[:self.top_k]
        texts = []
        for i in keep:
            hit, j = cands.where[int(i)]
            texts.append(candidate_text(chunk_title(hit.chunk),
                                        hit.chunk.text[slice(*hit.chunk.sentences[j])]))
        logits = self.reader.score(question, texts)
        column = np.zeros((n, 1))
        column[keep, 0] = logits
        kept = np.zeros(n, dtype=bool)
        kept[keep] = True
        return Rows(kept, np.hstack([cands.features, column]))

    def answer_features(self, rows: Rows, best: int) -> dict[str, float]:
        logits = rows.features[:, -1]
        others = [float(logits[i]) for i in np.flatnonzero(rows.kept) if i != best]
        chosen = float(logits[best])
        return {"reader": chosen, "reader_margin": chosen - max(others) if others else 1.0}


def load_scorer(reader_dir: Path | None = READER_DIR) -> Scorer:
    """The shipped scoring stage: the reader over the feature scorer, each with its own
    calibration, or the feature scorer alone when `reader_dir` is None. A reader without a
    calibration fitted for its exact file is refused, never half-used."""
    from retriever.calibration import CALIBRATION_FILE, READER_CALIBRATION_FILE

    feature = FeatureScorer(Calibration.load(CALIBRATION_FILE, features=SENTENCE_FEATURES))
    if reader_dir is None:
        return feature
    # One intra-op thread whatever the encoder gets: on a batch of 8 short pairs, a second
    # thread cost more than it saved (`make bench-perf`: 47-53 ms p50 with 2, 36-43 with 1).
    reader = OnnxReader(reader_dir, threads=1)
    cal = Calibration.load(READER_CALIBRATION_FILE, features=READER_SENTENCE_FEATURES,
                           reader_sha256=reader.info.sha256)
    return ReaderScorer(reader, cal, feature)
