"""Fine-tuning the encoder: what ships is fp16 trained layers, a card and an int8 query model."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from govqa.errors import ModelError
from retriever.embedder import (
    DEFAULT_MODEL,
    SHIPPED_NAME,
    ModelSource,
    OnnxEncoder,
    materialize,
    resolve_model,
    sha256_file,
    shipped_model,
)
from tuning.encoder import EncoderConfig, ship, train


def test_trained_encoder_ships_its_layers_and_query_model(groups_dir: Path, tmp_path: Path):
    from safetensors.torch import load_file
    from sentence_transformers import SentenceTransformer

    out = tmp_path / "encoder"
    report = train(EncoderConfig(groups=str(groups_dir), out=str(out), batch=4, minutes=5,
                                 kinds={"faq": 0, "structure": 0, "squad": 0}))
    # 1 FAQ + 4 structure + 3 SQuAD train examples: two batches of four.
    assert (report["examples"], report["planned_steps"], report["steps"]) == (8, 2, 2)
    assert sorted(p.name for p in out.iterdir()) == [
        "delta.safetensors", "model-int8.onnx", "model.json"]
    card = json.loads((out / "model.json").read_text())
    assert card["name"] == SHIPPED_NAME
    assert card["base_weights_sha256"] == resolve_model(DEFAULT_MODEL).weights_sha256
    assert card["query_onnx_sha256"] == sha256_file(out / "model-int8.onnx")
    delta = load_file(str(out / "delta.safetensors"))
    assert {str(t.dtype) for t in delta.values()} == {"torch.float16"}
    assert [n for n in delta if "word_embeddings" in n] == []

    source = shipped_model(out, cache_dir=tmp_path / "cache" / "onnx")
    assert source == ModelSource(SHIPPED_NAME, tmp_path / "cache" / "models"
                                 / card["delta_sha256"][:16], card["delta_sha256"])
    st = SentenceTransformer(str(materialize(source, out)), device="cpu")
    params = dict(st.named_parameters())
    name = "0.model.encoder.layer.0.attention.self.query.weight"
    assert np.array_equal(params[name].detach().numpy(), delta[name].float().numpy())

    # The int8 query model encodes as the trained model does (int8: cosine about 0.99).
    folder = tmp_path / "query"
    folder.mkdir()
    (folder / "model-int8.onnx").symlink_to(out / "model-int8.onnx")
    (folder / "tokenizer.json").symlink_to(source.path / "tokenizer.json")
    (folder / "encoder.json").write_text(json.dumps({"dimension": 384, "max_seq_length": 256}))
    texts = ["How do I apply for the grant?", "The service centre opens at 9am."]
    onnx = OnnxEncoder(folder, model_file="model-int8.onnx").encode(texts)
    torch_vectors = st.encode(texts, normalize_embeddings=True)
    assert (np.sum(onnx * torch_vectors, axis=1) > 0.98).all()

    # Shipping copies the three files, checked against the card.
    shipped = tmp_path / "shipped"
    ship(out, to=shipped)
    assert shipped_model(shipped, cache_dir=tmp_path / "cache" / "onnx") == source

    # A changed byte in the trained layers: the shipped model is refused, with the reason.
    with open(out / "delta.safetensors", "ab") as fh:
        fh.write(b"\0")
    with pytest.raises(ModelError, match="not the shipped encoder's"):
        shipped_model(out)
