"""Isomer Next JSON pages: ProseMirror-style content blocks rendered to HTML, then sectioned."""

from __future__ import annotations

from html import escape
from typing import Any

from ingest.html_blocks import html_sections
from ingest.parsed import ParsedPage, SkipPage, norm_permalink, permalink_from_path
from ingest.text import bounded_int, clean_line

_HEADING_TEXT_KEYS = ("title", "heading")
_TEXT_KEYS = ("subtitle", "summary", "description", "text", "caption", "label", "value")


def _text_of(node: Any) -> str:
    """Inline ProseMirror content (text nodes with marks, hard breaks) as HTML."""
    if isinstance(node, str):
        return escape(node)
    if not isinstance(node, dict):
        return ""
    kind = node.get("type")
    if kind == "text":
        html = escape(str(node.get("text", "")))
        marks = {m.get("type") for m in node.get("marks") or [] if isinstance(m, dict)}
        if "bold" in marks or "strong" in marks:
            html = f"<strong>{html}</strong>"
        return html
    if kind == "hardBreak":
        return "<br>"
    return "".join(_text_of(child) for child in node.get("content") or [])


def _attrs(node: dict[str, Any]) -> dict[str, Any]:
    attrs = node.get("attrs")
    return attrs if isinstance(attrs, dict) else {}


def prose_html(node: Any) -> str:
    """A ProseMirror block node (and its children) as HTML."""
    if isinstance(node, list):
        return "".join(prose_html(n) for n in node)
    if not isinstance(node, dict):
        return ""
    kind = node.get("type")
    children = node.get("content") or []
    inner = "".join(prose_html(c) for c in children) if isinstance(children, list) else ""
    if kind == "paragraph":
        return f"<p>{_text_of(node)}</p>"
    if kind == "heading":
        level = bounded_int(_attrs(node).get("level") or node.get("level") or 2, 2, 1, 6)
        return f"<h{level}>{_text_of(node)}</h{level}>"
    if kind in ("bulletList", "unorderedList"):
        return f"<ul>{inner}</ul>"
    if kind == "orderedList":
        return f"<ol>{inner}</ol>"
    if kind == "listItem":
        return f"<li>{inner}</li>"
    if kind == "blockquote":
        return f"<blockquote>{inner}</blockquote>"
    if kind == "table":
        return f"<table>{inner}</table>"
    if kind == "tableRow":
        return f"<tr>{inner}</tr>"
    if kind in ("tableCell", "tableHeader"):
        tag = "th" if kind == "tableHeader" else "td"
        a = _attrs(node)
        span = "".join(f' {k}="{bounded_int(a[k], 1, 1, 50)}"' for k in ("colspan", "rowspan")
                       if a.get(k))
        return f"<{tag}{span}>{inner}</{tag}>"
    if kind == "text" or kind == "hardBreak":
        return _text_of(node)
    if kind == "horizontalRule" or kind == "divider":
        return ""
    if kind == "image":
        return f'<img alt="{escape(str(_attrs(node).get("alt") or node.get("alt") or ""))}">'
    return inner


def component_html(block: dict[str, Any]) -> str:
    """A page component (prose, hero, infobar, infopic, keystatistics, accordion, ...)."""
    kind = str(block.get("type") or "")
    if kind == "prose":
        return prose_html(block.get("content") or [])
    if kind == "accordion":
        summary = escape(clean_line(str(block.get("summary") or "")))
        body = component_html(block.get("details") or {})
        return f"<details><summary>{summary}</summary>{body}</details>"
    if kind == "image":
        return f'<img alt="{escape(str(block.get("alt") or ""))}">'
    parts: list[str] = []
    title = next((str(block[k]) for k in _HEADING_TEXT_KEYS if block.get(k)), "")
    if title:
        parts.append(f"<h2>{escape(title)}</h2>")
    for key in _TEXT_KEYS:
        value = block.get(key)
        if isinstance(value, str) and value.strip():
            parts.append(f"<p>{escape(value)}</p>")
        elif isinstance(value, dict | list):
            parts.append(prose_html(value))
    if block.get("alt"):
        parts.append(f'<img alt="{escape(str(block["alt"]))}">')
    for key in ("statistics", "cards", "items", "columns"):
        items = block.get(key)
        if not isinstance(items, list):
            continue
        lines = []
        for item in items:
            if not isinstance(item, dict):
                continue
            label = clean_line(str(item.get("label") or item.get("title") or ""))
            value = clean_line(str(item.get("value") or item.get("description") or ""))
            if isinstance(item.get("description"), dict | list):
                value = clean_line(prose_html(item["description"]))
            text = f"{label}: {value}" if label and value else label or value
            if text:
                lines.append(f"<li>{escape(text)}</li>")
        if lines:
            parts.append(f"<ul>{''.join(lines)}</ul>")
    return "".join(parts)


def parse_isomer_json(data: Any, rel_path: str) -> ParsedPage:
    """An Isomer Next page schema file; anything else is "unknown JSON"."""
    if not isinstance(data, dict) or not isinstance(data.get("content"), list) or not (
        isinstance(data.get("page"), dict) and "layout" in data
    ):
        raise SkipPage("unknown JSON: not an Isomer page (needs layout, page and content)")
    page = data["page"]
    title = clean_line(str(page.get("title") or "")) or "Untitled"
    permalink = norm_permalink(page.get("permalink")) or permalink_from_path(rel_path)
    header = page.get("contentPageHeader")
    summary = header.get("summary") if isinstance(header, dict) else ""
    if isinstance(summary, list):
        summary = " ".join(str(s) for s in summary)
    html = f"<p>{escape(str(summary))}</p>" if summary else ""
    html += "".join(component_html(b) for b in data["content"] if isinstance(b, dict))
    description = clean_line(str(page.get("description") or summary or ""))
    return ParsedPage(title, permalink, description, "isomer-json", html_sections(html))
