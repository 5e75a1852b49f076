"""The two fitters every tuning step shares: a conditional logit and a logistic regression."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.optimize import minimize

# (candidates x features, bool per candidate: is it a right one)
Group = tuple[np.ndarray, np.ndarray]


def conditional_logit(groups: Sequence[Group], w0: np.ndarray, l2: float | np.ndarray,
                      weights: Sequence[float] | None = None) -> np.ndarray:
    """Weights that put each group's softmax mass on its right candidates.

    Minimises, over the groups with a right candidate, the mean of -log(the probability the
    softmax of `features @ w` gives the right ones together) plus `sum(l2 * w^2)` (`l2`: one
    penalty for all, or one per feature). Any right
    candidate will do: a sentence that holds the gold, a section the answer is in.
    `weights` weigh the groups in that mean (default: all alike).
    """
    each = [1.0] * len(groups) if weights is None else list(weights)
    usable = [(x, y, c) for (x, y), c in zip(groups, each, strict=True) if y.any()]
    if not usable:
        return np.asarray(w0, dtype=np.float64)

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        total, grad = 0.0, np.zeros_like(w)
        for x, y, c in usable:
            z = x @ w
            z -= z.max()
            p = np.exp(z)
            p /= p.sum()
            right = p * y
            mass = right.sum()
            total -= c * float(np.log(mass + 1e-12))
            grad += c * (x.T @ (p - right / (mass + 1e-12)))
        n = sum(c for _, _, c in usable)
        return total / n + float((l2 * w) @ w), grad / n + 2 * l2 * w

    return np.asarray(minimize(loss, np.asarray(w0, dtype=np.float64), jac=True,
                               method="L-BFGS-B").x)


def logistic(x: np.ndarray, y: np.ndarray, l2: float | np.ndarray) -> tuple[float, np.ndarray]:
    """(bias, weights) of an L2-regularised logistic regression of y on x, fitted on
    standardised features and folded back, so that it applies to raw features. `l2`: one
    penalty for all weights, or one per feature."""
    mu, sd = x.mean(0), x.std(0) + 1e-9
    xs = np.hstack([np.ones((len(x), 1)), (x - mu) / sd])

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        z = xs @ w
        p = 1 / (1 + np.exp(-z))
        eps = 1e-12
        total = (-np.mean(y * np.log(p + eps) + (1 - y) * np.log(1 - p + eps))
                 + float((l2 * w[1:]) @ w[1:]))
        grad = xs.T @ (p - y) / len(y)
        grad[1:] += 2 * l2 * w[1:]
        return float(total), grad

    w = np.asarray(minimize(loss, np.zeros(xs.shape[1]), jac=True, method="L-BFGS-B").x)
    weights = w[1:] / sd
    return float(w[0] - (w[1:] * mu / sd).sum()), weights
