"""Fit the section rerank on labelled question sets, and measure its depth and features.

    python -m tuning.rerank SAMPLE.jsonl@INDEX CORPUS.jsonl@INDEX [--also SET@INDEX ...]
                           [--depth N ...] [--ablate] [--write]

Each answerable question with a gold section or page gives a group: the sections that fused
retrieval finds at the given depth, labelled by whether they match the gold (the bench's own
location match), through the engine's own query path with the rerank off. The weights are
the shared conditional logit (`tuning.fit`: softmax over each group, any matching section a
right one). Every
figure printed is k-fold cross-validated (questions split at random, seed 0), next to the
fused order it replaces; `--ablate` refits without each feature in turn.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from bench.metrics import location_matches
from bench.questions import load_questions
from retriever.engine import Engine
from retriever.features import SECTION_FEATURE_NAMES, sections
from retriever.index import read_pages
from retriever.rerank import RERANK_FILE, FusionOrder
from tuning.blind import why_blind
from tuning.fit import conditional_logit

L2 = 0.1  # 0.01, 0.03, 0.1 and 0.3 tried: within a question of each other by CV
DEPTHS = (10, 20, 30)


@dataclass
class Group:
    features: np.ndarray  # sections x SECTION_FEATURE_NAMES, in fused order
    relevant: np.ndarray  # bool per section
    weight: float = 1.0  # its weight in the fit


def groups(engine: Engine, sources: dict[str, str], path: Path, depth: int) -> list[Group]:
    """`engine` must keep the fused order (FusionOrder): the groups are what it reranks."""
    out = []
    for q in load_questions(path):
        if not q.answers or not (q.section or q.page):
            continue
        prepared = engine.prepare(q.question, mode="hybrid", k=depth)
        hits = prepared.hits
        relevant = np.array([
            location_matches(q.section, q.page, h.chunk.section_title, h.chunk.section,
                             h.chunk.url, sources.get(h.chunk.page_url)) for h in hits])
        out.append(Group(sections(prepared.context, hits).values, relevant))
    return out


def fit(train: list[Group], columns: list[int]) -> np.ndarray:
    w0 = np.zeros(len(columns))
    if 0 in columns:
        w0[columns.index(0)] = 1.0  # start from the fused order
    kept = [g for g in train if len(g.relevant) > 1]
    return conditional_logit([(g.features[:, columns], g.relevant) for g in kept], w0, L2,
                             [g.weight for g in kept])


def ranks(group: Group, scores: np.ndarray | None) -> int:
    order = np.arange(len(group.relevant)) if scores is None else np.argsort(-scores,
                                                                            kind="stable")
    hits = np.flatnonzero(group.relevant[order])
    return int(hits[0]) + 1 if len(hits) else 0


def summary(found: list[int], depth: int) -> dict[str, float]:
    n = len(found) or 1
    return {
        "hit@1": round(sum(0 < r <= 1 for r in found) / n, 4),
        "hit@3": round(sum(0 < r <= 3 for r in found) / n, 4),
        "hit@5": round(sum(0 < r <= 5 for r in found) / n, 4),
        f"recall@{depth}": round(sum(r > 0 for r in found) / n, 4),
        "mrr@5": round(sum(1 / r for r in found if 0 < r <= 5) / n, 4),
    }


def cross_validate(all_groups: list[Group], folds: int, columns: list[int],
                   always: list[Group] | None = None) -> list[int]:
    """Each group's rank of its first right section under weights fitted without its fold;
    `always` is in every fold's fit and scored in none, so the folds of `all_groups` are
    the same with it and without it."""
    rng = np.random.default_rng(0)
    fold_of = rng.permutation(len(all_groups)) % folds
    found = [0] * len(all_groups)
    for k in range(folds):
        w = fit([g for g, f in zip(all_groups, fold_of, strict=True) if f != k]
                + (always or []), columns)
        for i, g in enumerate(all_groups):
            if fold_of[i] == k:
                found[i] = ranks(g, g.features[:, columns] @ w)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("sets", nargs="+", help="question sets, each SET.jsonl@INDEX_DIR")
    parser.add_argument("--depth", type=int, nargs="*", default=list(DEPTHS),
                        help="retrieval depths to compare; the best by CV is written")
    parser.add_argument("--also", nargs="*", default=[], metavar="SET.jsonl@INDEX_DIR",
                        help="sets fitted on in every fold but never scored (the train-site "
                             "FAQ set of tuning.faq_set): the figures stay those of SETS")
    parser.add_argument("--also-weight", type=float, default=1.0,
                        help="the weight of each --also question in the fit (1: as one of SETS)")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--ablate", action="store_true", help="refit without each feature")
    parser.add_argument("--write", action="store_true", help=f"write {RERANK_FILE.name}")
    args = parser.parse_args()
    engines: dict[str, tuple[Engine, dict[str, str]]] = {}

    def spec_of(spec: str) -> tuple[Path, Engine, dict[str, str]]:
        path, _, index = spec.partition("@")
        if not index:
            parser.error(f"{spec}: give SET.jsonl@INDEX_DIR")
        if (why := why_blind(Path(path), Path(index))) is not None:
            parser.error(why)
        if index not in engines:
            engines[index] = (Engine.load(Path(index), reader=None, reranker=FusionOrder()),
                              {p.url: p.source for p in read_pages(Path(index))})
        return (Path(path), *engines[index])

    specs = [spec_of(s) for s in args.sets]
    also = [spec_of(s) for s in args.also]
    every = list(range(len(SECTION_FEATURE_NAMES)))
    best: tuple[float, int, list[Group], list[Group]] | None = None
    for depth in args.depth:
        by_set = [(path.name, groups(engine, sources, path, depth))
                  for path, engine, sources in specs]
        all_groups = [g for _, gs in by_set for g in gs]
        extra = [replace(g, weight=args.also_weight) for path, engine, sources in also
                 for g in groups(engine, sources, path, depth)]
        found = cross_validate(all_groups, args.folds, every, extra)
        fused = summary([ranks(g, None) for g in all_groups], depth)
        cv = summary(found, depth)
        print(f"depth {depth}: {len(all_groups)} questions (+{len(extra)} fitted on only); "
              f"fused order {json.dumps(fused)}")
        print(f"depth {depth}: reranked, {args.folds}-fold cross-validated {json.dumps(cv)}")
        at = 0
        for name, gs in by_set:
            mine, at = found[at:at + len(gs)], at + len(gs)
            print(f"  {name} ({len(gs)}): fused "
                  f"{json.dumps(summary([ranks(g, None) for g in gs], depth))}; "
                  f"cross-validated {json.dumps(summary(mine, depth))}")
        score = cv["mrr@5"] + cv["hit@5"]
        if best is None or score > best[0]:
            best = (score, depth, all_groups, extra)
    assert best is not None
    _, depth, all_groups, extra = best
    if args.ablate:
        for i, name in enumerate(SECTION_FEATURE_NAMES):
            cols = [c for c in every if c != i]
            cv = summary(cross_validate(all_groups, args.folds, cols, extra), depth)
            print(f"without {name:14s} {json.dumps(cv)}")
    w = fit(all_groups + extra, every)
    weights = {f: round(float(x), 6) for f, x in zip(SECTION_FEATURE_NAMES, w, strict=True)}
    print(f"depth {depth}, weights fitted on all: {json.dumps(weights)}")
    if args.write:
        RERANK_FILE.write_text(json.dumps({
            "depth": depth, "weights": weights, "l2": L2,
            "fitted_on": [p.name for p, _, _ in specs + also],
            **({"also_weight": args.also_weight} if also else {}),
        }, indent=2) + "\n")
        print(f"wrote {RERANK_FILE}")


if __name__ == "__main__":
    main()
