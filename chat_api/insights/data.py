"""Editors' insights from the question log and the votes: per day, gaps, dislikes, citations."""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urldefrag

import numpy as np
from sqlalchemy import Engine, and_, select
from sqlalchemy.exc import SQLAlchemyError

from chat_api.store.db.schema import feedback, questions
from govqa.errors import StoreUnavailable

DAY_S = 86_400
CHANNELS = ("widget", "slack", "api")
CONFIDENCE_BINS = 10
GAP_SIMILARITY = 0.72  # cosine of MiniLM query vectors above which two questions ask one thing
MAX_ROWS = 200_000  # a dashboard range larger than this is sampled down to its newest rows
TOP = 20

Encode = Callable[[list[str]], np.ndarray]  # texts -> unit vectors, the engine's encoder
Suggest = Callable[[str], list[dict[str, str]]]  # a question -> the sections retrieval offers


@dataclass(frozen=True)
class Filters:
    """A date range (Unix seconds, end exclusive) and, optionally, one channel."""

    since: float
    until: float
    channel: str | None = None

    @classmethod
    def last_days(cls, days: int, channel: str | None = None, now: float | None = None
                  ) -> Filters:
        now = time.time() if now is None else now
        start = (int(now) // DAY_S - days + 1) * DAY_S
        return cls(float(start), float((int(now) // DAY_S + 1) * DAY_S), channel)


@dataclass
class Insights:
    """Everything the dashboard and `govqa insights` show, as plain data."""

    filters: Filters
    totals: dict[str, int]
    days: list[dict[str, Any]]
    confidence: list[dict[str, Any]]
    gaps: list[dict[str, Any]] = field(default_factory=list)
    disliked: list[dict[str, Any]] = field(default_factory=list)
    sections: list[dict[str, Any]] = field(default_factory=list)
    pages: list[dict[str, Any]] = field(default_factory=list)
    channels: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "since": _day(self.filters.since), "until": _day(self.filters.until - 1),
            "channel": self.filters.channel, "channels": self.channels,
            "totals": self.totals, "days": self.days, "confidence": self.confidence,
            "gaps": self.gaps, "disliked": self.disliked, "sections": self.sections,
            "pages": self.pages,
        }


def _day(ts: float) -> str:
    return time.strftime("%Y-%m-%d", time.gmtime(ts))


def _iso(ts: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))


def _percentile(values: list[float], q: float) -> float | None:
    return round(float(np.percentile(values, q)), 1) if values else None


def _where(f: Filters) -> Any:
    q = questions.c
    cond = and_(q.ts >= f.since, q.ts < f.until)
    return and_(cond, q.source == f.channel) if f.channel else cond


def collect(engine: Engine, f: Filters, encode: Encode | None = None,
            suggest: Suggest | None = None, top: int = TOP) -> Insights:
    """Read the log for `f`. Gaps are grouped by meaning when `encode` is given (else by
    their text), and each group gets the sections `suggest` finds for it."""
    q, fb = questions.c, feedback.c
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                select(q.ts, q.answered, q.confidence, q.latency_ms, q.cite_title,
                       q.cite_section, q.cite_url, q.question)
                .where(_where(f)).order_by(q.ts.desc()).limit(MAX_ROWS)).all()
            votes = conn.execute(
                select(fb.ts, fb.helpful, q.question, q.answer, q.cite_title, q.cite_section,
                       q.cite_url, fb.comment, q.source)
                .select_from(feedback.join(questions, and_(
                    q.conversation_id == fb.conversation_id, q.turn == fb.turn)))
                .where(_where(f)).order_by(fb.ts.desc()).limit(MAX_ROWS)).all()
            channels = [c for (c,) in conn.execute(
                select(q.source).distinct().order_by(q.source)).all()]
    except SQLAlchemyError as exc:
        raise StoreUnavailable("insights are unavailable right now: the database does not "
                               "answer") from exc

    per_day: dict[str, dict[str, Any]] = defaultdict(lambda: {
        "answered": 0, "abstained": 0, "helpful": 0, "unhelpful": 0, "latencies": []})
    bins = [{"answered": 0, "abstained": 0} for _ in range(CONFIDENCE_BINS)]
    cited_sections: Counter[tuple[str, str, str]] = Counter()
    cited_pages: Counter[tuple[str, str]] = Counter()
    unanswered: list[tuple[float, str]] = []
    for ts, answered, conf, latency, title, section, url, text in rows:
        day = per_day[_day(ts)]
        day["answered" if answered else "abstained"] += 1
        if latency is not None:
            day["latencies"].append(float(latency))
        bins[min(CONFIDENCE_BINS - 1, int(float(conf) * CONFIDENCE_BINS))][
            "answered" if answered else "abstained"] += 1
        if answered and url:
            cited_sections[(title or "", section or "", url)] += 1
            cited_pages[(title or "", urldefrag(url).url)] += 1
        if not answered:
            unanswered.append((ts, text))
    for ts, helpful, *_ in votes:
        per_day[_day(ts)]["helpful" if helpful else "unhelpful"] += 1

    days: list[dict[str, Any]] = []
    for label in _days(f):
        counts = per_day[label]  # a day without questions is a row of zeros, not a gap
        lat = counts.pop("latencies")
        days.append({"day": label, **counts,
                     "p50_ms": _percentile(lat, 50), "p95_ms": _percentile(lat, 95)})
    answered_n = sum(int(d["answered"]) for d in days)
    totals = {"questions": len(rows), "answered": answered_n,
              "abstained": len(rows) - answered_n,
              "helpful": sum(1 for v in votes if v[1]),
              "unhelpful": sum(1 for v in votes if not v[1])}
    confidence = [{"from": i / CONFIDENCE_BINS, "to": (i + 1) / CONFIDENCE_BINS, **b}
                  for i, b in enumerate(bins)]
    disliked = [{"when": _iso(ts), "question": text, "answer": answer, "title": title,
                 "section": section, "url": url, "comment": comment, "channel": channel}
                for ts, helpful, text, answer, title, section, url, comment, channel in votes
                if not helpful][:top]
    return Insights(
        filters=f, totals=totals, days=days, confidence=confidence,
        gaps=group_gaps(unanswered, encode, suggest, top),
        disliked=disliked,
        sections=[{"title": t, "section": s, "url": u, "count": n}
                  for (t, s, u), n in cited_sections.most_common(top)],
        pages=[{"title": t, "url": u, "count": n} for (t, u), n in cited_pages.most_common(top)],
        channels=sorted(set(channels) | set(CHANNELS)),
    )


def _days(f: Filters) -> Iterable[str]:
    start = int(f.since) // DAY_S * DAY_S
    return (_day(t) for t in range(start, int(f.until), DAY_S))


def group_gaps(unanswered: list[tuple[float, str]], encode: Encode | None,
               suggest: Suggest | None, top: int = TOP) -> list[dict[str, Any]]:
    """Unanswered questions grouped by what they ask: the same words first (case and spaces
    aside), then, with `encode`, any whose query vectors are within GAP_SIMILARITY of a
    group's most-asked question. Largest groups first."""
    by_text: dict[str, dict[str, Any]] = {}
    for ts, text in unanswered:
        key = " ".join(text.lower().split())
        entry = by_text.setdefault(key, {"text": text, "count": 0, "last": ts})
        entry["count"] += 1
        entry["last"] = max(entry["last"], ts)
    distinct = sorted(by_text.values(), key=lambda e: (-e["count"], -e["last"]))
    groups: list[dict[str, Any]] = []
    if encode is not None and distinct:
        vectors = encode([e["text"] for e in distinct])
        heads: list[int] = []  # each group's representative, the first (most asked) member
        for i, entry in enumerate(distinct):
            sims = [float(vectors[i] @ vectors[h]) for h in heads]
            best = int(np.argmax(sims)) if sims else -1
            if best >= 0 and sims[best] >= GAP_SIMILARITY:
                groups[best]["members"].append(entry)
            else:
                heads.append(i)
                groups.append({"members": [entry]})
    else:
        groups = [{"members": [e]} for e in distinct]

    out = []
    for g in groups:
        members = g["members"]
        rep = members[0]
        out.append({
            "question": rep["text"],
            "count": sum(m["count"] for m in members),
            "last_asked": _iso(max(m["last"] for m in members)),
            "variants": [m["text"] for m in members[1:6]],
            "suggested": suggest(rep["text"]) if suggest else [],
        })
    out.sort(key=lambda g: (g["count"], g["last_asked"]), reverse=True)
    return out[:top]


def engine_lookups(engine: Any) -> tuple[Encode, Suggest]:
    """`encode` and `suggest` from a serving Engine, for the dashboard and `govqa insights`."""
    from govqa.errors import InvalidQuestion

    def encode(texts: list[str]) -> np.ndarray:
        # One batched pass: a month's gaps can hold thousands of distinct wordings.
        return np.asarray(engine.index.encoder.encode(texts))

    def suggest(text: str) -> list[dict[str, str]]:
        try:
            hits = engine.search(text, k=6)
        except InvalidQuestion:  # a logged question longer, once redacted, than one may ask
            return []
        # What the bot offered instead: one link per section, though it has several chunks.
        seen: dict[str, dict[str, str]] = {}
        for h in hits:
            seen.setdefault(h.chunk.url, {"title": h.chunk.page_title,
                                          "section": h.chunk.section_title, "url": h.chunk.url})
        return list(seen.values())[:3]

    return encode, suggest
