"""The reader at run time: the shipped int8 ONNX cross-encoder, checked and run with ONNX
Runtime (no torch), scoring a question against candidate sentences one pair per run."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from govqa.errors import ModelError
from ingest.records import Chunk
from retriever.embedder import sha256_file

if TYPE_CHECKING:
    from tokenizers import Encoding

READER_DIR = Path(__file__).with_name("models") / "reader-l6-mix"
MODEL_FILE = "model-int8.onnx"
CARD_FILE = "reader.json"  # the model's sha256, layers, max length and training record


def reader_setting(value: str | None) -> Path | None:
    """GOVQA_READER as a folder: unset or empty for the shipped reader (none if this checkout
    ships none), "off" for none."""
    value = (value or "").strip()
    if not value:
        return READER_DIR if READER_DIR.is_dir() else None
    if value.lower() in ("off", "none", "no", "false", "0"):
        return None
    return Path(value)


def candidate_text(title: str, sentence: str) -> str:
    """The second segment the reader reads: a title, then the sentence, as it was trained."""
    title = " ".join(title.split())
    sentence = " ".join(sentence.split())
    return f"{title}: {sentence}" if title else sentence


def chunk_title(chunk: Chunk) -> str:
    """The title a page sentence is read under: its section heading, which plays the part
    of a SQuAD article's title (the topic that the sentence itself may leave implicit)."""
    return chunk.section_title


@dataclass(frozen=True)
class ReaderInfo:
    """What a reader folder says of itself: checked against the file before it is loaded."""

    sha256: str
    max_length: int
    layers: int
    version: str


class OnnxReader:
    """Scores (question, candidate) pairs: a logit each, higher is "this answers it"."""

    def __init__(self, folder: Path = READER_DIR, threads: int | None = None,
                 parallel: int = 1) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        folder = Path(folder)
        card_path, model_path = folder / CARD_FILE, folder / MODEL_FILE
        if not card_path.is_file() or not model_path.is_file():
            raise ModelError(f"no reader in {folder}: it needs {MODEL_FILE} and {CARD_FILE}")
        card = json.loads(card_path.read_text())
        self.info = ReaderInfo(sha256=card["sha256"], max_length=int(card["max_length"]),
                               layers=int(card["layers"]), version=str(card["version"]))
        digest = sha256_file(model_path)
        if digest != self.info.sha256:
            raise ModelError(f"{model_path} has sha256 {digest}, not the {self.info.sha256} "
                             f"its {CARD_FILE} names; restore the file from the repository")
        try:
            self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
            options = ort.SessionOptions()
            options.intra_op_num_threads = threads or 1
            options.inter_op_num_threads = 1
            options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
            self.session = ort.InferenceSession(str(model_path), options,
                                                providers=["CPUExecutionProvider"])
        except Exception as exc:  # noqa: BLE001 - any failure here is a broken reader folder
            raise ModelError(f"cannot load the reader in {folder}: {exc}") from exc
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(self.info.max_length, strategy="longest_first")
        # Pairs run this many at once: ONNX Runtime releases the GIL in a run, so on an idle
        # machine one question's pairs share its cores; each pair still runs alone.
        self.parallel = max(1, parallel)
        self._pool = (ThreadPoolExecutor(self.parallel, thread_name_prefix="reader")
                      if self.parallel > 1 else None)

    def score(self, question: str, candidates: list[str]) -> np.ndarray:
        """One logit per candidate, each pair run alone.

        The int8 model quantises its activations with one scale per run, taken over the
        whole input tensor: in a padded batch a sentence's logit moved by up to 0.9 with the
        other sentences and the padding beside it, so the same question could get another
        answer. Alone, a pair's logit depends on that pair only (what calibration fits is
        what serving computes), and it is no slower: a batch pads every sentence to the
        longest (docs/reader.md, "One pair per run").
        """
        if not candidates:
            return np.zeros(0, dtype=np.float32)
        encodings = self.tokenizer.encode_batch([(question, c) for c in candidates])
        if self._pool is None:
            return np.array([self._run(e) for e in encodings], dtype=np.float32)
        return np.array(list(self._pool.map(self._run, encodings)), dtype=np.float32)

    def _run(self, e: Encoding) -> float:
        feeds = {"input_ids": np.array([e.ids], dtype=np.int64),
                 "attention_mask": np.ones((1, len(e.ids)), dtype=np.int64),
                 "token_type_ids": np.array([e.type_ids], dtype=np.int64)}
        return float(np.asarray(self.session.run(None, feeds)[0]).reshape(-1)[0])
