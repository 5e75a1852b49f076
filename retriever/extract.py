"""Answer extraction: choose the verbatim sentence (or list) that answers, and how sure we are."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ingest.records import Chunk
from retriever.calibration import Calibration
from retriever.question import (
    expands,
    is_list_question,
    numbers_missing,
    read_question,
    tense_ok,
    type_ok,
)
from retriever.records import Hit
from retriever.search import LoadedIndex
from retriever.terms import term_spans, terms

if TYPE_CHECKING:
    from retriever.scoring import Scorer

MAX_ANSWER_CHARS = 400
MAX_LIST_CHARS = 1200  # a list answer may pass MAX_ANSWER_CHARS, up to this
MAX_ITEM_SENTENCES = 3  # a longer line is a paragraph, not a list item

# Per-sentence features, in the order of the weight vector.
SENTENCE_FEATURES = (
    "sentence_sim",  # cosine(question, "section title: sentence")
    "plain_sim",  # cosine(question, the sentence alone)
    "context_sim",  # cosine(question, the sentence with its neighbours, under the title)
    "chunk_sim",  # cosine(question, the whole section)
    "neighbour_sim",  # best cosine of the sentences either side: answers sit among context
    "sentence_lex",  # IDF-weighted share of the question's terms found in the sentence
    "chunk_cov",  # the same share over the section's text and titles
    "title_cov",  # the same share over the section path alone
    "fused",  # reciprocal-rank-fusion score of the section, scaled to about [0, 1]
    "bm25",  # the section's BM25 score over the best BM25 score among the candidates
    "short",  # 1 for fragments under 40 characters, which rarely answer anything
    "type_ok",  # 1 unless the question wants a date, figure, frequency, duration or contact
    # that the sentence lacks (retriever.question)
    "missing_idf",  # rarest question term absent from the section, as a share of the rarest
    "oov",  # share of the question's terms that no page uses at all
    "focus_lex",  # the IDF-weighted share, in the sentence, of the terms the titles lack
    "caption",  # 1 for a line with no closing punctuation: an image's alt text, a label
    "expands",  # 1 if a "what does X stand for?" question's X is spelled out here
    "numbers_missing",  # 1 if a year or figure in the question is absent from the section
    "tense_ok",  # 0 when a question about what is next meets a sentence about the past
)
# Features of the chosen answer that feed the confidence.
CONFIDENCE_FEATURES = ("score", "margin", "sentence_sim", "chunk_sim", "sentence_lex",
                       "chunk_cov", "type_ok", "missing_idf", "oov", "focus_lex", "caption",
                       "expands", "numbers_missing", "tense_ok")


@dataclass
class ChunkTerms:
    """A chunk's lexical terms, computed once per index version rather than per query."""

    titles: set[str]
    everything: set[str]
    sentences: list[set[str]]
    topic: set[str]  # the whole section path, page title included
    captions: list[bool]  # per sentence: a line with no closing punctuation

_BACK_REFERENCE = re.compile(r"^(?:they|these|those|it|this|its|their|he|she|such)\b", re.I)


@dataclass
class Candidates:
    """Every sentence of the top chunks, with its feature row."""

    where: list[tuple[Hit, int]]  # (hit, sentence index in its chunk)
    features: np.ndarray  # len(where) x len(SENTENCE_FEATURES)


@dataclass
class Span:
    """A verbatim answer: chunk text[start:end], with the features behind it."""

    chunk: Chunk
    start: int
    end: int
    sentence: int  # index of the best sentence in the chunk
    features: dict[str, float]

    @property
    def text(self) -> str:
        return self.chunk.text[self.start:self.end]


def score_rows(kept: np.ndarray, features: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Each candidate's calibrated score; -inf for one its scorer did not consider."""
    return np.where(kept, features @ weights, -np.inf)


class Extractor:
    """Scores every sentence of the top chunks against the question."""

    def __init__(self, index: LoadedIndex) -> None:
        self.index = index
        self._terms: dict[int, ChunkTerms] = {}

    def chunk_terms(self, pos: int) -> ChunkTerms:
        cached = self._terms.get(pos)
        if cached is None:
            chunk = self.index.chunks[pos]
            titles = set(terms(" ".join(chunk.section[1:])))
            cached = ChunkTerms(titles, titles | set(terms(chunk.text)),
                                [set(terms(t)) for t in chunk.sentence_texts()],
                                set(terms(" ".join(chunk.section))),
                                [_is_caption(chunk.text, s, e) for s, e in chunk.sentences])
            self._terms[pos] = cached  # racing threads compute the same value: harmless
        return cached

    def term_weights(self, qterms: list[str]) -> dict[str, float]:
        return {t: self.index.idf(t) for t in set(qterms)}

    @staticmethod
    def coverage(weights: dict[str, float], present: set[str]) -> float:
        total = sum(weights.values())
        return sum(w for t, w in weights.items() if t in present) / total if total else 0.0

    def candidates(self, qvec: np.ndarray, question: str, hits: list[Hit]) -> Candidates:
        qterms = terms(question)
        weights = self.term_weights(qterms)
        rarest = max(weights.values(), default=1.0) or 1.0
        oov = (sum(1 for t in set(qterms) if t not in self.index.doc_freq) / len(set(qterms))
               if qterms else 1.0)
        top_bm25 = max((h.bm25 or 0.0 for h in hits), default=0.0) or 1.0
        cues = read_question(question)
        where: list[tuple[Hit, int]] = []
        rows: list[list[float]] = []
        for hit in hits:
            pos = self.index.chunk_position(hit.chunk.id)
            chunk = hit.chunk
            lo = int(self.index.sentence_offsets[pos])
            hi = int(self.index.sentence_offsets[pos + 1])
            if lo == hi:
                continue
            views = self.index.sentence_vectors[lo:hi] @ qvec  # sentences x views
            sims = views[:, 0]
            chunk_sim = float(self.index.chunk_vectors[pos] @ qvec)
            known = self.chunk_terms(pos)
            cov = self.coverage(weights, known.everything)
            title_cov = self.coverage(weights, known.titles)
            missing = max((w for t, w in weights.items()
                           if t not in known.everything and t in self.index.doc_freq),
                          default=0.0)
            fused = min(1.0, hit.score * 30)  # one first place in RRF(k=60) ≈ 0.5
            # The terms that say what is asked about this section's topic.
            focus = {t: w for t, w in weights.items() if t not in known.topic}
            num_missing = (numbers_missing(cues.numbers,
                                           " ".join(chunk.section) + " " + chunk.text)
                           if cues.numbers else 0.0)
            for j, (s, e) in enumerate(chunk.sentences):
                sentence = chunk.text[s:e]
                around = [sims[i] for i in (j - 1, j + 1) if 0 <= i < len(sims)]
                where.append((hit, j))
                rows.append([
                    float(sims[j]), float(views[j, 1]), float(views[j, 2]), chunk_sim,
                    float(max(around)) if around else 0.0,
                    self.coverage(weights, known.sentences[j]), cov, title_cov,
                    fused, (hit.bm25 or 0.0) / top_bm25, 1.0 if e - s < 40 else 0.0,
                    type_ok(cues.wanted, sentence), missing / rarest, oov,
                    self.coverage(focus, known.sentences[j]) if focus else 1.0,
                    1.0 if known.captions[j] else 0.0, expands(cues.acronyms, sentence),
                    num_missing, tense_ok(cues, sentence),
                ])
        return Candidates(where, np.array(rows, dtype=np.float64).reshape(-1,
                                                                           len(SENTENCE_FEATURES)))

    def best_span(self, qvec: np.ndarray, question: str, hits: list[Hit], scorer: Scorer,
                  avoid: tuple[str, int] | None = None) -> Span | None:
        cands = self.candidates(qvec, question, hits)
        if not cands.where:
            return None
        rows = scorer.rows(question, cands)
        weights = scorer.calibration.weight_vector(scorer.features)
        scores = score_rows(rows.kept, rows.features, weights)
        if avoid is not None:
            for i, (hit, j) in enumerate(cands.where):
                if (hit.chunk.id, hit.chunk.sentences[j][0]) == avoid:
                    # A follow-up wants something new, not the last answer again.
                    scores[i] -= 0.1 * float(np.abs(weights).sum())
        best = int(np.argmax(scores))
        hit, j = cands.where[best]
        others = [scores[i] for i, (h, _) in enumerate(cands.where)
                  if h.chunk.id != hit.chunk.id and np.isfinite(scores[i])]
        feats = dict(zip(scorer.features, rows.features[best].tolist(), strict=True))
        feats["score"] = float(scores[best])
        feats["margin"] = float(scores[best] - max(others)) if others else 1.0
        feats.update(scorer.answer_features(rows, best))
        in_chunk = {jj: float(scores[i]) for i, (h, jj) in enumerate(cands.where)
                    if h.chunk.id == hit.chunk.id}
        return self._widen(hit.chunk, j, feats, is_list_question(question), in_chunk,
                           scorer.calibration)

    def _widen(self, chunk: Chunk, j: int, feats: dict[str, float], list_question: bool,
               scores: dict[int, float], cal: Calibration) -> Span:
        """Grow one sentence into the run a reader needs: a list with its lead-in, the
        sentence that a leading 'They…' refers to, or a neighbour that scores nearly as well
        (answers often sit in the sentence after the one that names the topic)."""
        sents, text = chunk.sentences, chunk.text
        start, end = sents[j]
        items = _list_run(text, sents, j)
        if items is not None and (list_question or text[start:end].rstrip().endswith(":")):
            first, last = items
            return Span(chunk, sents[first][0], sents[last][1], j, feats)
        if j > 0 and _BACK_REFERENCE.match(text[start:end]) and _same_paragraph(text, sents, j):
            prev_start = sents[j - 1][0]
            if end - prev_start <= MAX_ANSWER_CHARS or list_question:
                start = prev_start
        elif cal.window_delta > 0:
            first = last = j
            # Grow one neighbour at a time, best first, while it scores close enough and fits.
            while last - first + 1 < cal.window_sentences:
                near = [n for n in (first - 1, last + 1) if n in scores
                        and scores[n] >= scores[j] - cal.window_delta
                        and max(end, sents[n][1]) - min(start, sents[n][0]) <= MAX_ANSWER_CHARS]
                if not near:
                    break
                n = max(near, key=lambda k: scores[k])
                first, last = min(first, n), max(last, n)
                start, end = min(start, sents[n][0]), max(end, sents[n][1])
        if end - start > MAX_ANSWER_CHARS and not list_question:
            cut = text.rfind(" ", start, start + MAX_ANSWER_CHARS)
            end = cut if cut > start else start + MAX_ANSWER_CHARS
        return Span(chunk, start, end, j, feats)

    def highlights(self, answer: str, question: str) -> list[tuple[int, int]]:
        wanted = set(terms(question))
        return [(s, e) for t, s, e in term_spans(answer) if t in wanted]


def _is_line(text: str, s: int, e: int) -> bool:
    before = text[:s].rstrip(" \t")
    after = text[e:].lstrip(" \t")
    return (not before or before.endswith("\n")) and (not after or after.startswith("\n"))


def _is_caption(text: str, s: int, e: int) -> bool:
    """A line of its own without closing punctuation: alt text, a label, a heading-like line."""
    line = text[s:e].rstrip()
    return _is_line(text, s, e) and not line.endswith((".", "!", "?", ":", ";", ")")) \
        and len(line.split()) <= 12


def _same_paragraph(text: str, sents: list[tuple[int, int]], j: int) -> bool:
    return "\n" not in text[sents[j - 1][1]:sents[j][0]]


def _lines(text: str, sents: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """(first, last) sentence indices of each line: sentences not parted by a newline."""
    lines: list[tuple[int, int]] = []
    for i in range(len(sents)):
        if lines and _same_paragraph(text, sents, i):
            lines[-1] = (lines[-1][0], i)
        else:
            lines.append((i, i))
    return lines


def _list_run(text: str, sents: list[tuple[int, int]], j: int) -> tuple[int, int] | None:
    """If sentence j is in a list's lead-in (a line ending with ':') or in one of its items
    (the short lines below it), the (lead-in, last item) sentence indices; else None.
    An item may hold a few sentences ("Document not issued: … This error occurs if …")."""
    lines = _lines(text, sents)

    def lead_in(n: int) -> bool:
        return text[sents[lines[n][0]][0]:sents[lines[n][1]][1]].rstrip().endswith(":")

    def item(n: int) -> bool:
        a, b = lines[n]
        return (not lead_in(n) and b - a < MAX_ITEM_SENTENCES
                and sents[b][1] - sents[a][0] <= MAX_ANSWER_CHARS)

    at = next(n for n, (a, b) in enumerate(lines) if a <= j <= b)
    first = at
    while not lead_in(first):
        if not item(first) or first == 0:
            return None
        first -= 1
    last = first
    while last + 1 < len(lines) and item(last + 1) \
            and sents[lines[last + 1][1]][1] - sents[lines[first][0]][0] <= MAX_LIST_CHARS:
        last += 1
    if last == first or last < at:
        return None
    return lines[first][0], lines[last][1]
