"""A 100k-chunk index of real text (SQuAD and PolicyQA contexts, cut into sentence windows):
build time, query latency, and recall@10 of the approximate index against exact search."""

from __future__ import annotations

import hashlib
import heapq
import json
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from ingest.sentences import split_sentences


def scale_texts(shared: Path, n: int) -> list[str]:
    """Real passages from the SQuAD and PolicyQA contexts: every sentence, sliding windows of
    2-4 sentences, then overlapping 24- and 16-word windows (stride 8), the usual way text is cut
    into passages. The dev sets hold ~22,000 sentences, so 100,000 passages need all three."""
    contexts: list[str] = []
    for path in (
        shared / "bench/squad/dev-v1.1.json",
        shared / "bench/squad/dev-v2.0.json",
        shared / "bench/policyqa/dev.json",
        shared / "bench/policyqa/test.json",
    ):
        for article in json.loads(path.read_text())["data"]:
            contexts += [p["context"] for p in article["paragraphs"]]
    contexts = list(dict.fromkeys(contexts))

    def passages() -> Iterator[str]:
        for width in range(1, 5):
            for context in contexts:
                sents = [context[s:e] for s, e in split_sentences(context)]
                for i in range(len(sents) - width + 1):
                    yield " ".join(sents[i : i + width])
        for words in (24, 16):
            for context in contexts:
                tokens = context.split()
                for i in range(0, max(1, len(tokens) - words + 8), 8):
                    yield " ".join(tokens[i : i + words])

    seen: set[str] = set()
    out: list[str] = []
    for text in passages():
        if len(text) >= 20 and text not in seen:
            seen.add(text)
            out.append(text)
            if len(out) == n:
                break
    return out


def scale_questions(shared: Path, n: int) -> list[str]:
    data = json.loads((shared / "bench/squad/dev-v1.1.json").read_text())["data"]
    questions = [q["question"] for a in data for p in a["paragraphs"] for q in p["qas"]]
    return questions[:: max(1, len(questions) // n)][:n]


def embed_cached(texts: list[str], encoder: Any, cache_dir: Path) -> tuple[np.ndarray, float]:
    """Embed once; later runs reuse the vectors (keyed by the texts and the encoder)."""
    key = hashlib.sha256("\x1f".join(texts).encode()).hexdigest()[:16]
    path = cache_dir / f"scale-{len(texts)}-{key}.npy"
    if path.is_file():
        return np.load(path), float(json.loads(path.with_suffix(".json").read_text())["s"])
    started = time.perf_counter()
    vectors = encoder.encode(texts)
    seconds = time.perf_counter() - started
    cache_dir.mkdir(parents=True, exist_ok=True)
    np.save(path, vectors)
    path.with_suffix(".json").write_text(json.dumps({"s": seconds}))
    return vectors, seconds


def measure_scale(
    shared: Path, encoder_dir: Path, cache_dir: Path, n: int = 100_000, queries: int = 1000
) -> dict[str, Any]:
    import bm25s

    from retriever.embedder import OnnxEncoder
    from retriever.index import build_faiss
    from retriever.search import HNSW_EF_SEARCH, RRF_K
    from retriever.terms import terms

    texts = scale_texts(shared, n)
    encoder = OnnxEncoder(encoder_dir, threads=os.cpu_count())
    vectors, embed_s = embed_cached(texts, encoder, cache_dir)
    started = time.perf_counter()
    # The index the engine picks above its exact-search limit; forced here so a smaller
    # --scale run still measures the approximate index.
    approx = build_faiss(vectors, exact_limit=0)
    hnsw_s = time.perf_counter() - started
    approx.hnsw.efSearch = HNSW_EF_SEARCH
    exact = build_faiss(vectors, exact_limit=len(vectors) + 1)
    started = time.perf_counter()
    bm25 = bm25s.BM25()
    bm25.index([terms(t) or ["_"] for t in texts], show_progress=False)
    bm25_s = time.perf_counter() - started

    query_encoder = OnnxEncoder(encoder_dir, threads=1)
    qs = scale_questions(shared, queries)
    recalls, total_ms, exact_ms, hnsw_ms = [], [], [], []
    for q in qs:
        t0 = time.perf_counter()
        qvec = query_encoder.encode([q])
        t1 = time.perf_counter()
        _, ids = approx.search(qvec, 30)
        t2 = time.perf_counter()
        qterms = [t for t in terms(q) if t in bm25.vocab_dict]
        fused: dict[int, float] = {}
        if qterms:
            scores = bm25.get_scores(qterms)
            top = np.argpartition(-scores, 30)[:30]
            for rank, i in enumerate(top[np.argsort(-scores[top])]):
                fused[int(i)] = 1 / (RRF_K + rank + 1)
        for rank, i in enumerate(ids[0]):
            fused[int(i)] = fused.get(int(i), 0.0) + 1 / (RRF_K + rank + 1)
        heapq.nlargest(5, fused, key=fused.__getitem__)  # the fused top five, as served
        t3 = time.perf_counter()
        _, exact_ids = exact.search(qvec, 10)
        t4 = time.perf_counter()
        recalls.append(len(set(ids[0][:10]) & set(exact_ids[0])) / 10)
        total_ms.append((t3 - t0) * 1000)
        hnsw_ms.append((t2 - t1) * 1000)
        exact_ms.append((t4 - t3) * 1000)
    return {
        "chunks": len(texts),
        "embed_s": round(embed_s, 1),
        "hnsw_build_s": round(hnsw_s, 1),
        "bm25_build_s": round(bm25_s, 1),
        "query_p50_ms": float(np.percentile(total_ms, 50)),
        "query_p99_ms": float(np.percentile(total_ms, 99)),
        "hnsw_search_p50_ms": float(np.percentile(hnsw_ms, 50)),
        "exact_search_p50_ms": float(np.percentile(exact_ms, 50)),
        "recall_at_10": float(np.mean(recalls)),
        "queries": len(qs),
    }
