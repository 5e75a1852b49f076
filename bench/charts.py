"""Inline SVG charts for the HTML report: grouped bars and a histogram, no JavaScript."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from html import escape

import numpy as np

PALETTE = ("#1f6feb", "#d97706", "#16a34a", "#9333ea", "#dc2626", "#0891b2")
WIDTH = 720
HEIGHT = 300
MARGIN_LEFT = 56
MARGIN_RIGHT = 16
MARGIN_TOP = 28
MARGIN_BOTTOM = 72
MAX_BAR = 48


def _pct(value: float) -> str:
    return f"{value * 100:.0f}%"


def _svg(body: list[str], title: str, width: int = WIDTH, height: int = HEIGHT) -> str:
    return (
        f'<svg class="chart" role="img" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'aria-label="{escape(title)}"><title>{escape(title)}</title>' + "".join(body) + "</svg>"
    )


def _y_axis(ymax: float, fmt: Callable[[float], str], ticks: int = 5) -> list[str]:
    plot_h = HEIGHT - MARGIN_TOP - MARGIN_BOTTOM
    out = []
    for i in range(ticks + 1):
        value = ymax * i / ticks
        y = MARGIN_TOP + plot_h - plot_h * i / ticks
        out.append(
            f'<line x1="{MARGIN_LEFT}" x2="{WIDTH - MARGIN_RIGHT}" y1="{y:.1f}" y2="{y:.1f}" '
            f'stroke="#e5e7eb"/>'
            f'<text x="{MARGIN_LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" '
            f'font-size="11" fill="#374151">{escape(fmt(value))}</text>'
        )
    return out


def bar_chart(
    title: str,
    categories: Sequence[str],
    series: dict[str, Sequence[float | None]],
    ymax: float = 1.0,
    fmt: Callable[[float], str] = _pct,
) -> str:
    """Grouped vertical bars: one group per category, one bar per series (missing: no bar)."""
    plot_w = WIDTH - MARGIN_LEFT - MARGIN_RIGHT
    plot_h = HEIGHT - MARGIN_TOP - MARGIN_BOTTOM
    body = _y_axis(ymax, fmt)
    n_series = max(len(series), 1)
    group_w = plot_w / max(len(categories), 1)
    bar_w = min(group_w * 0.8 / n_series, MAX_BAR)
    pad = (group_w - bar_w * n_series) / 2
    crowded = len(categories) > 5
    for ci, category in enumerate(categories):
        x0 = MARGIN_LEFT + ci * group_w + pad
        for si, (name, values) in enumerate(series.items()):
            value = values[ci]
            if value is None:
                continue
            h = plot_h * min(value, ymax) / ymax
            x = x0 + si * bar_w
            y = MARGIN_TOP + plot_h - h
            body.append(
                f'<rect class="bar" x="{x:.1f}" y="{y:.1f}" width="{bar_w * 0.92:.1f}" '
                f'height="{h:.1f}" fill="{PALETTE[si % len(PALETTE)]}">'
                f"<title>{escape(name)} · {escape(category)}: {escape(fmt(value))}</title></rect>"
            )
        cx = MARGIN_LEFT + ci * group_w + group_w / 2
        ty = HEIGHT - MARGIN_BOTTOM + 16
        name = category if len(category) <= 22 else category[:21] + "…"
        # Many long names (PolicyQA's practices) are slanted so they do not overlap.
        slant = f' transform="rotate(-20 {cx:.1f} {ty})"' if crowded else ""
        anchor = "end" if crowded else "middle"
        body.append(
            f'<text x="{cx:.1f}" y="{ty}" text-anchor="{anchor}"{slant} '
            f'font-size="11" fill="#111827"><title>{escape(category)}</title>{escape(name)}</text>'
        )
    height = HEIGHT + (40 if crowded else 0)
    body.extend(_legend(list(series), height - 22))
    return _svg(body, title, height=height)


def _legend(names: list[str], y: int) -> list[str]:
    out = []
    x = MARGIN_LEFT
    for i, name in enumerate(names):
        out.append(
            f'<rect x="{x}" y="{y - 10}" width="12" height="12" '
            f'fill="{PALETTE[i % len(PALETTE)]}"/>'
            f'<text x="{x + 16}" y="{y}" font-size="12" fill="#111827">{escape(name)}</text>'
        )
        x += 28 + 8 * len(name)
    return out


def histogram(title: str, values: Sequence[float], bins: int = 20, unit: str = "ms") -> str:
    """A histogram of values (say latencies), with the count on each bar's tooltip."""
    if not values:
        return _svg(
            [f'<text x="{WIDTH / 2}" y="{HEIGHT / 2}" text-anchor="middle">no data</text>'], title
        )
    arr = np.asarray(values, dtype=float)
    lo, hi = float(arr.min()), float(arr.max())
    if hi <= lo:
        hi = lo + 1.0
    counts, edges = np.histogram(arr, bins=bins, range=(lo, hi))
    top = int(counts.max())
    plot_w = WIDTH - MARGIN_LEFT - MARGIN_RIGHT
    plot_h = HEIGHT - MARGIN_TOP - MARGIN_BOTTOM
    body = _y_axis(float(top), lambda v: f"{v:.0f}")
    bar_w = plot_w / bins
    for i, count in enumerate(counts):
        h = plot_h * count / top
        x = MARGIN_LEFT + i * bar_w
        y = MARGIN_TOP + plot_h - h
        body.append(
            f'<rect class="bar" x="{x:.1f}" y="{y:.1f}" width="{bar_w * 0.95:.1f}" '
            f'height="{h:.1f}" fill="{PALETTE[0]}"><title>{edges[i]:.1f}–{edges[i + 1]:.1f} '
            f"{unit}: {int(count)}</title></rect>"
        )
    for i in range(0, bins + 1, max(bins // 5, 1)):
        x = MARGIN_LEFT + i * bar_w
        body.append(
            f'<text x="{x:.1f}" y="{HEIGHT - MARGIN_BOTTOM + 16}" text-anchor="middle" '
            f'font-size="11" fill="#111827">{edges[i]:.1f}</text>'
        )
    body.append(
        f'<text x="{MARGIN_LEFT + plot_w / 2}" y="{HEIGHT - MARGIN_BOTTOM + 36}" '
        f'text-anchor="middle" font-size="12" fill="#374151">latency ({unit})</text>'
    )
    return _svg(body, title)
