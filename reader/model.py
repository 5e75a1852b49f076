"""The reader network: the first layers of all-MiniLM-L6-v2, mean-pooled, with a linear head.

Only training and export import this module (and torch); serving runs the ONNX file.
"""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn


class CrossEncoder(nn.Module):
    """Reads "question [SEP] title: sentence" and gives one logit: does the sentence answer?

    Mean pooling, not the [CLS] pooler: from this sentence-embedding checkpoint a [CLS]
    head stayed at the label prior in the pilot, while mean pooling learned at once.
    """

    def __init__(self, encoder: nn.Module) -> None:
        super().__init__()
        self.encoder = encoder
        self.head = nn.Linear(int(encoder.config.hidden_size), 1)  # type: ignore[arg-type, union-attr]

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor,
                token_type_ids: torch.Tensor) -> torch.Tensor:
        hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask,
                              token_type_ids=token_type_ids).last_hidden_state
        mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1.0)
        return self.head(pooled).squeeze(-1)


def build(base: Path, layers: int, freeze_embeddings: bool = True) -> CrossEncoder:
    """A cross-encoder from the base checkpoint's first `layers` transformer layers."""
    from transformers import AutoConfig, AutoModel

    config = AutoConfig.from_pretrained(str(base))
    if not 1 <= layers <= config.num_hidden_layers:
        raise ValueError(f"layers must be 1..{config.num_hidden_layers}, not {layers}")
    config.num_hidden_layers = layers
    encoder = AutoModel.from_pretrained(str(base), config=config, add_pooling_layer=False)
    if freeze_embeddings:
        # The word embeddings are most of the parameters and the least in need of change.
        encoder.embeddings.word_embeddings.weight.requires_grad_(False)
    return CrossEncoder(encoder)
