"""The demo page at `/`: a readable rendering of an indexed page with the chat widget embedded.

Entry point for the app: `render_demo_page(pages, chunks=None, *, title=..., accent=...) -> str`.
`pages` may also be an `ingest.pipeline.IngestResult` (its pages and chunks are used).
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import Any

from ingest.records import Chunk, Page

WIDGET_TITLE = "Ask GovTech"
# GovTech-like blue; white text on it is 7.3:1, well over WCAG AA's 4.5:1.
WIDGET_ACCENT = "#1a5aa6"
# The bundled sample page is the one shown when the index holds many pages.
SAMPLE_PERMALINK = "/products-and-services/collaborate-with-us/international-collaboration/"

_STYLE = """
body { margin: 0; font-family: Georgia, "Times New Roman", serif; color: #1f2937;
  background: #fafaf7; line-height: 1.6; }
header.site { background: #0f2c52; color: #ffffff; padding: 12px 20px;
  font-family: system-ui, sans-serif; }
header.site p { margin: 0; font-weight: 600; }
main { max-width: 46rem; margin: 0 auto; padding: 24px 20px 120px; }
h1 { font-size: 2rem; line-height: 1.2; margin: 0.6em 0 0.3em; }
h2, h3, h4, h5, h6 { line-height: 1.25; margin: 1.6em 0 0.4em; scroll-margin-top: 16px; }
.lede { color: #374151; font-size: 1.1rem; }
.source { font-family: system-ui, sans-serif; font-size: 0.9rem; color: #4b5563; }
a { color: #0b57b0; }
.pages { font-family: system-ui, sans-serif; font-size: 0.95rem; }
:target { background: #fff3b0; }
"""


def _paragraphs(text: str) -> list[str]:
    # The page text keeps the source's soft line breaks; a blank line ends a block.
    blocks = [" ".join(b.split()) for b in text.split("\n\n")]
    return [b for b in blocks if b]


def _heading(level: int, text: str, anchor: str, used: set[str]) -> str:
    tag = f"h{min(max(level, 2), 6)}"
    attr = ""
    if anchor and anchor not in used:
        used.add(anchor)
        attr = f' id="{escape(anchor)}"'
    return f"<{tag}{attr}>{escape(text)}</{tag}>"


def render_page_body(page: Page, chunks: Sequence[Chunk]) -> str:
    """One page as HTML: its title, then each run of chunks under its section headings.

    Every string from the page is escaped: the demo page must show page content as
    text, even content that looks like markup.
    """
    out = [f"<h1>{escape(page.title)}</h1>"]
    if page.description:
        out.append(f'<p class="lede">{escape(" ".join(page.description.split()))}</p>')
    own = sorted((c for c in chunks if c.page_url == page.url), key=lambda c: c.start)
    if not own:
        out.extend(f"<p>{escape(p)}</p>" for p in _paragraphs(page.text))
        return "\n".join(out)
    used: set[str] = set()
    shown: list[str] = []  # the section path whose headings are on screen
    groups: list[tuple[list[str], str, int, int]] = []
    for c in own:
        path = list(c.section[1:]) if c.section[:1] == [page.title] else list(c.section)
        if groups and groups[-1][0] == path and c.start >= groups[-1][3]:
            groups[-1] = (path, c.anchor, groups[-1][2], c.end)
        else:
            groups.append((path, c.anchor, c.start, c.end))
    for path, anchor, start, end in groups:
        common = 0
        while common < min(len(path), len(shown)) and path[common] == shown[common]:
            common += 1
        for depth in range(common, len(path)):
            deepest = depth == len(path) - 1
            out.append(_heading(depth + 2, path[depth], anchor if deepest else "", used))
        shown = path
        out.extend(f"<p>{escape(p)}</p>" for p in _paragraphs(page.text[start:end]))
    return "\n".join(out)


def _pick(pages: Sequence[Page], page_url: str | None) -> Page | None:
    if page_url:
        for p in pages:
            if p.url == page_url:
                return p
    for p in pages:
        if p.permalink == SAMPLE_PERMALINK:
            return p
    return pages[0] if pages else None


def render_demo_page(
    pages: Any,
    chunks: Sequence[Chunk] | None = None,
    *,
    title: str = WIDGET_TITLE,
    accent: str = WIDGET_ACCENT,
    api: str = "",
    page_url: str | None = None,
) -> str:
    """The whole demo page: one indexed page rendered readably, and the widget's script tag.

    `api` is the widget's `data-api`: empty means the origin that served widget.js.
    """
    if hasattr(pages, "pages"):  # an IngestResult
        chunks = pages.chunks if chunks is None else chunks
        pages = pages.pages
    page_list: list[Page] = list(pages)
    page = _pick(page_list, page_url)
    if page is None:
        body = "<h1>No pages indexed yet</h1><p>Run <code>govqa ingest</code>, then reload.</p>"
    else:
        body = render_page_body(page, chunks or [])
        src = page.url if page.url.startswith(("http://", "https://")) else ""
        if src:
            body += (
                f'\n<p class="source">Rendered from <a href="{escape(src)}">'
                f"{escape(src)}</a> for this demo.</p>"
            )
    others = [p for p in page_list if p is not page]
    if others:
        items = "\n".join(f"<li>{escape(p.title)}</li>" for p in others[:100])
        more = f"<p>…and {len(others) - 100} more.</p>" if len(others) > 100 else ""
        body += (
            f'\n<section class="pages" aria-labelledby="others"><h2 id="others">'
            f"Also in the index ({len(others)} page{'s' if len(others) > 1 else ''})</h2>"
            f"<ul>{items}</ul>{more}</section>"
        )
    head_title = escape(page.title if page else "govqa")
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{head_title} · govqa demo</title>
<style>{_STYLE}</style>
</head>
<body>
<header class="site"><p>govqa demo · answers quoted from the site's own pages</p></header>
<main id="content">
{body}
</main>
<script src="/widget.js" data-api="{escape(api)}" data-title="{escape(title)}" \
data-accent="{escape(accent)}" defer></script>
</body>
</html>
"""
