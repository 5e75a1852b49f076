"""The ingest records: a source Document as read, its Page, and the section Chunks cut from it."""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from typing import Any


def content_hash(*parts: str) -> str:
    """A short, stable id from content: the same inputs always give the same id."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode("utf-8"))
        digest.update(b"\x1f")  # separator, so ("ab", "c") != ("a", "bc")
    return digest.hexdigest()[:16]


@dataclass
class Page:
    """One page of the site, as clean text."""

    url: str  # base URL + permalink: the page a citation links to
    permalink: str
    title: str
    source: str  # the file path or URL it was read from
    text: str  # the page's clean text; every chunk is a slice of it
    source_hash: str  # hash of the raw source: unchanged pages are skipped on re-ingest
    description: str = ""
    format: str = ""  # tiptap, markdown, classic, layout, isomer-json, html
    # The site it belongs to: the base URL it was read under, or its own origin when it
    # lives elsewhere. "" in indexes written before sites were recorded.
    site: str = ""
    id: str = ""

    def __post_init__(self) -> None:
        if not self.id:
            self.id = content_hash(self.url, self.text)


@dataclass
class Chunk:
    """One section (or part of a long section) of a page: the unit that is indexed."""

    page_url: str
    page_title: str
    section: list[str]  # section path, page title first
    anchor: str  # slug of the section, as the site renders it in `#anchor`
    text: str  # clean text, == page.text[start:end]
    start: int
    end: int
    sentences: list[tuple[int, int]] = field(default_factory=list)  # offsets in text
    id: str = ""
    # Where the section sits among its siblings: cards, accordion items or sub-headings
    # under one heading are the parts of a list that no single chunk holds.
    parent: list[str] | None = None  # the parent section's path; [] for the page's lead
    order: int = 0  # this section's place among the parent's sections that have text
    siblings: int = 1  # how many such sections the parent has, this one included

    def __post_init__(self) -> None:
        if not self.id:
            self.id = content_hash(self.page_url, " / ".join(self.section), self.text)
        if self.parent is None:
            self.parent = list(self.section[:-1])

    @property
    def url(self) -> str:
        return f"{self.page_url}#{self.anchor}" if self.anchor else self.page_url

    @property
    def section_title(self) -> str:
        return self.section[-1] if self.section else self.page_title

    def sentence_texts(self) -> list[str]:
        return [self.text[s:e] for s, e in self.sentences]

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["url"] = self.url
        data["sentences"] = [
            {"start": s, "end": e, "text": self.text[s:e]} for s, e in self.sentences
        ]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Chunk:
        sentences = [
            (s["start"], s["end"]) if isinstance(s, dict) else (s[0], s[1])
            for s in data.get("sentences", [])
        ]
        return cls(
            page_url=data["page_url"],
            page_title=data["page_title"],
            section=list(data["section"]),
            anchor=data["anchor"],
            text=data["text"],
            start=data["start"],
            end=data["end"],
            sentences=sentences,
            id=data["id"],
            parent=data.get("parent"),
            order=int(data.get("order", 0)),
            siblings=int(data.get("siblings", 1)),
        )


@dataclass
class Document:
    """The raw bytes of one candidate page and where they came from."""

    source: str  # file path (absolute) or URL
    data: bytes
    rel_path: str  # path used to derive a permalink when the page has none
    content_type: str = ""
    url: str = ""  # set for pages fetched from a live site
    permalink: str = ""


Item = Document | tuple[str, str]  # a document, or (source, reason it was skipped)
