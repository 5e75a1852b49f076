"""Edits to a parsed HTML tree that stay linear however wide or deep the page is."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from bs4 import NavigableString, PageElement, Tag

from ingest.inline import is_text

# bs4 finds an element's place among its siblings by scanning them, and shifts the rest of
# the list, on every extract(), insert(), unwrap() and decompose(): one such call per
# element of a wide page is quadratic. Here a parent's new list of children is built once
# and linked in one pass.

MAX_NESTING = 64  # real pages nest a few dozen elements deep at most


def last_descendant(node: PageElement) -> PageElement:
    """The last element of a subtree in document order."""
    while isinstance(node, Tag) and node.contents:
        node = node.contents[-1]
    return node


def _following(parent: Tag) -> PageElement | None:
    """What comes after the parent's subtree in document order."""
    node: Tag | None = parent
    while node is not None and node.next_sibling is None:
        node = node.parent
    return node.next_sibling if node is not None else None


def forget(node: PageElement) -> None:
    """Cut a subtree's links to the tree around it (its parent's list is rebuilt apart)."""
    node.parent = None
    node.previous_sibling = node.next_sibling = None
    node.previous_element = None
    last_descendant(node).next_element = None


def rebuild(parent: Tag, children: Sequence[PageElement]) -> None:
    """Make `children` (kept ones, and subtrees taken from elsewhere) the parent's children,
    in this order: sibling links and the document-order chain are set in one pass."""
    after = _following(parent)
    previous: PageElement = parent
    for i, child in enumerate(children):
        child.parent = parent
        child.previous_sibling = children[i - 1] if i else None
        child.next_sibling = children[i + 1] if i + 1 < len(children) else None
        previous.next_element = child
        child.previous_element = previous
        previous = last_descendant(child)
    previous.next_element = after
    if after is not None:
        after.previous_element = previous
    parent.contents[:] = list(children)


def remove_all(tags: Iterable[Tag]) -> None:
    """Take these elements, none of them inside another, out of the tree."""
    by_parent: dict[int, tuple[Tag, set[int]]] = {}
    for tag in tags:
        if tag.parent is not None:
            by_parent.setdefault(id(tag.parent), (tag.parent, set()))[1].add(id(tag))
    for parent, gone in by_parent.values():
        kept = [c for c in parent.contents if id(c) not in gone]
        removed = [c for c in parent.contents if id(c) in gone]
        rebuild(parent, kept)
        for node in removed:
            forget(node)


def outermost(root: Tag, wanted: Callable[[Tag], bool]) -> list[Tag]:
    """The elements below `root` that are wanted and not inside another wanted one, in
    page order. An explicit stack: the tree may be deeper than Python's recursion limit."""
    found: list[Tag] = []
    stack = [c for c in reversed(root.contents) if isinstance(c, Tag)]
    while stack:
        tag = stack.pop()
        if wanted(tag):
            found.append(tag)
        else:
            stack.extend(c for c in reversed(tag.contents) if isinstance(c, Tag))
    return found


def cap_nesting(root: Tag, limit: int = MAX_NESTING) -> None:
    """Keep elements at most `limit` deep: below that, only their text is kept, as one run
    (what unwrapping every deeper element gives). The section walk recurses per element,
    and 10,000 nested <div>s would exhaust Python's stack."""
    at_limit: list[Tag] = []
    stack = [(root, 0)]
    while stack:
        tag, depth = stack.pop()
        for child in tag.children:
            if isinstance(child, Tag):
                if depth + 1 < limit:
                    stack.append((child, depth + 1))
                elif any(isinstance(c, Tag) for c in child.contents):
                    at_limit.append(child)
    for tag in at_limit:
        text = "".join(str(node) for node in tag.descendants if is_text(node))
        for child in list(tag.contents):
            forget(child)
        rebuild(tag, [NavigableString(text)] if text else [])
