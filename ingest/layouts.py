"""Front-matter-only layouts (contact_us, homepage): their YAML content as text sections."""

from __future__ import annotations

from typing import Any

from ingest.html_blocks import Block, Section
from ingest.slug import SlugRegistry
from ingest.text import clean_line, informative_alt, strip_template

# Presentation and navigation keys: never text a visitor reads as content.
_SKIP_KEYS = {
    "background", "image", "images", "url", "button", "button_url", "linktext", "link_text",
    "link_url", "id", "variant", "size", "alignment", "backgroundcolor", "background_color",
    "icon", "layout", "permalink", "more_button", "more_button_url", "maps_link", "src",
    "alt", "href", "target", "theme", "colour", "color",
}
_TITLE_KEYS = ("title", "name", "heading")
_LIST_KEYS_AS_SECTIONS = {"announcement_items", "contacts", "locations"}


def _text(value: Any) -> str:
    return clean_line(strip_template(str(value))) if value is not None else ""


def _label(key: str) -> str:
    return key.replace("_", " ").strip().capitalize()


def _lines(data: Any, key: str = "") -> list[str]:
    """Text lines of a YAML value: scalars as is (labelled when the key says what they are),
    mappings field by field, lists item by item."""
    if data is None or key.lower() in _SKIP_KEYS:
        return []
    if isinstance(data, dict):
        title = next((_text(data[k]) for k in _TITLE_KEYS if data.get(k)), "")
        rest = []
        for k, v in data.items():
            if k in _TITLE_KEYS:
                continue
            rest.extend(_lines(v, str(k)))
        if key.lower() == "alt" or (not title and not rest):
            return []
        if title and rest and len(rest) == 1 and len(rest[0]) < 200:
            return [f"{title}: {rest[0]}"]
        return ([title] if title else []) + rest
    if isinstance(data, list):
        out: list[str] = []
        for item in data:
            out.extend(_lines(item, key))
        return out
    text = _text(data)
    if not text:
        return []
    if key in ("phone", "email", "fax", "address", "operating_hours", "days", "time"):
        return [f"{_label(key)}: {text}"]
    return [text]


class _Builder:
    def __init__(self) -> None:
        self.sections: list[Section] = []
        self.slugs = SlugRegistry()

    def add(self, path: list[str], lines: list[str]) -> None:
        lines = [line for line in lines if line]
        if lines:
            anchor = self.slugs.anchor(path[-1]) if path else ""
            self.sections.append(Section(path=path, anchor=anchor,
                                         blocks=[Block(line) for line in lines]))


def _component(builder: _Builder, kind: str, data: dict[str, Any]) -> None:
    title = next((_text(data[k]) for k in _TITLE_KEYS if data.get(k)), "")
    path = [title] if title else []  # an untitled component is part of the page itself
    own: list[str] = []
    for key, value in data.items():
        if key in _TITLE_KEYS or (key.lower() in _SKIP_KEYS and key != "alt"):
            continue
        if key == "alt":
            alt = informative_alt(_text(value))
            own.extend([alt] if alt else [])
        elif key in _LIST_KEYS_AS_SECTIONS and isinstance(value, list):
            builder.add(path, own)
            own = []
            for item in value:
                if isinstance(item, dict):
                    item_title = next((_text(item[k]) for k in _TITLE_KEYS if item.get(k)), "")
                    lines = _lines({k: v for k, v in item.items() if k not in _TITLE_KEYS})
                    builder.add(path + [item_title] if item_title else path, lines)
        else:
            own.extend(_lines(value, key))
    builder.add(path, own)


def layout_sections(meta: dict[str, Any]) -> list[Section]:
    """Sections of a contact_us or homepage page from its front matter."""
    builder = _Builder()
    layout = str(meta.get("layout") or "")
    if meta.get("notification"):
        builder.add([], [_text(meta["notification"])])
    if layout == "contact_us":
        for key in ("contacts", "locations"):
            for item in meta.get(key) or []:
                if isinstance(item, dict):
                    title = _text(item.get("title"))
                    lines = _lines({k: v for k, v in item.items() if k != "title"})
                    builder.add([title] if title else [], lines)
        return builder.sections
    for entry in meta.get("sections") or []:
        if not isinstance(entry, dict):
            continue
        for kind, data in entry.items():
            if isinstance(data, dict):
                _component(builder, str(kind), data)
    return builder.sections
