"""Tables as text: rows read with their header, colspan and rowspan expanded."""

from __future__ import annotations

from bs4 import Tag

from ingest.inline import all_bold, inline_text
from ingest.text import bounded_int, clean_lines


def _own_rows(table: Tag) -> list[Tag]:
    return [r for r in table.find_all("tr") if r.find_parent("table") is table]


def is_layout_table(table: Tag) -> bool:
    rows = _own_rows(table)
    widths = [sum(_int(c.get("colspan")) for c in r.find_all(("td", "th"), recursive=False))
              for r in rows]
    if not widths or max(widths) <= 1:
        return True
    return any(
        cell.find(("ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "table", "details"))
        for r in rows for cell in r.find_all(("td", "th"), recursive=False)
    )


def table_lines(table: Tag) -> list[str]:
    """Rows as text, each cell labelled by its column header: "Header: cell; Header: cell".

    colspan and rowspan are expanded into a grid first so every cell meets its header.
    """
    grid: list[list[tuple[str, bool]]] = []
    spans: dict[tuple[int, int], tuple[str, bool]] = {}
    rows = _own_rows(table)
    for r, row in enumerate(rows):
        cells: list[tuple[str, bool]] = []
        c = 0
        for cell in row.find_all(("td", "th"), recursive=False):
            while (r, c) in spans:
                cells.append(spans.pop((r, c)))
                c += 1
            text = _join_cell(clean_lines(inline_text(cell, lines=True)))
            is_header = cell.name == "th" or cell.find_parent("thead") is not None or (
                bool(text) and all_bold(cell, text)
            )
            value = (text, is_header)
            colspan = _int(cell.get("colspan"))
            rowspan = _int(cell.get("rowspan"))
            for dc in range(colspan):
                cells.append(value if dc == 0 else ("", value[1]))
                for dr in range(1, rowspan):
                    spans[(r + dr, c + dc)] = value if dc == 0 else ("", value[1])
            c += colspan
        while (r, c) in spans:
            cells.append(spans.pop((r, c)))
            c += 1
        grid.append(cells)
    grid = [row for row in grid if any(text for text, _ in row)]
    if not grid:
        return []
    header: list[str] = []
    if len(grid) > 1 and all(is_th for text, is_th in grid[0] if text):
        header = [text for text, _ in grid[0]]
        grid = grid[1:]
    lines = []
    for grid_row in grid:
        texts = [text for text, _ in grid_row]
        if not header and len(texts) == 2 and all(texts):
            lines.append(f"{texts[0]}: {texts[1]}")  # a key/value table
            continue
        parts = []
        for i, text in enumerate(texts):
            if not text:
                continue
            label = header[i] if i < len(header) else ""
            parts.append(f"{label}: {text}" if label and label != text else text)
        if parts:
            lines.append("; ".join(parts))
    return lines


def _join_cell(lines: list[str]) -> str:
    """A cell's paragraphs on one line: list-like entries get commas, sentences spaces."""
    out = ""
    for line in lines:
        if out:
            out += " " if out[-1] in ".!?:;," else ", "
        out += line
    return out


def _int(value: object) -> int:
    return bounded_int(value, 1, 1, 50)

