"""Editor HTML to sections: headings, accordions, cards, bold headings, tables, lists, alt text."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field

from bs4 import BeautifulSoup, Tag

from ingest.accordions import checkbox_accordions
from ingest.inline import BOLD, DROP_TAGS, INLINE_TAGS, all_bold, inline_text, is_text, soft
from ingest.slug import SlugRegistry
from ingest.tables import is_layout_table, table_lines
from ingest.text import clean_line, clean_lines, informative_alt
from ingest.tree import cap_nesting

HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
# A bold-only paragraph used as a heading sits below every real heading level.
BOLD_LEVEL = 7
_MAX_BOLD_HEADING = 160
# The largest real pages (long FAQs) hold a few hundred sections; past this many a page
# is built to exhaust the index, and the rest of it is not read.
MAX_SECTIONS = 2_000


class SectionsFull(Exception):  # noqa: N818 - a signal that stops the walk, not an error
    """The page has more than MAX_SECTIONS sections with text."""


@dataclass
class Block:
    """One line of section text: a paragraph, a list item, a table row, an image's alt."""

    text: str
    kind: str = "p"
    group: int | None = None  # blocks sharing a group stay in one chunk when they fit


@dataclass
class Section:
    """A titled part of a page; `path` holds the headings below the page title."""

    path: list[str]
    anchor: str = ""
    blocks: list[Block] = field(default_factory=list)


def _classes(tag: Tag) -> list[str]:
    value = tag.get("class")
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, list) else str(value).split()


def is_bold_only(p: Tag) -> bool:
    """A paragraph whose whole visible text is bold: an editor's stand-in for a heading."""
    text = clean_line(inline_text(p))
    if not text or len(text) > _MAX_BOLD_HEADING or text.endswith(":"):
        return False
    return all_bold(p, text)


def bold_first_line(p: Tag) -> tuple[str, str] | None:
    """(title, rest) when a paragraph's first line, up to its first <br>, is all bold."""
    head: list[str] = []
    bold: list[str] = []
    for child in p.children:
        if isinstance(child, Tag) and child.name == "br":
            break
        text = inline_text(child) if isinstance(child, Tag) else soft(str(child))
        head.append(text)
        if isinstance(child, Tag) and child.name in BOLD:
            bold.append(text)
    else:
        return None  # no <br>: one line
    title = clean_line("".join(head))
    if not title or title.endswith(":") or len(title) > _MAX_BOLD_HEADING:
        return None
    if re.sub(r"\W", "", "".join(bold)) != re.sub(r"\W", "", title):
        return None
    lines = inline_text(p).split("\n", 1)
    rest = lines[1] if len(lines) > 1 else ""
    return (title, rest) if clean_line(rest) else None


class SectionBuilder:
    """Walks an HTML tree in document order and cuts it into sections."""

    def __init__(self) -> None:
        self.sections: list[Section] = [Section(path=[])]
        self.stack: list[tuple[int, str, str]] = []  # open headings: (level, title, anchor)
        self.slugs = SlugRegistry()
        self._groups = itertools.count(1)
        self._inline: list[str] = []
        self.floor = 0  # headings inside an accordion never pop the accordion itself
        self.level_map: dict[int, int] = {}
        self.filled = 0  # sections that have text

    # -- sections ---------------------------------------------------------------
    @property
    def current(self) -> Section:
        return self.sections[-1]

    def _path(self) -> list[str]:
        return [title for _, title, _ in self.stack]

    def _anchor(self) -> str:
        return self.stack[-1][2] if self.stack else ""

    def _push(self, section: Section) -> None:
        # A section left without text never gets any (text goes to the newest one): it
        # is replaced, so a page of empty headings holds one Section, not one per heading.
        if self.current.blocks:
            self.sections.append(section)
        else:
            self.sections[-1] = section

    def _open(self, path: list[str], anchor: str) -> None:
        if self.current.path == path and not self.current.blocks:
            self.current.anchor = anchor
            return
        self._push(Section(path=list(path), anchor=anchor))

    def heading(self, level: int, title: str) -> None:
        self.flush()
        level = self.level_map.get(level, level)
        title = clean_line(title)
        if not title:
            return
        while len(self.stack) > self.floor and self.stack[-1][0] >= level:
            self.stack.pop()
        self.stack.append((level, title, self.slugs.anchor(title)))
        self._open(self._path(), self._anchor())

    def add(self, text: str, kind: str = "p", group: int | None = None) -> None:
        for line in clean_lines(text):
            opening = not self.current.blocks
            self.current.blocks.append(Block(line, kind, group))
            if opening:
                self.filled += 1
                if self.filled > MAX_SECTIONS:
                    raise SectionsFull

    def new_group(self) -> int:
        return next(self._groups)

    # -- walking ------------------------------------------------------------------
    def flush(self) -> None:
        """Emit collected loose inline text (text outside any <p>) as one paragraph."""
        if self._inline:
            self.add("".join(self._inline))
            self._inline = []

    def walk(self, node: Tag) -> None:
        for child in list(node.children):
            if is_text(child):
                self._inline.append(soft(str(child)))
            elif isinstance(child, Tag):
                self.element(child)
        self.flush()

    def element(self, tag: Tag) -> None:
        name = tag.name
        if name in DROP_TAGS or _hidden(tag):
            return
        if name == "br":
            self._inline.append("\n")
            return
        if name in INLINE_TAGS and not tag.find(_BLOCK_TAGS):
            for img in tag.find_all("img"):
                self._alt(img)
            self._inline.append(inline_text(tag))
            return
        self.flush()
        if name in HEADINGS:
            self.heading(HEADINGS[name], inline_text(tag))
        elif name == "p":
            self.paragraph(tag)
        elif name in ("ul", "ol"):
            self.list_(tag)
        elif name == "table":
            self.table(tag)
        elif name == "details":
            self.details(tag)
        elif name == "img":
            self._alt(tag)
        elif name == "iframe":
            title = informative_alt(str(tag.get("title") or ""))
            if title and not _GENERIC_EMBED.search(title):
                self.add(title, "alt")
        elif name == "hr":
            return
        elif "isomer-card-grid" in _classes(tag):
            self.cards(tag)
        elif name == "dl":
            self.definitions(tag)
        else:
            self.walk(tag)

    def _alt(self, img: Tag) -> None:
        alt = informative_alt(str(img.get("alt") or ""))
        if alt:
            self.add(alt, "alt")

    def paragraph(self, p: Tag) -> None:
        for img in p.find_all("img"):
            self._alt(img)
        if p.find(_BLOCK_TAGS):
            self.walk(p)
            return
        if p.find_parent(("li", "td", "th", "summary")):
            self.add(inline_text(p))
        elif is_bold_only(p):
            self.heading(BOLD_LEVEL, inline_text(p))
        elif (lead := bold_first_line(p)) is not None:
            # "**Title**<br>Body": the bold first line is a heading over the rest.
            title, body = lead
            self.heading(BOLD_LEVEL, title)
            self.add(body)
        else:
            self.add(inline_text(p))

    def _lead_in(self, group: int) -> None:
        """Keep a list or table with the sentence that introduces it."""
        blocks = self.current.blocks
        if blocks and blocks[-1].kind == "p" and blocks[-1].group is None:
            blocks[-1].group = group

    def list_(self, tag: Tag, group: int | None = None) -> None:
        if group is None:
            group = self.new_group()
            self._lead_in(group)
        for li in tag.find_all("li", recursive=False):
            for img in li.find_all("img"):
                self._alt(img)
            nested = li.find_all(("ul", "ol"))
            self.add(inline_text(li, skip={"ul", "ol"}, lines=True), "li", group)
            for sub in (n for n in nested if n.find_parent("li") is li):
                self.list_(sub, group)

    def definitions(self, tag: Tag) -> None:
        group = self.new_group()
        self._lead_in(group)
        for item in tag.find_all(("dt", "dd")):
            self.add(inline_text(item), "li", group)

    def table(self, tag: Tag) -> None:
        if is_layout_table(tag):
            # A table used to lay out content (one column, or lists and headings in its
            # cells) is read as the content it holds, cell by cell.
            for cell in tag.find_all(("td", "th")):
                if cell.find_parent("table") is tag:
                    self.walk(cell)
            return
        group = self.new_group()
        self._lead_in(group)
        caption = tag.find("caption")
        if caption is not None:
            self.add(inline_text(caption), "p", group)
        for line in table_lines(tag):
            self.add(line, "row", group)

    def details(self, tag: Tag) -> None:
        summary = tag.find("summary")
        title = clean_line(inline_text(summary)) if summary is not None else ""
        saved_stack, saved_floor = list(self.stack), self.floor
        parent_path, parent_anchor = self._path(), self._anchor()
        if title:
            anchor = self.slugs.anchor(title)
            self._push(Section(path=parent_path + [title], anchor=anchor))
            # Headings inside an accordion nest under its summary.
            self.stack.append((BOLD_LEVEL + 1, title, anchor))
            self.floor = len(self.stack)
        for child in tag.children:
            if child is summary:
                continue
            if is_text(child):
                self._inline.append(soft(str(child)))
            elif isinstance(child, Tag):
                self.element(child)
        self.flush()
        self.stack, self.floor = saved_stack, saved_floor
        self._open(parent_path, parent_anchor)

    def cards(self, grid: Tag) -> None:
        parent_path, parent_anchor = self._path(), self._anchor()
        cards = [c for c in grid.find_all(class_="isomer-card")
                 if not c.find_parent(class_="isomer-card")]
        for card in cards:
            title_tag = card.find(class_="isomer-card-title")
            title = clean_line(inline_text(title_tag)) if title_tag is not None else ""
            if _TEMPLATE_CARD.match(title):
                continue  # the CMS's untouched sample card, not content
            self._push(Section(
                path=parent_path + ([title] if title else []),
                anchor=self.slugs.anchor(title) if title else parent_anchor,
            ))
            for img in card.find_all("img"):
                self._alt(img)
            for part in card.find_all(class_="isomer-card-description"):
                self.add(inline_text(part))
            for part in card.find_all(class_="isomer-card-link"):
                # A link label is a call to action ("Find Out More") unless it is itself
                # the information, such as the address to write to.
                label = clean_line(inline_text(part))
                if _CONTACT.search(label):
                    self.add(label)
            if title_tag is None and not card.find(class_="isomer-card-description"):
                self.add(inline_text(card))
        self._open(parent_path, parent_anchor)

    def result(self) -> list[Section]:
        self.flush()
        return [_dedupe_alts(s) for s in self.sections if s.blocks]


_BLOCK_TAGS = [
    "p", "div", "ul", "ol", "li", "table", "details", "h1", "h2", "h3", "h4", "h5", "h6",
    "blockquote", "section", "article", "figure", "iframe", "hr", "dl", "pre",
]


def _hidden(tag: Tag) -> bool:
    style = str(tag.get("style") or "").replace(" ", "").lower()
    return "display:none" in style or tag.has_attr("hidden") or tag.get("aria-hidden") == "true"


def _norm(text: str) -> str:
    return re.sub(r"\W+", " ", text.lower()).strip()


def _dedupe_alts(section: Section) -> Section:
    """An alt that repeats text already in the section (a card's description) adds nothing."""
    others = set(_norm(" ".join(section.path[-1:])).split())
    for b in section.blocks:
        if b.kind != "alt":
            others.update(_norm(b.text).split())
    kept = []
    for block in section.blocks:
        words = _norm(block.text).split()
        if block.kind == "alt" and words and (
            sum(w in others for w in words) >= 0.8 * len(words)
        ):
            continue
        kept.append(block)
    section.blocks = kept
    return section



_TEMPLATE_CARD = re.compile(r"this is a title for your card", re.I)
_CONTACT = re.compile(r"@|https?://|www\.|\+?\d[\d ]{6,}\d")
_GENERIC_EMBED = re.compile(
    r"video player|^(youtube|vimeo|embedded?|iframe|map|google maps?)( video| content)?$", re.I
)


def html_sections(html: str) -> list[Section]:
    """Sections of an HTML fragment or document body: at most MAX_SECTIONS + 1, so that
    one past the cap tells the caller the page has more."""
    soup = BeautifulSoup(html, "lxml")
    checkbox_accordions(soup)
    root = soup.body or soup
    cap_nesting(root)
    builder = SectionBuilder()
    builder.level_map = lead_heading_levels(root)
    try:
        builder.walk(root)
    except SectionsFull:
        pass  # the rest of the page is left unread
    return builder.result()


def lead_heading_levels(root: Tag) -> dict[int, int]:
    """Isomer pages often open with one lone top heading (a tagline such as "Paving the way
    forward through knowledge sharing") above the h3s that are the real sections. Nesting
    every section under that tagline would put it in every path and citation, so the lone
    lead heading is treated as a sibling of the next level down."""
    levels = [HEADINGS[h.name] for h in root.find_all(list(HEADINGS))
              if not h.find_parent("details") and clean_line(inline_text(h))]
    if len(levels) < 2:
        return {}
    top = min(levels)
    if levels.count(top) != 1 or levels[0] != top:
        return {}
    below = min(level for level in levels if level != top)
    return {top: below}

