"""The parity report as one self-contained HTML page (inline CSS, JS and SVG; opens offline),
rendered from the Jinja2 templates in ``templates/`` with autoescaping: every text that comes
from a results file (case ids, messages, implementation names) is escaped where it enters the
page, or reaches it as JSON data that the script writes with ``textContent``, never as markup.
"""

from __future__ import annotations

import itertools
import json
import math
import re
from collections import Counter
from dataclasses import astuple
from functools import cache
from importlib import resources
from typing import Any

import jinja2
from markupsafe import Markup, escape

import conformance.report.views as views
from conformance.merge import Merged
from conformance.report.accuracy import accuracy
from conformance.report.agreement import heatmaps
from conformance.report.plot import plots
from conformance.vocabulary import FAILING, SKIP_OUTCOMES

NOT_RUN = SKIP_OUTCOMES  # outcomes with no value to show
# a framework entry's fields with a column of their own; the rest are shown as its flags
FRAMEWORK_FIELDS = (
    "version",
    "devices",
    "device_names",
    "precision",
    "modes",
    "unavailable_modes",
    "missing",
)


def fmt(value: Any) -> str:
    """A number as the page shows it: three significant digits."""
    x = views.number(value)
    if x is None:
        return ""
    if math.isnan(x) or math.isinf(x):
        return str(x)
    return f"{x:.3g}"


def fmt17(value: Any) -> str:
    x = views.number(value)
    return "" if x is None else repr(x)


def value(v: Any) -> str:
    """A value or the first few elements of an array, at full float64 precision."""
    if not isinstance(v, list):
        return fmt17(v)
    flat = views.flat(v)
    return "[" + ", ".join(fmt17(x) for x in flat[:4]) + (", …" if len(flat) > 4 else "") + "]"


def outcome_class(outcome: str) -> str:
    return "o-" + outcome.replace(" ", "-")


def pairs(mapping: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in mapping.items())


def breakable(name: str) -> Markup:
    """An implementation's name, escaped, that may wrap after its dots, underscores and "("."""
    return Markup(re.sub(r"([._(])", r"\1<wbr>", str(escape(name))))


def heat_colour(d: float) -> str:
    """White at 0 epsilons, through yellow, to red at 1e6 or more (log scale); grey-black for inf."""
    if not math.isfinite(d):
        return "#333"
    t = min(math.log10(1 + d) / 6, 1.0)
    return f"hsl({60 * (1 - t):.0f},90%,{97 - 45 * t:.0f}%)"


def json_for_script(data: Any) -> Markup:
    """JSON that cannot end its <script> element: <, > and & as \\u escapes."""
    text = json.dumps(data, allow_nan=False, default=str)
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


def golden_counts(g: views.GoldenCase) -> str:
    counts = Counter("new divergence" if r["outcome"] in FAILING else r["outcome"] for r in g.results)
    return ", ".join(f"{n} {o}" for o, n in sorted(counts.items()))


def where(r: dict[str, Any]) -> str:
    return " · ".join(str(r[k]) for k in ("implementation", "device", "dtype", "mode", "labels") if r.get(k))


def devices_named(fw: dict[str, Any]) -> list[str]:
    """A framework's devices, each with what it is."""
    devices, names = [str(d) for d in fw.get("devices", [])], fw.get("device_names", {})
    devices += [d for d in names if d not in devices]
    return [f"{d}: {names[d]}" if d in names else d for d in devices]


FILTERS = {
    "fmt": fmt,
    "fmt17": fmt17,
    "value": value,
    "outcome_class": outcome_class,
    "pairs": pairs,
    "pairs_each": lambda mapping, sep: [f"{k}{sep}{v}" for k, v in mapping.items()],
    "breakable": breakable,
    "heat_colour": heat_colour,
    "finite": math.isfinite,
    "golden_counts": golden_counts,
    "where": where,
    "mode_of": views.mode_of,
    "devices_named": devices_named,
    "flags": lambda fw: {k: v for k, v in fw.items() if k not in FRAMEWORK_FIELDS},
    "sort_key": lambda x: "Infinity" if math.isinf(x) else ("NaN" if math.isnan(x) else repr(x)),
}


@cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("conformance.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(FILTERS)
    return env


def _static(name: str) -> Markup:
    """A stylesheet or script of ``templates/``, inlined as it is (ours, not a results file's)."""
    return Markup(resources.files("conformance.report").joinpath("templates", name).read_text())


def _cell_record(r: dict[str, Any]) -> dict[str, Any]:
    """What a clicked cell shows of one check (messages only where it did not pass)."""
    out = {"outcome": r["outcome"], "case": r.get("case", ""), "reproduce": r.get("reproduce", "")}
    if r.get("error_eps") is not None:
        out.update(error_eps=fmt(r["error_eps"]), bound_eps=fmt(r.get("bound_eps")))
    if r["outcome"] != "passed" and r.get("message"):
        out["message"] = r["message"]
    if r.get("known_divergence"):
        out["reason"] = r["known_divergence"].get("reason", "")
    return out


def _matrix_head(columns: list[views.Column]) -> list[tuple[str, list[tuple[int, str]]]]:
    """Header rows: the implementation (written upwards, over all its columns), the device
    under it, the dtype under that, and the mode under that (only if more than one appears)."""
    levels = [(2, "impl"), (3, "device"), (4, "dtype")]
    if len({c.mode for c in columns}) > 1:
        levels.append((5, "mode"))
    return [
        (
            level,
            [
                (len(list(g)), key[-1])
                for key, g in itertools.groupby(columns, key=lambda c: astuple(c)[:depth])
            ],
        )
        for depth, level in levels
    ]


def render(merged: Merged) -> str:
    """The whole page."""
    matrix = views.matrix(merged)
    keys: dict[Any, str] = {}
    cell_data: dict[str, Any] = {}
    for row in matrix.rows:
        for col in matrix.columns:
            cell = matrix.cells.get((row, col))
            if cell is not None:
                keys[row, col] = key = str(len(cell_data))
                cell_data[key] = {
                    "title": f"{row.label()} · {col.label()}",
                    "records": [_cell_record(r) for r in cell.records],
                }
    new, known = views.divergences(merged)
    conventions: dict[tuple[str, str], str] = {}
    for run in merged.runs:
        for c in run.environment.get("conventions", []):
            conventions[c["convention"], c["value"]] = c["meaning"]
    return (
        environment()
        .get_template("page.html")
        .render(
            merged=merged,
            summary=views.summary(merged),
            matrix=matrix,
            head=_matrix_head(matrix.columns),
            keys=keys,
            heatmaps=heatmaps(merged),
            accuracy=accuracy(merged),
            golden=views.golden(merged),
            new=new,
            known=known,
            known_checks=sum(len(g.records) for g in known),
            plot=plots(views.error_points(merged)),
            conventions=conventions,
            not_run=NOT_RUN,
            cell_data=json_for_script(cell_data),
            style=_static("style.css"),
            script=_static("script.js"),
        )
    )
