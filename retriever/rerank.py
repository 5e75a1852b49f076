"""Section rerank: retrieve deep, then order the sections on section-level features."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np

from govqa.errors import ModelError
from retriever.records import Hit
from retriever.terms import terms

if TYPE_CHECKING:
    from retriever.extract import Extractor

RERANK_FILE = Path(__file__).with_name("rerank.json")

# Per-section features, in the order of the weight vector.
RERANK_FEATURES = (
    "fused",  # reciprocal-rank-fusion score, scaled to about [0, 1]
    "dense",  # cosine(question, the section's embedding)
    "bm25",  # BM25 score over the best among the candidates
    "best_sentence",  # best cosine of a sentence under its title
    "best_context",  # best cosine of a sentence with its neighbours
    "best_lex",  # best IDF-weighted share of the question's terms in one sentence
    "chunk_cov",  # that share over the section's text and path
    "title_cov",  # ... over the section's own path below the page title
    "page_cov",  # ... over the page title
    "parent_cov",  # ... over the headings above the section (cards under one heading)
    "missing_idf",  # rarest question term the section lacks, over the rarest overall
    "lead",  # 1 for the first section of its parent: intros say what a page is about
)


class SectionRanker(Protocol):
    """Orders the sections retrieval found before the extractor reads the first few."""

    depth: int

    def rerank(self, qvec: np.ndarray, question: str, hits: list[Hit]) -> list[Hit]: ...


def section_features(extractor: Extractor, qvec: np.ndarray, question: str,
                     hits: list[Hit]) -> np.ndarray:
    """One row of RERANK_FEATURES per hit."""
    index = extractor.index
    weights = extractor.term_weights(terms(question))
    rarest = max(weights.values(), default=1.0) or 1.0
    top_bm25 = max((h.bm25 or 0.0 for h in hits), default=0.0) or 1.0
    rows = []
    for hit in hits:
        pos = index.chunk_position(hit.chunk.id)
        chunk = hit.chunk
        lo, hi = int(index.sentence_offsets[pos]), int(index.sentence_offsets[pos + 1])
        views = index.sentence_vectors[lo:hi] @ qvec if hi > lo else np.zeros((1, 3))
        known = extractor.chunk_terms(pos)
        missing = max((w for t, w in weights.items()
                       if t not in known.everything and t in index.doc_freq), default=0.0)
        rows.append([
            min(1.0, hit.score * 30),
            float(index.chunk_vectors[pos] @ qvec),
            (hit.bm25 or 0.0) / top_bm25,
            float(views[:, 0].max()),
            float(views[:, 2].max()),
            max((extractor.coverage(weights, s) for s in known.sentences), default=0.0),
            extractor.coverage(weights, known.everything),
            extractor.coverage(weights, known.titles),
            extractor.coverage(weights, set(terms(chunk.page_title))),
            extractor.coverage(weights, set(terms(" ".join(chunk.section[1:-1])))),
            missing / rarest,
            1.0 if chunk.order == 0 else 0.0,
        ])
    return np.array(rows, dtype=np.float64).reshape(-1, len(RERANK_FEATURES))


@dataclass
class LinearReranker:
    """A linear score over RERANK_FEATURES, fitted by `python -m bench.rerank`."""

    extractor: Extractor
    weights: dict[str, float]
    depth: int = 20
    fitted_on: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._vector = np.array([self.weights.get(f, 0.0) for f in RERANK_FEATURES])

    def rerank(self, qvec: np.ndarray, question: str, hits: list[Hit]) -> list[Hit]:
        if len(hits) < 2:
            return hits
        order = np.argsort(-(section_features(self.extractor, qvec, question, hits)
                             @ self._vector), kind="stable")
        return [Hit(chunk=hits[i].chunk, score=hits[i].score, rank=r + 1,
                    dense=hits[i].dense, bm25=hits[i].bm25)
                for r, i in enumerate(order.tolist())]


@dataclass
class FusionOrder:
    """No rerank: the fused retrieval order as it is (the baselines, and the fit's input)."""

    depth: int = 0

    def rerank(self, qvec: np.ndarray, question: str, hits: list[Hit]) -> list[Hit]:
        return hits


def load_reranker(extractor: Extractor, path: Path = RERANK_FILE) -> LinearReranker:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise ModelError(f"the rerank weights {path} cannot be read: {exc}") from exc
    unknown = set(data["weights"]) - set(RERANK_FEATURES)
    if unknown:
        raise ModelError(f"{path} weighs features this code does not compute: "
                           f"{', '.join(sorted(unknown))}; refit with python -m bench.rerank")
    return LinearReranker(extractor, dict(data["weights"]), int(data["depth"]),
                          list(data.get("fitted_on", [])))
