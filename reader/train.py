"""`govqa reader train`: a resumable training run for the reader, on CPU or a CUDA GPU."""

from __future__ import annotations

import hashlib
import json
import math
import os
import random
import signal
import sys
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from reader.checkpoint import load_into
from reader.data import Group, load_uncertain_ids, squad_groups
from reader.model import CrossEncoder, build
from retriever.embedder import sha256_file

STATE_FILE = "state.pt"
GROUPS_FILE = "groups.jsonl"
REWARM = 50  # steps of warm-up for an optimiser that starts afresh mid-run
CONFIG_FILE = "config.json"


@dataclass
class TrainConfig:
    """Everything that decides a run: a resumed run must be given the same, or none."""

    squad: str
    base: str
    layers: int = 3
    max_length: int = 64
    questions: int | None = 32000
    same_paragraph: int = 2
    bm25_negatives: int = 1
    other_paragraph: int = 0
    batch_questions: int = 16
    lr: float = 7e-5
    warmup: float = 0.05
    listwise_weight: float = 1.0
    pointwise_weight: float = 0.5
    # A no-answer choice in every group's softmax, its logit fixed at 0: an answerable
    # group's answer must beat it, an unanswerable group's best sentence must lose to it, so
    # the chosen sentence's logit says whether the group answers at all (SQuAD 2.0's
    # objective, over sentences). 0 leaves it out, as every reader before it trained.
    no_answer_weight: float = 0.0
    epochs: int = 1
    seed: int = 13
    extra: str | None = None  # more groups, JSONL of {"question", "candidates"} (in-domain)
    # Start from these weights (`reader.checkpoint`: a committed .safetensors, or an int8
    # .onnx read back) instead of the base model's first layers; the optimiser starts afresh.
    init: str | None = None
    # Stop (and finish the learning-rate decay) after this many steps instead of the whole
    # plan: the one setting a resumed run may change, to end a CPU run sooner.
    stop_at: int | None = None


def set_seed(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def save_groups(groups: list[Group], path: Path) -> None:
    tmp = path.with_suffix(".tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        for g in groups:
            fh.write(json.dumps({"question": g.question, "candidates": list(g.candidates),
                                 "positives": g.positives}) + "\n")
    os.replace(tmp, path)


def load_groups(path: Path) -> list[Group]:
    with open(path, encoding="utf-8") as fh:
        return [Group(d["question"], tuple(d["candidates"]), int(d.get("positives", 1)))
                for d in map(json.loads, fh)]


def batches(groups: list[Group], per_batch: int, seed: int, epoch: int) -> list[list[int]]:
    """Length-bucketed batches of group indices, in a fixed order for (seed, epoch): groups
    of similar length share a batch, so dynamic padding wastes little, and a resumed run
    replays exactly the same sequence."""
    rng = random.Random(seed * 1000 + epoch)
    order = list(range(len(groups)))
    rng.shuffle(order)
    size = lambda i: len(groups[i].question) + max(map(len, groups[i].candidates))  # noqa: E731
    out: list[list[int]] = []
    window = per_batch * 64
    for lo in range(0, len(order), window):
        chunk = sorted(order[lo:lo + window], key=size)
        out += [chunk[k:k + per_batch] for k in range(0, len(chunk), per_batch)]
    rng.shuffle(out)
    return out


def encode_batch(tokenizer, groups: list[Group], max_length: int) -> dict[str, torch.Tensor]:  # type: ignore[no-untyped-def]
    firsts = [g.question for g in groups for _ in g.candidates]
    seconds = [c for g in groups for c in g.candidates]
    return tokenizer(firsts, seconds, truncation="longest_first", max_length=max_length,
                     padding=True, return_tensors="pt")


def loss_of(logits: torch.Tensor, groups: list[Group], cfg: TrainConfig) -> torch.Tensor:
    """Listwise: the answer sentence must win among its group (the choice the engine makes).
    Pointwise: each sentence on its own is "answers" or not (what abstention needs)."""
    labels = torch.cat([torch.tensor([1.0] * g.positives + [0.0] * (len(g.candidates)
                                                                     - g.positives))
                        for g in groups]).to(logits)
    loss = cfg.pointwise_weight * F.binary_cross_entropy_with_logits(logits, labels)
    lists, at = [], 0
    for g in groups:
        if g.positives:
            lists.append(-F.log_softmax(logits[at:at + len(g.candidates)], dim=0)[0])
        at += len(g.candidates)
    if lists:
        loss = loss + cfg.listwise_weight * torch.stack(lists).mean()
    if cfg.no_answer_weight:
        loss = loss + cfg.no_answer_weight * no_answer_loss(logits, groups)
    return loss


def no_answer_loss(logits: torch.Tensor, groups: list[Group]) -> torch.Tensor:
    """Each group's softmax over its sentences and a no-answer logit of 0: the answer (first)
    must win where there is one, the no-answer where there is none."""
    terms, at = [], 0
    null = logits.new_zeros(1)
    for g in groups:
        scores = torch.cat([logits[at:at + len(g.candidates)], null])
        terms.append(-F.log_softmax(scores, dim=0)[0 if g.positives else -1])
        at += len(g.candidates)
    return torch.stack(terms).mean()


def plan_sha256(groups: list[Group]) -> str:
    """The plan's questions, in order: what a resumed run must see again step for step."""
    digest = hashlib.sha256()
    for g in groups:
        digest.update(g.question.encode() + b"\n")
    return digest.hexdigest()


def prepare(run: Path, cfg: TrainConfig, uncertain: Path | None) -> list[Group]:
    """The run's groups, built once and kept in the run folder so a resume reads them back."""
    path = run / GROUPS_FILE
    if path.is_file():
        return load_groups(path)
    groups = squad_groups(Path(cfg.squad), load_uncertain_ids(uncertain) if uncertain else (),
                          limit=cfg.questions, seed=cfg.seed, same_paragraph=cfg.same_paragraph,
                          bm25_negatives=cfg.bm25_negatives,
                          other_paragraph=cfg.other_paragraph)
    if cfg.extra:
        extra = load_groups(Path(cfg.extra))
        groups = groups + extra
        random.Random(cfg.seed).shuffle(groups)
    save_groups(groups, path)
    return groups


def pick_device(device: str | None) -> torch.device:
    if device in (None, "auto"):
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(device)


def train(run: Path, cfg: TrainConfig | None, *, resume: bool = False,
          device: str | None = None, stop_at: int | None = None,
          uncertain: Path | None = None, checkpoint_minutes: float = 3.0,
          max_steps: int | None = None, threads: int | None = None,
          progress: bool = True, committed_at: Path | None = None) -> dict[str, object]:
    """Train into `run`, checkpointing every few minutes; `resume` continues exactly where
    an interrupted run stopped (same groups, same batch order, optimiser and RNG state).
    With no run left to resume (a new machine), `resume` continues from `committed_at`, the
    weights `save` wrote, at the step they were saved: the same groups and batch order, a
    fresh optimiser."""
    from transformers import AutoTokenizer

    run = Path(run)
    state_path = run / STATE_FILE
    committed: dict[str, Any] | None = None
    if resume and not state_path.is_file() and committed_at is not None \
            and committed_at.is_file():
        # A new machine: the run folder is gone, the committed weights are not.
        committed = json.loads(committed_at.with_suffix(".json").read_text())
        config = dict(committed["config"])
        if cfg is not None:
            config["base"] = cfg.base  # the pinned base model, wherever it is installed here
        run.mkdir(parents=True, exist_ok=True)
        (run / CONFIG_FILE).write_text(json.dumps(config, indent=2))
    if resume:
        if not (run / CONFIG_FILE).is_file():
            raise FileNotFoundError(f"nothing to resume in {run}: no {CONFIG_FILE}")
        cfg = TrainConfig(**json.loads((run / CONFIG_FILE).read_text()))
        if stop_at is not None:
            cfg.stop_at = stop_at
            (run / CONFIG_FILE).write_text(json.dumps(asdict(cfg), indent=2))
    else:
        if cfg is None:
            raise ValueError("a new run needs a TrainConfig")
        cfg.stop_at = stop_at if stop_at is not None else cfg.stop_at
        if state_path.exists():
            raise FileExistsError(f"{run} already holds a run; pass --resume or another --out")
        run.mkdir(parents=True, exist_ok=True)
        (run / CONFIG_FILE).write_text(json.dumps(asdict(cfg), indent=2))
    if threads:
        torch.set_num_threads(threads)
    set_seed(cfg.seed)
    dev = pick_device(device)
    tokenizer = AutoTokenizer.from_pretrained(cfg.base)
    groups = prepare(run, cfg, uncertain)
    if committed is not None and committed.get("groups_sha256") not in (
            None, sha256_file(run / GROUPS_FILE)):
        if committed.get("plan_sha256") != plan_sha256(groups):
            # Another plan would replay other batches: the step count would mean nothing.
            raise FileExistsError(
                f"the training groups rebuilt in {run} differ from those the committed "
                f"checkpoint was trained on; rebuild its --extra file ({cfg.extra}) with the "
                "same commands first")
        # The same questions in the same order: only candidates differ, as the hard negatives
        # found by another machine's float arithmetic may. The batches are the same questions.
        print("note: the rebuilt training groups ask the same questions in the same order as "
              "the committed checkpoint's, with some other candidates; resuming",
              file=sys.stderr, flush=True)
    model = build(Path(cfg.base), cfg.layers)
    if cfg.init and committed is None and not (resume and state_path.is_file()):
        # Resumed weights replace the starting ones, which may be long gone (a retired reader).
        load_into(model, Path(cfg.init))
    model = model.to(dev)
    params = [p for p in model.parameters() if p.requires_grad]
    optim = torch.optim.AdamW(params, lr=cfg.lr, weight_decay=0.01)
    plan = [(e, b) for e in range(cfg.epochs)
            for b in batches(groups, cfg.batch_questions, cfg.seed, e)]
    total = min(len(plan), cfg.stop_at or len(plan))
    warm = max(1, int(cfg.warmup * total))
    step, elapsed, pairs_done, losses = 0, 0.0, 0, []
    if committed is not None and committed_at is not None:
        load_into(model, committed_at)
        step, elapsed, pairs_done = committed["steps"], committed["seconds"], committed["pairs"]
    # Where this process took over with a fresh optimiser: its moments restart from zero,
    # so the learning rate warms up again over REWARM steps.
    first = step

    def rate(s: int) -> float:
        at = first + s
        decay = min((at + 1) / warm, max(0.0, (total - at) / max(1, total - warm)))
        return decay * (min(1.0, (s + 1) / REWARM) if first else 1.0)

    sched = torch.optim.lr_scheduler.LambdaLR(optim, rate)
    if resume and state_path.is_file():
        state = torch.load(state_path, map_location=dev, weights_only=False)
        model.load_state_dict(state["model"])
        optim.load_state_dict(state["optim"])
        sched.load_state_dict(state["sched"])
        step, elapsed, pairs_done = state["step"], state["elapsed"], state["pairs"]
        first = state.get("first", 0)
        losses = state.get("losses", [])
        random.setstate(state["py_rng"])
        torch.set_rng_state(state["torch_rng"])

    def checkpoint() -> None:
        tmp = run / (STATE_FILE + ".tmp")
        torch.save({"model": model.state_dict(), "optim": optim.state_dict(),
                    "sched": sched.state_dict(), "step": step, "elapsed": elapsed,
                    "pairs": pairs_done, "losses": losses, "first": first,
                    "py_rng": random.getstate(),
                    "torch_rng": torch.get_rng_state()}, tmp)
        os.replace(tmp, state_path)

    stop = total if max_steps is None else min(total, step + max_steps)

    def interrupted(signum: int, _frame: object) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    # A killed run (SIGTERM, or SIGINT in the background, where the shell ignores it)
    # still writes its checkpoint on the way out, so --resume loses nothing.
    previous = {s: signal.signal(s, interrupted) for s in (signal.SIGTERM, signal.SIGINT)
                if threading.current_thread() is threading.main_thread()}
    model.train()
    last_save = time.monotonic()
    bar = _Progress(total, step, enabled=progress)
    try:
        while step < stop:
            t0 = time.monotonic()
            epoch, idx = plan[step]
            chunk = [groups[i] for i in idx]
            enc = {k: v.to(dev) for k, v in encode_batch(tokenizer, chunk, cfg.max_length).items()}
            logits = model(enc["input_ids"], enc["attention_mask"], enc["token_type_ids"])
            loss = loss_of(logits, chunk, cfg)
            optim.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            optim.step()
            sched.step()
            step += 1
            pairs = int(enc["input_ids"].shape[0])
            pairs_done += pairs
            elapsed += time.monotonic() - t0
            losses.append(round(loss.item(), 4))
            bar.update(step, float(np.mean(losses[-50:])), pairs_done / max(elapsed, 1e-9))
            if time.monotonic() - last_save > checkpoint_minutes * 60:
                checkpoint()
                last_save = time.monotonic()
    finally:
        bar.close()
        checkpoint()
        for s, handler in previous.items():
            signal.signal(s, handler)
    return {"steps": step, "total_steps": total, "pairs": pairs_done, "seconds": elapsed,
            "groups": len(groups), "finished": step >= total,
            "loss": float(np.mean(losses[-200:])) if losses else math.nan}


def load_trained(run: Path) -> tuple[CrossEncoder, TrainConfig, dict[str, object]]:
    """The model as last checkpointed in `run`, with its config and progress."""
    cfg = TrainConfig(**json.loads((Path(run) / CONFIG_FILE).read_text()))
    model = build(Path(cfg.base), cfg.layers)
    state = torch.load(Path(run) / STATE_FILE, map_location="cpu", weights_only=False)
    model.load_state_dict(state["model"])
    model.eval()
    info = {"steps": state["step"], "pairs": state["pairs"], "seconds": state["elapsed"]}
    return model, cfg, info


def load_checkpoint(path: Path, base: str) -> tuple[CrossEncoder, TrainConfig, dict[str, object]]:
    """The model from a committed checkpoint (`govqa reader save`), with the config and
    progress its card records; `base` is where the pinned base model is installed here."""
    card = json.loads(Path(path).with_suffix(".json").read_text())
    cfg = TrainConfig(**{**card["config"], "base": base})
    model = build(Path(base), cfg.layers)
    load_into(model, Path(path))
    model.eval()
    # An averaged checkpoint (`govqa reader average`) says what it is the mean of.
    return model, cfg, {k: card[k] for k in ("steps", "pairs", "seconds", "averaged")
                        if k in card}


class _Progress:
    """A rich progress bar with the running loss and pairs/s, or nothing off a terminal."""

    def __init__(self, total: int, done: int, enabled: bool) -> None:
        self.progress = None
        if enabled:
            from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

            self.progress = Progress(TextColumn("training"), BarColumn(),
                                     TextColumn("{task.completed}/{task.total} steps"),
                                     TextColumn("loss {task.fields[loss]:.4f}"),
                                     TextColumn("{task.fields[rate]:.1f} pairs/s"),
                                     TimeRemainingColumn())
            self.task = self.progress.add_task("train", total=total, completed=done,
                                               loss=float("nan"), rate=0.0)
            self.progress.start()
        self.last_print = 0.0

    def update(self, step: int, loss: float, rate: float) -> None:
        if self.progress is not None:
            self.progress.update(self.task, completed=step, loss=loss, rate=rate)
        elif time.monotonic() - self.last_print > 30:
            print(f"step {step} loss {loss:.4f} {rate:.1f} pairs/s", flush=True)
            self.last_print = time.monotonic()

    def close(self) -> None:
        if self.progress is not None:
            self.progress.stop()
