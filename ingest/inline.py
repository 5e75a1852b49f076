"""Inline text of HTML elements: <br> as line breaks, dropped elements left out."""

from __future__ import annotations

import re
from typing import TypeGuard

from bs4 import Comment, NavigableString, Tag
from bs4.element import Doctype, ProcessingInstruction

from ingest.text import clean_line

DROP_TAGS = {
    "script", "style", "noscript", "template", "svg", "button", "input", "select",
    "textarea", "form", "nav", "head", "meta", "link", "object", "embed", "canvas",
}
INLINE_TAGS = {
    "a", "abbr", "b", "bdi", "bdo", "cite", "code", "data", "dfn", "em", "i", "kbd", "mark",
    "q", "s", "samp", "small", "span", "strong", "sub", "sup", "time", "u", "var", "del",
    "ins", "font", "label", "big", "tt", "strike",
}
BOLD = {"strong", "b"}


def is_text(node: object) -> TypeGuard[NavigableString]:
    return isinstance(node, NavigableString) and not isinstance(
        node, Comment | Doctype | ProcessingInstruction
    )


LINE_TAGS = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "tr", "blockquote", "dt",
              "dd", "pre", "figcaption"}


def inline_text(tag: Tag | NavigableString, skip: set[str] | None = None,
                lines: bool = False) -> str:
    """The text of an element with `<br>` as a newline; dropped tags and `skip` left out.
    With `lines`, each paragraph-like descendant also starts a new line."""
    if is_text(tag):
        return soft(str(tag))
    if not isinstance(tag, Tag):
        return ""
    parts: list[str] = []
    for node in tag.descendants:
        if is_text(node):
            if _excluded(node, tag, skip):
                continue
            parts.append(soft(str(node)))
        elif isinstance(node, Tag) and (node.name == "br" or (lines and node.name in LINE_TAGS)):
            parts.append("\n")
    return "".join(parts)


def _excluded(node: NavigableString, root: Tag, skip: set[str] | None) -> bool:
    """Whether a text node sits inside a dropped (or skipped) element below `root`."""
    for parent in node.parents:
        if parent is root or parent is None:
            return False
        if parent.name in DROP_TAGS or (skip and parent.name in skip):
            return True
    return False


def soft(text: str) -> str:
    """Source line breaks inside HTML text are just spaces; only <br> breaks a line."""
    return text.replace("\r", " ").replace("\n", " ")



def all_bold(tag: Tag, text: str) -> bool:
    """Whether the whole visible text of `tag` (given as `text`) is bold."""
    outer = [b for b in tag.find_all(BOLD) if b.find_parent(BOLD) is None]
    bold = " ".join(clean_line(inline_text(b)) for b in outer)
    return bool(bold) and re.sub(r"\W", "", bold) == re.sub(r"\W", "", text)
