"""The scored result of one question, and the summary of many, overall and by type."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from bench import metrics
from bench.questions import Question


@dataclass
class Located:
    """A place the bot pointed at (a citation, suggestion or retrieved section)."""

    section: str
    section_path: list[str]
    url: str
    source: str | None = None  # the page's file path, when known
    hit: Any = field(default=None, repr=False, compare=False)  # the engine's Hit, in process

    def matches(self, q: Question) -> bool:
        return metrics.location_matches(
            q.section, q.page, self.section, self.section_path, self.url, self.source
        )


@dataclass
class QuestionResult:
    """One question asked in one mode: what the bot said, and how it scored."""

    id: str
    question: str
    type: str
    mode: str
    gold: dict[str, Any]
    answered: bool
    answer: str | None
    confidence: float
    citation: dict[str, Any] | None  # the first citation, as the API gives it
    correct: bool  # answerable: the gold occurs in the answer; unanswerable: it abstained
    answer_correct: bool | None  # answerable only
    em: float
    f1: float
    citation_correct: bool | None  # answered questions with a gold section or page
    retrieval_rank: int | None  # 1-based rank of the gold section; 0 = missed; None = n/a
    latency_ms: float
    sentence_rank: int | None = None  # SQuAD-style sets: rank of the gold sentence
    error: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def score(
    q: Question,
    mode: str,
    answer: dict[str, Any],
    latency_ms: float,
    retrieved: Sequence[Located] | None,
    cited: Located | None,
    error: str | None = None,
) -> QuestionResult:
    """Score one answer (the API's JSON) against the question's gold."""
    answered = bool(answer.get("answered")) and bool(answer.get("answer"))
    text = answer.get("answer") if answered else None
    em, f1 = metrics.squad_scores(text, q.answers)
    has_location = bool(q.section or q.page)
    if q.answerable:
        ans_ok: bool | None = metrics.answer_correct(text, q.answers, q.match)
        correct = bool(ans_ok)
        rank = (
            metrics.first_relevant_rank([r.matches(q) for r in retrieved])
            if has_location and retrieved is not None
            else None
        )
        cite_ok = (cited is not None and cited.matches(q)) if has_location and answered else None
    else:
        ans_ok, correct, rank, cite_ok = None, not answered, None, None
    citations = answer.get("citations") or []
    return QuestionResult(
        id=q.id,
        question=q.question,
        type=q.type,
        mode=mode,
        gold=q.gold_dict(),
        answered=answered,
        answer=text,
        confidence=float(answer.get("confidence") or 0.0),
        citation=citations[0] if citations else None,
        correct=correct,
        answer_correct=ans_ok,
        em=em,
        f1=f1,
        citation_correct=cite_ok,
        retrieval_rank=rank,
        latency_ms=latency_ms,
        error=error,
    )


def _mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def summarize(results: Sequence[QuestionResult]) -> dict[str, Any]:
    """Every metric over a group of results; a metric with nothing to count is None."""
    answerable = [r for r in results if r.answer_correct is not None]
    cited = [r for r in results if r.citation_correct is not None]
    ranked = [r.retrieval_rank for r in results if r.retrieval_rank is not None]
    sent = [r.sentence_rank for r in results if r.sentence_rank is not None]
    p50, p95, p99 = metrics.percentiles([r.latency_ms for r in results])
    summary: dict[str, Any] = {
        "questions": len(results),
        "answerable": len(answerable),
        "unanswerable": len(results) - len(answerable),
        "accuracy": _mean([float(r.correct) for r in results]),
        "answer_accuracy": _mean([float(bool(r.answer_correct)) for r in answerable]),
        "em": _mean([r.em for r in results]),
        "f1": _mean([r.f1 for r in results]),
        "citation_accuracy": _mean([float(bool(r.citation_correct)) for r in cited]),
        "hit@1": _mean([metrics.hit_at(k, 1) for k in ranked]),
        "hit@3": _mean([metrics.hit_at(k, 3) for k in ranked]),
        "hit@5": _mean([metrics.hit_at(k, 5) for k in ranked]),
        "hit@20": _mean([metrics.hit_at(k, 20) for k in ranked]),
        # MRR@5: the sections the answer is chosen from (ranks past 5 count 0).
        "mrr": _mean([metrics.reciprocal_rank(k) if k <= 5 else 0.0 for k in ranked]),
        **metrics.abstention_scores(
            [r.answer_correct is not None for r in results], [not r.answered for r in results]
        ),
        "latency_p50_ms": p50,
        "latency_p95_ms": p95,
        "latency_p99_ms": p99,
        "latency_mean_ms": _mean([r.latency_ms for r in results]),
        "errors": sum(1 for r in results if r.error),
    }
    aps = [r.extra["average_precision"] for r in results if "average_precision" in r.extra]
    if aps:
        summary["map"] = _mean(aps)
    if sent:
        summary.update(
            {
                "sentence_mrr": _mean([metrics.reciprocal_rank(k) for k in sent]),
                "sentence_r@1": _mean([metrics.hit_at(k, 1) for k in sent]),
                "sentence_r@5": _mean([metrics.hit_at(k, 5) for k in sent]),
            }
        )
    return summary


def summarize_by_type(results: Sequence[QuestionResult]) -> dict[str, Any]:
    """{"overall": summary, "by_type": {type: summary}} for the results of one mode."""
    types = sorted({r.type for r in results})
    return {
        "overall": summarize(results),
        "by_type": {t: summarize([r for r in results if r.type == t]) for t in types},
    }
