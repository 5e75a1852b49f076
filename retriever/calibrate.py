"""Fit the sentence-scoring weights and the confidence threshold on labelled question sets.

    python -m retriever.calibrate sample.jsonl@SAMPLE_INDEX corpus.jsonl@CORPUS_INDEX [--write]

Sentence weights: a conditional-logit model (softmax over each question's candidate
sentences; positives are sentences that contain a gold answer). Window: how close in score
a neighbouring sentence must be to join the answer. Confidence: logistic regression of
"the answer is right" on the chosen answer's features, over answerable and unanswerable
questions alike. The threshold is the one that maximises right answers plus right
abstentions while keeping wrong abstentions on answerable questions at or under 5%.
Each set is also scored with weights fitted on the *other* sets, so the figures printed
under "held out" are not flattered by fitting.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict
from pathlib import Path

import numpy as np
from scipy.optimize import minimize

from bench.metrics import answer_correct, normalize_answer
from bench.questions import Question, load_questions
from retriever.engine import CANDIDATE_CHUNKS, Engine
from retriever.extract import (
    CALIBRATION_FILE,
    CONFIDENCE_FEATURES,
    SENTENCE_FEATURES,
    Calibration,
)
from retriever.records import Hit
from retriever.terms import spell_out

L2 = 0.2  # chosen by the cross-validated figures (0.01, 0.05, 0.2, 0.5 tried)
MAX_FALSE_ABSTAIN = 0.05


# Each question set is asked of the index it belongs to (the sample set of the sample page's
# index, the corpus set of sample + corpus), as `govqa bench` and the product do.
Batch = list[tuple[Engine, list[Question]]]


def _retrieve(engine: Engine, q: Question) -> tuple[str, np.ndarray, list[Hit]]:
    """The question as the engine reads it, its vector and the candidate sections."""
    text = spell_out(q.question)
    qvec = engine.encode(text)
    return text, qvec, engine.index.search(qvec, text, k=CANDIDATE_CHUNKS)


def _sentence_groups(batch: Batch) -> list[tuple[np.ndarray, np.ndarray]]:
    groups = []
    for engine, q in ((e, q) for e, qs in batch for q in qs):
        if not q.answers:
            continue
        text, qvec, hits = _retrieve(engine, q)
        cands = engine.extractor.candidates(qvec, text, hits)
        golds = [normalize_answer(g) for g in q.answers]
        labels = np.array([
            any(g and g in normalize_answer(h.chunk.text[slice(*h.chunk.sentences[j])])
                for g in golds)
            for h, j in cands.where], dtype=bool)
        if labels.any():
            groups.append((cands.features, labels))
    return groups


def fit_sentence_weights(groups: list[tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
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

    w0 = Calibration().weight_vector()
    return np.asarray(minimize(loss, w0, jac=True, method="L-BFGS-B").x)


def _answers(batch: Batch) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Feature rows of each chosen answer, whether it is right, whether it is answerable."""
    rows, right, answerable = [], [], []
    for engine, q in ((e, q) for e, qs in batch for q in qs):
        text, qvec, hits = _retrieve(engine, q)
        span = engine.extractor.best_span(qvec, text, hits)
        feats = span.features if span else {}
        rows.append([feats.get(f, 0.0) for f in CONFIDENCE_FEATURES])
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


def choose_threshold(conf: np.ndarray, right: np.ndarray, answerable: np.ndarray) -> float:
    best, best_t = -1.0, 0.5
    for t in np.linspace(0.05, 0.95, 91):
        answered = conf >= t
        false_abstain = np.mean(~answered[answerable]) if answerable.any() else 0.0
        if false_abstain > MAX_FALSE_ABSTAIN:
            continue
        good = np.sum(answered & right) + np.sum(~answered & ~answerable)
        if good > best:
            best, best_t = float(good), float(t)
    return round(best_t, 2)


def verdicts(batch: Batch) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per question under the engines' current calibration: answered, right, answerable."""
    x, right, answerable = _answers(batch)
    cal = batch[0][0].calibration
    z = cal.conf_bias + x @ np.array([cal.conf_weights.get(f, 0.0) for f in CONFIDENCE_FEATURES])
    return 1 / (1 + np.exp(-z)) >= cal.threshold, right, answerable


def summarise(answered: np.ndarray, right: np.ndarray, answerable: np.ndarray
              ) -> dict[str, float]:
    n_ans = max(1, int(answerable.sum()))
    n_un = max(1, int((~answerable).sum()))
    return {
        "answer_accuracy": float(np.sum(answered & right) / n_ans),
        "abstained_unanswerable": float(np.sum(~answered & ~answerable) / n_un),
        "false_abstain": float(np.sum(~answered & answerable) / n_ans),
    }


def evaluate(batch: Batch) -> dict[str, float]:
    return summarise(*verdicts(batch))


def cross_validate(batch: Batch, folds: int, seed: int = 0) -> dict[str, float]:
    """Every question scored by a calibration fitted without it: `folds` shuffled folds,
    each set split alike, so no figure rests on a question the weights have seen."""
    rng = np.random.default_rng(seed)
    fold_of = [rng.permutation(len(qs)) % folds for _, qs in batch]
    parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    for k in range(folds):
        def pick(test: bool, k: int = k) -> Batch:
            return [(e, [q for q, f in zip(qs, fo, strict=True) if (f == k) == test])
                    for (e, qs), fo in zip(batch, fold_of, strict=True)]
        _use(batch, fit(pick(False)))
        parts.append(verdicts([pair for pair in pick(True) if pair[1]]))
    answered, right, answerable = (np.concatenate(a) for a in zip(*parts, strict=True))
    return summarise(answered, right, answerable)


def fit(batch: Batch) -> Calibration:
    weights = fit_sentence_weights(_sentence_groups(batch))
    cal = Calibration(sentence_weights=dict(zip(SENTENCE_FEATURES, map(float, weights),
                                                strict=True)))
    _use(batch, cal)
    cal.window_delta, cal.window_sentences = choose_window(batch, cal)
    x, right, answerable = _answers(batch)
    w = fit_confidence(x, right.astype(float))
    cal.conf_bias = float(w[0])
    cal.conf_weights = dict(zip(CONFIDENCE_FEATURES, map(float, w[1:]), strict=True))
    conf = 1 / (1 + np.exp(-(x @ w[1:] + w[0])))
    cal.threshold = choose_threshold(conf, right, answerable)
    return cal


def choose_window(batch: Batch, cal: Calibration) -> tuple[float, int]:
    """The narrowest window (score margin, sentences) whose answers contain the gold about as
    often as the best: a wider answer is only worth its length when it is more often right."""
    scale = float(np.abs(cal.weight_vector()).sum()) or 1.0
    results = []
    for size in (2, 3):
        for delta in (0.0, 0.02, 0.05, 0.1, 0.2, 0.4):
            cal.window_delta = delta * scale
            cal.window_sentences = size
            _x, right, answerable = _answers(batch)
            results.append((float(right[answerable].mean()), delta * scale, size))
    top = max(acc for acc, _, _ in results)
    _, delta, size = min((r for r in results if r[0] >= top - 0.01), key=lambda r: (r[2], r[1]))
    return delta, size


def _use(batch: Batch, cal: Calibration) -> None:
    for engine, _ in batch:
        engine.calibration = cal
        engine.extractor.cal = cal
        engine.extractor.weights = cal.weight_vector()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--index", type=Path, help="index for sets given without @INDEX")
    parser.add_argument("sets", nargs="+", help="question sets, each SET.jsonl[@INDEX_DIR]")
    parser.add_argument("--folds", type=int, default=5,
                        help="folds for the cross-validated figures (0: skip them)")
    parser.add_argument("--write", action="store_true", help=f"write {CALIBRATION_FILE.name}")
    args = parser.parse_args()
    engines: dict[Path, Engine] = {}
    sets: dict[str, tuple[Engine, list[Question]]] = {}
    for spec in args.sets:
        path, _, index = spec.partition("@")
        index_dir = Path(index) if index else args.index
        if index_dir is None:
            parser.error(f"{spec}: give --index or SET@INDEX_DIR")
        if index_dir not in engines:
            engines[index_dir] = Engine.load(index_dir)
        sets[Path(path).name] = (engines[index_dir], load_questions(Path(path)))
    if len(sets) > 1:
        for name, pair in sets.items():
            _use(list(sets.values()), fit([p for other, p in sets.items() if other != name]))
            print(f"held out {name}: {json.dumps(evaluate([pair]))}")
    if args.folds > 1:
        cv = cross_validate(list(sets.values()), args.folds)
        print(f"{args.folds}-fold cross-validated, all sets: {json.dumps(cv)}")
    everything = list(sets.values())
    cal = fit(everything)
    cal.fitted_on = sorted(sets)
    _use(everything, cal)
    for name, pair in sets.items():
        print(f"fitted   {name}: {json.dumps(evaluate([pair]))}")
    print("threshold  answer_accuracy  abstained_unanswerable  false_abstain   (all sets, fitted)")
    chosen = cal.threshold
    for t in (0.2, 0.3, 0.4, 0.5, 0.6, 0.7, chosen):
        cal.threshold = t
        r = evaluate(everything)
        print(f"{t:9.2f}  {r['answer_accuracy']:15.3f}  {r['abstained_unanswerable']:22.3f}"
              f"  {r['false_abstain']:13.3f}")
    cal.threshold = chosen
    print(json.dumps(asdict(cal), indent=2))
    if args.write:
        CALIBRATION_FILE.write_text(json.dumps(asdict(cal), indent=2) + "\n")
        print(f"wrote {CALIBRATION_FILE}")


if __name__ == "__main__":
    main()
