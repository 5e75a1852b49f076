"""Features by name and computed once: the per-question context, the named tables, and the
files that are refused when their names or order differ from the code's."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pytest

from govqa.errors import ModelError
from retriever import features
from retriever.calibration import CALIBRATION_FILE, Calibration
from retriever.confidence import CONFIDENCE_FEATURES, READER, confidence
from retriever.engine import Engine
from retriever.extract import best_span
from retriever.features import SECTION_FEATURE_NAMES, SENTENCE_FEATURE_NAMES, candidates
from retriever.rerank import RERANK_FILE, load_reranker
from retriever.scoring import load_scorer, scores

DGX = "which countries attended DGX?"
DGX_SENTENCE = "The ninth edition of DGX serves as a significant annual international gathering"


def _swap_first_two(d: dict[str, float]) -> dict[str, float]:
    keys = list(d)
    keys[0], keys[1] = keys[1], keys[0]
    return {k: d[k] for k in keys}


def test_every_sentence_feature_is_a_named_column(sample_engine: Engine) -> None:
    prepared = sample_engine.prepare(DGX, mode="hybrid")
    ctx = prepared.context
    cands = candidates(ctx, prepared.hits)
    assert cands.features.names == SENTENCE_FEATURE_NAMES == tuple(features.SENTENCE_FEATURES)
    i = next(i for i, (h, j) in enumerate(cands.where)
             if h.chunk.text[slice(*h.chunk.sentences[j])].startswith(DGX_SENTENCE))
    hit, j = cands.where[i]
    row = cands.features.row(i)
    section = ctx.section(hit)
    assert list(row) == list(SENTENCE_FEATURE_NAMES)
    assert row["sentence_sim"] == float(section.views[j, 0])
    assert row["chunk_sim"] == section.chunk_sim
    assert row["sentence_lex"] == section.sentence_cov[j]
    assert row["oov"] == ctx.oov == pytest.approx(1 / 3)  # the sample page never says "attend"
    assert row["type_ok"] == 1.0 and row["numbers_missing"] == 0.0


def test_one_context_serves_the_rerank_and_the_sentence_scorer(sample_engine: Engine) -> None:
    prepared = sample_engine.prepare(DGX, mode="hybrid")
    ctx = prepared.context
    assert (ctx.text, ctx.query, ctx.resolved) == (DGX, DGX, None)
    assert ctx.list_question and ctx.terms == ["countri", "attend", "dgx"]
    computed = dict(ctx._sections)  # the rerank read every section retrieval found
    assert len(computed) == min(sample_engine.reranker.depth, len(sample_engine.index.chunks))
    assert {h.chunk.id for h in prepared.hits} <= {s.chunk.id for s in computed.values()}
    span = best_span(ctx, prepared.hits, sample_engine.scorer_for("hybrid"))
    assert span is not None and span.text.startswith(DGX_SENTENCE)
    # The sentence scorer read the same products, computed nothing again.
    assert ctx._sections == computed
    assert all(ctx._sections[pos] is section for pos, section in computed.items())


def test_search_reads_the_question_as_ask_does(sample_engine: Engine) -> None:
    typed = sample_engine.search("wat countries r in dgx")
    spelled = sample_engine.search("what countries are in dgx")
    assert [h.chunk.id for h in typed] == [h.chunk.id for h in spelled]
    assert [h.score for h in typed] == [h.score for h in spelled]


def test_the_readers_logit_is_a_named_feature(sample_engine: Engine) -> None:
    scorer = sample_engine.scorer_for("reader")
    prepared = sample_engine.prepare(DGX, mode="reader")
    cands = candidates(prepared.context, prepared.hits)
    rows = scorer.rows(prepared.context, cands)
    assert rows.features.names == (*SENTENCE_FEATURE_NAMES, READER) == scorer.features
    logits = rows.features.column(READER)
    assert np.count_nonzero(rows.kept) == scorer.top_k  # type: ignore[attr-defined]
    assert (logits[~rows.kept] == 0).all() and (logits[rows.kept] != 0).all()
    span = best_span(prepared.context, prepared.hits, scorer)
    assert span is not None
    best = int(np.argmax(scores(scorer, rows)))
    others = [logits[i] for i in np.flatnonzero(rows.kept) if i != best]
    assert span.features[READER] == logits[best]
    assert span.features["reader_margin"] == pytest.approx(logits[best] - max(others))
    answer = sample_engine.ask(DGX, mode="reader")
    assert answer.confidence == confidence(span.features, scorer.calibration)


def test_a_new_feature_needs_a_refit(monkeypatch: pytest.MonkeyPatch,
                                     sample_engine: Engine) -> None:
    monkeypatch.setitem(features.SENTENCE_FEATURES, "question_mark",
                        lambda ctx, f: 1.0 if ctx.text.endswith("?") else 0.0)
    monkeypatch.setattr(features, "SENTENCE_FEATURE_NAMES", tuple(features.SENTENCE_FEATURES))
    prepared = sample_engine.prepare(DGX, mode="hybrid")
    table = candidates(prepared.context, prepared.hits).features
    assert table.names[-1] == "question_mark" and (table.column("question_mark") == 1).all()
    monkeypatch.setattr("retriever.scoring.SENTENCE_FEATURE_NAMES",
                        features.SENTENCE_FEATURE_NAMES)
    with pytest.raises(ModelError, match="other sentence features.*refit"):
        load_scorer(None)


def _calibration_file(tmp_path: Path, cal: Calibration) -> Path:
    path = tmp_path / "calibration.json"
    path.write_text(json.dumps(asdict(cal)))
    return path


def test_a_calibration_in_another_order_is_refused(tmp_path: Path) -> None:
    shipped = Calibration.load(CALIBRATION_FILE, features=SENTENCE_FEATURE_NAMES,
                               confidence_features=CONFIDENCE_FEATURES)
    same = _calibration_file(tmp_path, shipped)
    assert Calibration.load(same, features=SENTENCE_FEATURE_NAMES,
                            confidence_features=CONFIDENCE_FEATURES) == shipped
    swapped = Calibration(**{**asdict(shipped),
                             "sentence_weights": _swap_first_two(shipped.sentence_weights)})
    with pytest.raises(ModelError, match="other sentence features"):
        Calibration.load(_calibration_file(tmp_path, swapped), features=SENTENCE_FEATURE_NAMES)
    swapped = Calibration(**{**asdict(shipped),
                             "conf_weights": _swap_first_two(shipped.conf_weights)})
    with pytest.raises(ModelError, match="other confidence features"):
        Calibration.load(_calibration_file(tmp_path, swapped), features=SENTENCE_FEATURE_NAMES,
                         confidence_features=CONFIDENCE_FEATURES)


def test_a_rerank_in_another_order_is_refused(tmp_path: Path) -> None:
    data = json.loads(RERANK_FILE.read_text())
    assert tuple(load_reranker().weights) == SECTION_FEATURE_NAMES
    path = tmp_path / "rerank.json"
    path.write_text(json.dumps({**data, "weights": _swap_first_two(data["weights"])}))
    with pytest.raises(ModelError, match="other section features"):
        load_reranker(path)
    path.write_text(json.dumps({**data, "weights": {**data["weights"], "new": 1.0}}))
    with pytest.raises(ModelError, match="other section features"):
        load_reranker(path)
