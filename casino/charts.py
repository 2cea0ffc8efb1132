"""Small charts drawn on the server as SVG: no script, nothing fetched from another origin (the
Content-Security-Policy allows neither), and they print and screenshot as they look.

Each function returns markup safe to put in a template (every text is escaped).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

PALETTE = ("#417690", "#e07b39", "#5b9a42", "#b5487a", "#7d6bc9", "#8c7b45")


@dataclass(frozen=True)
class Series:
    label: str
    points: Sequence[tuple[float, float]]  # (x, y), x ascending


def _nice_max(value: float) -> float:
    """A round upper bound for an axis: 1, 2 or 5 times a power of ten."""
    if value <= 0:
        return 1.0
    power = 10 ** len(str(int(value))) / 10
    for step in (1, 2, 5, 10):
        if value <= step * power:
            return step * power
    return 10 * power


def _number(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 100 or value == int(value) else f"{value:,.2f}"


def line_chart(
    series: Sequence[Series],
    *,
    title: str,
    x_labels: Sequence[tuple[float, str]],
    width: int = 560,
    height: int = 200,
    y_unit: str = "",
) -> SafeString:
    """Lines over a shared x axis; `x_labels` places the x axis's tick labels."""
    left, right, top, bottom = 64, 12, 24, 28
    plot_w, plot_h = width - left - right, height - top - bottom
    xs = [x for s in series for x, _ in s.points] + [x for x, _ in x_labels]
    ys = [y for s in series for _, y in s.points]
    x_min, x_max = (min(xs), max(xs)) if xs else (0.0, 1.0)
    x_span = (x_max - x_min) or 1.0
    y_low = min([0.0, *ys])
    y_high = _nice_max(max([0.0, *ys]))
    if y_low < 0:
        y_low = -_nice_max(-y_low)
    y_span = (y_high - y_low) or 1.0

    def px(x: float) -> float:
        return left + (x - x_min) / x_span * plot_w

    def py(y: float) -> float:
        return top + (y_high - y) / y_span * plot_h

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 {width} {height}"'
        f' width="{width}" height="{height}" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        f'<text x="{left}" y="14" font-size="12" font-weight="bold" fill="#333">{escape(title)}</text>',
    ]
    for fraction in (0, 0.5, 1):
        y = y_low + fraction * y_span
        parts.append(
            f'<line x1="{left}" x2="{width - right}" y1="{py(y):.1f}" y2="{py(y):.1f}" stroke="#ddd"/>'
            f'<text x="{left - 6}" y="{py(y) + 4:.1f}" font-size="10" text-anchor="end" fill="#666">'
            f"{escape(_number(y))}{escape(y_unit)}</text>"
        )
    for x, label in x_labels:
        parts.append(
            f'<text x="{px(x):.1f}" y="{height - 8}" font-size="10" text-anchor="middle" fill="#666">'
            f"{escape(label)}</text>"
        )
    for index, s in enumerate(series):
        colour = PALETTE[index % len(PALETTE)]
        if s.points:
            path = " ".join(f"{px(x):.1f},{py(y):.1f}" for x, y in s.points)
            parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="1.5" points="{path}"/>')
        parts.append(
            f'<text x="{width - right}" y="{14 + 12 * index}" font-size="11" text-anchor="end" fill="{colour}"'
            f' class="series-label">{escape(s.label)}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 (every text above is escaped)


def bar_chart(
    bars: Sequence[tuple[str, float]], *, title: str, unit: str = "", width: int = 560, bar_height: int = 18
) -> SafeString:
    """Horizontal bars, one per label, each with its value written out."""
    left, right, top = 120, 70, 24
    height = top + len(bars) * (bar_height + 6) + 8
    high = _nice_max(max([0.0, *(value for _, value in bars)]))
    plot_w = width - left - right
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 {width} {height}"'
        f' width="{width}" height="{height}" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        f'<text x="0" y="14" font-size="12" font-weight="bold" fill="#333">{escape(title)}</text>',
    ]
    for index, (label, value) in enumerate(bars):
        y = top + index * (bar_height + 6)
        length = max(0.0, value) / high * plot_w
        parts.append(
            f'<text x="{left - 6}" y="{y + bar_height - 5}" font-size="11" text-anchor="end" fill="#333">'
            f"{escape(label)}</text>"
            f'<rect x="{left}" y="{y}" width="{length:.1f}" height="{bar_height}"'
            f' fill="{PALETTE[index % len(PALETTE)]}"/>'
            f'<text x="{left + length + 4:.1f}" y="{y + bar_height - 5}" font-size="11" fill="#333"'
            f' class="bar-value">{escape(_number(value))}{escape(unit)}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 (every text above is escaped)
