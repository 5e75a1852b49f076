"""A loaded index version and its three retrievers: dense (FAISS), BM25, and their fusion."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from govqa.errors import IndexCorrupt, IndexMismatch, ModelError
from ingest.records import Chunk
from retriever.embedder import FULL_MODEL, QUERY_MODEL, OnnxEncoder, resolve_model, sha256_file
from retriever.index import read_manifest, require_version_dir
from retriever.outline import Outline
from retriever.records import Hit

log = logging.getLogger(__name__)

RRF_K = 60  # the usual reciprocal-rank-fusion constant: damps the weight of top ranks
HNSW_EF_SEARCH = 128


@dataclass
class Ranked:
    """One retriever's view of a chunk: position in the list and raw score."""

    index: int
    score: float


def fuse(*rankings: list[Ranked]) -> dict[int, float]:
    """Reciprocal-rank fusion: each chunk's summed 1 / (RRF_K + rank) over the rankings."""
    fused: dict[int, float] = {}
    for ranked in rankings:
        for rank, r in enumerate(ranked):
            fused[r.index] = fused.get(r.index, 0.0) + 1.0 / (RRF_K + rank + 1)
    return fused


class LoadedIndex:
    """Everything one index version holds, in memory, ready to answer from."""

    def __init__(self, folder: Path, manifest: dict[str, Any], threads: int = 1) -> None:
        import bm25s
        import faiss

        self.folder = folder
        self.manifest = manifest
        self.version: str = manifest["version"]
        dim = int(manifest["dimension"])
        try:
            with open(folder / "chunks.jsonl", encoding="utf-8") as fh:
                self.chunks = [Chunk.from_dict(json.loads(line)) for line in fh if line.strip()]
            self.faiss = faiss.read_index(str(folder / "chunks.faiss"))
            self.chunk_vectors = np.load(folder / "chunk_vectors.npy")
            self.sentence_vectors = np.load(folder / "sentence_vectors.npy")
            self.sentence_offsets = np.load(folder / "sentence_offsets.npy")
            self.bm25 = bm25s.BM25.load(str(folder / "bm25"), show_progress=False)
        except (OSError, ValueError, RuntimeError, KeyError) as exc:
            raise IndexCorrupt(f"the index in {folder} is damaged: {exc}") from exc
        if hasattr(self.faiss, "hnsw"):
            self.faiss.hnsw.efSearch = HNSW_EF_SEARCH
        if self.faiss.d != dim:
            raise IndexMismatch(
                f"the FAISS index holds {self.faiss.d}-d vectors but the manifest says {dim}-d; "
                "rebuild the index with govqa ingest")
        n = len(self.chunks)
        if (self.faiss.ntotal != n or self.chunk_vectors.shape != (n, dim)
                or len(self.sentence_offsets) != n + 1
                or self.sentence_vectors.shape[::2] != (int(self.sentence_offsets[-1]), dim)):
            raise IndexCorrupt(
                f"the index in {folder} is inconsistent: {n} chunks, {self.faiss.ntotal} vectors; "
                "rebuild it with govqa ingest")
        self.encoder = OnnxEncoder(folder / "encoder", threads=threads, model_file=QUERY_MODEL)
        if self.encoder.dimension != dim:
            raise IndexMismatch(
                f"the encoder gives {self.encoder.dimension}-d vectors, the index holds {dim}-d")
        self.outline = Outline(self.chunks)
        self.positions = self.outline.positions
        indptr = self.bm25.scores["indptr"]
        # Document frequency per term, read off BM25's term-major sparse matrix.
        self.doc_freq = {t: int(indptr[i + 1] - indptr[i])
                         for t, i in self.bm25.vocab_dict.items() if i + 1 < len(indptr)}

    @classmethod
    def load(cls, index_dir: Path, model: str | None = None, threads: int = 1) -> LoadedIndex:
        folder = require_version_dir(Path(index_dir))
        manifest = read_manifest(folder)
        for key in ("version", "model", "weights_sha256", "dimension", "onnx_sha256",
                    "query_onnx_sha256"):
            if key not in manifest:
                raise IndexCorrupt(f"the index manifest in {folder} lacks {key!r}")
        # Questions must be embedded by the model that embedded the pages: by default the
        # shipped encoder, so an index of another model is refused, not silently misread.
        wanted = resolve_model(model)
        if (wanted.name, wanted.weights_sha256) != (manifest["model"],
                                                    manifest["weights_sha256"]):
            how = f"govqa ingest --model {model}" if model else "govqa ingest"
            raise IndexMismatch(
                f"the index in {folder} was built with {manifest['model']} "
                f"(weights {manifest['weights_sha256'][:12]}), not {wanted.name} "
                f"(weights {wanted.weights_sha256[:12]}); rebuild it with {how}")
        for name, key in ((FULL_MODEL, "onnx_sha256"), (QUERY_MODEL, "query_onnx_sha256")):
            onnx = folder / "encoder" / name
            if not onnx.is_file() or sha256_file(onnx) != manifest[key]:
                raise ModelError(
                    f"the encoder {name} in {folder} is missing or altered; rebuild the index")
        return cls(folder, manifest, threads=threads)

    def idf(self, term: str) -> float:
        n = len(self.chunks)
        df = self.doc_freq.get(term, 0)
        return float(np.log(1 + (n - df + 0.5) / (df + 0.5)))

    # The three retrievers ------------------------------------------------------------

    def dense(self, qvec: np.ndarray, k: int) -> list[Ranked]:
        k = min(k, len(self.chunks))
        if k == 0:
            return []
        scores, ids = self.faiss.search(qvec.reshape(1, -1), k)
        return [Ranked(int(i), float(s)) for i, s in zip(ids[0], scores[0], strict=True) if i >= 0]

    def lexical(self, qterms: list[str], k: int) -> list[Ranked]:
        known = [t for t in qterms if t in self.bm25.vocab_dict]
        if not known or not self.chunks:
            return []
        scores = self.bm25.get_scores(known)
        k = min(k, len(scores))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top])]
        return [Ranked(int(i), float(scores[i])) for i in top if scores[i] > 0]

    def search(self, qvec: np.ndarray, qterms: list[str], k: int = 5, mode: str = "hybrid",
               depth: int = 30) -> list[Hit]:
        """Rank chunks for a query (its vector and its terms); `mode` is hybrid (RRF of
        both), dense or bm25."""
        dense = self.dense(qvec, depth) if mode in ("hybrid", "dense") else []
        lexical = self.lexical(qterms, depth) if mode in ("hybrid", "bm25") else []
        fused = fuse(dense, lexical)
        dense_by = {r.index: r.score for r in dense}
        bm25_by = {r.index: r.score for r in lexical}
        order = sorted(fused, key=lambda i: -fused[i])[:k]
        return [
            Hit(chunk=self.chunks[i], score=fused[i], rank=rank + 1,
                dense=dense_by.get(i), bm25=bm25_by.get(i))
            for rank, i in enumerate(order)
        ]

    def chunk_position(self, chunk_id: str) -> int:
        return self.positions[chunk_id]
