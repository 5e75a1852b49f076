"""Calibration: the fitted sentence weights, window and confidence map of one scoring stage,
tied to the features (and the reader model) it was fitted with."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from govqa.errors import ModelError

CALIBRATION_FILE = Path(__file__).with_name("calibration.json")  # the feature scorer's
READER_CALIBRATION_FILE = Path(__file__).with_name("calibration-reader.json")


@dataclass
class Calibration:
    """Sentence-score weights and the logistic map from answer features to confidence.

    Fitted on the bundled question sets by `python -m tuning.calibrate`.
    """

    sentence_weights: dict[str, float] = field(default_factory=lambda: {
        "sentence_sim": 1.0, "plain_sim": 0.0, "context_sim": 0.0, "chunk_sim": 0.5,
        "neighbour_sim": 0.0, "sentence_lex": 0.5,
        "chunk_cov": 0.3, "title_cov": 0.0, "fused": 0.0, "short": 0.0, "type_ok": 0.0,
        "missing_idf": 0.0, "oov": 0.0})
    conf_bias: float = -6.0
    conf_weights: dict[str, float] = field(default_factory=lambda: {
        "score": 0.0, "margin": 0.0, "sentence_sim": 5.0, "chunk_sim": 4.0,
        "sentence_lex": 1.0, "chunk_cov": 2.5, "type_ok": 0.0, "missing_idf": 0.0, "oov": 0.0})
    threshold: float = 0.5
    window_delta: float = 0.0  # a neighbour within this score of the best joins the answer
    window_sentences: int = 2  # the most sentences such a window holds
    fitted_on: list[str] = field(default_factory=list)
    # What the weights mean: a file fitted for other features, or another reader model,
    # would silently score nonsense, so load() refuses it.
    mode: str = "hybrid"
    reader_sha256: str | None = None
    top_k: int = 0  # reader mode: how many of the feature scorer's best sentences it reads

    @classmethod
    def load(cls, path: Path = CALIBRATION_FILE, *, features: tuple[str, ...] | None = None,
             confidence_features: tuple[str, ...] | None = None,
             reader_sha256: str | None = None) -> Calibration:
        """The fitted file, refused when its features (names and order) are not the ones
        this code computes, or when it was fitted with another reader."""
        if not path.is_file():
            if reader_sha256 is not None:
                raise ModelError(f"no calibration for the reader: {path} is missing")
            return cls()
        cal = cls(**json.loads(path.read_text()))
        for kind, fitted, wanted in (("sentence", cal.sentence_weights, features),
                                     ("confidence", cal.conf_weights, confidence_features)):
            if wanted is not None and tuple(fitted) != tuple(wanted):
                raise ModelError(
                    f"{path.name} was fitted for other {kind} features than this code "
                    f"computes (fitted: {', '.join(fitted)}; computed: {', '.join(wanted)}); "
                    "refit it with `python -m tuning.calibrate`")
        if reader_sha256 is not None and cal.reader_sha256 != reader_sha256:
            raise ModelError(f"{path.name} was fitted with reader {cal.reader_sha256}, not "
                             f"the loaded {reader_sha256}; refit it with "
                             "`python -m tuning.calibrate --reader`")
        return cal

    def weights_for(self, names: tuple[str, ...]) -> np.ndarray:
        """The sentence weights in the order of `names` (0 for a feature not fitted)."""
        return np.array([self.sentence_weights.get(f, 0.0) for f in names])
