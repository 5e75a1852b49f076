"""Training groups from ../shared/train: FAQ answers, on-topic unanswerables, structure, SQuAD.

    python -m tuning.groups [--out var/train/groups]

One group is a question, the sections it must find (none for an unanswerable) and the hard
negatives retrieval puts beside them, and the same at sentence level for the reader:

- `faq`: a `train` site's FAQ question (`isomer.faq.keep`) against the section under its
  heading, with every kept question heading of the site masked; negatives are the site's
  best other sections by the index's own first stage (`tuning.site_search`). Answer
  sentences: the answer's first sentence, and the one sharing the most words with the
  question when that is another sentence and shares two or more.
- `unanswerable`: the same question against the same site without its answer page: every
  section it finds is on topic and silent.
- `structure`: a section's own heading (two or more words, not the page title, not a FAQ
  question) as a query for its text with that heading masked; BM25 negatives from its site.
  At most `--structure-per-site` per site, chosen by content hash.
- `squad`: every SQuAD v1.1 train question against its paragraph (the article's BM25
  neighbours as negatives) and its answer sentence.
- `squad2-unanswerable`: the impossible questions of SQuAD 2.0 dev from the articles whose
  title hashes even; the other articles are never trained on and stay for measuring.

Only `train` sites are read, pages and pairs alike; any question of `holdout.jsonl` or of a
set over the `dev` sites is dropped wherever it turns up. Splits: `val` for the sites and
SQuAD articles whose name hashes to 0 mod 10, `train` for the rest.
"""

from __future__ import annotations

import argparse
import json
import re
import zlib
from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from bench.questions import load_questions
from ingest.pipeline import ingest_sources
from ingest.records import Chunk, content_hash
from ingest.sentences import split_lines
from ingest.sites import Site
from isomer.faq import ISOMER, MASK, data_chunks, find, mask, norm, read_pairs
from reader.data import answer_sentence
from retriever.embedder import DEFAULT_MODEL, QUERY_MODEL, OnnxEncoder, export_onnx, resolve_model
from tuning.blind import BLIND_SETS
from tuning.site_search import SiteSearch, section_texts

REPO = Path(__file__).resolve().parents[1]
TRAIN = REPO.parent / "shared" / "train"
SQUAD_DEV2 = REPO.parent / "shared" / "bench" / "squad" / "dev-v2.0.json"
NEGATIVES = 7  # hard negative sections per group
MINING_TOKENS = 128  # a section's first 128 tokens find its neighbours: twice as fast as 256
OTHER_SENTENCES = 8  # negative sentences per group, most question words first
_WORD = re.compile(r"\w+")


@dataclass
class Section:
    """A section as retrieval reads it: its embedding text, and its sentences."""

    title: str
    text: str
    sentences: list[str]
    id: str = ""

    def __post_init__(self) -> None:
        if not self.id:
            self.id = content_hash(self.title, self.text)


@dataclass
class TrainGroup:
    """One question, its positive and negative sections, and its sentences by label."""

    kind: str
    split: str
    source: str  # the site's repository or the SQuAD article
    question: str
    positives: list[str]  # section ids
    negatives: list[str]
    answer_sentences: list[tuple[str, int]] = field(default_factory=list)  # (section id, j)
    other_sentences: list[tuple[str, int]] = field(default_factory=list)
    id: str = ""

    def __post_init__(self) -> None:
        if not self.id:
            self.id = content_hash(self.kind, self.source, self.question, *self.positives)


class Groups:
    """The groups being built, with their sections stored once each."""

    def __init__(self, blind: set[str]) -> None:
        self.blind = blind
        self.sections: dict[str, Section] = {}
        self.groups: list[TrainGroup] = []
        self.dropped_blind = 0

    def section(self, title: str, text: str, sentences: list[str]) -> str:
        s = Section(title, text, sentences)
        self.sections.setdefault(s.id, s)
        return s.id

    def add(self, group: TrainGroup) -> None:
        if qnorm(group.question) in self.blind:
            self.dropped_blind += 1
            return
        self.groups.append(group)

    def counts(self) -> dict[str, dict[str, int]]:
        out: dict[str, Counter[str]] = {}
        for g in self.groups:
            out.setdefault(g.kind, Counter())[g.split] += 1
        return {k: dict(v) for k, v in sorted(out.items())}

    def write(self, out: Path) -> None:
        out.mkdir(parents=True, exist_ok=True)
        with open(out / "sections.jsonl", "w", encoding="utf-8") as fh:
            for s in self.sections.values():
                fh.write(json.dumps(asdict(s), ensure_ascii=False) + "\n")
        with open(out / "groups.jsonl", "w", encoding="utf-8") as fh:
            for g in self.groups:
                fh.write(json.dumps(asdict(g), ensure_ascii=False) + "\n")
        (out / "counts.json").write_text(json.dumps(
            {"groups": self.counts(), "sections": len(self.sections),
             "dropped_blind_questions": self.dropped_blind}, indent=2))


def qnorm(text: str) -> str:
    return " ".join(_WORD.findall(text.casefold()))


def _words(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.casefold()) if len(w) > 2}


def split_of(name: str) -> str:
    return "val" if zlib.crc32(name.encode()) % 10 == 0 else "train"


def blind_questions(paths: Iterable[Path] = BLIND_SETS) -> set[str]:
    return {qnorm(q.question) for p in paths if Path(p).is_file() for q in load_questions(p)}


def _chunk_section(groups: Groups, chunk: Chunk, text: str) -> str:
    return groups.section(" › ".join(chunk.section), text, chunk.sentence_texts())


def _other_sentences(groups: Groups, ids: list[str], question: str) -> list[tuple[str, int]]:
    """The negatives' sentences that share the most words with the question."""
    q = _words(question)
    ranked = sorted(((len(q & _words(s)), sid, j) for sid in ids
                     for j, s in enumerate(groups.sections[sid].sentences)),
                    key=lambda x: -x[0])
    return [(sid, j) for _, sid, j in ranked[:OTHER_SENTENCES]]


def answer_sentences(chunk: Chunk, question: str) -> list[int]:
    """The answer's first sentence, and the one sharing the most words with the question
    when that is another sentence and shares two or more."""
    sents = chunk.sentence_texts()
    q = _words(question)
    overlap = [len(q & _words(s)) for s in sents]
    best = max(range(len(sents)), key=lambda j: overlap[j])
    return [0, best] if best != 0 and overlap[best] >= 2 else [0]


def site_groups(groups: Groups, repo: str, pages: Path, pairs: list[dict[str, Any]],
                encoder: Any, structure_per_site: int) -> None:
    base = f"https://{repo.split('/')[-1]}.train.invalid"
    result = ingest_sources(sites=[Site(base, [str(pages)])])
    split = split_of(repo)
    shown = result.chunks + data_chunks(pairs, result.pages, {repo: base})
    found, _left = find(pairs, result.pages, shown, {repo: base}, "train")
    questions = {norm(f.question) for f in found}
    chunks = mask(shown, questions)
    texts = section_texts(chunks)
    search = SiteSearch(texts, encoder if found else None)
    ids = [_chunk_section(groups, c, t) for c, t in zip(chunks, texts, strict=True)]
    for f in found:
        own = set(f.chunks)
        negatives = [ids[i] for i in search.search(f.question, NEGATIVES, exclude=own)]
        first = chunks[f.chunks[0]]
        groups.add(TrainGroup(
            "faq", split, repo, f.question, [ids[i] for i in f.chunks], negatives,
            [(ids[f.chunks[0]], j) for j in answer_sentences(first, f.question)],
            _other_sentences(groups, negatives, f.question)))
        page = {i for i, c in enumerate(chunks) if c.page_url == f.page.url}
        silent = [ids[i] for i in search.search(f.question, NEGATIVES, exclude=page)]
        groups.add(TrainGroup("unanswerable", split, repo, f.question, [], silent, [],
                              _other_sentences(groups, silent, f.question)))
    eligible = [i for i, c in enumerate(chunks)
                if c.sentences and len(c.section) > 1 and len(c.section_title.split()) >= 2
                and c.section_title != MASK and norm(c.section_title) != norm(c.page_title)]
    eligible.sort(key=lambda i: ids[i])
    for i in eligible[:structure_per_site]:
        c = chunks[i]
        title = c.section_title
        same = {n for n in range(len(chunks)) if chunks[n].section_title == title}
        hidden = replace(c, section=[*c.section[:-1], MASK], id="")
        text = texts[i].replace(" › ".join(c.section), " › ".join(hidden.section), 1)
        negatives = [ids[n] for n in search.search(title, NEGATIVES, exclude=same,
                                                   dense=False)]
        groups.add(TrainGroup("structure", split, repo, title,
                              [_chunk_section(groups, hidden, text)], negatives))


def _article(groups: Groups, title: str, article: dict[str, Any]
             ) -> tuple[list[str], list[list[tuple[int, int]]], list[str], SiteSearch]:
    """A SQuAD article's paragraphs as sections: texts, sentence spans, section ids, and
    BM25 over them for the negatives."""
    contexts = [p["context"] for p in article["paragraphs"]]
    spans = [[(s, e) for s, e in split_lines(c) if c[s:e].strip()] for c in contexts]
    ids = [groups.section(title, f"{title}\n{c}", [c[s:e] for s, e in sp])
           for c, sp in zip(contexts, spans, strict=True)]
    return contexts, spans, ids, SiteSearch([f"{title}\n{c}" for c in contexts], None)


def squad_groups(groups: Groups, path: Path, uncertain: set[str]) -> None:
    """SQuAD v1.1 train: each question against its paragraph and answer sentence."""
    for article in json.loads(path.read_text(encoding="utf-8"))["data"]:
        title = article["title"].replace("_", " ")
        split = split_of(title)
        contexts, spans, ids, search = _article(groups, title, article)
        for pi, para in enumerate(article["paragraphs"]):
            for qa in para["qas"]:
                ans = qa["answers"][0]
                j = answer_sentence(contexts[pi], spans[pi], qa["question"], ans["text"],
                                    ans["answer_start"], qa["id"] in uncertain)
                near = [n for n in search.search(qa["question"], 3, exclude={pi})
                        if ans["text"] not in contexts[n]]
                negatives = [ids[n] for n in near]
                same = [(ids[pi], k) for k in range(len(spans[pi]))
                        if k != j and ans["text"] not in groups.sections[ids[pi]].sentences[k]]
                groups.add(TrainGroup(
                    "squad", split, title, qa["question"], [ids[pi]], negatives,
                    [(ids[pi], j)] if j is not None else [],
                    (same + _other_sentences(groups, negatives, qa["question"]))
                    [:OTHER_SENTENCES]))


def squad2_unanswerables(groups: Groups, path: Path) -> list[str]:
    """SQuAD 2.0 dev's impossible questions from the even-hash articles; the titles of the
    articles left for measuring are returned."""
    held: list[str] = []
    for article in json.loads(path.read_text(encoding="utf-8"))["data"]:
        title = article["title"].replace("_", " ")
        if zlib.crc32(title.encode()) % 2:
            held.append(title)
            continue
        contexts, spans, ids, search = _article(groups, title, article)
        for pi, para in enumerate(article["paragraphs"]):
            for qa in para["qas"]:
                if not qa.get("is_impossible"):
                    continue
                negatives = [ids[pi]] + [ids[n] for n in search.search(qa["question"], 2,
                                                                       exclude={pi})]
                groups.add(TrainGroup("squad2-unanswerable", "train", title, qa["question"],
                                      [], negatives, [],
                                      [(ids[pi], k) for k in range(len(spans[pi]))]))
    return held


def train_repos(isomer: Path) -> list[str]:
    """The repositories of the `train` split, from the manifest: no other site is read."""
    splits: dict[str, str] = {}
    with open(isomer / "manifest.jsonl", encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            splits[row["repo"]] = row["split"]
    return sorted(r for r, s in splits.items() if s == "train")


def build(isomer: Path, squad: Path | None, squad2_dev: Path | None, out: Path,
          structure_per_site: int = 40, blind: Iterable[Path] = BLIND_SETS) -> Groups:
    # Negatives are mined with the base model, so a rebuild gives the same groups.
    encoder = OnnxEncoder(export_onnx(resolve_model(DEFAULT_MODEL)), threads=2,
                          model_file=QUERY_MODEL)
    encoder.tokenizer.enable_truncation(MINING_TOKENS)
    groups = Groups(blind_questions(blind))
    pairs = [p for p in read_pairs(isomer / "faq_pairs.jsonl") if p["split"] == "train"]
    for repo in train_repos(isomer):
        pages = isomer / "pages" / repo.replace("/", "+")
        if pages.is_dir():
            site_groups(groups, repo, pages, [p for p in pairs if p["repo"] == repo], encoder,
                        structure_per_site)
            print(f"{repo}: {len(groups.groups)} groups so far", flush=True)
    if squad is not None:
        uncertain_file = squad.parent / "train_answer_start_uncertain_ids.json"
        uncertain = set(json.loads(uncertain_file.read_text())) if uncertain_file.is_file() \
            else set()
        squad_groups(groups, squad, uncertain)
    if squad2_dev is not None:
        held = squad2_unanswerables(groups, squad2_dev)
        print(f"SQuAD 2.0 dev: {len(held)} articles kept for measuring, never trained on")
    groups.write(out)
    return groups


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--isomer", type=Path, default=ISOMER)
    parser.add_argument("--squad", type=Path, default=TRAIN / "squad" / "train-v1.1.json")
    parser.add_argument("--squad2-dev", type=Path, default=SQUAD_DEV2)
    parser.add_argument("--out", type=Path, default=REPO / "var" / "train" / "groups")
    parser.add_argument("--structure-per-site", type=int, default=40)
    args = parser.parse_args(argv)
    groups = build(args.isomer, args.squad, args.squad2_dev, args.out,
                   args.structure_per_site)
    print(f"{'kind':<22}{'train':>8}{'val':>8}")
    for kind, by_split in groups.counts().items():
        print(f"{kind:<22}{by_split.get('train', 0):>8}{by_split.get('val', 0):>8}")
    print(f"{len(groups.sections)} sections; {groups.dropped_blind} blind questions dropped; "
          f"written to {args.out}")


if __name__ == "__main__":
    main()
