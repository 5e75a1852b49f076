"""SQuAD-style datasets (v1.1, v2.0 and look-alikes): articles become pages, paragraphs
sections, and every question is asked of an index built from them."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from bench.questions import Question, QuestionSetError, read_json
from bench.results import Located
from bench.sentence_rank import hit_sentence_scores
from ingest.records import Chunk, Page, content_hash
from ingest.sentences import split_lines

PARAGRAPH_SEPARATOR = "\n\n"
# What SQuAD-style runs report: span-extraction and sentence-retrieval figures.
SQUAD_METRICS = [
    "questions",
    "accuracy",
    "answer_accuracy",
    "em",
    "f1",
    "citation_accuracy",
    "hit@1",
    "hit@5",
    "mrr",
    "sentence_mrr",
    "sentence_r@1",
    "sentence_r@5",
    "abstention_precision",
    "abstention_recall",
    "false_abstain_rate",
    "latency_p50_ms",
    "latency_p95_ms",
    "latency_p99_ms",
    "errors",
]
REFERENCES = {
    "squad-1.1": [
        {
            "system": "DrQA document reader (Chen et al. 2017), SQuAD v1.1 dev",
            "figures": "EM 69.4 / F1 78.9",
        },
        {
            "system": "logistic-regression baseline (Rajpurkar et al. 2016), SQuAD v1.1 test",
            "figures": "F1 51.0",
        },
    ],
    "policyqa": [
        {
            "system": "BERT-base fine-tuned (Ahmad et al. 2020), PolicyQA test",
            "figures": "EM 27.6 / F1 55.3 (dev EM 31.0 / F1 59.2)",
        },
    ],
}


@dataclass
class Dataset:
    """A SQuAD-style file as govqa sees it: pages, their paragraph chunks, and questions."""

    name: str
    pages: list[Page]
    chunks: list[Chunk]
    questions: list[Question]
    version: str = ""
    reference: list[dict[str, str]] = field(default_factory=list)
    # True: each article is a site of its own, indexed and asked alone (PolicyQA: the same
    # generic question is asked of every policy, so only its own policy can answer it).
    per_article: bool = False

    def chunk_map(self) -> dict[str, Chunk]:
        return {c.id: c for c in self.chunks}


def article_page(title: str, contexts: Sequence[str], dataset: str) -> tuple[Page, list[Chunk]]:
    """One article as a page whose sections are its paragraphs, in order."""
    display = title.replace("_", " ").strip() or "untitled"
    url = f"bench://{dataset}/{quote(title, safe='')}"
    chunks: list[Chunk] = []
    pos = 0
    parts: list[str] = []
    for i, context in enumerate(contexts, start=1):
        if parts:
            pos += len(PARAGRAPH_SEPARATOR)
        chunks.append(
            Chunk(
                page_url=url,
                page_title=display,
                section=[display, f"Paragraph {i}"],
                anchor=f"p{i}",
                text=context,
                start=pos,
                end=pos + len(context),
                sentences=split_lines(context),
            )
        )
        parts.append(context)
        pos += len(context)
    text = PARAGRAPH_SEPARATOR.join(parts)
    page = Page(
        url=url,
        permalink=f"/{quote(title, safe='')}/",
        title=display,
        source=f"{dataset}:{title}",
        text=text,
        source_hash=content_hash(text),
        format="squad",
    )
    return page, chunks


def parse_squad(
    data: dict[str, Any],
    name: str,
    type_of: Callable[[dict[str, Any]], str] | None = None,
    where: str = "",
) -> Dataset:
    """A Dataset from parsed SQuAD JSON (v1.1 or v2.0; v2.0 empty answers: unanswerable)."""
    pages: list[Page] = []
    chunks: list[Chunk] = []
    questions: list[Question] = []
    seen: set[str] = set()
    try:
        for article in data["data"]:
            paragraphs = article["paragraphs"]
            page, page_chunks = article_page(
                str(article.get("title", "")), [p["context"] for p in paragraphs], name
            )
            pages.append(page)
            chunks.extend(page_chunks)
            for para, chunk in zip(paragraphs, page_chunks, strict=True):
                for qa in para["qas"]:
                    qid = str(qa["id"])
                    if qid in seen:
                        continue  # a few datasets repeat ids; the first one counts
                    seen.add(qid)
                    answers = [] if qa.get("is_impossible") else list(qa.get("answers") or [])
                    golds = list(dict.fromkeys(a["text"] for a in answers))
                    if type_of is not None:
                        qtype = type_of(qa)
                    else:
                        qtype = "answerable" if golds else "unanswerable"
                    questions.append(
                        Question(
                            id=qid,
                            question=" ".join(str(qa["question"]).split()),
                            answers=golds,
                            page=page.url,
                            type=qtype,
                            spans=[(chunk.id, int(a["answer_start"])) for a in answers],
                        )
                    )
    except (KeyError, TypeError, ValueError) as exc:
        raise QuestionSetError(
            f"{where or name}: not SQuAD-style JSON (bad or missing field {exc})"
        ) from exc
    if not questions:
        raise QuestionSetError(f"{where or name}: no questions found")
    return Dataset(name, pages, chunks, questions, version=str(data.get("version", "")))


def load_squad(path: Path) -> Dataset:
    data = read_json(path, "SQuAD")
    version = str(data.get("version", ""))
    dataset = parse_squad(data, f"squad-{Path(path).stem}", where=str(path))
    dataset.reference = REFERENCES.get(f"squad-{version.lstrip('v')}", [])
    return dataset


def gold_sentence(chunk: Chunk, answer_start: int) -> int | None:
    """Index of the chunk sentence holding the answer's first character (ReQA's label);
    a start in the space between two sentences belongs to the next one."""
    for j, (_, end) in enumerate(chunk.sentences):
        if answer_start < end:
            return j
    return None


class SpanScorer:
    """Paragraph- and sentence-level retrieval by chunk id, for the bench runner.

    Paragraph rank: where the gold paragraph comes among the retrieved chunks. Sentence
    rank (ReQA-style): every sentence of the retrieved chunks is scored as the engine's
    extractor scores it; the rank of the first gold sentence, 0 if it is not among them.
    Citation: the answer cites the gold paragraph.
    """

    def __init__(self, engine: Any, chunks: dict[str, Chunk]) -> None:
        self.engine = engine
        self.chunks = chunks

    def gold(self, q: Question) -> tuple[set[str], set[tuple[str, int]]]:
        paragraphs: set[str] = set()
        sentences: set[tuple[str, int]] = set()
        for chunk_id, start in q.spans:
            paragraphs.add(chunk_id)
            j = gold_sentence(self.chunks[chunk_id], start)
            if j is not None:
                sentences.add((chunk_id, j))
        return paragraphs, sentences

    def __call__(
        self, q: Question, located: Sequence[Located], answer: dict[str, Any], mode: str
    ) -> dict[str, Any]:
        if not q.spans:
            return {}
        paragraphs, sentences = self.gold(q)
        hits = [loc.hit for loc in located if loc.hit is not None]
        retrieved = [h.chunk for h in hits]
        out: dict[str, Any] = {
            "retrieval_rank": next(
                (i for i, c in enumerate(retrieved, start=1) if c.id in paragraphs), 0
            )
        }
        citations = answer.get("citations") or []
        if citations:
            out["citation_correct"] = citations[0].get("chunk_id") in paragraphs
        if sentences:
            scored = hit_sentence_scores(self.engine, q.question, hits,
                                         mode=mode if mode in ("reader", "hybrid") else "hybrid")
            order = sorted(scored, key=lambda item: -item[2])
            out["sentence_rank"] = next(
                (r for r, (c, j, _) in enumerate(order, start=1) if (c.id, j) in sentences), 0
            )
        return out
