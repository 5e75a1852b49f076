"""In-domain training groups: the bundled questions against the engine's own candidate
sentences on the real pages (the sections it reads when serving, reranked), labelled by
whether a sentence holds the gold."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from bench.metrics import contains
from bench.questions import load_questions
from reader.data import Group
from retriever.engine import Engine
from retriever.features import candidates
from retriever.reader import candidate_text, chunk_title
from retriever.scoring import scores as scores_of


def indomain_groups(sets: list[tuple[Path, Path]], negatives: int = 5) -> list[Group]:
    """For each (question set, index) pair: every question of the set, with the feature
    scorer's `negatives` best-scoring sentences that do not hold a gold, after the best one
    that does (none for an unanswerable question: an all-negative group).

    Never give this `holdout.jsonl` or `dev-sites.jsonl`: they stay blind.
    """
    engines: dict[Path, Engine] = {}
    groups: list[Group] = []
    for set_path, index_dir in sets:
        if Path(set_path).name.startswith(("holdout", "dev-sites")):
            raise ValueError(f"{Path(set_path).name}: its questions are never trained on")
        engine = engines.get(index_dir) or engines.setdefault(index_dir, Engine.load(index_dir))
        for q in load_questions(Path(set_path)):
            prepared = engine.prepare(q.question, mode="hybrid")
            cands = candidates(prepared.context, prepared.hits)
            if not cands.where:
                continue
            feature = engine.feature_scorer
            scores = scores_of(feature, feature.rows(prepared.context, cands))
            texts, golden = [], []
            for hit, j in cands.where:
                sentence = hit.chunk.text[slice(*hit.chunk.sentences[j])]
                texts.append(candidate_text(chunk_title(hit.chunk), sentence))
                golden.append(any(contains(sentence, g) for g in q.answers))
            order = list(np.argsort(-scores))
            pos = [i for i in order if golden[i]][:1]
            if q.answers and not pos:
                continue  # the gold is not in any one retrieved sentence: nothing to learn
            neg = [i for i in order if not golden[i]][:negatives]
            groups.append(Group(q.question, tuple(texts[i] for i in pos + neg), len(pos)))
    return groups
