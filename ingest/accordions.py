"""CSS-only accordions (a hidden checkbox, its <label>, then the content) read as <details>."""

from __future__ import annotations

from bs4 import BeautifulSoup, PageElement, Tag

from ingest.tree import forget, rebuild

_CONTENT = ("div", "section", "p", "ul", "ol")


def _accordion(label: Tag, boxes: dict[str, Tag]) -> tuple[Tag, Tag] | None:
    """(anchor, content) of a label that opens an accordion: the anchor is the label, or the
    <p> that holds nothing after it; the content is the next element after the anchor."""
    target = label.get("for")
    box = boxes.get(str(target)) if target else None
    if box is None or str(box.get("type", "")).lower() not in ("checkbox", "radio"):
        return None
    anchor: Tag = label
    content = label.find_next_sibling()
    if content is None and label.parent is not None and label.parent.name == "p":
        anchor = label.parent
        content = anchor.find_next_sibling()
    if content is None or content.name not in _CONTENT:
        return None
    return anchor, content


def checkbox_accordions(soup: BeautifulSoup) -> None:
    """Each CSS-only accordion becomes <details>: the label is the summary, the content its
    body, placed where the anchor was. All are found first, then each parent's children are
    rebuilt once (see ingest.tree): bs4's own moves make a page of accordions quadratic."""
    boxes: dict[str, Tag] = {}
    for box in soup.find_all("input", id=True):
        boxes.setdefault(str(box["id"]), box)
    claimed: set[int] = set()
    by_parent: dict[int, tuple[Tag, list[tuple[Tag, Tag, Tag]]]] = {}
    for label in soup.find_all("label"):
        found = _accordion(label, boxes)
        if found is None:
            continue
        anchor, content = found
        # An element already taken, as an anchor or as content, is no longer where it was.
        if id(anchor) in claimed or id(content) in claimed or anchor.parent is None:
            continue
        claimed.update((id(anchor), id(content)))
        by_parent.setdefault(id(anchor.parent), (anchor.parent, []))[1].append(
            (label, anchor, content))
    for parent, items in by_parent.values():
        before: dict[int, Tag] = {}
        gone: set[int] = set()
        for label, anchor, content in items:
            summary = soup.new_tag("summary")
            summary.string = label.get_text(" ", strip=True)
            if anchor is not label:
                label.extract()  # from its <p>, which holds few elements
            details = soup.new_tag("details")
            rebuild(details, [summary, content])
            before[id(anchor)] = details
            gone.update((id(content), id(label)))
        children: list[PageElement] = []
        for child in parent.contents:
            if id(child) in before:
                children.append(before[id(child)])
            if id(child) in gone:
                if child.parent is parent:  # a label that opened an accordion
                    forget(child)
                continue
            children.append(child)
        rebuild(parent, children)
