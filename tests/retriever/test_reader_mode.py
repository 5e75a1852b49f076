"""The reader mode, the default: the shipped reader rescoring the feature scorer's best
sentences on the sample page, beside the feature-only hybrid mode."""

from __future__ import annotations

import json
import math

import pytest

from govqa.errors import InvalidQuestion
from retriever.engine import Engine
from retriever.reader import READER_DIR

DGX_SENTENCE = "The ninth edition of DGX serves as a significant annual international gathering"


def test_the_shipped_reader_is_the_default(sample_engine: Engine) -> None:
    from retriever.scoring import ReaderScorer

    assert READER_DIR.is_dir()
    assert sample_engine.default_mode == "reader"
    assert isinstance(sample_engine.scorer, ReaderScorer)
    assert sample_engine.calibration.reader_sha256 == sample_engine.scorer.reader.info.sha256
    assert sample_engine.feature_scorer.mode == "hybrid"


def test_the_shipped_reader_is_at_most_40_mb_and_is_the_file_its_card_names() -> None:
    from retriever.calibration import READER_CALIBRATION_FILE
    from retriever.embedder import sha256_file
    from retriever.reader import CARD_FILE, MODEL_FILE

    card = json.loads((READER_DIR / CARD_FILE).read_text())
    model = READER_DIR / MODEL_FILE
    assert model.stat().st_size == card["size_bytes"] <= 40 * 1024 * 1024
    assert sha256_file(model) == card["sha256"]
    # The reader calibration is tied to this file: fitted for its sha256, refused for another.
    cal = json.loads(READER_CALIBRATION_FILE.read_text())
    assert cal["reader_sha256"] == card["sha256"]


@pytest.mark.parametrize("mode", ["reader", "hybrid"])
def test_both_modes_quote_the_dgx_countries(sample_engine: Engine, mode: str) -> None:
    a = sample_engine.ask("which countries attended DGX?", mode=mode)
    assert a.answered and a.answer is not None and a.answer.startswith(DGX_SENTENCE)
    assert [c.section for c in a.citations] == ["Digital Government Exchange (DGX)"]


def test_the_reader_reads_only_the_feature_scorers_best(sample_engine: Engine) -> None:
    question = "which countries attended DGX?"
    hits = sample_engine.search(question)
    read = sample_engine.sentence_scores(question, hits, mode="reader")
    feature = sample_engine.sentence_scores(question, hits, mode="hybrid")
    assert len(read) == len(feature) > sample_engine.scorer.top_k  # type: ignore[attr-defined]
    finite = [(h.chunk.id, j) for h, j, s in read if math.isfinite(s)]
    assert len(finite) == sample_engine.scorer.top_k  # type: ignore[attr-defined]
    best_by_features = sorted(feature, key=lambda x: -x[2])[:len(finite)]
    assert sorted(finite) == sorted((h.chunk.id, j) for h, j, _ in best_by_features)
    top = max(read, key=lambda x: x[2])
    assert top[0].chunk.text[slice(*top[0].chunk.sentences[top[1]])].startswith(DGX_SENTENCE)


def test_rank_sentences_uses_the_reader(sample_engine: Engine) -> None:
    candidates = [
        "Past participants involved representatives from government bodies.",
        "DGX was attended by Australia, Canada, Denmark and Estonia.",
        "The event offers a platform to exchange insights.",
    ]
    scores = sample_engine.rank_sentences("which countries attended DGX?", candidates)
    assert len(scores) == 3 and max(range(3), key=lambda i: scores[i]) == 1
    hybrid = sample_engine.rank_sentences("which countries attended DGX?", candidates,
                                          mode="hybrid")
    assert hybrid != scores


def test_reader_mode_without_a_reader_is_one_clear_error(sample_index_dir) -> None:  # type: ignore[no-untyped-def]
    engine = Engine.load(sample_index_dir, reader=None)
    assert engine.default_mode == "hybrid"
    assert engine.ask("which countries attended DGX?").answered
    with pytest.raises(InvalidQuestion, match="needs the reader"):
        engine.ask("which countries attended DGX?", mode="reader")
