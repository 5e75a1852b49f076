"""Training pairs for the reader: SQuAD v1.1 train questions against their answer sentence
and on-topic sentences that do not answer them."""

from __future__ import annotations

import json
import random
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from ingest.sentences import split_lines
from retriever.reader import candidate_text

_WORD = re.compile(r"\w+")
_STOP = frozenset(
    "a an the of in on at to for by with from and or is are was were be been what which who "
    "whom whose when where why how did does do that this these those it its as".split())


@dataclass(frozen=True)
class Group:
    """One question and its candidates: the first `positives` (0 or 1) answer it, the rest
    do not. A group with none teaches abstention: every candidate is on topic and silent."""

    question: str
    candidates: tuple[str, ...]  # "title: sentence", as the engine shows them to the reader
    positives: int = 1


def _words(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.lower()) if w not in _STOP}


def _sentences(context: str) -> list[tuple[int, int]]:
    return [(s, e) for s, e in split_lines(context) if context[s:e].strip()]


def answer_sentence(context: str, spans: list[tuple[int, int]], question: str, answer: str,
                    start: int, uncertain: bool) -> int | None:
    """Index of the sentence holding the answer. Where the answer text occurs more than once
    and the recorded start is only its first occurrence, take the occurrence whose sentence
    shares the most words with the question (the train README's advice)."""
    starts = [start]
    if uncertain:
        starts = [m.start() for m in re.finditer(re.escape(answer), context)] or [start]
    qwords = _words(question)
    best, best_overlap = None, -1
    for at in starts:
        for i, (s, e) in enumerate(spans):
            if s <= at < e:
                if at + len(answer) > e + 1:
                    break  # the answer runs across sentences: no one sentence holds it
                overlap = len(qwords & _words(context[s:e]))
                if overlap > best_overlap:
                    best, best_overlap = i, overlap
                break
    return best


class _ArticleBM25:
    """BM25 over one article's sentences: the neighbours that look most like the answer."""

    def __init__(self, sentences: list[str]) -> None:
        import bm25s

        self.retriever = bm25s.BM25()
        self.retriever.index(bm25s.tokenize(sentences, stopwords="en", show_progress=False),
                             show_progress=False)
        self.size = len(sentences)

    def top(self, question: str, k: int) -> list[int]:
        import bm25s

        k = min(k, self.size)
        tokens = bm25s.tokenize([question], stopwords="en", show_progress=False)
        if not tokens.vocab:
            return []
        docs, _scores = self.retriever.retrieve(tokens, k=k, show_progress=False)
        return [int(d) for d in docs[0]]


def squad_groups(path: Path, uncertain_ids: Iterable[str] = (), limit: int | None = None,
                 seed: int = 13, same_paragraph: int = 2, bm25_negatives: int = 1,
                 other_paragraph: int = 0) -> list[Group]:
    """Groups of (answer sentence, negatives) from a SQuAD v1.1-layout file.

    Negatives, hardest first: other sentences of the answer's paragraph, the article's
    BM25 neighbours of the question from other paragraphs, then random sentences of other
    paragraphs of the article. Questions whose answer no single sentence holds are skipped.
    `limit` takes that many questions, spread over all articles (a fixed-seed sample).
    """
    data = json.loads(Path(path).read_text(encoding="utf-8"))["data"]
    uncertain = set(uncertain_ids)
    rng = random.Random(seed)
    keep: set[str] | None = None
    if limit is not None:
        ids = [qa["id"] for art in data for para in art["paragraphs"] for qa in para["qas"]]
        keep = set(rng.sample(ids, min(limit, len(ids))))
    groups: list[Group] = []
    for article in data:
        title = article["title"].replace("_", " ")
        paragraphs = [(p["context"], _sentences(p["context"])) for p in article["paragraphs"]]
        flat = [(pi, si) for pi, (_, spans) in enumerate(paragraphs) for si in range(len(spans))]
        texts = [paragraphs[pi][0][slice(*paragraphs[pi][1][si])] for pi, si in flat]
        bm25 = None
        for pi, para in enumerate(article["paragraphs"]):
            context, spans = paragraphs[pi]
            if len(spans) < 2:
                continue
            for qa in para["qas"]:
                if keep is not None and qa["id"] not in keep:
                    continue
                ans = qa["answers"][0]
                j = answer_sentence(context, spans, qa["question"], ans["text"],
                                    ans["answer_start"], qa["id"] in uncertain)
                if j is None:
                    continue
                sentence = [context[s:e] for s, e in spans]
                # A negative that holds the answer text would teach the wrong lesson.
                others = [i for i in range(len(spans))
                          if i != j and ans["text"] not in sentence[i]]
                rng.shuffle(others)
                negatives = [sentence[i] for i in others[:same_paragraph]]
                if bm25_negatives and len(paragraphs) > 1:
                    bm25 = bm25 or _ArticleBM25(texts)
                    near = [texts[n] for n in bm25.top(qa["question"], 8)
                            if flat[n][0] != pi and ans["text"] not in texts[n]]
                    negatives += near[:bm25_negatives]
                far = [n for n in range(len(flat))
                       if flat[n][0] != pi and ans["text"] not in texts[n]]
                for n in rng.sample(far, min(other_paragraph, len(far))):
                    negatives.append(texts[n])
                groups.append(Group(qa["question"], tuple(
                    candidate_text(title, s) for s in [sentence[j], *negatives])))
    rng.shuffle(groups)
    return groups


def load_uncertain_ids(path: Path) -> list[str]:
    if not Path(path).is_file():
        return []
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    return list(data if isinstance(data, list) else data.get("ids", []))
