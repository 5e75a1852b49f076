"""How well each answer feature, and the confidence, tell a right answer from an answer to a
question the pages do not answer: ROC AUC, per pool of question sets.

    python -m tuning.separation FIT.jsonl@INDEX ... [--eval SET@INDEX ...] [--reader [DIR]]
                                [--top-k 8]

The scoring stage is fitted on the FIT sets as `tuning.calibrate` fits it, then every set's
questions are answered; for each pool (the FIT sets, in-sample; the `--eval` sets, never
fitted) a feature's AUC is the chance that a right answer's value is above an unanswerable
question's (ties count half). A threshold can only abstain as well as the confidence
separates the two: 0.5 is a coin, 1 perfect. Give an `--eval` pool both kinds: a FAQ set and
the same questions asked without their answer page (`python -m tuning.faq_set
--without-folds K`) measure abstention where the pages stay on topic.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from scipy.stats import rankdata

from retriever.confidence import confidence
from retriever.reader import READER_DIR, OnnxReader
from retriever.scoring import Scorer
from tuning.calibrate import Batch, MemoReader, answers, fit, load_sets

CONFIDENCE = "confidence"  # the fitted logistic over the features: what the threshold reads


def auc(positives: list[float], negatives: list[float]) -> float:
    """P(a positive's value > a negative's), ties half: the Mann-Whitney statistic."""
    if not positives or not negatives:
        return float("nan")
    ranks = rankdata(np.concatenate([positives, negatives]))
    n_pos, n_neg = len(positives), len(negatives)
    return float((ranks[:n_pos].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def separation(batch: Batch, scorer: Scorer) -> tuple[dict[str, float], int, int]:
    """Per confidence feature and the confidence: AUC of right answers against unanswerable
    questions' answers over `batch`; and how many of each there were. Questions without an
    answer (no section held a sentence) and wrong answers to answerable ones are left out."""
    feats, is_right, answerable = answers(batch, scorer)
    with_conf = [{**f, CONFIDENCE: confidence(f, scorer.calibration)} for f in feats]
    right = [f for f, r, g in zip(with_conf, is_right, feats, strict=True) if g and r]
    unanswerable = [f for f, a, g in zip(with_conf, answerable, feats, strict=True)
                    if g and not a]
    names = (*scorer.confidence_features, CONFIDENCE)
    return ({n: round(auc([f.get(n, 0.0) for f in right], [f.get(n, 0.0) for f in unanswerable]),
                      3) for n in names}, len(right), len(unanswerable))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("sets", nargs="+", help="sets to fit on, each SET.jsonl@INDEX_DIR")
    parser.add_argument("--eval", action="append", default=[], metavar="SET@INDEX",
                        help="a set answered and never fitted on (repeatable)")
    parser.add_argument("--reader", nargs="?", const=READER_DIR, type=Path, default=None,
                        help=f"the reader stage, with this reader folder ({READER_DIR})")
    parser.add_argument("--top-k", type=int, default=8, help="sentences the reader reads")
    args = parser.parse_args()
    try:
        sets = list(load_sets([*args.sets, *args.eval]).values())
    except ValueError as e:
        parser.error(str(e))
    fitted, scored = sets[:len(args.sets)], sets[len(args.sets):]
    reader = MemoReader(OnnxReader(args.reader)) if args.reader else None
    scorer = fit(fitted, reader, args.top_k)
    pools = [("fitted sets", fitted)] + ([("eval sets", scored)] if scored else [])
    found = [(name, *separation(batch, scorer)) for name, batch in pools]
    print(f"{'AUC':18s}" + "".join(f"{name:>22s}" for name, *_ in found))
    print(f"{'(right / unans.)':18s}" + "".join(f"{f'{r} / {u}':>22s}" for _, _, r, u in found))
    for feature in found[0][1]:
        print(f"{feature:18s}" + "".join(f"{figures[feature]:22.3f}" for _, figures, _, _ in found))


if __name__ == "__main__":
    main()
