"""Rank the sentences of retrieved chunks exactly as the engine's answer extractor does."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ingest.records import Chunk


def hit_sentence_scores(
    engine: Any, question: str, hits: Sequence[Any], mode: str | None = None
) -> list[tuple[Chunk, int, float]]:
    """(chunk, sentence index, score) for every sentence of the hits' chunks.

    The scores are the engine's own scoring stage (`Engine.sentence_scores`), computed from
    the sentence vectors already in the index: the sentence the engine answers from is the
    top one here. Encoding every candidate again per question (as `Engine.rank_sentences`
    does for free-standing sentences) would make a full SQuAD run take hours on two cores.
    """
    return [(hit.chunk, j, score)
            for hit, j, score in engine.sentence_scores(question, list(hits), mode=mode)]
