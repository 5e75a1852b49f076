"""The reader's trained weights as a committed file: fp16 safetensors without the frozen word
embeddings, and v1's weights read back from its shipped int8 ONNX file."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import torch

from reader.model import CrossEncoder

FROZEN = "encoder.embeddings.word_embeddings.weight"  # re-derived from the pinned base model
# A dynamically quantized MatMul is named after the Linear it came from.
_MATMUL = re.compile(r"^/(.+)/(?:MatMul|Gemm_MatMul)_quant$")


def save(model: CrossEncoder, path: Path, metadata: dict[str, str] | None = None) -> None:
    """Every weight but the frozen word embeddings, as fp16: about 3.5 MB a layer."""
    from safetensors.torch import save_file

    tensors = {k: v.detach().to(torch.float16).contiguous().cpu()
               for k, v in model.state_dict().items() if k != FROZEN}
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    save_file(tensors, str(tmp), metadata=metadata or {})
    tmp.chmod(0o644)  # committed and shared, not private
    tmp.replace(path)


def average(paths: list[Path], weights: list[float]) -> dict[str, torch.Tensor]:
    """The weighted mean of checkpoints of one architecture, tensor by tensor (a "model
    soup"): fine-tuned from a common start, their mean often reads better than either."""
    from safetensors.torch import load_file

    if not paths:
        raise ValueError("nothing to average")
    if len(weights) != len(paths) or min(weights) < 0 or sum(weights) <= 0:
        raise ValueError(f"{len(paths)} checkpoints need as many non-negative weights, "
                         f"not {weights}")
    total = sum(weights)
    mean: dict[str, torch.Tensor] = {}
    for path, weight in zip(paths, weights, strict=True):
        tensors = load_file(str(path))
        if mean and set(tensors) != set(mean):
            raise ValueError(f"{path} does not hold the same weights as {paths[0]}")
        for name, value in tensors.items():
            if name in mean and mean[name].shape != value.shape:
                raise ValueError(f"{path}: {name} is {tuple(value.shape)}, not "
                                 f"{tuple(mean[name].shape)}")
            mean[name] = mean.get(name, 0) + value.to(torch.float32) * (weight / total)
    return mean


def load_into(model: CrossEncoder, path: Path) -> None:
    """Weights from `save`'s file or, for a `.onnx` path, from an int8 export (dequantized)."""
    if path.suffix == ".onnx":
        tensors = {k: torch.from_numpy(v) for k, v in onnx_weights(path).items()}
    else:
        from safetensors.torch import load_file

        tensors = load_file(str(path))
    own = model.state_dict()
    unknown = sorted(set(tensors) - set(own))
    missing = sorted(set(own) - set(tensors) - {FROZEN})
    if unknown or missing:
        raise ValueError(f"{path} does not fit this reader: unknown {unknown[:3]}, "
                         f"missing {missing[:3]} (another layer count?)")
    for name, value in tensors.items():
        if tuple(value.shape) != tuple(own[name].shape):
            raise ValueError(f"{path}: {name} is {tuple(value.shape)}, the reader's "
                             f"{tuple(own[name].shape)}")
        own[name].copy_(value.to(own[name].dtype))


def onnx_weights(path: Path) -> dict[str, np.ndarray]:
    """The torch weights an int8 export was made from, up to its rounding: float
    initializers as they are, quantized ones dequantized, MatMul weights transposed back
    to the Linear layout. The frozen word embeddings are left out."""
    import onnx
    from onnx import numpy_helper

    graph = onnx.load(str(path)).graph
    init = {t.name: numpy_helper.to_array(t) for t in graph.initializer}

    def dequantized(stem: str) -> np.ndarray:
        q = init[f"{stem}_quantized"].astype(np.float32)
        return (q - init[f"{stem}_zero_point"].astype(np.float32)) * init[f"{stem}_scale"]

    out = {name: value.astype(np.float32) for name, value in init.items()
           if value.dtype == np.float32 and not name.endswith("_scale")
           and not name.startswith("onnx::")}
    for name in init:
        if name.endswith(".weight_quantized") and name != f"{FROZEN}_quantized":
            out[name.removesuffix("_quantized")] = dequantized(name.removesuffix("_quantized"))
    for node in graph.node:
        match = _MATMUL.match(node.name) if node.op_type == "MatMulInteger" else None
        if match:
            module = match.group(1).strip("/").replace("/", ".")
            out[f"{module}.weight"] = dequantized(node.input[1].removesuffix("_quantized")).T
    return {k: np.ascontiguousarray(v) for k, v in out.items()}
