"""Server-rendered SVG charts, no JavaScript: bars, lines and histograms (dashboard, bench)."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape

WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 36, 48
# Dark enough for 4.5:1 on white (text) and 3:1 between bars and background (WCAG 1.4.11).
INK = "#1a1a1a"
GRID = "#767676"
COLOURS = ("#1f4e79", "#a4400c", "#2e6b30", "#6b2e6b", "#7a5c00", "#00607a")
MAX_BAR = 48  # one series over few labels still draws a bar, not a wall
SLANT_EXTRA = 40  # room under the axis for slanted labels


@dataclass
class Series:
    name: str
    values: list[float | None]


def _nice_max(value: float) -> float:
    """The axis top: the value rounded up to 1, 2, 2.5 or 5 times a power of ten."""
    if value <= 0:
        return 1.0
    magnitude = 10.0 ** math.floor(math.log10(value))
    return next(m * magnitude for m in (1, 2, 2.5, 5, 10) if value <= m * magnitude)


def _frame(title: str, desc: str, body: list[str], legend: list[str],
           height: int = HEIGHT) -> str:
    items = []
    x = LEFT
    for colour, name in zip(COLOURS, legend, strict=False):
        items.append(f'<rect x="{x}" y="10" width="12" height="12" fill="{colour}"/>'
                     f'<text x="{x + 16}" y="20" font-size="12" fill="{INK}">{escape(name)}</text>')
        x += 24 + 7 * len(name)
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
            f'width="{WIDTH}" height="{height}" role="img" aria-labelledby="t d" '
            f'font-family="system-ui, sans-serif">'
            f'<title id="t">{escape(title)}</title><desc id="d">{escape(desc)}</desc>'
            f'<rect width="100%" height="100%" fill="#ffffff"/>'
            + "".join(items) + "".join(body) + "</svg>")


def _crowded(labels: list[str]) -> bool:
    """Many long names (PolicyQA's practices) are slanted so that they do not overlap."""
    return len(labels) > 5 and max(len(label) for label in labels) > 12


def _axes(labels: list[str], top_value: float, fmt: Callable[[float], str]) -> list[str]:
    plot_h = HEIGHT - TOP - BOTTOM
    out = []
    for i in range(5):
        value = top_value * i / 4
        y = HEIGHT - BOTTOM - plot_h * i / 4
        out.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" '
                   f'stroke="{GRID}" stroke-width="0.5"/>'
                   f'<text x="{LEFT - 6}" y="{y + 4:.1f}" font-size="11" text-anchor="end" '
                   f'fill="{INK}">{escape(fmt(value))}</text>')
    slanted = _crowded(labels)
    step = 1 if slanted else max(1, len(labels) // 8)  # about eight dates fit under the axis
    slot = (WIDTH - LEFT - RIGHT) / max(1, len(labels))
    y = HEIGHT - BOTTOM + 16
    for i, label in enumerate(labels):
        if i % step:
            continue
        x = LEFT + slot * (i + 0.5)
        if slanted:
            short = label if len(label) <= 22 else label[:21] + "…"
            out.append(f'<text x="{x:.1f}" y="{y}" font-size="11" text-anchor="end" '
                       f'transform="rotate(-20 {x:.1f} {y})" fill="{INK}"><title>'
                       f'{escape(label)}</title>{escape(short)}</text>')
        else:
            out.append(f'<text x="{x:.1f}" y="{y}" font-size="11" '
                       f'text-anchor="middle" fill="{INK}">{escape(label)}</text>')
    return out


def _plain(unit: str) -> Callable[[float], str]:
    return lambda value: f"{value:g}{unit}"


def percent(value: float) -> str:
    return f"{value * 100:.0f}%"


def bars(title: str, labels: list[str], series: list[Series], stacked: bool = False,
         unit: str = "", top: float | None = None,
         fmt: Callable[[float], str] | None = None) -> str:
    """Grouped (or stacked) bars, one slot per label; a missing value draws no bar. `top`
    fixes the axis (1.0 for shares shown with `fmt=percent`), else it fits the data."""
    fmt = fmt or _plain(unit)
    plot_h = HEIGHT - TOP - BOTTOM
    slot = (WIDTH - LEFT - RIGHT) / max(1, len(labels))
    if stacked:
        peak = max((sum(s.values[i] or 0 for s in series) for i in range(len(labels))),
                   default=0)
    else:
        peak = max((v or 0 for s in series for v in s.values), default=0)
    top_value = top or _nice_max(float(peak))
    body = _axes(labels, top_value, fmt)
    width = min(slot * 0.8 / (1 if stacked else max(1, len(series))), MAX_BAR)
    pad = (slot - width * (1 if stacked else len(series))) / 2
    for i in range(len(labels)):
        base = 0.0
        for k, s in enumerate(series):
            if s.values[i] is None:
                continue
            value = min(float(s.values[i] or 0), top_value)
            h = plot_h * value / top_value
            x = LEFT + slot * i + pad + (0 if stacked else k * width)
            y = HEIGHT - BOTTOM - h - (plot_h * base / top_value if stacked else 0)
            if value or not stacked:  # a zero still carries its tooltip, unless stacked
                body.append(f'<rect class="bar" x="{x:.1f}" y="{y:.1f}" width="{width:.1f}" '
                            f'height="{h:.1f}" fill="{COLOURS[k % len(COLOURS)]}"><title>'
                            f'{escape(labels[i])}: {escape(fmt(value))} {escape(s.name)}'
                            f'</title></rect>')
            if stacked:
                base += value
    desc = "; ".join(f"{s.name}: {sum(v or 0 for v in s.values):g} in all" for s in series)
    height = HEIGHT + (SLANT_EXTRA if _crowded(labels) else 0)
    return _frame(title, desc, body, [s.name for s in series], height)


def histogram(title: str, values: Sequence[float], bins: int = 20, unit: str = "ms") -> str:
    """How many values (say latencies) fall in each of `bins` equal ranges."""
    if not values:
        return _frame(title, "no data", [], [])
    lo, hi = min(values), max(values)
    hi = hi if hi > lo else lo + 1.0
    width = (hi - lo) / bins
    counts = [0] * bins
    for value in values:
        counts[min(int((value - lo) / width), bins - 1)] += 1
    labels = [f"{lo + i * width:.1f}" for i in range(bins)]
    return bars(title, labels, [Series(f"questions by {unit}", list(map(float, counts)))])


def lines(title: str, labels: list[str], series: list[Series], unit: str = "") -> str:
    """One line per series; a missing value (no data that day) breaks the line."""
    plot_h = HEIGHT - TOP - BOTTOM
    slot = (WIDTH - LEFT - RIGHT) / max(1, len(labels))
    top_value = _nice_max(max((v or 0 for s in series for v in s.values), default=0))
    body = _axes(labels, top_value, _plain(unit))
    for k, s in enumerate(series):
        run: list[str] = []
        for i, value in enumerate([*s.values, None]):
            if value is None:
                if len(run) > 1:
                    body.append(f'<polyline fill="none" stroke="{COLOURS[k]}" stroke-width="2" '
                                f'points="{" ".join(run)}"/>')
                run = []
                continue
            x = LEFT + slot * (i + 0.5)
            y = HEIGHT - BOTTOM - plot_h * float(value) / top_value
            run.append(f"{x:.1f},{y:.1f}")
            body.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{COLOURS[k]}"><title>'
                        f'{escape(labels[i])}: {value:g}{escape(unit)} {escape(s.name)}'
                        f'</title></circle>')
    known = [v for s in series for v in s.values if v is not None]
    desc = f"highest {max(known):g}{unit}" if known else "no data in this range"
    return _frame(title, desc, body, [s.name for s in series])
