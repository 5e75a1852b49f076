"""Answer extraction: choose the verbatim sentence (or list) that answers, and how sure we are."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from ingest.records import Chunk
from retriever.calibration import Calibration
from retriever.confidence import answer_features
from retriever.context import QuestionContext
from retriever.faq import answers_asked
from retriever.features import candidates
from retriever.records import Hit
from retriever.scoring import Scorer, scores
from retriever.terms import term_spans, terms

MAX_ANSWER_CHARS = 400
MAX_LIST_CHARS = 1200  # a list answer may pass MAX_ANSWER_CHARS, up to this
MAX_ITEM_SENTENCES = 3  # a longer line is a paragraph, not a list item
AVOID_PENALTY = 0.1  # of the weights' total: a follow-up's last answer, pushed down
ASKED_LEAD = 1e-6  # an answer the page gives to the very question asked: first, by a hair

_BACK_REFERENCE = re.compile(r"^(?:they|these|those|it|this|its|their|he|she|such)\b", re.I)


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


def best_span(ctx: QuestionContext, hits: list[Hit], scorer: Scorer,
              avoid: tuple[str, int] | None = None) -> Span | None:
    """The best-scoring sentence of the hits' sections, grown into the answer a reader needs,
    with the features its confidence is read from; None when the sections hold no sentence.
    `avoid` is (chunk id, sentence start) of an answer not to give again."""
    cands = candidates(ctx, hits)
    if not cands.where:
        return None
    rows = scorer.rows(ctx, cands)
    scored = scores(scorer, rows)
    if avoid is not None:
        penalty = AVOID_PENALTY * float(np.abs(scorer.calibration.weights_for(
            rows.features.names)).sum())
        for i, (hit, j) in enumerate(cands.where):
            if (hit.chunk.id, hit.chunk.sentences[j][0]) == avoid:
                # A follow-up wants something new, not the last answer again.
                scored[i] -= penalty
    asked = _asked(ctx.text, cands.where, scored, avoid)
    if asked is not None:
        # The page asks the visitor's question in the same words: its own answer comes
        # first, scored as the best so that its confidence reads like any chosen answer's.
        scored[asked] = float(np.max(scored[np.isfinite(scored)])) + ASKED_LEAD
    best = int(np.argmax(scored))
    hit, j = cands.where[best]
    feats = answer_features(rows.features, rows.kept, scored, cands.where, best)
    in_chunk = {jj: float(scored[i]) for i, (h, jj) in enumerate(cands.where)
                if h.chunk.id == hit.chunk.id}
    return _widen(hit.chunk, j, feats, ctx.list_question, in_chunk, scorer.calibration)


def _asked(question: str, where: list[tuple[Hit, int]], scored: np.ndarray,
           avoid: tuple[str, int] | None) -> int | None:
    """The read candidate that a section's own question, in the visitor's words, answers
    (the best scored if several do), unless it is the answer a follow-up avoids."""
    answer_of: dict[str, int | None] = {}
    found = []
    for i, (hit, j) in enumerate(where):
        chunk = hit.chunk
        if chunk.id not in answer_of:
            answer_of[chunk.id] = answers_asked(question, chunk)
        if (answer_of[chunk.id] == j and np.isfinite(scored[i])
                and (chunk.id, chunk.sentences[j][0]) != avoid):
            found.append(i)
    return max(found, key=lambda i: scored[i]) if found else None


def highlights(answer: str, question: str) -> list[tuple[int, int]]:
    """Where the question's terms occur in the answer."""
    wanted = set(terms(question))
    return [(s, e) for t, s, e in term_spans(answer) if t in wanted]


def _widen(chunk: Chunk, j: int, feats: dict[str, float], list_question: bool,
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
