"""Fit a scoring stage's sentence weights and confidence threshold on labelled question sets.

    python -m bench.calibrate SAMPLE.jsonl@INDEX CORPUS.jsonl@INDEX [--reader] [--write]

Sentence weights: a conditional-logit model (softmax over each question's candidate
sentences; positives are sentences that contain a gold answer). Window: how close in score
a neighbouring sentence must be to join the answer. Confidence: logistic regression of
"the answer is right" on the chosen answer's features, over answerable and unanswerable
questions alike. The threshold is the one that maximises right answers plus right
abstentions while keeping wrong abstentions on answerable questions at or under 5%.
Each set is also scored with weights fitted on the *other* sets, so the figures printed
under "held out" are not flattered by fitting.

`--reader` fits the reader stage (`retriever/calibration-reader.json`): the feature
scorer's weights first (it picks the sentences the reader reads), then the weights over
the features plus the reader's logit, tied to the reader file's sha256.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
from scipy.optimize import minimize

from bench.metrics import answer_correct, normalize_answer
from bench.questions import Question, load_questions
from retriever.calibration import CALIBRATION_FILE, READER_CALIBRATION_FILE, Calibration
from retriever.engine import CANDIDATE_CHUNKS, Engine
from retriever.extract import Candidates
from retriever.reader import READER_DIR, OnnxReader
from retriever.records import Hit
from retriever.scoring import FeatureScorer, ReaderScorer, Scorer, scores
from retriever.terms import spell_out

L2 = 0.2  # chosen by the cross-validated figures (0.01, 0.05, 0.2, 0.5 tried)
MAX_FALSE_ABSTAIN = 0.05
TOP_K = (4, 6, 8, 12)  # how many sentences the reader may read: chosen by cross-validation


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
    text: str  # the question as the engine reads it
    qvec: np.ndarray
    hits: list[Hit]
    cands: Candidates


_RETRIEVED: dict[tuple[int, str], _Retrieved] = {}


def _retrieve(engine: Engine, q: Question) -> _Retrieved:
    """Retrieval and candidate features do not depend on the weights being fitted, so each
    question's are computed once."""
    key = (id(engine), q.question)
    if key not in _RETRIEVED:
        text = spell_out(q.question)
        qvec = engine.encode(text)
        hits = engine.retrieve(qvec, text, k=CANDIDATE_CHUNKS)
        _RETRIEVED[key] = _Retrieved(text, qvec, hits,
                                     engine.extractor.candidates(qvec, text, hits))
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
        rows = scorer.rows(r.text, cands)
        golds = [normalize_answer(g) for g in q.answers]
        labels = np.array([
            any(g and g in normalize_answer(h.chunk.text[slice(*h.chunk.sentences[j])])
                for g in golds)
            for h, j in cands.where], dtype=bool)[rows.kept]
        if labels.any():
            groups.append((rows.features[rows.kept], labels))
    return groups


def fit_sentence_weights(groups: list[tuple[np.ndarray, np.ndarray]],
                         w0: np.ndarray) -> np.ndarray:
    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        total, grad = L2 * float(w @ w), 2 * L2 * w
        for feats, labels in groups:
            z = feats @ w
            z -= z.max()
            p = np.exp(z)
            p /= p.sum()
            pos = p * labels
            mass = pos.sum()
            total -= float(np.log(mass + 1e-12))
            grad += feats.T @ (p - pos / (mass + 1e-12))
        return total / len(groups), grad / len(groups)

    return np.asarray(minimize(loss, w0, jac=True, method="L-BFGS-B").x)


def _answers(batch: Batch, scorer: Scorer) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Feature rows of each chosen answer, whether it is right, whether it is answerable."""
    rows, right, answerable = [], [], []
    for engine, q in ((e, q) for e, qs in batch for q in qs):
        r = _retrieve(engine, q)
        span = engine.extractor.best_span(r.qvec, r.text, r.hits, scorer) if r.hits else None
        feats = span.features if span else {}
        rows.append([feats.get(f, 0.0) for f in scorer.confidence_features])
        answerable.append(bool(q.answers))
        right.append(bool(q.answers) and span is not None
                     and answer_correct(span.text, q.answers, q.match))
    return np.array(rows), np.array(right), np.array(answerable)


def fit_confidence(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    mu, sd = x.mean(0), x.std(0) + 1e-9
    xs = np.hstack([np.ones((len(x), 1)), (x - mu) / sd])

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        z = xs @ w
        p = 1 / (1 + np.exp(-z))
        eps = 1e-12
        total = -np.mean(y * np.log(p + eps) + (1 - y) * np.log(1 - p + eps)) + L2 * w[1:] @ w[1:]
        grad = xs.T @ (p - y) / len(y)
        grad[1:] += 2 * L2 * w[1:]
        return float(total), grad

    w = np.asarray(minimize(loss, np.zeros(xs.shape[1]), jac=True, method="L-BFGS-B").x)
    # Fold the standardisation back in, so confidence needs only raw features at run time.
    weights = w[1:] / sd
    bias = w[0] - float((w[1:] * mu / sd).sum())
    return np.concatenate([[bias], weights])


def choose_threshold(conf: np.ndarray, right: np.ndarray, answerable: np.ndarray,
                     sets: np.ndarray | None = None) -> float:
    """The threshold with the most right answers plus right abstentions, keeping wrong
    abstentions at or under MAX_FALSE_ABSTAIN on every set (`sets` labels each question's
    set): a pooled cap would let the big set buy its abstentions with the small one's."""
    sets = np.zeros(len(conf), dtype=int) if sets is None else sets
    best, best_t = -1.0, 0.5
    for t in np.linspace(0.05, 0.95, 91):
        answered = conf >= t
        if any(np.mean(~answered[answerable & (sets == s)]) > MAX_FALSE_ABSTAIN
               for s in np.unique(sets) if (answerable & (sets == s)).any()):
            continue
        good = np.sum(answered & right) + np.sum(~answered & ~answerable)
        if good > best:
            best, best_t = float(good), float(t)
    return round(best_t, 2)


def verdicts(batch: Batch, scorer: Scorer) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per question under the scorer's current calibration: answered, right, answerable."""
    x, right, answerable = _answers(batch, scorer)
    cal = scorer.calibration
    z = cal.conf_bias + x @ np.array([cal.conf_weights.get(f, 0.0)
                                      for f in scorer.confidence_features])
    return 1 / (1 + np.exp(-z)) >= cal.threshold, right, answerable


def summarise(answered: np.ndarray, right: np.ndarray, answerable: np.ndarray
              ) -> dict[str, float]:
    n_ans = max(1, int(answerable.sum()))
    n_un = max(1, int((~answerable).sum()))
    return {
        "answer_accuracy": round(float(np.sum(answered & right) / n_ans), 4),
        "abstained_unanswerable": round(float(np.sum(~answered & ~answerable) / n_un), 4),
        "false_abstain": round(float(np.sum(~answered & answerable) / n_ans), 4),
    }


def _split(batch: Batch, folds: int, seed: int) -> list[tuple[Batch, Batch]]:
    rng = np.random.default_rng(seed)
    fold_of = [rng.permutation(len(qs)) % folds for _, qs in batch]
    out = []
    for k in range(folds):
        def pick(test: bool, k: int = k) -> Batch:
            return [(e, [q for q, f in zip(qs, fo, strict=True) if (f == k) == test])
                    for (e, qs), fo in zip(batch, fold_of, strict=True)]
        out.append((pick(False), [pair for pair in pick(True) if pair[1]]))
    return out


def cross_validate(batch: Batch, folds: int, reader: MemoReader | None = None,
                   top_k: int | None = None, seed: int = 0) -> dict[str, float]:
    """Every question scored by a calibration fitted without it: `folds` shuffled folds,
    each set split alike, so no figure rests on a question the weights have seen."""
    parts = []
    for train, test in _split(batch, folds, seed):
        parts.append(verdicts(test, fit(train, reader, top_k)))
    answered, right, answerable = (np.concatenate(a) for a in zip(*parts, strict=True))
    return summarise(answered, right, answerable)


def fit(batch: Batch, reader: MemoReader | None = None, top_k: int | None = None) -> Scorer:
    """The feature scorer fitted on `batch`; with a reader, the reader stage over it."""
    feature = FeatureScorer(Calibration())
    _fit_into(feature, batch)
    if reader is None:
        return feature
    stage = ReaderScorer(reader, Calibration(mode="reader", reader_sha256=reader.info.sha256,
                                             top_k=top_k or 8), feature, top_k=top_k or 8)
    _fit_into(stage, batch)
    return stage


def _fit_into(scorer: Scorer, batch: Batch) -> None:
    cal = scorer.calibration
    w0 = Calibration().weight_vector(scorer.features)
    if "reader" in scorer.features:
        w0[scorer.features.index("reader")] = 1.0
    weights = fit_sentence_weights(_sentence_groups(batch, scorer), w0)
    cal.sentence_weights = dict(zip(scorer.features, map(float, weights), strict=True))
    cal.window_delta, cal.window_sentences = choose_window(batch, scorer)
    x, right, answerable = _answers(batch, scorer)
    w = fit_confidence(x, right.astype(float))
    cal.conf_bias = float(w[0])
    cal.conf_weights = dict(zip(scorer.confidence_features, map(float, w[1:]), strict=True))
    conf = 1 / (1 + np.exp(-(x @ w[1:] + w[0])))
    sets = np.concatenate([np.full(len(qs), i) for i, (_e, qs) in enumerate(batch)])
    cal.threshold = choose_threshold(conf, right, answerable, sets)


def choose_window(batch: Batch, scorer: Scorer) -> tuple[float, int]:
    """The narrowest window (score margin, sentences) whose answers contain the gold about as
    often as the best: a wider answer is only worth its length when it is more often right."""
    cal = scorer.calibration
    scale = float(np.abs(cal.weight_vector(scorer.features)).sum()) or 1.0
    results = []
    for size in (2, 3):
        for delta in (0.0, 0.02, 0.05, 0.1, 0.2, 0.4):
            cal.window_delta = delta * scale
            cal.window_sentences = size
            _x, right, answerable = _answers(batch, scorer)
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
            best = int(np.argmax(scores(scorer, scorer.rows(r.text, r.cands))))
            h, j = r.cands.where[best]
            hits += answer_correct(h.chunk.text[slice(*h.chunk.sentences[j])], q.answers, "any")
    return round(hits / max(1, total), 4)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--index", type=Path, help="index for sets given without @INDEX")
    parser.add_argument("sets", nargs="+", help="question sets, each SET.jsonl[@INDEX_DIR]")
    parser.add_argument("--folds", type=int, default=5,
                        help="folds for the cross-validated figures (0: skip them)")
    parser.add_argument("--reader", nargs="?", const=READER_DIR, type=Path, default=None,
                        help=f"fit the reader stage, with this reader folder ({READER_DIR})")
    parser.add_argument("--top-k", type=int, default=None,
                        help=f"sentences the reader reads (default: best of {TOP_K} by CV)")
    parser.add_argument("--write", action="store_true", help="write the calibration file")
    args = parser.parse_args()
    engines: dict[Path, Engine] = {}
    sets: dict[str, tuple[Engine, list[Question]]] = {}
    for spec in args.sets:
        path, _, index = spec.partition("@")
        index_dir = Path(index) if index else args.index
        if index_dir is None:
            parser.error(f"{spec}: give --index or SET@INDEX_DIR")
        if Path(path).name.startswith("holdout"):
            parser.error("holdout.jsonl is never fitted on: it stays blind")
        if index_dir not in engines:
            engines[index_dir] = Engine.load(index_dir, reader=None)
        sets[Path(path).name] = (engines[index_dir], load_questions(Path(path)))
    everything = list(sets.values())
    reader = MemoReader(OnnxReader(args.reader)) if args.reader else None
    top_k = args.top_k
    if reader is not None and args.folds > 1 and top_k is None:
        by_k = {k: cross_validate(everything, args.folds, reader, k) for k in TOP_K}
        for k, cv in by_k.items():
            print(f"top_k {k:2d}: {args.folds}-fold cross-validated {json.dumps(cv)}")
        # Right answers plus right abstentions, as the threshold is chosen.
        top_k = max(by_k, key=lambda k: by_k[k]["answer_accuracy"]
                    + by_k[k]["abstained_unanswerable"] * 0.5)
    if len(sets) > 1:
        for name, pair in sets.items():
            scorer = fit([p for other, p in sets.items() if other != name], reader, top_k)
            print(f"held out {name}: {json.dumps(summarise(*verdicts([pair], scorer)))}")
    if args.folds > 1:
        cv = cross_validate(everything, args.folds, reader, top_k)
        print(f"{args.folds}-fold cross-validated, all sets: {json.dumps(cv)}")
    scorer = fit(everything, reader, top_k)
    cal = scorer.calibration
    cal.fitted_on = sorted(sets)
    for name, pair in sets.items():
        print(f"fitted   {name}: {json.dumps(summarise(*verdicts([pair], scorer)))} "
              f"sentence top-1 {sentence_top1([pair], scorer)}")
    print("threshold  answer_accuracy  abstained_unanswerable  false_abstain   (all sets, fitted)")
    chosen = cal.threshold
    for t in (0.2, 0.3, 0.4, 0.5, 0.6, 0.7, chosen):
        cal.threshold = t
        r = summarise(*verdicts(everything, scorer))
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
