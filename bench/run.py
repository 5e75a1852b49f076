"""One benchmark run and its figures: what every report of it shows, and how."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from bench.results import QuestionResult, summarize_by_type


def pct(value: float) -> str:
    return f"{value * 100:.1f}%"


def num3(value: float) -> str:
    return f"{value:.3f}"


def ms(value: float) -> str:
    return f"{value:.1f} ms"


def count(value: float) -> str:
    return f"{int(value)}"


# (key in the summary, label, formatter), in the order the reports show them.
METRICS: list[tuple[str, str, Callable[[float], str]]] = [
    ("questions", "questions", count),
    ("accuracy", "overall accuracy", pct),
    ("answer_accuracy", "answer accuracy", pct),
    ("em", "exact match", pct),
    ("f1", "token F1", pct),
    ("citation_accuracy", "citation accuracy", pct),
    ("hit@1", "retrieval hit@1", pct),
    ("hit@3", "retrieval hit@3", pct),
    ("hit@5", "retrieval hit@5", pct),
    ("hit@20", "retrieval hit@20", pct),
    ("mrr", "retrieval MRR@5", num3),
    ("map", "MAP (answer-sentence selection)", num3),
    ("sentence_mrr", "sentence retrieval MRR", num3),
    ("sentence_r@1", "sentence retrieval R@1", pct),
    ("sentence_r@5", "sentence retrieval R@5", pct),
    ("abstention_precision", "abstention precision", pct),
    ("abstention_recall", "abstention recall", pct),
    ("false_abstain_rate", "false-abstain rate", pct),
    ("latency_p50_ms", "latency p50", ms),
    ("latency_p95_ms", "latency p95", ms),
    ("latency_p99_ms", "latency p99", ms),
    ("errors", "errors", count),
]
# The few columns of the per-type table on the terminal.
TYPE_COLUMNS = (
    "questions",
    "accuracy",
    "answer_accuracy",
    "citation_accuracy",
    "hit@1",
    "mrr",
    "abstention_recall",
)
# Column heads where the full label is too wide.
SHORT = {
    "questions": "n",
    "accuracy": "overall acc.",
    "answer_accuracy": "answer acc.",
    "em": "EM",
    "f1": "F1",
    "citation_accuracy": "cited",
    "mrr": "MRR",
    "sentence_mrr": "sent. MRR",
    "sentence_r@1": "sent. R@1",
    "sentence_r@5": "sent. R@5",
    "map": "MAP",
    "abstention_precision": "abst. prec.",
    "abstention_recall": "abst. rec.",
    "false_abstain_rate": "false abst.",
    "latency_p50_ms": "p50",
    "latency_p95_ms": "p95",
    "latency_p99_ms": "p99",
}


def fmt(key: str, value: Any) -> str:
    if value is None:
        return "–"
    for k, _, f in METRICS:
        if k == key:
            return f(value)
    return str(value)


def label(key: str) -> str:
    return next((lab for k, lab, _ in METRICS if k == key), key)


def short_label(key: str) -> str:
    return SHORT.get(key, key)


@dataclass
class BenchRun:
    """Everything one `govqa bench` run produced, ready to report."""

    name: str
    format: str
    source: str  # the question set or dataset file
    target: str  # the engine or URL it ran against
    results: dict[str, list[QuestionResult]]  # mode -> results, in question order
    meta: dict[str, Any] = field(default_factory=dict)  # index version, subset, notes
    reference: list[dict[str, Any]] = field(default_factory=list)  # published figures
    metrics: list[str] | None = None  # the metrics that mean something here; None: all
    created: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))

    @property
    def modes(self) -> list[str]:
        return list(self.results)

    def summaries(self) -> dict[str, dict[str, Any]]:
        return {mode: summarize_by_type(rs) for mode, rs in self.results.items()}

    def shown_metrics(self, summaries: dict[str, dict[str, Any]]) -> list[str]:
        """The metrics that have a value in some mode: no row of dashes."""
        return [
            k
            for k, _, _ in METRICS
            if (self.metrics is None or k in self.metrics)
            and any(s["overall"].get(k) is not None for s in summaries.values())
        ]

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "format": self.format,
            "source": self.source,
            "target": self.target,
            "created": self.created,
            "meta": self.meta,
            "modes": self.summaries(),
            "reference": self.reference,
        }
