"""The plain pipeline govqa is measured against: sentence-transformers on PyTorch, exact FAISS,
the top chunk as the answer. Run as its own process so its imports and memory are its own:

    python -m loadtest.baseline --index DIR QUESTIONS.jsonl... [--rounds N] [--score SET.jsonl]

It prints READY once it can answer (so the caller can time its cold start), then one JSON
line: latencies in ms, answer accuracy, peak RSS.
"""

from __future__ import annotations

import argparse
import json
import resource
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("questions", type=Path, nargs="+")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--score", type=Path, help="question set to score answer accuracy on")
    args = parser.parse_args()

    import faiss
    import numpy as np
    from sentence_transformers import SentenceTransformer

    from retriever.embedder import resolve_model
    from retriever.index import read_chunks

    model = SentenceTransformer(str(resolve_model(None).path), device="cpu")
    chunks = read_chunks(args.index)
    vectors = model.encode(
        [c.text for c in chunks], batch_size=64, normalize_embeddings=True, convert_to_numpy=True
    )
    index = faiss.IndexFlatIP(vectors.shape[1])
    index.add(np.asarray(vectors, dtype=np.float32))

    def answer(question: str) -> str:
        qvec = model.encode([question], normalize_embeddings=True, convert_to_numpy=True)
        _, ids = index.search(np.asarray(qvec, dtype=np.float32), 1)
        return chunks[int(ids[0][0])].text

    answer("warm-up")
    print("READY", flush=True)

    from bench.metrics import answer_correct
    from bench.questions import load_questions

    questions = [q for path in args.questions for q in load_questions(path)]
    latencies, right, answerable = [], 0, 0
    for _ in range(args.rounds):
        for q in questions:
            started = time.perf_counter()
            answer(q.question)
            latencies.append((time.perf_counter() - started) * 1000)
    for q in load_questions(args.score) if args.score else []:
        if q.answers:
            answerable += 1
            right += answer_correct(answer(q.question), q.answers, q.match)
    print(
        json.dumps(
            {
                "latencies_ms": latencies,
                "answer_accuracy": right / max(1, answerable),
                "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                "chunks": len(chunks),
            }
        ),
        flush=True,
    )


if __name__ == "__main__":
    main()
