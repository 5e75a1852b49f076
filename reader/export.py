"""Export a trained reader to ONNX, quantise it to int8, check it against torch, and write
the folder the engine loads: model-int8.onnx, tokenizer.json and reader.json (its card)."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import warnings
from pathlib import Path

import numpy as np
import torch

from reader.model import CrossEncoder
from reader.train import TrainConfig
from retriever.embedder import quantize_int8, sha256_file
from retriever.reader import CARD_FILE, MODEL_FILE, OnnxReader

FP32_FILE = "model.onnx"


def _to_onnx(model: CrossEncoder, tokenizer, path: Path) -> None:  # type: ignore[no-untyped-def]
    sample = tokenizer(["a question?", "another question"], ["title: a sentence.", "t: s"],
                       padding=True, return_tensors="pt")
    names = ["input_ids", "attention_mask", "token_type_ids"]
    # The tracer warns about shape checks in transformers' attention code that it folds to
    # constants; they only matter for padding or causal masks, which a BERT encoder given its
    # own attention mask never uses. The int8 check in export() tests the graph on real
    # batches of other lengths.
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, tuple(sample[n] for n in names), str(path), input_names=names,
                          output_names=["logits"],
                          dynamic_axes={**{n: {0: "batch", 1: "seq"} for n in names},
                                        "logits": {0: "batch"}},
                          opset_version=17, dynamo=False)


def torch_scores(model: CrossEncoder, tokenizer, pairs: list[tuple[str, str]],  # type: ignore[no-untyped-def]
                 max_length: int) -> np.ndarray:
    enc = tokenizer([q for q, _ in pairs], [c for _, c in pairs], truncation="longest_first",
                    max_length=max_length, padding=True, return_tensors="pt")
    with torch.no_grad():
        return model(enc["input_ids"], enc["attention_mask"], enc["token_type_ids"]).numpy()


def export(model: CrossEncoder, cfg: TrainConfig, info: dict[str, object], out: Path,
           version: str, check: list[tuple[str, list[str]]]) -> dict[str, object]:
    """Write the reader folder `out` from a trained `model` (its training `cfg` and progress
    `info`). The card records, on the `check` groups (a question and its candidates), the
    largest difference between the int8 ONNX logits and torch's, and how often both pick
    the same top candidate."""
    from dataclasses import asdict

    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(cfg.base)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=out.parent, prefix=".export-"))
    try:
        _to_onnx(model, tokenizer, tmp / FP32_FILE)
        quantize_int8(tmp / FP32_FILE, tmp / MODEL_FILE)
        tokenizer.backend_tokenizer.save(str(tmp / "tokenizer.json"))
        training = asdict(cfg)
        training.pop("squad", None)
        training.pop("base", None)
        training.pop("extra", None)
        card = {"version": version, "sha256": sha256_file(tmp / MODEL_FILE),
                "layers": cfg.layers, "max_length": cfg.max_length,
                "base": "sentence-transformers/all-MiniLM-L6-v2",
                "input": "question [SEP] section title: sentence", "training": training,
                "trained": info}
        (tmp / CARD_FILE).write_text(json.dumps(card, indent=2) + "\n")
        onnx = OnnxReader(tmp)
        diff, same = 0.0, 0
        for question, candidates in check:
            expected = torch_scores(model, tokenizer, [(question, c) for c in candidates],
                                    cfg.max_length)
            got = onnx.score(question, candidates)
            diff = max(diff, float(np.abs(got - expected).max()))
            same += int(np.argmax(got) == np.argmax(expected))
        card["int8_check_groups"] = len(check)
        card["int8_max_abs_diff"] = round(diff, 4)
        card["int8_top1_agreement"] = round(same / max(1, len(check)), 4)
        card["size_bytes"] = (tmp / MODEL_FILE).stat().st_size
        (tmp / CARD_FILE).write_text(json.dumps(card, indent=2) + "\n")
        (tmp / FP32_FILE).unlink()  # only the int8 file is served
        tmp.chmod(0o755)  # mkdtemp makes it private; the folder is committed and shared
        if out.exists():
            shutil.rmtree(out)
        os.replace(tmp, out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return card
