"""Section rerank: retrieve deep, then order the sections on named section features."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import numpy as np

from govqa.errors import ModelError
from retriever.context import QuestionContext
from retriever.features import SECTION_FEATURE_NAMES, sections
from retriever.records import Hit

RERANK_FILE = Path(__file__).with_name("rerank.json")


class SectionRanker(Protocol):
    """Orders the sections retrieval found before the extractor reads the first few."""

    depth: int  # how deep retrieval goes for it; 0 keeps the fused order as it is

    def rerank(self, ctx: QuestionContext, hits: list[Hit]) -> list[Hit]: ...


@dataclass
class LinearReranker:
    """A linear score over the section features, fitted by `python -m tuning.rerank`."""

    weights: dict[str, float]
    depth: int = 20
    fitted_on: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._vector = np.array([self.weights.get(f, 0.0) for f in SECTION_FEATURE_NAMES])

    def rerank(self, ctx: QuestionContext, hits: list[Hit]) -> list[Hit]:
        if len(hits) < 2:
            return hits
        order = np.argsort(-(sections(ctx, hits).values @ self._vector), kind="stable")
        return [Hit(chunk=hits[i].chunk, score=hits[i].score, rank=r + 1,
                    dense=hits[i].dense, bm25=hits[i].bm25)
                for r, i in enumerate(order.tolist())]


@dataclass
class FusionOrder:
    """No rerank: the fused retrieval order as it is (the baselines, and the fit's input)."""

    depth: int = 0

    def rerank(self, ctx: QuestionContext, hits: list[Hit]) -> list[Hit]:
        return hits


def load_reranker(path: Path = RERANK_FILE) -> LinearReranker:
    """The fitted rerank, refused unless it weighs exactly this code's section features,
    in the same order."""
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise ModelError(f"the rerank weights {path} cannot be read: {exc}") from exc
    fitted = tuple(data["weights"])
    if fitted != SECTION_FEATURE_NAMES:
        raise ModelError(f"{path.name} was fitted for other section features than this code "
                         f"computes (fitted: {', '.join(fitted)}; computed: "
                         f"{', '.join(SECTION_FEATURE_NAMES)}); refit with "
                         "python -m tuning.rerank")
    return LinearReranker(dict(data["weights"]), int(data["depth"]),
                          list(data.get("fitted_on", [])))
