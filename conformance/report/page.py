"""The parity report as one self-contained HTML page (inline CSS, JS and SVG; opens offline),
rendered from the Jinja2 templates in ``templates/`` with autoescaping: every text that comes
from a results file (case ids, messages, implementation names) is escaped where it enters the
page, or reaches it as JSON data that the script writes with ``textContent``, never as markup.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from functools import cache
from importlib import resources
from typing import Any

import jinja2
from markupsafe import Markup

import conformance.report.views as views
from conformance.report import golden_cases
from conformance.report.accuracy import accuracy
from conformance.report.agreement import heatmaps
from conformance.report.changes import MOVED, compare, run_of
from conformance.report.data import PageData, agreement_views
from conformance.report.findings import findings
from conformance.report.plot import plots
from conformance.report.scoreboard import MODE_MEANINGS, scoreboard, verdict
from conformance.results.merge import Merged
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


def outcome_class(outcome: str) -> str:
    return "o-" + outcome.replace(" ", "-")


def pairs(mapping: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in mapping.items())


def json_for_script(data: Any) -> Markup:
    """JSON that cannot end its <script> element: <, > and & as \\u escapes."""
    text = json.dumps(data, allow_nan=False, default=str)
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


def golden_counts(g: golden_cases.GoldenCase) -> str:
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
    "outcome_class": outcome_class,
    "pairs": pairs,
    "pairs_each": lambda mapping, sep: [f"{k}{sep}{v}" for k, v in mapping.items()],
    "golden_counts": golden_counts,
    "where": where,
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


def thousands(n: int) -> str:
    return f"{n:,}"


def duration(seconds: float) -> str:
    minutes, s = divmod(round(seconds), 60)
    return f"{minutes} min {s} s" if minutes else f"{seconds:.1f} s"


def compact(value: Any) -> str:
    """A number in few characters: 3 significant digits, exponents without padding (9.67e3)."""
    text = fmt(value)
    return re.sub(r"e([+-])0*(\d)", lambda m: "e" + ("-" if m.group(1) == "-" else "") + m.group(2), text)


def ulps(x: float) -> str:
    """An error in ulps as the scoreboard shows it: two significant digits."""
    return f"{x:.2g}" if math.isfinite(x) else str(x)


FILTERS.update(thousands=thousands, duration=duration, ulps=ulps, compact=compact)


def render(merged: Merged, baseline: tuple[str, dict[str, Any]] | None = None) -> str:
    """The whole page; with a ``baseline`` (its name and results file as read), a section of
    what changed since."""
    matrix = views.matrix(merged)
    found = findings(merged)
    golden = golden_cases.golden(merged)
    agreement = heatmaps(merged)
    plot = plots(views.error_points(merged))
    data = PageData(matrix).document(found, golden, agreement, plot)
    return (
        environment()
        .get_template("page.html")
        .render(
            merged=merged,
            summary=views.summary(merged),
            verdict=verdict(merged, found),
            scoreboard=scoreboard(merged),
            mode_meanings=MODE_MEANINGS,
            findings=found,
            accuracy=accuracy(merged),
            agreement=agreement_views(agreement),
            golden=golden,
            plot=plot,
            conventions=conventions(merged),
            changes=None if baseline is None else compare(baseline[1], run_of(merged)),
            baseline="" if baseline is None else baseline[0],
            moved_factor=f"{MOVED:g}",
            not_run=NOT_RUN,
            data=json_for_script(data),
            style=_static("style.css"),
            script=_static("script.js"),
        )
    )


def conventions(merged: Merged) -> dict[tuple[str, str], str]:
    """What each named convention means, as the runs recorded it."""
    found: dict[tuple[str, str], str] = {}
    for run in merged.runs:
        for c in run.environment.get("conventions", []):
            found[c["convention"], c["value"]] = c["meaning"]
    return found
