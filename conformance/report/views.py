"""The report's tables, computed from merged results (results/merge.py): plain data, no HTML.

- ``matrix``: rows are operation, test and label kind; columns are implementation x device
  x dtype x mode; a cell holds its checks, the worst outcome and the worst error in epsilons.
- ``divergences``: new ones one by one; known ones grouped by their entry.
- ``error_points``: each golden loss check's input size against its error, for the plots.
- ``summary``: the outcomes counted; the frameworks, devices, dtypes and modes that ran.

The agreement heatmaps are in agreement.py, the golden cases as shown in golden_cases.py.

Dtypes are shown most precise first, modes in ``MODES`` order (eager first); a record
without a mode (an older file) ran eagerly.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from conformance.results.merge import Merged
from conformance.vocabulary import EAGER, EPSILON, FAILING, KNOWN_DIVERGENCE, MODES, SEVERITY

# checks of a document's number, and of the case files, belong to no implementation's column
NOT_IN_MATRIX = ("document", "case_files")


def number(value: Any) -> float | None:
    """A float from the results file ("nan", "inf" are strings there), None if absent."""
    if value is None:
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def worst(outcomes: list[str]) -> str:
    return min(outcomes, key=lambda o: SEVERITY.index(o) if o in SEVERITY else -1)


def dtype_order(dtype: str) -> tuple[float, str]:
    """Sort key: the most precise dtype (smallest epsilon) first, unknown ones last."""
    return EPSILON.get(dtype, math.inf), dtype


def mode_order(mode: str) -> tuple[int, str]:
    """Sort key: eager, then the compiled modes in ``MODES`` order, unknown ones last."""
    return (MODES.index(mode) if mode in MODES else len(MODES)), mode


def mode_of(record: dict[str, Any]) -> str:
    return str(record.get("mode", EAGER))


def flat(value: Any) -> list[Any]:
    """A nested list's elements in order; a scalar as a list of one."""
    items = value if isinstance(value, list) else [value]
    while items and isinstance(items[0], list):
        items = [x for row in items for x in row]
    return items


@dataclass(frozen=True)
class Column:
    """A matrix column; its fields in the order of the header's rows (page.py groups by them)."""

    framework: str
    implementation: str
    device: str
    dtype: str
    mode: str = EAGER

    def label(self) -> str:
        return f"{self.implementation} · {self.device} · {self.dtype} · {self.mode}"

    def sort_key(self) -> tuple[Any, ...]:
        return (
            self.framework,
            self.implementation,
            self.device,
            dtype_order(self.dtype),
            mode_order(self.mode),
        )


@dataclass(frozen=True, order=True)
class Row:
    operation: str
    test: str
    labels: str

    def label(self) -> str:
        return f"{self.test} ({self.labels})" if self.labels else self.test


@dataclass
class Cell:
    records: list[dict[str, Any]] = field(default_factory=list)

    @property
    def outcome(self) -> str:
        return worst([r["outcome"] for r in self.records])

    @property
    def error_eps(self) -> float | None:
        """The worst error in epsilons among the cell's checks that measured one."""
        errors = [e for r in self.records if (e := number(r.get("error_eps"))) is not None]
        if any(math.isnan(e) for e in errors):  # NaN is the worst (max() would depend on order)
            return math.nan
        return max(errors, default=None)


@dataclass
class Matrix:
    rows: list[Row]
    columns: list[Column]
    cells: dict[tuple[Row, Column], Cell]


def column_of(record: dict[str, Any]) -> Column | None:
    if "implementation" not in record or "device" not in record:
        return None
    return Column(
        record["framework"], record["implementation"], record["device"], record["dtype"], mode_of(record)
    )


def matrix(merged: Merged) -> Matrix:
    cells: dict[tuple[Row, Column], Cell] = defaultdict(Cell)
    for r in merged.results:
        col = column_of(r)
        if col is None or r["test"] in NOT_IN_MATRIX:
            continue
        row = Row(r.get("operation", ""), r["test"], r.get("labels", ""))
        cells[row, col].records.append(r)
    rows = sorted({row for row, _ in cells})
    columns = sorted({col for _, col in cells}, key=Column.sort_key)
    return Matrix(rows, columns, dict(cells))


@dataclass
class KnownGroup:
    entry: dict[str, Any]  # the known divergence: id, kind, reason, evidence, ...
    records: list[dict[str, Any]]


def divergences(merged: Merged) -> tuple[list[dict[str, Any]], list[KnownGroup]]:
    """The new divergences (failing the run) one by one, and the known ones by entry."""
    new = [r for r in merged.results if r["outcome"] in FAILING]
    groups: dict[str, KnownGroup] = {}
    for r in merged.results:
        entry = r.get("known_divergence")
        if r["outcome"] == KNOWN_DIVERGENCE and entry:
            groups.setdefault(entry["id"], KnownGroup(entry, [])).records.append(r)
    return new, sorted(groups.values(), key=lambda g: g.entry["id"])


@dataclass(frozen=True)
class Point:
    """One golden loss check for the plots: input size (largest |logit|, classes) against error."""

    max_abs_logit: float
    error_eps: float
    bound_eps: float
    framework: str
    dtype: str
    label: str
    classes: float = 1.0  # K, the size of the case's rows
    tight_eps: float | None = None  # the tight bound (absent in older results files)
    check: str = ""  # the check's id


def error_points(merged: Merged) -> list[Point]:
    points = []
    for r in merged.results:
        info = merged.cases.get(r.get("case", ""))
        error, bound = number(r.get("error_eps")), number(r.get("bound_eps"))
        if r["test"] != "loss" or info is None or error is None or bound is None or "dtype" not in r:
            continue
        label = f"{r['case']}: {r['implementation']} on {r.get('device', '')} in {r['dtype']}, {mode_of(r)}"
        size = number(info.get("max_abs_logit"))
        classes = float((info.get("shape") or [1, 1])[-1])
        if size is not None:
            tight = number(r.get("tight_eps"))
            points.append(
                Point(size, error, bound, r["framework"], r["dtype"], label, classes, tight, r["id"])
            )
    return points


def summary(merged: Merged) -> dict[str, Any]:
    counts: dict[str, int] = defaultdict(int)
    for r in merged.results:
        counts[r["outcome"]] += 1
    frameworks: dict[str, str] = {}
    devices: set[str] = set()
    for run in merged.runs:
        for name, fw in run.environment.get("frameworks", {}).items():
            if "missing" in fw:
                frameworks.setdefault(name, f"not installed: {fw['missing']}")
            else:
                frameworks[name] = str(fw.get("version", ""))
                devices.update(f"{name}:{d}" for d in fw.get("devices", []))
    return {
        "counts": {o: counts[o] for o in SEVERITY if counts[o]},
        "frameworks": frameworks,
        "devices": sorted(devices),
        "dtypes": sorted({r["dtype"] for r in merged.results if "dtype" in r}, key=dtype_order),
        "modes": sorted({mode_of(r) for r in merged.results if column_of(r) is not None}, key=mode_order),
    }
