"""Fit a scoring stage's sentence weights and confidence threshold on labelled question sets.

    python -m tuning.calibrate SAMPLE.jsonl@INDEX CORPUS.jsonl@INDEX [--reader] [--write]

Each question goes through the engine's own query path (`Engine.prepare`), so what is fitted
is what is served. Sentence weights: a conditional logit (`tuning.fit`; softmax over each
question's candidate sentences; positives are sentences that contain a gold answer).
Window: how close in score a neighbouring sentence must be to join the answer.
Confidence: logistic regression (`tuning.fit`) of "the answer is right" on the chosen
answer's features, over answerable and unanswerable questions alike, read through the same
`retriever.confidence.confidence` the engine uses. The threshold is the one that maximises
right answers plus right abstentions (less `--wrong-cost` for each wrong answer; default 0)
while keeping wrong abstentions on answerable questions at or under 5%.
Each set is also scored with weights fitted on the *other* sets, so the figures printed
under "held out" are not flattered by fitting.

`--reader` fits the reader stage (`retriever/calibration-reader.json`): the feature
scorer's weights first (it picks the sentences the reader reads), then the weights over
the features plus the reader's logit, tied to the reader file's sha256.

    --choice SET@INDEX   reader stage: fits which sentence is chosen, not the confidence
    --eval SET@INDEX     scored in the cross-validation, never fitted
    --feature-l2 X       the features' penalty X times the reader's: large X, reader first
"""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from bench.metrics import answer_correct, normalize_answer
from bench.questions import Question, load_questions
from retriever.calibration import CALIBRATION_FILE, READER_CALIBRATION_FILE, Calibration
from retriever.confidence import READER, confidence
from retriever.context import QuestionContext
from retriever.engine import Engine
from retriever.extract import best_span
from retriever.features import Candidates, candidates
from retriever.reader import READER_DIR, OnnxReader
from retriever.records import Hit
from retriever.scoring import FeatureScorer, ReaderScorer, Scorer, scores
from tuning.blind import why_blind
from tuning.fit import conditional_logit, logistic
from tuning.threshold import DEFAULT_RULE, WRONG_ANSWER_COST, ThresholdRule, choose_threshold

L2 = 0.2  # chosen by the cross-validated figures (0.01, 0.05, 0.2, 0.5 tried)
TOP_K = (4, 6, 8, 12)  # how many sentences the reader may read: chosen by cross-validation
READER_OWN = frozenset({READER, "reader_margin"})  # never shrunk by --feature-l2


# Each question set is asked of the index it belongs to (the sample set of the sample page's
# index, the corpus set of sample + corpus), as `govqa bench` and the product do.
Batch = list[tuple[Engine, list[Question]]]


class MemoReader:
    """The reader's logits, kept per (question, sentence): a fit asks the same pairs again
    for every fold, window and threshold, and the logits never change."""

    def __init__(self, reader: OnnxReader) -> None:
        self.reader = reader
        self.info = reader.info
        self._memo: dict[tuple[str, str], float] = {}

    def score(self, question: str, candidates: list[str]) -> np.ndarray:
        todo = [c for c in dict.fromkeys(candidates) if (question, c) not in self._memo]
        if todo:
            for c, x in zip(todo, self.reader.score(question, todo), strict=True):
                self._memo[(question, c)] = float(x)
        return np.array([self._memo[(question, c)] for c in candidates], dtype=np.float32)


@dataclass
class _Retrieved:
    context: QuestionContext
    hits: list[Hit]
    cands: Candidates


_RETRIEVED: dict[tuple[int, str], _Retrieved] = {}


def _retrieve(engine: Engine, q: Question) -> _Retrieved:
    """Retrieval and candidate features do not depend on the weights being fitted, so each
    question's are computed once."""
    key = (id(engine), q.question)
    if key not in _RETRIEVED:
        prepared = engine.prepare(q.question, mode="hybrid")
        _RETRIEVED[key] = _Retrieved(prepared.context, prepared.hits,
                                     candidates(prepared.context, prepared.hits))
    return _RETRIEVED[key]


def _sentence_groups(batch: Batch, scorer: Scorer) -> list[tuple[np.ndarray, np.ndarray]]:
    groups = []
    for engine, q in ((e, q) for e, qs in batch for q in qs):
        if not q.answers:
            continue
        r = _retrieve(engine, q)
        cands = r.cands
        if not cands.where:
            continue
        rows = scorer.rows(r.context, cands)
        golds = [normalize_answer(g) for g in q.answers]
        labels = np.array([
            any(g and g in normalize_answer(h.chunk.text[slice(*h.chunk.sentences[j])])
                for g in golds)
            for h, j in cands.where], dtype=bool)[rows.kept]
        if labels.any():
            groups.append((rows.features.values[rows.kept], labels))
    return groups


def answers(batch: Batch, scorer: Scorer) -> tuple[list[dict[str, float]], np.ndarray,
                                                     np.ndarray]:
    """The features of each chosen answer, whether it is right, whether it is answerable."""
    feats, right, answerable = [], [], []
    for engine, q in ((e, q) for e, qs in batch for q in qs):
        r = _retrieve(engine, q)
        span = best_span(r.context, r.hits, scorer) if r.hits else None
        feats.append(span.features if span else {})
        answerable.append(bool(q.answers))
        right.append(bool(q.answers) and span is not None
                     and answer_correct(span.text, q.answers, q.match))
    return feats, np.array(right), np.array(answerable)


def _matrix(feats: list[dict[str, float]], names: tuple[str, ...]) -> np.ndarray:
    return np.array([[f.get(n, 0.0) for n in names] for f in feats]).reshape(-1, len(names))


def verdicts(batch: Batch, scorer: Scorer) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per question under the scorer's current calibration: answered, right, answerable."""
    feats, right, answerable = answers(batch, scorer)
    cal = scorer.calibration
    answered = np.array([confidence(f, cal) >= cal.threshold for f in feats], dtype=bool)
    return answered, right, answerable


def summarise(answered: np.ndarray, right: np.ndarray, answerable: np.ndarray
              ) -> dict[str, float]:
    n_ans = max(1, int(answerable.sum()))
    n_un = max(1, int((~answerable).sum()))
    return {
        "answer_accuracy": round(float(np.sum(answered & right) / n_ans), 4),
        "abstained_unanswerable": round(float(np.sum(~answered & ~answerable) / n_un), 4),
        "false_abstain": round(float(np.sum(~answered & answerable) / n_ans), 4),
    }


def _split(batch: Batch, folds: int, seed: int, unfitted: frozenset[int] = frozenset()
           ) -> list[tuple[Batch, Batch]]:
    """Per fold (train, test), each set split alike; the sets numbered in `unfitted` are
    only ever tested. Both parts keep every set, empty or not, in `batch`'s order."""
    rng = np.random.default_rng(seed)
    fold_of = [rng.permutation(len(qs)) % folds for _, qs in batch]
    out = []
    for k in range(folds):
        def pick(test: bool, k: int = k) -> Batch:
            return [(e, [q for q, f in zip(qs, fo, strict=True) if (f == k) == test])
                    for (e, qs), fo in zip(batch, fold_of, strict=True)]
        # Unfitted sets stay in train, emptied, so that set numbers keep their meaning.
        train = [(e, []) if i in unfitted else (e, qs) for i, (e, qs) in enumerate(pick(False))]
        out.append((train, pick(True)))
    return out


def cross_validate(batch: Batch, folds: int, reader: MemoReader | None = None,
                   top_k: int | None = None, seed: int = 0, feature_l2: float = 1.0,
                   unfitted: frozenset[int] = frozenset(),
                   choice_only: frozenset[int] = frozenset(), choice_weight: float = 1.0,
                   rule: ThresholdRule = DEFAULT_RULE
                   ) -> tuple[dict[str, float], list[dict[str, float]]]:
    """Every question scored by a calibration fitted without it: `folds` shuffled folds,
    each set split alike, so no figure rests on a question the weights have seen. The sets
    numbered in `unfitted` are scored in every fold and fitted in none; those in
    `choice_only` fit only the reader stage's choice (see `fit`). Returns the figures over
    the fitted sets, and per set."""
    per_set: list[list[tuple[np.ndarray, np.ndarray, np.ndarray]]] = [[] for _ in batch]
    for train, test in _split(batch, folds, seed, unfitted):
        scorer = fit(train, reader, top_k, feature_l2, choice_only, choice_weight, rule)
        for i, pair in enumerate(test):
            if pair[1]:
                per_set[i].append(verdicts([pair], scorer))
    joined = [tuple(np.concatenate(a) for a in zip(*parts, strict=True)) for parts in per_set]
    fitted = [j for i, j in enumerate(joined) if i not in unfitted]
    overall = tuple(np.concatenate(a) for a in zip(*fitted, strict=True))
    return summarise(*overall), [summarise(*j) for j in joined]


def fit(batch: Batch, reader: MemoReader | None = None, top_k: int | None = None,
        feature_l2: float = 1.0, choice_only: frozenset[int] = frozenset(),
        choice_weight: float = 1.0, rule: ThresholdRule = DEFAULT_RULE) -> Scorer:
    """The feature scorer fitted on `batch`; with a reader, the reader stage over it, its
    features' penalty `feature_l2` times the reader's (large: the reader chooses and the
    features only break near-ties). The sets numbered in `choice_only` fit the reader
    stage's sentence weights and window only: neither the feature scorer (served from its
    own calibration file) nor the confidence and threshold; each of their questions weighs
    `choice_weight` in that fit. Both stages' thresholds are chosen by `rule`
    (`choose_threshold`)."""
    full = [(e, []) if i in choice_only else (e, qs) for i, (e, qs) in enumerate(batch)]
    feature = FeatureScorer(Calibration())
    _fit_into(feature, full, rule=rule)
    if reader is None:
        return feature
    stage = ReaderScorer(reader, Calibration(mode="reader", reader_sha256=reader.info.sha256,
                                             top_k=top_k or 8), feature, top_k=top_k or 8)
    _fit_into(stage, batch, feature_l2, full,
              [choice_weight if i in choice_only else 1.0 for i in range(len(batch))], rule)
    return stage


def _penalty(names: tuple[str, ...], feature_l2: float) -> np.ndarray:
    """L2 per weight: the reader's own (its logit and its lead) at L2, the rest scaled."""
    return np.array([L2 if n in READER_OWN else L2 * feature_l2 for n in names])


def _fit_into(scorer: Scorer, batch: Batch, feature_l2: float = 1.0,
              confidence_batch: Batch | None = None,
              set_weights: list[float] | None = None,
              rule: ThresholdRule = DEFAULT_RULE) -> None:
    """Sentence weights and window from `batch`, each set's questions weighing as
    `set_weights` says (default: 1); confidence and threshold from `confidence_batch`
    (default: the same)."""
    cal = scorer.calibration
    w0 = Calibration().weights_for(scorer.features)
    if "reader" in scorer.features:
        w0[scorer.features.index("reader")] = 1.0
    groups, each = [], []
    for pair, weight in zip(batch, set_weights or [1.0] * len(batch), strict=True):
        found = _sentence_groups([pair], scorer)
        groups += found
        each += [weight] * len(found)
    # The penalty weighs as much as one question's log-loss, however many are fitted.
    weights = conditional_logit(groups, w0,
                                _penalty(scorer.features, feature_l2) / max(1.0, sum(each)),
                                weights=each)
    cal.sentence_weights = dict(zip(scorer.features, map(float, weights), strict=True))
    cal.window_delta, cal.window_sentences = choose_window(batch, scorer)
    batch = batch if confidence_batch is None else confidence_batch
    feats, right, answerable = answers(batch, scorer)
    bias, w = logistic(_matrix(feats, scorer.confidence_features), right.astype(float),
                       _penalty(scorer.confidence_features, feature_l2))
    cal.conf_bias = bias
    cal.conf_weights = dict(zip(scorer.confidence_features, map(float, w), strict=True))
    conf = np.array([confidence(f, cal) for f in feats])
    sets = np.concatenate([np.full(len(qs), i) for i, (_e, qs) in enumerate(batch)])
    cal.threshold = choose_threshold(conf, right, answerable, sets, rule)


def choose_window(batch: Batch, scorer: Scorer) -> tuple[float, int]:
    """The narrowest window (score margin, sentences) whose answers contain the gold about as
    often as the best: a wider answer is only worth its length when it is more often right."""
    cal = scorer.calibration
    scale = float(np.abs(cal.weights_for(scorer.features)).sum()) or 1.0
    results = []
    for size in (2, 3):
        for delta in (0.0, 0.02, 0.05, 0.1, 0.2, 0.4):
            cal.window_delta = delta * scale
            cal.window_sentences = size
            _feats, right, answerable = answers(batch, scorer)
            results.append((float(right[answerable].mean()), delta * scale, size))
    top = max(acc for acc, _, _ in results)
    _, delta, size = min((r for r in results if r[0] >= top - 0.01), key=lambda r: (r[2], r[1]))
    return delta, size


def sentence_top1(batch: Batch, scorer: Scorer) -> float:
    """How often the top-scored candidate sentence holds a gold (answerable questions)."""
    hits = total = 0
    for engine, q in ((e, q) for e, qs in batch for q in qs if q.answers):
        r = _retrieve(engine, q)
        total += 1
        if r.cands.where:
            best = int(np.argmax(scores(scorer, scorer.rows(r.context, r.cands))))
            h, j = r.cands.where[best]
            hits += answer_correct(h.chunk.text[slice(*h.chunk.sentences[j])], q.answers, "any")
    return round(hits / max(1, total), 4)


def load_sets(specs: list[str], index: Path | None = None
              ) -> dict[str, tuple[Engine, list[Question]]]:
    """Each SET.jsonl[@INDEX_DIR] with the engine of its index (one per index), by file name.
    A blind set, an index of a dev site, a set without an index, or two sets of one file
    name: ValueError, in one line."""
    engines: dict[Path, Engine] = {}
    sets: dict[str, tuple[Engine, list[Question]]] = {}
    for spec in specs:
        path, _, named = spec.partition("@")
        index_dir = Path(named) if named else index
        if index_dir is None:
            raise ValueError(f"{spec}: give --index or SET@INDEX_DIR")
        if (why := why_blind(Path(path), index_dir)) is not None:
            raise ValueError(why)
        if index_dir not in engines:
            engines[index_dir] = Engine.load(index_dir, reader=None)
        sets[Path(path).name] = (engines[index_dir], load_questions(Path(path)))
    if len(sets) < len(specs):
        raise ValueError("two sets share a file name: name each set's file apart")
    return sets


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--index", type=Path, help="index for sets given without @INDEX")
    parser.add_argument("sets", nargs="+", help="question sets, each SET.jsonl[@INDEX_DIR]")
    parser.add_argument("--eval", action="append", default=[], metavar="SET@INDEX",
                        help="a set scored in the cross-validation and fitted on never "
                             "(repeatable): how a fit carries to questions of another kind")
    parser.add_argument("--choice", action="append", default=[], metavar="SET@INDEX",
                        help="reader stage: a set that fits which sentence is chosen, not the "
                             "confidence or threshold (repeatable); cross-validated like SETS")
    parser.add_argument("--choice-weight", type=float, default=1.0, metavar="W",
                        help="the weight of each --choice question in that fit (default 1)")
    parser.add_argument("--folds", type=int, default=5,
                        help="folds for the cross-validated figures (0: skip them)")
    parser.add_argument("--reader", nargs="?", const=READER_DIR, type=Path, default=None,
                        help=f"fit the reader stage, with this reader folder ({READER_DIR})")
    parser.add_argument("--top-k", type=int, default=None,
                        help=f"sentences the reader reads (default: best of {TOP_K} by CV)")
    parser.add_argument("--feature-l2", type=float, default=1.0, metavar="X",
                        help="reader stage: the features' L2 penalty, X times the reader's; "
                             "large X puts the reader first (default 1)")
    parser.add_argument("--abstain-floor", type=float, default=0.0, metavar="F",
                        help="the threshold must abstain on at least this share of each fitted "
                             "set's unanswerable questions (default 0: no floor)")
    parser.add_argument("--wrong-cost", type=float, default=WRONG_ANSWER_COST, metavar="C",
                        help="what a wrong answer costs in choosing the threshold, against 1 "
                             f"for a right answer or abstention (default {WRONG_ANSWER_COST})")
    parser.add_argument("--write", action="store_true", help="write the calibration file")
    args = parser.parse_args()
    rule = ThresholdRule(args.wrong_cost, args.abstain_floor)
    if args.choice and args.reader is None:
        parser.error("--choice fits the reader stage: give --reader")
    try:
        sets = load_sets([*args.sets, *args.choice, *args.eval], args.index)
    except ValueError as e:
        parser.error(str(e))
    n_full, n_fitted = len(args.sets), len(args.sets) + len(args.choice)
    choice_only = frozenset(range(n_full, n_fitted))
    unfitted = frozenset(range(n_fitted, len(sets)))
    names = list(sets)
    scored = list(sets.values())  # SETS, then the --choice sets, then the --eval ones
    everything = scored[:n_fitted]
    reader = MemoReader(OnnxReader(args.reader)) if args.reader else None
    top_k = args.top_k
    if reader is not None and args.folds > 1 and top_k is None:
        by_k = {k: cross_validate(everything, args.folds, reader, k,
                                  feature_l2=args.feature_l2, choice_only=choice_only,
                                  choice_weight=args.choice_weight, rule=rule)[0]
                for k in TOP_K}
        for k, cv in by_k.items():
            print(f"top_k {k:2d}: {args.folds}-fold cross-validated {json.dumps(cv)}")
        # Right answers plus half the right abstentions.
        top_k = max(by_k, key=lambda k: by_k[k]["answer_accuracy"]
                    + by_k[k]["abstained_unanswerable"] * 0.5)
    if n_full > 1:
        for name, pair in list(sets.items())[:n_full]:
            scorer = fit([p for other, p in list(sets.items())[:n_full] if other != name],
                         reader, top_k, args.feature_l2, rule=rule)
            print(f"held out {name}: {json.dumps(summarise(*verdicts([pair], scorer)))}")
    if args.folds > 1:
        cv, each = cross_validate(scored, args.folds, reader, top_k,
                                  feature_l2=args.feature_l2, unfitted=unfitted,
                                  choice_only=choice_only, choice_weight=args.choice_weight,
                                  rule=rule)
        print(f"{args.folds}-fold cross-validated, fitted sets: {json.dumps(cv)}")
        for i, (name, figures) in enumerate(zip(names, each, strict=True)):
            kind = ("scored only" if i in unfitted else "choice, CV" if i in choice_only
                    else "cross-validated")
            print(f"  {kind:15s} {name}: {json.dumps(figures)}")
    scorer = fit(everything, reader, top_k, args.feature_l2, choice_only, args.choice_weight,
                 rule)
    cal = scorer.calibration
    cal.fitted_on = sorted(names[:n_full]) + [f"{n} (choice)" for n in names[n_full:n_fitted]]
    for name, pair in list(sets.items())[:n_fitted]:
        print(f"fitted   {name}: {json.dumps(summarise(*verdicts([pair], scorer)))} "
              f"sentence top-1 {sentence_top1([pair], scorer)}")
    print("threshold  answer_accuracy  abstained_unanswerable  false_abstain   (SETS, fitted)")
    chosen = cal.threshold
    for t in (0.2, 0.3, 0.4, 0.5, 0.6, 0.7, chosen):
        cal.threshold = t
        r = summarise(*verdicts(everything[:n_full], scorer))
        print(f"{t:9.2f}  {r['answer_accuracy']:15.3f}  {r['abstained_unanswerable']:22.3f}"
              f"  {r['false_abstain']:13.3f}")
    cal.threshold = chosen
    print(json.dumps(asdict(cal), indent=2))
    if args.write:
        target = READER_CALIBRATION_FILE if reader is not None else CALIBRATION_FILE
        target.write_text(json.dumps(asdict(cal), indent=2) + "\n")
        print(f"wrote {target}")


if __name__ == "__main__":
    main()
