"""Answer extraction: choose the verbatim sentence (or list) that answers, and how sure we are."""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ingest.records import Chunk
from retriever.records import Hit
from retriever.search import LoadedIndex
from retriever.terms import term_spans, terms

MAX_ANSWER_CHARS = 400
CALIBRATION_FILE = Path(__file__).with_name("calibration.json")

_LIST_QUESTION = re.compile(
    r"^\s*(?:which|what|who)\s+(?:\w+\s+){0,2}?\w{3,}(?<!s)s\b"   # which countries / what devices
    r"|\b(?:list|name|enumerate)\b|\b(?:what|who|which)\s+(?:are|were)\b"
    r"|\b(?:types|kinds|examples|categories)\s+of\b",
    re.IGNORECASE,
)
_BACK_REFERENCE = re.compile(r"^(?:they|these|those|it|this|its|their|he|she|such)\b", re.I)


@dataclass
class Calibration:
    """Sentence-score weights and the logistic map from features to confidence.

    Fitted on the bundled question sets by `python -m retriever.calibrate`.
    """

    sentence_sim: float = 1.0
    chunk_sim: float = 0.5
    sentence_lex: float = 0.5
    chunk_cov: float = 0.3
    # confidence = sigmoid(bias + sum(w * feature)), features as named in Features
    conf_bias: float = -6.0
    conf_weights: dict[str, float] = field(default_factory=lambda: {
        "sentence_sim": 5.0, "chunk_sim": 4.0, "sentence_lex": 1.0, "chunk_cov": 2.5})
    threshold: float = 0.5

    @classmethod
    def load(cls, path: Path = CALIBRATION_FILE) -> Calibration:
        if path.is_file():
            return cls(**json.loads(path.read_text()))
        return cls()


@dataclass
class Features:
    sentence_sim: float
    chunk_sim: float
    sentence_lex: float
    chunk_cov: float

    def as_dict(self) -> dict[str, float]:
        return dict(self.__dict__)


@dataclass
class Span:
    """A verbatim answer: chunk text[start:end], with its score and features."""

    chunk: Chunk
    start: int
    end: int
    score: float
    features: Features
    sentence: int  # index of the best sentence in the chunk

    @property
    def text(self) -> str:
        return self.chunk.text[self.start:self.end]


def is_list_question(question: str) -> bool:
    return bool(_LIST_QUESTION.search(question))


def confidence(features: Features, cal: Calibration) -> float:
    z = cal.conf_bias + sum(w * getattr(features, k) for k, w in cal.conf_weights.items())
    return 1.0 / (1.0 + math.exp(-z))


class Extractor:
    """Scores every sentence of the top chunks against the question."""

    def __init__(self, index: LoadedIndex, calibration: Calibration) -> None:
        self.index = index
        self.cal = calibration

    def _weights(self, qterms: list[str]) -> dict[str, float]:
        return {t: self.index.idf(t) for t in set(qterms)}

    @staticmethod
    def _coverage(weights: dict[str, float], present: set[str]) -> float:
        total = sum(weights.values())
        return sum(w for t, w in weights.items() if t in present) / total if total else 0.0

    def best_span(self, qvec: np.ndarray, question: str, hits: list[Hit],
                  avoid: tuple[str, int] | None = None) -> Span | None:
        qterms = terms(question)
        weights = self._weights(qterms)
        cal = self.cal
        best: Span | None = None
        for hit in hits:
            pos = self.index.chunk_position(hit.chunk.id)
            chunk = hit.chunk
            lo, hi = int(self.index.sentence_offsets[pos]), int(self.index.sentence_offsets[pos + 1])
            if lo == hi:
                continue
            sims = self.index.sentence_vectors[lo:hi] @ qvec
            chunk_sim = float(self.index.chunk_vectors[pos] @ qvec)
            chunk_terms = set(terms(" ".join(chunk.section[1:]) + " " + chunk.text))
            cov = self._coverage(weights, chunk_terms)
            for j, (s, e) in enumerate(chunk.sentences):
                lex = self._coverage(weights, set(terms(chunk.text[s:e])))
                feats = Features(float(sims[j]), chunk_sim, lex, cov)
                score = (cal.sentence_sim * feats.sentence_sim + cal.chunk_sim * chunk_sim
                         + cal.sentence_lex * lex + cal.chunk_cov * cov)
                if avoid == (chunk.id, s):
                    score -= 0.25  # a follow-up wants something new, not the last answer again
                if best is None or score > best.score:
                    best = Span(chunk, s, e, score, feats, j)
        if best is None:
            return None
        return self._widen(best, is_list_question(question))

    def _widen(self, span: Span, list_question: bool) -> Span:
        """Grow one sentence into the run a reader needs: a list with its lead-in, or the
        sentence that a leading 'They…' refers to."""
        chunk, sents, j = span.chunk, span.chunk.sentences, span.sentence
        start, end = sents[j]
        text = chunk.text
        items = _list_run(text, sents, j)
        if items is not None and (list_question or text[start:end].rstrip().endswith(":")):
            first, last = items
            return Span(chunk, sents[first][0], sents[last][1], span.score, span.features, j)
        if j > 0 and _BACK_REFERENCE.match(text[start:end]) and _same_paragraph(text, sents, j):
            prev_start = sents[j - 1][0]
            if end - prev_start <= MAX_ANSWER_CHARS or list_question:
                start = prev_start
        if end - start > MAX_ANSWER_CHARS and not list_question:
            cut = text.rfind(" ", start, start + MAX_ANSWER_CHARS)
            end = cut if cut > start else start + MAX_ANSWER_CHARS
        return Span(chunk, start, end, span.score, span.features, j)

    def highlights(self, answer: str, question: str) -> list[tuple[int, int]]:
        wanted = set(terms(question))
        return [(s, e) for t, s, e in term_spans(answer) if t in wanted]


def _is_line(text: str, s: int, e: int) -> bool:
    before = text[:s].rstrip(" \t")
    after = text[e:].lstrip(" \t")
    return (not before or before.endswith("\n")) and (not after or after.startswith("\n"))


def _same_paragraph(text: str, sents: list[tuple[int, int]], j: int) -> bool:
    return "\n" not in text[sents[j - 1][1]:sents[j][0]]


def _list_run(text: str, sents: list[tuple[int, int]], j: int) -> tuple[int, int] | None:
    """If sentence j is a list's lead-in (ends with ':') or one of its line items, the
    (lead-in, last item) sentence indices of that list; else None."""
    def lead_in(i: int) -> bool:
        return text[sents[i][0]:sents[i][1]].rstrip().endswith(":")

    if lead_in(j):
        first = j
    else:
        if not _is_line(text, *sents[j]):
            return None
        i = j - 1
        while i >= 0 and not lead_in(i) and _is_line(text, *sents[i]):
            i -= 1
        if i < 0 or not lead_in(i):
            return None
        first = i
    last = first
    while last + 1 < len(sents) and _is_line(text, *sents[last + 1]) \
            and not lead_in(last + 1):
        last += 1
    return (first, last) if last > first else None
