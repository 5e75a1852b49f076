"""Clean text: nbsp made spaces, template syntax removed, whitespace normalised."""

from __future__ import annotations

import re

_TEMPLATE = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{:[^}]*\}", re.S)
_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
_SPACES = re.compile(r"[ \t\r\f\v\u00a0\u2000-\u200a\u202f\u205f\u3000]+")


def strip_template(text: str) -> str:
    """Drop Liquid tags/outputs and kramdown attribute lists ({:target="_blank"})."""
    return _TEMPLATE.sub("", text)


# Escaped markup that editors left in visible text ("&lt;partners&gt;", a literal "<br>"):
# known tag names vanish, any other word keeps its text without the brackets.
_TAG_LIKE = re.compile(r"</?([a-zA-Z][a-zA-Z0-9-]*)(?:\s[^<>]*)?/?>")
_HTML_TAGS = {
    "a", "b", "br", "div", "em", "i", "li", "ol", "p", "span", "strong", "u", "ul", "hr",
    "img", "table", "td", "th", "tr", "sup", "sub", "small", "h1", "h2", "h3", "h4", "h5",
    "h6", "iframe", "script", "style", "section", "details", "summary", "label", "input",
}


_BREAKING_TAGS = {"br", "p", "div", "li", "hr", "tr", "td", "th", "h1", "h2", "h3", "h4", "h5",
                  "h6", "section", "table", "ul", "ol"}


def _untag(match: re.Match[str]) -> str:
    name = match.group(1).lower()
    if name in _BREAKING_TAGS:
        return " "
    return "" if name in _HTML_TAGS else match.group(1)


def clean_line(text: str) -> str:
    """One line of clean text: no template syntax, single spaces, trimmed."""
    text = _TAG_LIKE.sub(_untag, _INVISIBLE.sub("", strip_template(text)))
    return _SPACES.sub(" ", text.replace("\n", " ")).strip()


def clean_lines(text: str) -> list[str]:
    """Each non-empty line of `text`, cleaned."""
    return [line for line in (clean_line(part) for part in text.split("\n")) if line]


_FILE_LIKE = re.compile(
    r"^[\w\-. /]*\.(?:jpe?g|png|gif|svg|webp|bmp|tiff?|ico|pdf)$|^(?:img|image|dsc|pic|photo|"
    r"screenshot|banner|thumbnail|icon|logo)?[\s_\-]*\d*$|[\w-]+_[\w-]+$",
    re.I,
)
_LOGO = re.compile(r"\b(logo|icon|banner|thumbnail)s?$")  # "Singpass API logo": a picture's name
_PLACEHOLDERS = {
    "image", "img", "photo", "picture", "placeholder", "alt", "alt text", "logo", "icon",
    "banner", "thumbnail", "default", "hero", "hero image", "card image", "image alt",
    "this is an image", "insert image", "add alt text", "untitled", "graphic", "null", "none",
}


def informative_alt(alt: str | None) -> str:
    """The alt text if it carries information, else "" (empty, placeholder, file name)."""
    text = clean_line(alt or "")
    if not text:
        return ""
    low = text.lower().strip(" .")
    if low in _PLACEHOLDERS or "placeholder" in low or "alt text" in low or _LOGO.search(low):
        return ""
    if _FILE_LIKE.match(text):
        return ""
    # A single short word says nothing a reader would ask about ("Collage", "Logo").
    words = text.split()
    if len(words) < 3:
        return ""
    return text


def bounded_int(value: object, default: int, low: int, high: int) -> int:
    """An attribute read as an integer in [low, high]; a value that is not a number (a
    colspan of "wide", a heading level of "two") gives the default, not a lost page."""
    try:
        return max(low, min(int(str(value).strip()), high))
    except (TypeError, ValueError):
        return default


# One escape: a backslash and what it escapes, so "\\\\" is consumed whole and the "u"
# after it is not mistaken for an escape of its own.
_ESCAPE = re.compile(r"\\(?:u([0-9a-fA-F]{4})|.)", re.S)


def _half(match: re.Match[str] | None, low: int, high: int) -> bool:
    code = match.group(1) if match else None
    return code is not None and low <= int(code, 16) <= high


def repair_surrogate_escapes(source: str, combine: bool) -> str:
    """JSON-style "\\ud83d\\ude00" escapes in YAML or JSON source: with `combine`, a pair
    becomes the one "\\U0001F600" escape YAML understands (JSON joins pairs itself); a
    lone half becomes U+FFFD, since it cannot be written as UTF-8 and would sink the page."""
    if "\\u" not in source:
        return source
    out: list[str] = []
    pos = 0
    escapes = list(_ESCAPE.finditer(source))
    i = 0
    while i < len(escapes):
        m = escapes[i]
        nxt = escapes[i + 1] if i + 1 < len(escapes) else None
        if _half(m, 0xD800, 0xDBFF) and nxt is not None and nxt.start() == m.end() \
                and _half(nxt, 0xDC00, 0xDFFF):
            high, low = int(m.group(1), 16), int(nxt.group(1), 16)
            joined = f"\\U{0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00):08X}"
            out.append(source[pos:m.start()] + (joined if combine else m.group(0) + nxt.group(0)))
            pos = nxt.end()
            i += 2
            continue
        if _half(m, 0xD800, 0xDFFF):
            out.append(source[pos:m.start()] + "\\ufffd")
            pos = m.end()
        i += 1
    out.append(source[pos:])
    return "".join(out)
