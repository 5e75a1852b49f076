"""The question-answering engine: one function that HTTP, Slack, the CLI and the bench all call."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
from cachetools import LRUCache

from govqa.errors import InvalidQuestion
from retriever.answer_cache import AnswerCache, CachedAnswer, answer_key, fingerprint
from retriever.calibration import Calibration
from retriever.citations import cite
from retriever.confidence import confidence
from retriever.context import QuestionContext
from retriever.conversation import (
    Conversation,
    Conversations,
    ConversationStore,
    Turn,
    resolve_follow_up,
    topic_of,
)
from retriever.extract import best_span, highlights
from retriever.features import candidates, free_sentences
from retriever.lexicon import Lexicon
from retriever.lists import benefit_list, sibling_list
from retriever.reader import READER_DIR
from retriever.records import Answer, Hit, Suggestion, answer_from_dict
from retriever.rerank import SectionRanker, load_reranker
from retriever.scoring import FeatureScorer, Scorer, load_scorer, scores
from retriever.search import LoadedIndex
from retriever.terms import spell_out

MAX_QUESTION_CHARS = 1000
CANDIDATE_CHUNKS = 5
SUGGESTIONS = 3
MODES = ("reader", "hybrid", "dense", "bm25", "hybrid-chunk")


def _retrieval(mode: str) -> str:
    """The retrieval behind a mode: the reader and the chunk baseline retrieve as hybrid."""
    return "hybrid" if mode in ("reader", "hybrid-chunk") else mode


def validate_question(question: str) -> str:
    text = " ".join((question or "").split())
    if not text:
        raise InvalidQuestion("the question is empty: type a question, e.g. "
                              "\"which countries attended DGX?\"")
    if len(question) > MAX_QUESTION_CHARS:
        raise InvalidQuestion(f"the question is {len(question)} characters long; "
                              f"the limit is {MAX_QUESTION_CHARS}")
    return text


@dataclass
class Prepared:
    """A question made ready to answer: its context and the sections retrieval ranked."""

    context: QuestionContext
    hits: list[Hit]  # the best sections, reranked, best first


class Engine:
    """Answers questions from one loaded index, quoting and citing the pages."""

    def __init__(self, index: LoadedIndex, scorer: Scorer | None = None,
                 conversations: Conversations | None = None, cache_size: int = 2048,
                 reranker: SectionRanker | None = None,
                 answers: AnswerCache | None = None) -> None:
        self.index = index
        self.scorer: Scorer = scorer or FeatureScorer(Calibration.load())
        self.lexicon = Lexicon(index)
        self.reranker: SectionRanker = reranker or load_reranker()
        self.conversations: Conversations = (
            conversations if conversations is not None else ConversationStore())
        # Repeated questions skip the encoder; the lock because the loop and the answer
        # thread may both encode (LRUCache reorders itself on every read).
        self._vectors: LRUCache[str, np.ndarray] | None = (
            LRUCache(maxsize=cache_size) if cache_size else None)
        self._vectors_lock = threading.Lock()
        # A whole answer per question asked again, unless it is a follow-up (see ask).
        self.answers = answers
        self._models = fingerprint(index.manifest.get("weights_sha256"), self.scorer.calibration,
                                   self.feature_scorer.calibration, self.reranker)

    @classmethod
    def load(cls, index_dir: Path, model: str | None = None, threads: int = 1,
             conversations: Conversations | None = None, cache_size: int = 2048,
             reader: Path | None = READER_DIR, reranker: SectionRanker | None = None,
             answers: AnswerCache | None = None) -> Engine:
        """The index and the scoring stage; `reader=None` serves the feature scorer alone.
        `reranker` defaults to the shipped section rerank; `answers` keeps whole answers."""
        return cls(LoadedIndex.load(Path(index_dir), model=model, threads=threads),
                   scorer=load_scorer(reader, threads=threads), conversations=conversations,
                   cache_size=cache_size, reranker=reranker, answers=answers)

    @property
    def default_mode(self) -> str:
        return self.scorer.mode

    @property
    def calibration(self) -> Calibration:
        return self.scorer.calibration

    @property
    def feature_scorer(self) -> Scorer:
        """The fast feature-only stage, for `hybrid` and the retrieval baselines."""
        return self.scorer.feature_stage

    def scorer_for(self, mode: str) -> Scorer:
        if mode not in MODES:
            raise InvalidQuestion(f"unknown mode {mode!r}; choose one of {', '.join(MODES)}")
        if mode == "reader":
            if self.scorer.mode != "reader":
                raise InvalidQuestion("mode 'reader' needs the reader model, which this "
                                      "server was started without")
            return self.scorer
        return self.feature_scorer

    @property
    def index_version(self) -> str:
        return self.index.version

    @property
    def manifest(self) -> dict[str, Any]:
        return self.index.manifest

    def encode(self, text: str) -> np.ndarray:
        if self._vectors is None:
            return self.index.encoder.encode([text])[0]
        with self._vectors_lock:
            vec = self._vectors.get(text)
        if vec is None:
            vec = self.index.encoder.encode([text])[0]
            with self._vectors_lock:
                self._vectors[text] = vec
        return vec

    def answer_key(self, text: str, mode: str) -> str:
        """The answer cache's key for a question as the engine reads it (validated)."""
        return answer_key(text, self.index_version, mode, self._models)

    # The one query path ------------------------------------------------------------

    def context(self, question: str, history: Sequence[Turn] = ()) -> QuestionContext:
        """The question validated, a follow-up resolved against `history`, shorthand
        spelled out, encoded once, with its terms, weights and cues."""
        text = validate_question(question)
        return self._context(text, resolve_follow_up(text, list(history)))

    def _context(self, text: str, resolved: str | None) -> QuestionContext:
        query = spell_out(resolved or text)
        return QuestionContext(text=text, query=query, resolved=resolved,
                               qvec=self.encode(query), index=self.index, lexicon=self.lexicon)

    def retrieve(self, ctx: QuestionContext, k: int = CANDIDATE_CHUNKS,
                 mode: str = "hybrid") -> list[Hit]:
        """The k best sections: fused retrieval `reranker.depth` deep, then the rerank.
        The single-retriever baselines keep their own order."""
        retrieval = _retrieval(mode)
        if retrieval != "hybrid" or not self.reranker.depth:
            return self.index.search(ctx.qvec, ctx.terms, k=k, mode=retrieval)
        hits = self.index.search(ctx.qvec, ctx.terms, k=max(k, self.reranker.depth),
                                 mode=retrieval)
        return self.reranker.rerank(ctx, hits)[:k]

    def prepare(self, question: str, mode: str | None = None,
                k: int = CANDIDATE_CHUNKS) -> Prepared:
        """Everything before the answer is chosen, for every caller alike (ask() too, with
        the follow-up resolved in its conversation): validation, encoding, retrieval with
        the rerank, and the question's context."""
        mode = mode or self.default_mode
        if mode not in MODES:
            raise InvalidQuestion(f"unknown mode {mode!r}; choose one of {', '.join(MODES)}")
        return self._prepare(validate_question(question), None, mode, k)

    def _prepare(self, text: str, resolved: str | None, mode: str,
                 k: int = CANDIDATE_CHUNKS) -> Prepared:
        ctx = self._context(text, resolved)
        return Prepared(ctx, self.retrieve(ctx, k=k, mode=mode))

    def search(self, query: str, k: int = 5, mode: str = "hybrid") -> list[Hit]:
        return self.prepare(query, mode, k=k).hits

    def rank_sentences(self, question: str, sentences: list[str],
                       mode: str | None = None) -> list[float]:
        """Score free-standing candidate sentences (answer-sentence selection benchmarks):
        the reader's logits in `reader` mode, else the fitted weights of the sentence
        features such a sentence has without a page around it."""
        scorer = self.scorer_for(mode or self.default_mode)
        ctx = self.context(question)
        scored = scorer.rank_free(ctx, sentences, lambda: free_sentences(
            ctx, sentences, self.index.encoder.encode(sentences)))
        return [float(x) for x in scored]

    def sentence_scores(self, question: str, hits: list[Hit] | None = None,
                        mode: str | None = None) -> list[tuple[Hit, int, float]]:
        """(hit, sentence index, score) for every sentence of the sections read (the hits
        given, else the engine's own), scored as the answer extractor scores them (-inf for
        one the reader did not read)."""
        scorer = self.scorer_for(mode or self.default_mode)
        if hits is None:
            prepared = self.prepare(question, mode)
            ctx, hits = prepared.context, prepared.hits
        else:
            ctx = self.context(question)
        cands = candidates(ctx, list(hits))
        if not cands.where:
            return []
        scored = scores(scorer, scorer.rows(ctx, cands))
        return [(hit, j, float(s)) for (hit, j), s in zip(cands.where, scored, strict=True)]

    def recall(self, question: str, conversation_id: str | None = None,
               mode: str | None = None) -> Answer | None:
        """The answer kept for this question, as a new turn of the conversation, or None:
        no cache, nothing kept, or a follow-up (whose answer depends on the turns before).
        Cheap, with no model call, so a service can try it before queueing the real work."""
        if self.answers is None:
            return None
        started = time.perf_counter()
        mode = mode or self.default_mode
        self.scorer_for(mode)  # an unknown mode fails here as in ask()
        text = validate_question(question)
        conv = self.conversations.get(conversation_id)
        key = self._cache_key(text, resolve_follow_up(text, conv.turns), mode)
        return self._kept(question, text, conv, key, started)

    def _cache_key(self, text: str, resolved: str | None, mode: str) -> str | None:
        # A follow-up's answer depends on the conversation before it: never kept or reused.
        if self.answers is None or resolved:
            return None
        return self.answer_key(text, mode)

    def _kept(self, question: str, text: str, conv: Conversation, key: str | None,
              started: float) -> Answer | None:
        kept = self.answers.get(key) if key is not None and self.answers is not None else None
        if kept is None:
            return None
        answer = answer_from_dict(kept.answer)
        answer.question = question
        answer.turn = self._add_turn(conv, text, spell_out(text), False, answer, kept.start)
        answer.conversation_id = conv.id
        answer.took_ms = (time.perf_counter() - started) * 1000
        return answer

    def ask(self, question: str, conversation_id: str | None = None,
            mode: str | None = None, recall: bool = True) -> Answer:
        """The answer, kept for the next asker unless it is a follow-up. `recall=False`
        skips looking for a kept one (the caller just did, with recall())."""
        started = time.perf_counter()
        mode = mode or self.default_mode
        scorer = self.scorer_for(mode)
        text = validate_question(question)  # fails before a conversation is opened
        conv = self.conversations.get(conversation_id)
        resolved = resolve_follow_up(text, conv.turns)
        key = self._cache_key(text, resolved, mode)
        if recall:
            kept = self._kept(question, text, conv, key, started)
            if kept is not None:
                return kept

        cal = scorer.calibration
        prepared = self._prepare(text, resolved, mode)
        ctx, hits = prepared.context, prepared.hits
        last = conv.turns[-1] if conv.turns else None
        avoid = ((last.chunk_id, last.start)
                 if resolved and last and last.chunk_id and last.start is not None else None)

        answer = Answer(question=question, answered=False, answer=None, confidence=0.0,
                        conversation_id=conv.id, index_version=self.index_version,
                        resolved_question=resolved)
        span = None
        if hits:
            # The hybrid-chunk baseline quotes the whole top section, as sure as its best
            # sentence: the same retrieval and confidence, without the extraction.
            whole = mode == "hybrid-chunk"
            span = best_span(ctx, hits[:1] if whole else hits, scorer, avoid=avoid)
            if span is not None:
                answer.confidence = confidence(span.features, cal)
                chunk, start, end = span.chunk, span.start, span.end
                if whole:
                    start, end = 0, len(chunk.text)
        if hits and answer.confidence >= cal.threshold:
            answer.answered = True
            outline = self.index.outline
            listed = None if whole else benefit_list(outline, ctx, hits) or sibling_list(
                outline, ctx, hits, chunk, start)
            if listed is not None:
                answer.answer, answer.items = listed.text, listed.items
                answer.citations = listed.citations
            else:
                answer.answer = chunk.text[start:end]
                answer.citations = [cite(chunk, start, end)]
            answer.highlights = highlights(answer.answer, ctx.text)
        else:
            answer.suggestions = self._suggestions(hits)
        quoted = span.chunk.sentences[span.sentence][0] if span and answer.answered else None
        if key is not None and self.answers is not None:
            self.answers.put(key, CachedAnswer(asdict(answer), quoted))
        answer.turn = self._add_turn(conv, ctx.text, ctx.query, resolved is not None, answer,
                                     quoted)
        answer.took_ms = (time.perf_counter() - started) * 1000
        return answer

    def _add_turn(self, conv: Conversation, text: str, query: str, follow_up: bool,
                  answer: Answer, start: int | None) -> int:
        """Record the answer as the conversation's next turn; returns its number."""
        cited = answer.citations[0] if answer.citations else None
        return self.conversations.add_turn(conv, Turn(
            question=text, resolved=query, answered=answer.answered,
            topic=topic_of(text, conv.turns, follow_up),
            section=cited.section if cited else None, answer=answer.answer,
            chunk_id=cited.chunk_id if cited else None, start=start))

    @staticmethod
    def _suggestions(hits: list[Hit]) -> list[Suggestion]:
        seen: set[str] = set()
        out: list[Suggestion] = []
        for hit in hits:
            c = hit.chunk
            if c.url in seen:
                continue
            seen.add(c.url)
            out.append(Suggestion(title=c.page_title, section=c.section_title, url=c.url,
                                  score=round(hit.score, 6)))
            if len(out) == SUGGESTIONS:
                break
        return out
