"""Loading the reader: its sha256 is checked, and a calibration fitted for another reader
or other features is refused."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import pytest

from govqa.errors import ModelError


def test_reader_loads_and_scores(tiny_reader) -> None:  # type: ignore[no-untyped-def]
    from retriever.reader import OnnxReader

    _, folder, card = tiny_reader
    reader = OnnxReader(folder)
    assert (reader.info.sha256, reader.info.layers, reader.info.version) == (
        card["sha256"], 2, "test")
    assert reader.score("anything?", []).shape == (0,)
    assert reader.score("Who?", ["Title: one.", "Title: two."]).shape == (2,)


def test_a_pairs_logit_does_not_depend_on_the_sentences_beside_it() -> None:
    """The shipped int8 reader: a pair scored with others, in any order, or alone gets the
    same logit, so the answer to a question never depends on its other candidates."""
    from retriever.reader import READER_DIR, OnnxReader

    reader = OnnxReader(READER_DIR, threads=1)
    question = "Which countries attended the Digital Government Exchange?"
    short = "International Collaboration: DGX 2023 was held in Singapore."
    long = ("International Collaboration: The Digital Government Exchange brought together "
            "digital government leaders from Australia, Canada, Denmark, Estonia, Finland, "
            "Korea, New Zealand, Norway, the United Kingdom and the United States.")
    other = "About us: GovTech is the lead agency for Singapore's digital government."
    together = reader.score(question, [short, long, other])
    assert reader.score(question, [other, long, short]).tolist() == together[::-1].tolist()
    assert [reader.score(question, [c])[0] for c in (short, long, other)] == together.tolist()


def test_pairs_run_side_by_side_get_the_logits_they_get_one_after_another() -> None:
    """The engine's threads run a question's pairs at once (`parallel`): each pair still
    runs alone, so the logits, and the answer, are those of the sequential reader."""
    from retriever.reader import READER_DIR, OnnxReader

    question = "When is the Digital Government Exchange held?"
    candidates = [f"International Collaboration: sentence {i} about DGX and {'Singapore ' * i}."
                  for i in range(9)]
    one = OnnxReader(READER_DIR, threads=1)
    two = OnnxReader(READER_DIR, threads=1, parallel=2)
    assert (one.parallel, two.parallel) == (1, 2)
    assert two.score(question, candidates).tolist() == one.score(question, candidates).tolist()
    assert two.score(question, candidates[:1]).tolist() == one.score(question,
                                                                      candidates[:1]).tolist()
    assert two.score(question, []).shape == (0,)


def test_a_changed_model_file_is_refused(copy_reader) -> None:  # type: ignore[no-untyped-def]
    from retriever.reader import MODEL_FILE, OnnxReader

    folder = copy_reader()
    with open(folder / MODEL_FILE, "ab") as fh:
        fh.write(b"\0")
    with pytest.raises(ModelError, match="sha256"):
        OnnxReader(folder)


def test_a_folder_without_its_card_is_refused(copy_reader) -> None:  # type: ignore[no-untyped-def]
    from retriever.reader import CARD_FILE, OnnxReader

    folder = copy_reader()
    (folder / CARD_FILE).unlink()
    with pytest.raises(ModelError, match="no reader"):
        OnnxReader(folder)


def test_calibration_is_tied_to_its_reader_and_features(tmp_path: Path) -> None:
    from retriever.calibration import Calibration
    from retriever.confidence import READER_SENTENCE_FEATURES

    cal = Calibration(sentence_weights={f: 0.0 for f in READER_SENTENCE_FEATURES},
                      mode="reader", reader_sha256="a" * 64)
    path = tmp_path / "cal.json"
    path.write_text(json.dumps(asdict(cal)))
    assert Calibration.load(path, features=READER_SENTENCE_FEATURES,
                            reader_sha256="a" * 64).mode == "reader"
    with pytest.raises(ModelError, match="fitted with reader"):
        Calibration.load(path, features=READER_SENTENCE_FEATURES, reader_sha256="b" * 64)
    with pytest.raises(ModelError, match="other sentence features"):
        Calibration.load(path, features=READER_SENTENCE_FEATURES[:-1])
    with pytest.raises(ModelError, match="missing"):
        Calibration.load(tmp_path / "none.json", reader_sha256="a" * 64)


def test_engine_refuses_a_reader_without_its_calibration(tiny_reader, sample_index_dir
                                                         ) -> None:  # type: ignore[no-untyped-def]
    from retriever.engine import Engine

    # The shipped calibration names the shipped reader's sha256, not this one's.
    with pytest.raises(ModelError, match="fitted with reader|no calibration for the reader"):
        Engine.load(sample_index_dir, reader=tiny_reader[1])


def test_reader_setting() -> None:
    from retriever.reader import READER_DIR, reader_setting

    assert reader_setting("off") is None and reader_setting("none") is None
    assert reader_setting("/some/where") == Path("/some/where")
    assert reader_setting("") == (READER_DIR if READER_DIR.is_dir() else None)
