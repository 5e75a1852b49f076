"""The demo page renderer: the sample page as headings and paragraphs, escaped, with the widget."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from chat_api.server.demo import render_demo_page
from ingest.pipeline import ingest_sources
from ingest.records import Chunk, Page


class Outline(HTMLParser):
    """Headings (level, id, text), paragraph texts and script tags of a rendered page."""

    def __init__(self) -> None:
        super().__init__()
        self.headings: list[tuple[int, str | None, str]] = []
        self.paragraphs: list[str] = []
        self.scripts: list[dict[str, str | None]] = []
        self._open: tuple[str, str | None] | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "script":
            self.scripts.append(dict(attrs))
        if re.fullmatch(r"h[1-6]|p", tag):
            self._open = (tag, dict(attrs).get("id"))
            self._text = []

    def handle_endtag(self, tag: str) -> None:
        if self._open and tag == self._open[0]:
            text = "".join(self._text)
            if tag == "p":
                self.paragraphs.append(text)
            else:
                self.headings.append((int(tag[1]), self._open[1], text))
            self._open = None

    def handle_data(self, data: str) -> None:
        if self._open:
            self._text.append(data)


def outline(html: str) -> Outline:
    parser = Outline()
    parser.feed(html)
    return parser


def test_sample_page_renders_its_sections_with_their_anchors():
    result = ingest_sources()
    page = outline(render_demo_page(result.pages, result.chunks))

    assert page.headings[0] == (1, None, "International Collaboration")
    by_text = {text: (level, anchor) for level, anchor, text in page.headings}
    # Every section a citation can point at is on the page, under the anchor it links to.
    for chunk in result.chunks:
        level, anchor = by_text[chunk.section_title]
        assert anchor == chunk.anchor and level == min(len(chunk.section), 6)
    assert any("They include Australia, Canada" in p for p in page.paragraphs)
    assert page.scripts == [{"src": "/widget.js", "data-api": "", "data-title": "Ask GovTech",
                             "data-accent": "#1a5aa6", "defer": None}]
    # An IngestResult can be passed as it is.
    assert render_demo_page(result) == render_demo_page(result.pages, result.chunks)


def test_page_text_is_escaped():
    text = "Say <img src=x onerror=alert(1)> & <script>alert(2)</script>."
    page = Page(url="https://example.gov.sg/x/", permalink="/x/", title="<b>T</b>", source="s",
                text=text, source_hash="h", description='"><svg onload=alert(3)>')
    chunk = Chunk(page_url=page.url, page_title=page.title, section=[page.title, "<i>S</i>"],
                  anchor="s", text=text, start=0, end=len(text))
    html = render_demo_page([page], [chunk], title='"><x', accent="#fff")

    assert "<img" not in html and "<svg" not in html and "<b>" not in html and "<i>" not in html
    assert html.count("<script") == 1
    parsed = outline(html)
    assert parsed.headings == [(1, None, "<b>T</b>"), (2, "s", "<i>S</i>")]
    assert parsed.paragraphs[1:] == [  # after the demo's own banner
        '"><svg onload=alert(3)>', text, "Rendered from https://example.gov.sg/x/ for this demo.",
    ]
    assert parsed.scripts[0]["data-title"] == '"><x'


def test_no_pages_and_pages_without_chunks():
    empty = outline(render_demo_page([]))
    assert empty.headings == [(1, None, "No pages indexed yet")]

    page = Page(url="javascript:alert(1)//p/", permalink="/p/", title="P", source="s",
                text="One.\n\nTwo\nlines.", source_hash="h")
    html = render_demo_page([page])
    assert outline(html).paragraphs[1:] == ["One.", "Two lines."]
    assert "javascript:" not in html  # only http(s) page URLs are linked
