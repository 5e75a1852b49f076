"""Rank the sentences of retrieved chunks exactly as the engine's answer extractor does."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ingest.records import Chunk


def hit_sentence_scores(
    engine: Any, question: str, hits: Sequence[Any]
) -> list[tuple[Chunk, int, float]]:
    """(chunk, sentence index, score) for every sentence of the hits' chunks.

    The scores are the extractor's own (its candidate features times its calibrated
    weights), computed from the sentence vectors already in the index: the sentence the
    engine answers from is the top one here. Encoding every candidate again per question
    (as `Engine.rank_sentences` does for free-standing sentences) would make a full SQuAD
    run take hours on two cores.
    """
    extractor = engine.extractor
    cands = extractor.candidates(engine.encode(question), question, list(hits))
    if not cands.where:
        return []
    scores = cands.features @ extractor.weights
    return [
        (hit.chunk, j, float(score)) for (hit, j), score in zip(cands.where, scores, strict=True)
    ]
