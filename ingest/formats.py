"""Recognise a page's format and cut it into sections (one parser module per format)."""

from __future__ import annotations

import json
import re
from pathlib import PurePosixPath

from ingest.frontmatter import FrontMatterError, split_front_matter
from ingest.html_blocks import html_sections
from ingest.parsed import ParsedPage, SkipPage, norm_permalink, permalink_from_path
from ingest.text import clean_line, repair_surrogate_escapes

MAX_BYTES = 5 * 1024 * 1024
_LIQUID_LOGIC = re.compile(r"\{%-?\s*(?:if|for|include|assign|capture|unless|case|block)\b")


_SAMPLE = 8192  # bytes read to tell text from binary
_REPLACED = "\ufffd"


def decode(data: bytes) -> tuple[str, list[str]]:
    """(UTF-8 text, warnings), or SkipPage for binary or empty input. A few bytes that are
    not UTF-8 (a stray Latin-1 "é") become U+FFFD with one warning; the page is kept."""
    if len(data) > MAX_BYTES:
        raise SkipPage(f"file over 5 MB ({len(data) / 1_048_576:.1f} MB)")
    if not data.strip():
        raise SkipPage("empty file")
    sample = data[:_SAMPLE]
    # Text in another encoding has a few stray bytes; binary data has them everywhere.
    if b"\x00" in sample or _invalid(sample) * 10 > len(sample):
        raise SkipPage("binary file, not a text page")
    text = data.decode("utf-8-sig", errors="replace")
    controls = sum(1 for ch in text[:_SAMPLE] if ord(ch) < 32 and ch not in "\n\r\t\f")
    if controls > 8:
        raise SkipPage("binary file, not a text page")
    bad = _invalid(data, text)
    if not bad:
        return text, []
    return text, [f"invalid UTF-8: {bad} byte sequence{'s' * (bad != 1)} replaced with U+FFFD"]


def _invalid(data: bytes, text: str | None = None) -> int:
    """How many byte sequences of `data` are not UTF-8 (U+FFFD written as UTF-8 is valid)."""
    if text is None:
        text = data.decode("utf-8", errors="replace")
    return text.count(_REPLACED) - data.count(_REPLACED.encode())


def _title_from_path(rel_path: str) -> str:
    stem = PurePosixPath(rel_path.replace("\\", "/")).stem
    return stem.replace("-", " ").replace("_", " ").strip().title() or "Untitled"


def parse_document(text: str, rel_path: str, content_type: str = "") -> ParsedPage:
    """Dispatch on the file kind: JSON, rendered HTML, or a front-matter page."""
    suffix = PurePosixPath(rel_path).suffix.lower()
    stripped = text.lstrip()
    if suffix == ".json" or "json" in content_type or (
        stripped.startswith("{") and suffix not in (".md", ".markdown", ".html", ".htm")
    ):
        from ingest.isomer_json import parse_isomer_json

        try:
            data = json.loads(repair_surrogate_escapes(text, combine=False))
        except json.JSONDecodeError as exc:
            raise SkipPage(
                f"unknown JSON: not valid JSON ({exc.msg}, line {exc.lineno})"
            ) from None
        return parse_isomer_json(data, rel_path)
    if stripped.startswith("---"):
        return parse_front_matter_page(text, rel_path, html_body=suffix in (".html", ".htm"))
    if suffix in (".html", ".htm") or "html" in content_type or (
        stripped[:15].lower().startswith(("<!doctype html", "<html"))
    ):
        if _LIQUID_LOGIC.search(text):
            raise SkipPage("a Liquid template, not a rendered page")
        from ingest.rendered import parse_rendered

        return parse_rendered(text, rel_path)
    return parse_front_matter_page(text, rel_path)


def parse_front_matter_page(text: str, rel_path: str, html_body: bool = False) -> ParsedPage:
    try:
        meta, body = split_front_matter(text)
    except FrontMatterError as exc:
        raise SkipPage(str(exc)) from None
    if meta is None:
        raise SkipPage("no front matter: not an Isomer page")
    title = clean_line(str(meta.get("title") or "")) or _title_from_path(rel_path)
    permalink = norm_permalink(meta.get("permalink")) or permalink_from_path(rel_path)
    description = clean_line(str(meta.get("description") or ""))
    layout = str(meta.get("layout") or "").strip()
    variant = str(meta.get("variant") or "").strip()
    if layout in ("contact_us", "homepage") and not body.strip():
        from ingest.layouts import layout_sections

        return ParsedPage(title, permalink, description, "layout", layout_sections(meta))
    if variant == "tiptap" or html_body:
        fmt = "tiptap" if variant == "tiptap" else "html"
        return ParsedPage(title, permalink, description, fmt, html_sections(body))
    from ingest.markdown import markdown_sections

    fmt = "markdown" if variant == "markdown" else "classic"
    sections = markdown_sections(body, classic=fmt == "classic")
    if layout in ("contact_us", "homepage"):
        from ingest.layouts import layout_sections

        sections = layout_sections(meta) + sections
    return ParsedPage(title, permalink, description, fmt, sections)
