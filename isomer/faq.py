"""The sites' FAQ pairs: filtered, found under their heading on the ingested page, masked."""

from __future__ import annotations

import html
import json
import re
import shutil
import zlib
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ingest.records import Chunk, Page
from ingest.sentences import split_lines
from retriever.index import write_index

ISOMER = Path(__file__).resolve().parents[2] / "shared" / "train" / "isomer"
PAIRS = ISOMER / "faq_pairs.jsonl"
MASK = "Question"  # what a masked heading reads: the same for every question
GOLD_WORDS = 6  # the gold: this many first words of the answer's first sentence

# The filter: a question a visitor could ask (ends in "?", 4-30 words), answered in a
# readable stretch (40-3,000 characters of text), under a heading or accordion summary
# (page-title pairs are whole pages: nothing to mask but the page's own title).
KINDS = ("heading", "accordion")
MIN_WORDS, MAX_WORDS = 4, 30
MIN_ANSWER, MAX_ANSWER = 40, 3000
# Sites whose "questions" are essay and interview headings (the data's README names them).
NOT_FAQ = frozenset({"isomerpages/csc-knowledge", "isomerpages/ura-lkywcp"})

_TAG = re.compile(r"<[^>]+>")
_BLOCK = re.compile(r"<(?:br|/p|/li|/h\d|/div|/tr)\b[^>]*>", re.I)
_SPACE = re.compile(r"\s+")
# A heading's numbering ("5. ", "Q3: ", "(a) ") is not part of the question.
_NUMBERING = re.compile(r"^\s*(?:q(?:uestion)?\s*)?(?:\d+|[a-z])\s*[.):-]\s+|^\(\w\)\s+", re.I)


def norm(text: str) -> str:
    """A heading or question as compared: entities decoded, spaces collapsed, unnumbered."""
    return _NUMBERING.sub("", _SPACE.sub(" ", html.unescape(text)).strip()).casefold()


def answer_text(answer_html: str) -> str:
    return _SPACE.sub(" ", html.unescape(_TAG.sub(" ", answer_html))).strip()


def answer_lines(answer_html: str) -> str:
    """An answer's text with its paragraphs and list items on lines of their own."""
    text = _BLOCK.sub("\n", answer_html)
    lines = (_SPACE.sub(" ", html.unescape(_TAG.sub(" ", line))).strip()
             for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def data_chunks(pairs: list[dict[str, Any]], pages: list[Page],
                repo_sites: dict[str, str]) -> list[Chunk]:
    """The FAQ entries a site keeps in `_data/*.yml` as the accordions its pages render:
    one section each, under the page that shows it (the page files hold only the layout)."""
    by_page = {(p.site, p.permalink.strip("/").casefold()): p for p in pages}
    out: list[Chunk] = []
    for pair in pairs:
        page = by_page.get((repo_sites.get(pair["repo"], ""),
                            (pair["permalink"] or "").strip("/").casefold()))
        text = answer_lines(pair["answer_html"])
        if not pair.get("data_file") or page is None or not text:
            continue
        question = " ".join(pair["question"].split())
        out.append(Chunk(page.url, page.title, [page.title, question], "", text, 0, len(text),
                         [(s, e) for s, e in split_lines(text) if text[s:e].strip()],
                         parent=[page.title]))
    return out


def read_pairs(path: Path = PAIRS) -> list[dict[str, Any]]:
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def keep(pair: dict[str, Any], split: str) -> str | None:
    """Why a pair is left out, or None to keep it."""
    question = " ".join(pair["question"].split())
    if pair["split"] != split:
        return f"not a {split} site"
    if pair["repo"] in NOT_FAQ:
        return "essay or interview headings"
    if pair["kind"] not in KINDS:
        return f"kind {pair['kind']}"
    if not question.endswith("?") or not MIN_WORDS <= len(question.split()) <= MAX_WORDS:
        return "not a question of 4-30 words"
    if not MIN_ANSWER <= len(answer_text(pair["answer_html"])) <= MAX_ANSWER:
        return "answer under 40 or over 3,000 characters"
    return None


@dataclass
class Found:
    """One kept pair on its page: the question, the page, and the chunks under its heading."""

    repo: str
    question: str
    page: Page
    chunks: list[int]  # positions in the chunk list of the chunks under the question's heading


def repo_of(source: str | Path) -> str:
    """`.../pages/isomerpages+govtech-stp` -> `isomerpages/govtech-stp`."""
    owner, _, repo = Path(source).name.partition("+")
    return f"{owner}/{repo}"


def find(pairs: list[dict[str, Any]], pages: list[Page], chunks: list[Chunk],
         repo_sites: dict[str, str], split: str) -> tuple[list[Found], Counter[str]]:
    """The kept pairs of `split` matched to their page and heading (a repeated question on
    the same site counts once); the rest counted by reason."""
    by_page = {(p.site, p.permalink.strip("/").casefold()): p for p in pages}
    chunks_of: dict[str, list[int]] = {}
    for i, c in enumerate(chunks):
        chunks_of.setdefault(c.page_url, []).append(i)
    found: list[Found] = []
    seen: set[tuple[str, str]] = set()
    left: Counter[str] = Counter()
    for pair in pairs:
        reason = keep(pair, split)
        site = repo_sites.get(pair["repo"], "")
        page = by_page.get((site, (pair["permalink"] or "").strip("/").casefold()))
        if reason is None and page is None:
            reason = "page not in the index"
        question = norm(pair["question"])
        under = [i for i in chunks_of.get(page.url, []) if chunks[i].sentences
                 and question in map(norm, chunks[i].section)] if page else []
        if reason is None and not under:
            reason = "no text under the question"
        if reason is None and (site, question) in seen:
            reason = "asked again on the same site"
        if reason is not None or page is None:
            left[reason or "?"] += 1
            continue
        seen.add((site, question))
        found.append(Found(pair["repo"], " ".join(pair["question"].split()), page, under))
    return found, left


def mask(chunks: list[Chunk], questions: set[str]) -> list[Chunk]:
    """Every heading that is one of `questions` (normalised) replaced by MASK, wherever it
    appears: in section paths and in the parent paths that give children their context."""
    def masked(path: list[str]) -> list[str]:
        return [MASK if norm(p) in questions else p for p in path]

    return [replace(c, section=masked(c.section), parent=masked(c.parent or []), id="")
            for c in chunks]


@dataclass
class Item:
    """One kept pair as a question: its page and the first words of its answer."""

    id: str
    question: str
    page: Page
    gold: str


def items_of(found: list[Found], chunks: list[Chunk]) -> list[Item]:
    """Each found pair as a question whose gold is its answer's first words (unmasked)."""
    items: list[Item] = []
    for f in found:
        first = chunks[f.chunks[0]]
        sentence = first.text[slice(*first.sentences[0])]
        items.append(Item(f"f{len(items) + 1:03d}", f.question, f.page,
                          " ".join(sentence.split()[:GOLD_WORDS])))
    return items


def questions_file(path: Path, items: list[Item], answerable: bool) -> Path:
    """`items` as a bench question set: their answer page and gold, or unanswerable."""
    with open(path, "w", encoding="utf-8") as fh:
        for item in items:
            fh.write(json.dumps({
                "id": item.id, "question": item.question,
                "answers": [item.gold] if answerable else [], "match": "any",
                "section": None, "page": item.page.url if answerable else None,
                "type": "faq" if answerable else "unanswerable"}, ensure_ascii=False) + "\n")
    return path


def without_folds(items: list[Item], folds: int) -> list[tuple[int, set[str], list[Item]]]:
    """The answer pages split into `folds` groups by a hash of their URL (stable across runs
    and machines): per group, its number, its pages and their questions."""
    out = []
    for k in range(folds):
        gone = {i.page.url for i in items if zlib.crc32(i.page.url.encode()) % folds == k}
        if gone:
            out.append((k, gone, [i for i in items if i.page.url in gone]))
    return out


def write_without(index: Path, masked_index: Path, pages: list[Page], chunks: list[Chunk],
                  gone: set[str], model: str | None = None) -> Path:
    """`masked_index` without the pages in `gone`, written to `index`: every question whose
    answer was there is now unanswerable. The masked index's vectors are reused."""
    shutil.rmtree(index, ignore_errors=True)
    shutil.copytree(masked_index, index, symlinks=True)
    write_index(index, [p for p in pages if p.url not in gone],
                [c for c in chunks if c.page_url not in gone], model=model)
    return index
