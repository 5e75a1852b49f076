"""How sure an answer is: the chosen sentence's named features mapped through the fitted
logistic; the engine and the fitting both call `confidence`."""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

from retriever.calibration import Calibration
from retriever.features import SENTENCE_FEATURE_NAMES, Table
from retriever.records import Hit

# The answer's own features: its score, its lead over the best sentence of another section,
# and the sentence features that say most about whether it answers at all.
CONFIDENCE_FEATURES = ("score", "margin", "sentence_sim", "chunk_sim", "sentence_lex",
                       "chunk_cov", "type_ok", "type_exact", "missing_idf", "oov", "focus_lex",
                       "caption", "expands", "numbers_missing", "tense_ok")
READER = "reader"  # the reader's logit, a sentence feature of the reader stage
READER_SENTENCE_FEATURES = (*SENTENCE_FEATURE_NAMES, READER)
# "reader": the chosen sentence's logit; "reader_margin": its lead over the best other one.
READER_CONFIDENCE_FEATURES = (*CONFIDENCE_FEATURES, READER, "reader_margin")


def answer_features(features: Table, kept: np.ndarray, scores: np.ndarray,
                    where: list[tuple[Hit, int]], best: int) -> dict[str, float]:
    """The chosen candidate's features, by name, with what only the choice defines."""
    chosen = features.row(best)
    others = [scores[i] for i, (h, _) in enumerate(where)
              if h.chunk.id != where[best][0].chunk.id and np.isfinite(scores[i])]
    chosen["score"] = float(scores[best])
    chosen["margin"] = float(scores[best] - max(others)) if others else 1.0
    if READER in features.names:
        logits = features.column(READER)
        read = [float(logits[i]) for i in np.flatnonzero(kept) if i != best]
        chosen["reader_margin"] = chosen[READER] - max(read) if read else 1.0
    return chosen


def confidence(features: Mapping[str, float], cal: Calibration) -> float:
    """The answer's confidence in [0, 1]: the logistic of the fitted weights' sum."""
    z = cal.conf_bias + sum(w * features.get(k, 0.0) for k, w in cal.conf_weights.items())
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))
