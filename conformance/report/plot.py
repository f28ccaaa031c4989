"""Inline SVG scatter plots' geometry: error in epsilons against the largest |logit| and
against the number of classes K, log-log, one panel per dtype, one colour per framework; the
checks beyond their worst-case bound ringed red, those beyond the tight bound only ringed
orange (imprecise). Plain data; templates/plot.html draws it."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from conformance.report.views import Point, dtype_order

COLOURS = {
    "numpy": "#4c72b0",
    "torch": "#dd8452",
    "tensorflow": "#55a868",
    "jax": "#8172b3",
    "keras_jax": "#a6d854",
    "keras_torch": "#e5c494",
    "mlx": "#da8bc3",
    "transformers": "#c44e52",
    "timm": "#ff9da7",
    "tinygrad": "#8c8c8c",
    "paddle": "#64b5cd",
}
OTHER = "#937860"
WIDTH, HEIGHT, PAD = 460, 300, 56
FLOOR = 1e-3  # an error of 0 epsilons is drawn here (log axis)


@dataclass
class Dot:
    x: float
    y: float
    colour: str
    over: str  # "": within both bounds; "tight": beyond the tight bound only; "worst": beyond both
    title: str
    ids: tuple[str, ...] = ()  # the checks drawn here


@dataclass
class Panel:
    """One dtype's panel: grid lines (at positions, with labels) and dots."""

    dtype: str
    xticks: list[tuple[float, str]] = field(default_factory=list)
    yticks: list[tuple[float, str]] = field(default_factory=list)
    dots: list[Dot] = field(default_factory=list)


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


AXES = {"max_abs_logit": "largest |logit| of the case", "classes": "number of classes K"}


def _beyond(p: Point) -> str:
    if p.error_eps > p.bound_eps:
        return "worst"
    return "tight" if p.tight_eps is not None and p.error_eps > p.tight_eps else ""


def panel(points: list[Point], dtype: str, axis: str = "max_abs_logit") -> Panel:
    """One dtype's panel, with ``axis`` (a key of AXES) across."""
    shown = [p for p in points if math.isfinite(p.error_eps) and math.isfinite(getattr(p, axis))]
    xs = [max(getattr(p, axis), 1e-3) for p in shown] or [1.0]
    ys = [max(p.error_eps, FLOOR) for p in shown] or [1.0]
    xlo, xhi = 10 ** math.floor(math.log10(min(xs))), 10 ** math.ceil(math.log10(max(xs)))
    ylo, yhi = 10 ** math.floor(math.log10(min(ys))), 10 ** math.ceil(math.log10(max(ys)))
    x, y = _scale(xlo, xhi, WIDTH, False), _scale(ylo, yhi, HEIGHT, True)
    return Panel(
        dtype,
        [(x(d), f"{d:g}") for d in _decades(xlo, xhi)],
        [(y(d), f"{d:g}") for d in _decades(ylo, yhi)],
        merged_dots(
            Dot(
                x(max(getattr(p, axis), 1e-3)),
                y(max(p.error_eps, FLOOR)),
                COLOURS.get(p.framework, OTHER),
                _beyond(p),
                f"{p.label}: {p.error_eps:.3g} eps (bounds: tight {p.tight_eps or p.bound_eps:.3g}, "
                f"worst-case {p.bound_eps:.3g})",
                (p.check,),
            )
            for p in shown
        ),
    )


SHOWN_TITLES = 4  # a merged dot's title names this many of its checks, then counts the rest


def merged_dots(dots: Iterable[Dot]) -> list[Dot]:
    """Dots that fall on the same pixel in the same colour and ring drawn once, their title
    naming the first few checks and counting the others (most golden checks of a dtype share
    a case's size and an error of 0: thousands of circles, a few hundred points)."""
    same: dict[tuple[int, int, str, str], list[Dot]] = {}
    for d in dots:
        same.setdefault((round(d.x), round(d.y), d.colour, d.over), []).append(d)
    merged = []
    for group in same.values():
        titles = [d.title for d in group[:SHOWN_TITLES]]
        if len(group) > SHOWN_TITLES:
            titles.append(f"and {len(group) - SHOWN_TITLES} more checks here")
        ids = tuple(i for d in group for i in d.ids)
        merged.append(replace(group[0], title="\n".join(titles), ids=ids))
    return merged


def plots(points: list[Point]) -> dict[str, object]:
    """Every dtype's panel (the most precise first), and the frameworks drawn with their colours."""
    dtypes = sorted({p.dtype for p in points}, key=dtype_order)
    frameworks = sorted({p.framework for p in points})
    return {
        "axes": [
            (label, [panel([p for p in points if p.dtype == d], d, axis) for d in dtypes])
            for axis, label in AXES.items()
        ],
        "legend": [(f, COLOURS.get(f, OTHER)) for f in frameworks],
        "width": WIDTH,
        "height": HEIGHT,
        "pad": PAD,
    }
