"""The confidence threshold: where the engine stops answering and says the pages do not say."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MAX_FALSE_ABSTAIN = 0.05
# What a wrong answer costs in the threshold's count, against 1 for a right answer or a right
# abstention. 0: at 0.5 (a wrong answer does harm) the reader's threshold rose one step and the
# cross-validated figures lost answers for no abstention (docs/reader.md).
WRONG_ANSWER_COST = 0.0


@dataclass(frozen=True)
class ThresholdRule:
    """How the threshold is chosen (`choose_threshold`): what a wrong answer costs, and the
    share of each set's unanswerable questions it must abstain on at least."""

    wrong_cost: float = WRONG_ANSWER_COST
    abstain_floor: float = 0.0


DEFAULT_RULE = ThresholdRule()


def choose_threshold(conf: np.ndarray, right: np.ndarray, answerable: np.ndarray,
                     sets: np.ndarray | None = None,
                     rule: ThresholdRule = DEFAULT_RULE) -> float:
    """The threshold with the most right answers plus right abstentions, less
    `rule.wrong_cost` for each wrong answer (to an answerable question or not), keeping
    wrong abstentions at or under MAX_FALSE_ABSTAIN on every set (`sets` labels each
    question's set): a pooled cap would let the big set buy its abstentions with the small
    one's. With `rule.abstain_floor`, every set must also abstain on at least that share of
    its unanswerable questions (so a new reader cannot buy answers with a set's
    abstentions); where no threshold meets both, the cap wins."""
    sets = np.zeros(len(conf), dtype=int) if sets is None else sets
    labels = np.unique(sets)

    def allowed(answered: np.ndarray, floor: float) -> bool:
        for s in labels:
            asked, silent = answerable & (sets == s), ~answerable & (sets == s)
            if asked.any() and np.mean(~answered[asked]) > MAX_FALSE_ABSTAIN:
                return False
            if silent.any() and np.mean(~answered[silent]) < floor:
                return False
        return True

    for floor in (rule.abstain_floor, 0.0):
        best, best_t = -np.inf, None
        for t in np.linspace(0.05, 0.95, 91):
            answered = conf >= t
            if not allowed(answered, floor):
                continue
            good = (np.sum(answered & right) + np.sum(~answered & ~answerable)
                    - rule.wrong_cost * np.sum(answered & ~right))
            if good > best:
                best, best_t = float(good), float(t)
        if best_t is not None:
            return round(best_t, 2)
    return 0.5
