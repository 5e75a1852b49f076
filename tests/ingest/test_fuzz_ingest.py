"""Hypothesis on ingest's entry point: any bytes, front matter or Isomer JSON either becomes a
page whose chunks fit the model's window, or is skipped with a reason, within a time bound.

About a minute in `make test`; `pytest -m fuzz_long` runs each property 25 times longer."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest.chunker import MAX_TOKENS, token_counter
from ingest.parsed import SkipPage
from ingest.pipeline import page_from_document
from ingest.records import Document

PER_INPUT_S = 5.0  # far above any real page (milliseconds); a hang or a blow-up is not
SHORT = settings(max_examples=800, deadline=None, derandomize=True, database=None,
                 suppress_health_check=list(HealthCheck))
LONG = settings(SHORT, max_examples=800 * 25)

# Text that looks like pages: markup, entities, escapes, odd spaces and surrogate escapes.
PIECES = st.sampled_from([
    "<p>", "</p>", "<h2>", "</h2>", "<div>", "</div>", "<details><summary>", "</summary>",
    "</details>", "<table><tr><td colspan=x>", "</td></tr></table>", "<ul><li>", "</li></ul>",
    "<strong>", "</strong>", "&amp;", "&#xD83D;", "\\ud83d", "{{ x }}", "{% if %}", "\u00a0",
    "\u2028", "\x00", "\r\n", "# ", "**", "[a](b)", "<br>", "<img alt='x'>", " ",
])
TEXT = st.lists(st.one_of(st.text(max_size=40), PIECES), max_size=60).map("".join)
SCALAR = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True),
                   st.text(max_size=30))
META = st.dictionaries(
    st.one_of(st.sampled_from(["title", "permalink", "description", "variant", "layout",
                               "third_nav_title"]), st.text(max_size=10)),
    st.one_of(SCALAR, st.lists(SCALAR, max_size=3), st.dictionaries(st.text(max_size=5), SCALAR,
                                                                     max_size=3)),
    max_size=6,
)
PROSE = st.recursive(
    st.fixed_dictionaries({"type": st.just("text"), "text": st.text(max_size=40)}),
    lambda children: st.fixed_dictionaries(
        {"type": st.sampled_from(["paragraph", "heading", "orderedList", "unorderedList",
                                  "listItem", "table", "tableRow", "tableCell", "tableHeader",
                                  "prose", "accordion", "callout", "image", "hardBreak",
                                  st.text(max_size=8)]).map(str),
         "content": st.lists(children, max_size=4)},
        optional={"attrs": st.dictionaries(
            st.sampled_from(["level", "colspan", "rowspan", "alt", "id"]), SCALAR, max_size=3),
            "summary": st.text(max_size=20), "title": SCALAR},
    ),
    max_leaves=25,
)


def _front_matter_page(meta: dict[str, Any], body: str, raw: bool) -> str:
    head = yaml.safe_dump(meta, allow_unicode=True) if not raw else str(meta)
    return f"---\n{head}---\n{body}"


def _isomer(title: Any, permalink: Any, content: list[Any]) -> str:
    return json.dumps({"version": "0.1.0", "layout": "content",
                       "page": {"title": title, "permalink": permalink}, "content": content})


def _check(data: bytes, rel_path: str) -> None:
    started = time.perf_counter()
    try:
        page, chunks, warnings = page_from_document(
            Document(source=rel_path, data=data, rel_path=rel_path), "https://www.tech.gov.sg")
    except SkipPage as reason:
        assert str(reason).strip()  # a reason a person can read
    else:
        count = token_counter()
        assert chunks and page.title
        for chunk in chunks:
            assert count(chunk.text) <= MAX_TOKENS
            json.dumps(chunk.to_dict()).encode("utf-8")  # storable as the index stores it
        page.text.encode("utf-8")
        assert all(w.strip() and "\n" not in w for w in warnings)  # one readable line each
    assert time.perf_counter() - started < PER_INPUT_S


def _run(strategy: st.SearchStrategy[tuple[bytes, str]], budget: settings) -> None:
    @given(strategy)
    @budget
    def property_(case: tuple[bytes, str]) -> None:
        _check(*case)

    property_()


BYTES = st.tuples(st.binary(max_size=400), st.sampled_from(["p.md", "p.html", "p.json"]))
MARKUP = st.tuples(TEXT.map(lambda t: t.encode("utf-8", "surrogatepass")),
                   st.sampled_from(["p.md", "p.html", "p.json", "p.markdown"]))
FRONT_MATTER = st.tuples(
    st.builds(_front_matter_page, META, TEXT, st.booleans()).map(
        lambda t: t.encode("utf-8", "surrogatepass")),
    st.just("page.md"))
ISOMER = st.tuples(
    st.builds(_isomer, SCALAR, SCALAR, st.lists(PROSE, max_size=5)).map(str.encode),
    st.just("page.json"))
PROPERTIES: dict[str, st.SearchStrategy[tuple[bytes, str]]] = {
    "bytes": BYTES, "markup": MARKUP, "front matter": FRONT_MATTER, "isomer json": ISOMER}


@pytest.mark.parametrize("name", list(PROPERTIES))
def test_any_input_becomes_a_page_or_a_reason(name: str) -> None:
    _run(PROPERTIES[name], SHORT)


@pytest.mark.fuzz_long
@pytest.mark.parametrize("name", list(PROPERTIES))
def test_any_input_becomes_a_page_or_a_reason_long(name: str) -> None:
    _run(PROPERTIES[name], LONG)

