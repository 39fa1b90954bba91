"""Small inline SVG charts (bars and lines) for the self-contained HTML report.

Hand-written rather than matplotlib: a few kilobytes of plain, accessible SVG per chart
(``role="img"`` with a title), no fonts or images embedded, and text escaped.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from html import escape

__all__ = ["PALETTE", "bar_chart", "line_chart"]

#: Colour-blind-safe palette (Okabe-Ito), readable on white.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")

Series = Sequence[tuple[str, Sequence[float | None]]]
_W, _H = 760, 280
_LEFT, _RIGHT, _TOP, _BOTTOM = 56, 16, 34, 58


def _fmt(value: float) -> str:
    if value == 0:
        return "0"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    if float(value).is_integer():
        return f"{value:.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1.0
    exp = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * exp:
            return step * exp
    return 10 * exp  # pragma: no cover - the loop always returns


def _frame(
    title: str,
    labels: Sequence[str],
    lo: float,
    hi: float,
    y_format: Callable[[float], str],
    x_of: Callable[[int], float],
) -> list[str]:
    plot_h = _H - _TOP - _BOTTOM
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_W} {_H}" width="100%" '
        f'role="img" aria-label="{escape(title)}" class="chart">',
        f"<title>{escape(title)}</title>",
        f'<text x="{_LEFT}" y="20" class="chart-title">{escape(title)}</text>',
    ]
    for i in range(5):
        value = lo + (hi - lo) * i / 4
        y = _TOP + plot_h * (1 - i / 4)
        parts.append(
            f'<line x1="{_LEFT}" x2="{_W - _RIGHT}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>'
            f'<text x="{_LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" class="tick">'
            f"{escape(y_format(value))}</text>"
        )
    step = max(1, math.ceil(len(labels) / 16))
    for i, label in enumerate(labels):
        if i % step:
            continue
        x = x_of(i)
        parts.append(
            f'<text x="{x:.1f}" y="{_H - _BOTTOM + 14}" text-anchor="end" class="tick" '
            f'transform="rotate(-40 {x:.1f} {_H - _BOTTOM + 14})">{escape(label)}</text>'
        )
    return parts


def _legend(names: Sequence[str]) -> list[str]:
    if len(names) < 2:
        return []
    parts, x = [], float(_LEFT)
    for i, name in enumerate(names):
        colour = PALETTE[i % len(PALETTE)]
        parts.append(
            f'<rect x="{x:.1f}" y="{_H - 14}" width="10" height="10" fill="{colour}"/>'
            f'<text x="{x + 14:.1f}" y="{_H - 5}" class="tick">{escape(name)}</text>'
        )
        x += 24 + 7 * len(name)
    return parts


def _empty(title: str, message: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_W} 60" width="100%" role="img" '
        f'aria-label="{escape(title)}" class="chart"><title>{escape(title)}</title>'
        f'<text x="{_LEFT}" y="20" class="chart-title">{escape(title)}</text>'
        f'<text x="{_LEFT}" y="44" class="tick">{escape(message)}</text></svg>'
    )


def _finite(series: Series) -> list[float]:
    return [float(v) for _, values in series for v in values if v is not None and math.isfinite(v)]


def _scales(
    n: int, lo: float, hi: float
) -> tuple[float, Callable[[int], float], Callable[[float], float]]:
    """Slot width, and the x of label ``i``'s centre and the y of value ``v``."""
    plot_w, plot_h = _W - _LEFT - _RIGHT, _H - _TOP - _BOTTOM
    slot = plot_w / max(n, 1)

    def x_of(i: int) -> float:
        return _LEFT + slot * (i + 0.5)

    def y_of(v: float) -> float:
        return _TOP + plot_h * (1 - (v - lo) / (hi - lo or 1))

    return slot, x_of, y_of


def bar_chart(
    title: str,
    labels: Sequence[str],
    series: Series,
    *,
    y_format: Callable[[float], str] = _fmt,
    y_max: float | None = None,
) -> str:
    """Grouped vertical bars: one group per label, one bar per series (None: no bar)."""
    values = _finite(series)
    if not labels or not values:
        return _empty(title, "no data")
    hi = y_max if y_max is not None else _nice_max(max(values))
    lo = min(0.0, min(values))
    slot, x_of, y_of = _scales(len(labels), lo, hi)
    bar = max(slot * 0.8 / len(series), 0.5)
    parts = _frame(title, labels, lo, hi, y_format, x_of)
    for s, (name, vals) in enumerate(series):
        colour = PALETTE[s % len(PALETTE)]
        for i, v in enumerate(vals):
            if v is None or not math.isfinite(v):
                continue
            x = _LEFT + slot * i + slot * 0.1 + bar * s
            top, base = y_of(max(v, 0.0)), y_of(min(v, 0.0))
            parts.append(
                f'<rect x="{x:.1f}" y="{top:.1f}" width="{bar:.1f}" '
                f'height="{max(base - top, 0.0):.1f}" fill="{colour}">'
                f"<title>{escape(name)} {escape(labels[i])}: {escape(y_format(v))}</title></rect>"
            )
    parts += _legend([name for name, _ in series])
    parts.append("</svg>")
    return "".join(parts)


def line_chart(
    title: str,
    labels: Sequence[str],
    series: Series,
    *,
    y_format: Callable[[float], str] = _fmt,
    y_min: float | None = None,
    y_max: float | None = None,
) -> str:
    """Lines over ordered labels (months); a None value breaks the line."""
    values = _finite(series)
    if not labels or not values:
        return _empty(title, "no data")
    lo = y_min if y_min is not None else min(0.0, min(values))
    hi = y_max if y_max is not None else _nice_max(max(values))
    _, x_of, y_of = _scales(len(labels), lo, hi)
    parts = _frame(title, labels, lo, hi, y_format, x_of)
    for s, (name, vals) in enumerate(series):
        colour = PALETTE[s % len(PALETTE)]
        run: list[str] = []
        for i, v in enumerate(vals):
            if v is None or not math.isfinite(v):
                if len(run) > 1:
                    parts.append(
                        f'<polyline points="{" ".join(run)}" fill="none" stroke="{colour}" '
                        'stroke-width="2"/>'
                    )
                run = []
                continue
            x, y = x_of(i), y_of(v)
            run.append(f"{x:.1f},{y:.1f}")
            parts.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.5" fill="{colour}">'
                f"<title>{escape(name)} {escape(labels[i])}: {escape(y_format(v))}</title>"
                "</circle>"
            )
        if len(run) > 1:
            parts.append(
                f'<polyline points="{" ".join(run)}" fill="none" stroke="{colour}" '
                'stroke-width="2"/>'
            )
    parts += _legend([name for name, _ in series])
    parts.append("</svg>")
    return "".join(parts)
