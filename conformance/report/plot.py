"""An inline SVG scatter plot: error in epsilons against the largest |logit|, log-log,
one panel per dtype, one colour per framework, the checks that exceeded their bound ringed."""

from __future__ import annotations

import math
from html import escape

from conformance.report.views import Point, dtype_order

COLOURS = {"numpy": "#4c72b0", "torch": "#dd8452", "tensorflow": "#55a868", "jax": "#8172b3"}
OTHER = "#937860"
WIDTH, HEIGHT, PAD = 460, 300, 56
FLOOR = 1e-3  # an error of 0 epsilons is drawn here (log axis)


def _scale(lo: float, hi: float, size: float, flip: bool):
    lo, hi = math.log10(lo), math.log10(hi)
    span = (hi - lo) or 1.0

    def to(v: float) -> float:
        t = (math.log10(v) - lo) / span
        return PAD + (1 - t if flip else t) * (size - 2 * PAD)

    return to


def _decades(lo: float, hi: float) -> list[float]:
    """Powers of ten from ``lo`` to ``hi``: every one, or every few, so that at most 8 show."""
    first, last = math.floor(math.log10(lo)), math.ceil(math.log10(hi))
    step = max(1, math.ceil((last - first + 1) / 8))
    return [10.0**k for k in range(first, last + 1, step)]


def panel(points: list[Point], dtype: str) -> str:
    """One dtype's panel."""
    shown = [p for p in points if math.isfinite(p.error_eps) and math.isfinite(p.max_abs_logit)]
    xs = [max(p.max_abs_logit, 1e-3) for p in shown] or [1.0]
    ys = [max(p.error_eps, FLOOR) for p in shown] or [1.0]
    xlo, xhi = 10 ** math.floor(math.log10(min(xs))), 10 ** math.ceil(math.log10(max(xs)))
    ylo, yhi = 10 ** math.floor(math.log10(min(ys))), 10 ** math.ceil(math.log10(max(ys)))
    x, y = _scale(xlo, xhi, WIDTH, False), _scale(ylo, yhi, HEIGHT, True)
    parts = [
        f'<svg class="plot" width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'role="img" aria-label="error against logit size, {escape(dtype)}">',
        f'<text x="{WIDTH / 2}" y="16" text-anchor="middle" class="title">{escape(dtype)}</text>',
    ]
    for d in _decades(xlo, xhi):
        parts.append(f'<line x1="{x(d):.1f}" x2="{x(d):.1f}" y1="{PAD}" y2="{HEIGHT - PAD}" class="grid"/>')
        parts.append(f'<text x="{x(d):.1f}" y="{HEIGHT - PAD + 14}" text-anchor="middle">{d:g}</text>')
    for d in _decades(ylo, yhi):
        parts.append(f'<line x1="{PAD}" x2="{WIDTH - PAD}" y1="{y(d):.1f}" y2="{y(d):.1f}" class="grid"/>')
        parts.append(f'<text x="{PAD - 4}" y="{y(d) + 4:.1f}" text-anchor="end">{d:g}</text>')
    parts.append(
        f'<text x="{WIDTH / 2}" y="{HEIGHT - 8}" text-anchor="middle">largest |logit| of the case</text>'
        f'<text x="12" y="{HEIGHT / 2}" text-anchor="middle" '
        f'transform="rotate(-90 12 {HEIGHT / 2})">error (eps)</text>'
    )
    for p in shown:
        colour = COLOURS.get(p.framework, OTHER)
        over = p.error_eps > p.bound_eps
        ring = ' stroke="#c00" stroke-width="2"' if over else ""
        cx, cy = x(max(p.max_abs_logit, 1e-3)), y(max(p.error_eps, FLOOR))
        parts.append(
            f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="3.5" fill="{colour}" fill-opacity="0.7"{ring}>'
            f"<title>{escape(p.label)}: {p.error_eps:.3g} eps (bound {p.bound_eps:.3g})</title></circle>"
        )
    parts.append("</svg>")
    return "".join(parts)


def legend(frameworks: list[str]) -> str:
    items = [
        f'<span class="key"><svg width="10" height="10"><circle cx="5" cy="5" r="4" '
        f'fill="{COLOURS.get(f, OTHER)}"/></svg> {escape(f)}</span>'
        for f in frameworks
    ]
    items.append(
        '<span class="key"><svg width="10" height="10"><circle cx="5" cy="5" r="4" fill="#fff" '
        'stroke="#c00" stroke-width="2"/></svg> beyond its bound</span>'
    )
    return " ".join(items)


def plots(points: list[Point]) -> str:
    """Every dtype's panel (the most precise first), and a legend of the frameworks drawn."""
    dtypes = sorted({p.dtype for p in points}, key=dtype_order)
    frameworks = sorted({p.framework for p in points})
    return (
        legend(frameworks)
        + "<div>"
        + "".join(panel([p for p in points if p.dtype == d], d) for d in dtypes)
        + "</div>"
    )
