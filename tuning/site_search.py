"""Chunk-level retrieval over one site, as the index fuses it (dense + BM25), for mining."""

from __future__ import annotations

from collections.abc import Collection

import numpy as np

from ingest.records import Chunk
from retriever.embedder import OnnxEncoder
from retriever.index import chunk_embedding_text
from retriever.outline import Outline
from retriever.search import Ranked, fuse
from retriever.terms import terms


def section_texts(chunks: list[Chunk]) -> list[str]:
    """What the index embeds and matches for each chunk: path, context and text."""
    outline = Outline(chunks)
    return [chunk_embedding_text(c, outline.context_text(i)) for i, c in enumerate(chunks)]


class SiteSearch:
    """The index's first stage without its sentence vectors: chunk vectors and BM25 over the
    same texts, fused by reciprocal rank. Mining hard negatives over 70 sites needs no more,
    and embedding three views of every sentence would take hours on a CPU."""

    def __init__(self, texts: list[str], encoder: OnnxEncoder | None) -> None:
        import bm25s

        self.size = len(texts)
        self.encoder = encoder
        self.vectors = encoder.encode(texts) if encoder is not None else None
        self.bm25 = bm25s.BM25()
        self.bm25.index([terms(t) or ["_"] for t in texts], show_progress=False)
        self.vocab = self.bm25.vocab_dict

    def _lexical(self, query: str, depth: int) -> list[Ranked]:
        known = [t for t in terms(query) if t in self.vocab]
        if not known:
            return []
        scores = self.bm25.get_scores(known)
        top = np.argsort(-scores)[:depth]
        return [Ranked(int(i), float(scores[i])) for i in top if scores[i] > 0]

    def _dense(self, query: str, depth: int) -> list[Ranked]:
        if self.encoder is None or self.vectors is None:
            return []
        scores = self.vectors @ self.encoder.encode([query])[0]
        top = np.argsort(-scores)[:depth]
        return [Ranked(int(i), float(scores[i])) for i in top]

    def search(self, query: str, k: int, exclude: Collection[int] = (), depth: int = 30,
               dense: bool = True) -> list[int]:
        """The `k` best chunk positions for `query`, none of those in `exclude`; BM25 alone
        with `dense=False`."""
        deep = depth + len(exclude)
        fused = fuse(self._dense(query, deep) if dense else [], self._lexical(query, deep))
        order = sorted(fused, key=lambda i: -fused[i])
        return [i for i in order if i not in exclude][:k]
