"""The page's data: what the script draws on demand (the filtered matrix, a clicked cell's
checks, a finding's checks, a golden case's values, the agreement views, the plots' dots), as
compact JSON (what keeps a full run's page near 1 MB, where one HTML element per check made 8).

Every check is an array of the values of ``FIELDS`` (trailing absent ones left off):
``o`` outcome (index into ``outcomes``), ``r`` row and ``c`` column of the matrix (indices
into ``rows`` and ``cols``), ``k`` case, ``m`` message (without its first and its reproduce
line, which the page shows otherwise) and ``d`` known divergence (indices into ``strings``,
where each text is written once; a divergence's reason is ``reasons[d]``), ``e`` error,
``b`` worst-case bound and ``t`` tight bound (absent where it is the worst-case one) in
epsilons and ``u`` error in ulps (3 significant digits), ``n`` how many checks the record
stands for (absent: one), ``x`` and ``g`` the exact and the returned value as shown (golden
losses, and what did not pass; indices into ``strings``). A check's id is its row's prefix
followed by ``case-labels-implementation-device-dtype-mode]`` (the test's name for a drawn check), and its
reproduce command ``pytest 'id'`` then the options ``suffixes[s]`` (0 where absent); a check
whose id or command is not of that form carries it whole, as ``i`` or ``p``.
"""

from __future__ import annotations

import math
import shlex
from collections import Counter
from typing import Any

from conformance.report import golden_cases, views
from conformance.report.agreement import Heatmap
from conformance.report.findings import Finding
from conformance.vocabulary import PASSED, SEVERITY, SKIP_OUTCOMES


class Strings:
    """A table of distinct texts; ``index`` adds one and returns its place."""

    def __init__(self) -> None:
        self.items: list[str] = []
        self.places: dict[str, int] = {}

    def index(self, text: Any) -> int:
        text = str(text)
        if text not in self.places:
            self.places[text] = len(self.items)
            self.items.append(text)
        return self.places[text]


def short(value: Any) -> float | str | None:
    """A measured number at 3 significant digits (as the page shows it); NaN and inf as text."""
    x = views.number(value)
    if x is None:
        return None
    return float(f"{x:.3g}") if math.isfinite(x) else str(x)


def template_id(r: dict[str, Any]) -> str:
    """The id a check of a column has by the suite's naming (test_golden.py, test_properties.py)."""
    fields = (r.get("case") or r["test"], r.get("labels", ""), r["implementation"], r["device"], r["dtype"])
    return "-".join((*fields, views.mode_of(r))) + "]"


def shown_value(v: Any) -> str:
    """A value or the first four elements of an array, at full precision."""
    items = views.flat(v)
    text = ", ".join(repr(x) if isinstance(x, float) else str(x) for x in items[:4])
    return f"[{text}{', …' if len(items) > 4 else ''}]" if isinstance(v, list) else text


FIELDS = ("o", "r", "c", "k", "m", "d", "e", "b", "t", "u", "n", "x", "g", "s", "i", "p")
ALIKE = (PASSED, *SKIP_OUTCOMES)  # outcomes whose checks of a cell the matrix alone shows are counted
MESSAGE_SHOWN = 1500  # characters of a check's message the page keeps (the results file has all)


def message(text: str) -> str:
    """A check's message as a cell shows it: without its first line (where it ran, which the
    page says above it) and its reproduce line (the page writes the command under it), cut
    at ``MESSAGE_SHOWN`` characters."""
    lines = text.splitlines()
    kept = "\n".join(line for line in lines[1:] if not line.lstrip().startswith("reproduce: ")) or text
    if len(kept) <= MESSAGE_SHOWN:
        return kept
    return kept[:MESSAGE_SHOWN] + " … (cut here: the whole message is in the results file)"


class PageData:
    """Builds the page's JSON: ``add`` a check, get its index; ``document`` the whole."""

    def __init__(self, matrix: views.Matrix) -> None:
        self.strings = Strings()
        self.rows = {row: n for n, row in enumerate(matrix.rows)}
        self.prefixes = {
            row: cell.records[0]["id"].partition("[")[0] + "[" for (row, _), cell in matrix.cells.items()
        }
        self.cols = {col: n for n, col in enumerate(matrix.columns)}
        self.matrix = matrix
        commands = Counter(_suffix(r) for cell in matrix.cells.values() for r in cell.records)
        self.suffixes = Strings()
        for suffix, _ in commands.most_common():
            if suffix is not None:
                self.suffixes.index(suffix)
        self.records: list[list[Any]] = []
        self.placed: dict[str, int] = {}  # check id -> index
        self.reasons: dict[int, str] = {}  # divergence string index -> its reason

    def add(self, r: dict[str, Any], alike: int = 1) -> int:
        """The index of a check's record (added if it is not yet); ``alike``: how many checks
        of its cell, outcome and message it stands for."""
        if r["id"] in self.placed:
            return self.placed[r["id"]]
        out: dict[str, Any] = {"o": SEVERITY.index(r["outcome"]) if r["outcome"] in SEVERITY else 0}
        if alike > 1:
            out["n"] = alike
        col = views.column_of(r)
        row = views.Row(r.get("operation", ""), r["test"], r.get("labels", ""))
        if col in self.cols and row in self.rows:
            out.update(r=self.rows[row], c=self.cols[col])
        if r.get("case"):
            out["k"] = self.strings.index(r["case"])
        for key, name in (("e", "error_eps"), ("b", "bound_eps"), ("t", "tight_eps"), ("u", "error_ulps")):
            out[key] = short(r.get(name))
        if out["t"] == out["b"]:
            out["t"] = None
        if r["outcome"] != PASSED and r.get("message"):
            out["m"] = self.strings.index(message(str(r["message"])))
        if entry := r.get("known_divergence"):
            out["d"] = self.strings.index(entry["id"])
            self.reasons[out["d"]] = str(entry.get("reason", ""))
        shown = r["test"] in ("loss", "document_reproduced") or r["outcome"] not in (PASSED, *SKIP_OUTCOMES)
        if shown and "got" in r:
            out.update(x=self.strings.index(shown_value(r.get("expected"))))
            out.update(g=self.strings.index(shown_value(r.get("got"))))
        if "r" not in out or f"{self.prefixes[row]}{template_id(r)}" != r["id"]:
            out["i"] = r["id"]
        suffix = _suffix(r)
        if suffix is None:
            out["p"] = r.get("reproduce", "")
        elif (s := self.suffixes.index(suffix)) != 0:
            out["s"] = s
        values = [out.get(k) for k in FIELDS]
        while values and values[-1] is None:
            values.pop()
        self.placed[r["id"]] = len(self.records)
        self.records.append(values)
        return len(self.records) - 1

    def document(
        self,
        findings: list[Finding],
        golden: list[golden_cases.GoldenCase],
        heatmaps: list[Heatmap],
        plot: dict[str, Any],
    ) -> dict[str, Any]:
        referenced = {
            "findings": [[self.add(r) for r in f.records] for f in findings],
            "golden": [[self.add(r) for r in g.results if r["outcome"] not in SKIP_OUTCOMES] for g in golden],
            "plot": self.plot_dots(plot),
        }
        for cell in self.matrix.cells.values():
            self.add_cell(cell.records)
        return {
            "fields": FIELDS,
            "outcomes": list(SEVERITY),
            "rows": [[row.operation, row.test, row.labels, self.prefixes[row]] for row in self.rows],
            "cols": [[c.framework, c.implementation, c.device, c.dtype, c.mode] for c in self.cols],
            **referenced,
            "agreement": agreement_views(heatmaps),
            "records": self.records,
            "strings": self.strings.items,
            "reasons": {str(k): v for k, v in self.reasons.items()},
            "suffixes": self.suffixes.items,
        }

    def plot_dots(self, plot: dict[str, Any]) -> list[list[list[Any]]]:
        """Each panel's dots: x, y, colour, ring, and the records of the checks drawn there."""
        checks = {r["id"]: r for cell in self.matrix.cells.values() for r in cell.records}
        return [
            [
                [
                    round(d.x, 1),
                    round(d.y, 1),
                    d.colour,
                    d.over,
                    [self.add(checks[i]) for i in d.ids if i in checks],
                ]
                for d in p.dots
            ]
            for _, panels in plot["axes"]
            for p in panels
        ]

    def add_cell(self, records: list[dict[str, Any]]) -> None:
        """A matrix cell's checks: each that did not pass (or that the page shows elsewhere) on
        its own; the others, one record per outcome and message, counted (of passed checks,
        the one with the largest error stands for them, so a click shows the worst)."""
        alike: dict[tuple[str, str], list[dict[str, Any]]] = {}
        for r in records:
            if r["id"] in self.placed:
                continue
            if r["outcome"] in ALIKE:
                alike.setdefault((r["outcome"], str(r.get("message", ""))), []).append(r)
            else:
                self.add(r)
        for same in alike.values():
            self.add(max(same, key=_error_rank), alike=len(same))


def _error_rank(r: dict[str, Any]) -> tuple[bool, float]:
    """Larger for a larger error (NaN the largest, none the smallest)."""
    x = views.number(r.get("error_eps"))
    return (x is not None and math.isnan(x), -math.inf if x is None or math.isnan(x) else x)


def _suffix(r: dict[str, Any]) -> str | None:
    """The options of a check's reproduce command after ``pytest 'id'``; None if it is not of that form."""
    start = shlex.join(["pytest", r["id"]])
    command = str(r.get("reproduce", ""))
    return command[len(start) :] if command.startswith(start) else None


def agreement_views(heatmaps: list[Heatmap]) -> list[dict[str, Any]]:
    """One view per operation, dtype and quantity, a table per mode (the page's selector picks one):
    the implementations' names and each pair's largest disagreement in epsilons, with its case."""
    views_by: dict[tuple[str, str, str], dict[str, Any]] = {}
    for h in heatmaps:
        view = views_by.setdefault(
            (h.operation, h.dtype, h.quantity),
            {"operation": h.operation, "dtype": h.dtype, "quantity": h.quantity, "modes": {}},
        )
        view["modes"][h.mode] = {
            "names": h.names,
            "pairs": [[i, j, short(d), h.cases[i, j]] for (i, j), d in sorted(h.worst.items()) if i < j],
            "excluded": h.excluded,
        }
    return list(views_by.values())
