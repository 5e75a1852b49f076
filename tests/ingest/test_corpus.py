"""The whole of ../shared/corpus: every page read, offsets exact, no markup in any chunk."""

from __future__ import annotations

import json
import re
from pathlib import Path

from govqa.cli import main

# Tags, entities, CSS declarations and rules, script, Liquid and kramdown syntax.
MARKUP = re.compile(
    r"<[a-zA-Z/!][^>]*>|&[a-zA-Z]+;|&#\d+;|\{\{|\}\}|\{%|%\}|\{:|"
    r"\b(?:display|margin|padding|color|background|border|border-radius|font-size|cursor|"
    r"transition|width|height)\s*:\s*[^;\n]*;|[.#]?[a-z-]+\s*\{[^}]*\}|"
    r"function\s*\(|var\s+\w+\s*=|document\.\w|window\.\w|=>"
)


def _page_files(corpus: Path) -> list[Path]:
    return sorted(p for p in corpus.rglob("*.md") if p.name != "SOURCES.md")


def test_every_corpus_page_is_read(corpus: Path, corpus_result) -> None:
    files = _page_files(corpus)
    assert len(files) == 62
    read = {p.source for p in corpus_result.pages}
    skipped = {s.source: s.reason for s in corpus_result.skipped}
    # Two homepages of two different sites both claim "/": one is kept, and the summary
    # says why the other is not; the corpus notes file is not a page.
    assert skipped == {
        str(corpus / "SOURCES.md"): "no front matter: not an Isomer page",
        str(corpus / "other-isomer/isomerpages+nea-wis/index.md"):
            "same page URL https://www.tech.gov.sg/ as "
            f"{corpus / 'other-isomer/isomerpages+imda-tradetrust/index.md'} (kept that one)",
    }
    assert read | set(skipped) == {str(f) for f in files} | {str(corpus / "SOURCES.md")}
    assert {p.format for p in corpus_result.pages} == {"tiptap", "markdown", "classic", "layout"}
    assert all(any(c.page_url == p.url for c in corpus_result.chunks)
               for p in corpus_result.pages)


def test_offsets_sentences_and_ids(corpus_result) -> None:
    pages = {p.url: p for p in corpus_result.pages}
    for chunk in corpus_result.chunks:
        page = pages[chunk.page_url]
        assert page.text[chunk.start:chunk.end] == chunk.text
        assert chunk.text and chunk.text == chunk.text.strip()
        assert chunk.section[0] == page.title == chunk.page_title
        assert chunk.sentences, chunk
        previous_end = 0
        for start, end in chunk.sentences:
            assert previous_end <= start < end <= len(chunk.text)
            previous_end = end
        covered = "".join(chunk.text[s:e] for s, e in chunk.sentences)
        assert re.sub(r"\s", "", covered) == re.sub(r"\s", "", chunk.text)
    ids = [c.id for c in corpus_result.chunks]
    assert len(ids) == len(set(ids))


def test_no_markup_css_script_or_template_syntax(corpus_result) -> None:
    bad = [(c.url, m.group(0)) for c in corpus_result.chunks
           for m in [MARKUP.search(c.text)] if m]
    assert bad == []
    for chunk in corpus_result.chunks:
        assert "\u00a0" not in chunk.text and "  " not in chunk.text
        assert all(line == line.strip() and line for line in chunk.text.split("\n"))


def test_chunks_fit_the_model(corpus_result) -> None:
    from ingest.chunker import MAX_TOKENS, token_counter

    count = token_counter()
    sizes = [count(c.text) for c in corpus_result.chunks]
    assert max(sizes) <= MAX_TOKENS


def test_cli_dry_run_json_reads_the_corpus(corpus: Path, corpus_result, capsys) -> None:
    assert main(["ingest", "--dry-run", "--json", str(corpus), "--index", "/nonexistent/x"]) == 0
    out, err = capsys.readouterr()
    rows = [json.loads(line) for line in out.splitlines()]
    assert [r["id"] for r in rows] == [c.id for c in corpus_result.chunks]
    assert rows[0] == corpus_result.chunks[0].to_dict()
    assert set(rows[0]) == {"page_url", "page_title", "section", "anchor", "text", "start",
                            "end", "sentences", "id", "url", "parent", "order", "siblings"}
    n_pages, n_chunks = len(corpus_result.pages), len(corpus_result.chunks)
    tradetrust = corpus / "other-isomer/isomerpages+imda-tradetrust/index.md"
    assert err.splitlines() == [
        f"read {n_pages} pages, {n_chunks} chunks: {n_pages} added, 0 updated, 0 unchanged, "
        "0 removed, 2 skipped (dry run: nothing written)",
        f"skipped {corpus / 'SOURCES.md'}: no front matter: not an Isomer page",
        f"skipped {corpus / 'other-isomer/isomerpages+nea-wis/index.md'}: same page URL "
        f"https://www.tech.gov.sg/ as {tradetrust} (kept that one)",
    ]
