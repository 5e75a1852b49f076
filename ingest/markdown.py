"""Isomer markdown pages (CMS "markdown" variant and Isomer Classic kramdown) to sections."""

from __future__ import annotations

import re

from markdown_it import MarkdownIt

from ingest.html_blocks import Section, html_sections

# Kramdown attribute lists ({:target="_blank"}, {: .class}) and Liquid tags are template
# syntax, never page text.
_KRAMDOWN_IAL = re.compile(r"\{:[^}\n]*\}")
_LIQUID = re.compile(r"\{%.*?%\}|\{\{.*?\}\}", re.S)


def _renderer() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": True, "linkify": False, "typographer": False})
    md.enable("table")
    md.enable("strikethrough")
    # Editors indent raw HTML with tabs; as indented code it would show markup as text.
    md.disable("code")
    return md


_MD = _renderer()


# Editors paste Word bullets ("•<tab>item<br>"); they are list items, one per line.
_PASTED_BULLET = re.compile(r"^[ \t]*[•·▪●◦][ \t]+", re.M)


def markdown_to_html(body: str, classic: bool = False) -> str:
    body = _LIQUID.sub("", _KRAMDOWN_IAL.sub("", body))
    body = _PASTED_BULLET.sub("* ", body)
    if classic:
        # Kramdown reads a no-break space as a space between the marker and the text.
        body = body.replace("\u00a0", " ")
    return _MD.render(body)


def markdown_sections(body: str, classic: bool = False) -> list[Section]:
    return html_sections(markdown_to_html(body, classic=classic))
