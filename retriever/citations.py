"""Citation links: `url#anchor` for the section and a text fragment that highlights the quote."""

from __future__ import annotations

import re
from urllib.parse import quote as _quote

from ingest.records import Chunk
from retriever.records import Citation

FRAGMENT_EXACT_LIMIT = 80  # longer quotes use textStart,textEnd so the URL stays short
EDGE_WORDS = 5


def _encode(text: str) -> str:
    # Text-fragment syntax reserves '-', ',' and '&', which quote() leaves alone.
    return _quote(text, safe="").replace("-", "%2D")


def text_fragment(quote: str) -> str:
    """The `:~:text=` directive that makes browsers scroll to and highlight `quote`."""
    # A directive matches within one block of the rendered page, so use the first line
    # for the start and the last line for the end when the quote spans several.
    lines = [ln.strip() for ln in quote.splitlines() if ln.strip()]
    if not lines:
        return ""
    if len(lines) == 1 and len(lines[0]) <= FRAGMENT_EXACT_LIMIT:
        return "text=" + _encode(lines[0])
    first = re.findall(r"\S+", lines[0])
    last = re.findall(r"\S+", lines[-1])
    start = " ".join(first[:EDGE_WORDS])
    end = " ".join(last[-EDGE_WORDS:])
    if len(lines) == 1 and len(first) <= 2 * EDGE_WORDS:
        return "text=" + _encode(lines[0])
    return f"text={_encode(start)},{_encode(end)}"


def highlight_url(page_url: str, quote: str) -> str:
    fragment = text_fragment(quote)
    return f"{page_url}#:~:{fragment}" if fragment else page_url


def cite(chunk: Chunk, start: int, end: int) -> Citation:
    quote = chunk.text[start:end]
    return Citation(
        title=chunk.page_title,
        section=chunk.section_title,
        section_path=list(chunk.section),
        url=chunk.url,
        highlight_url=highlight_url(chunk.page_url, quote),
        quote=quote,
        start=start,
        end=end,
        chunk_id=chunk.id,
    )
