"""The agreement heatmaps: per operation, mode, dtype and quantity, the largest disagreement
between each pair of implementations on the same golden inputs, in epsilons of the dtype."""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from conformance.report.views import column_of, dtype_order, flat, mode_order, number
from conformance.results.merge import Merged
from conformance.vocabulary import EPSILON


def _values(record: dict[str, Any]) -> list[float] | None:
    """A record's returned values as floats; None where it has none (or kept only its worst
    element, checks.recorded_values)."""
    if record.get("got") is None or "worst_at" in record:
        return None
    values = [number(x) for x in flat(record["got"])]
    floats = [v for v in values if v is not None]
    return floats if len(floats) == len(values) else None


def disagreement(a: list[float], b: list[float], eps: float) -> float:
    """The largest element-wise |a - b| in epsilons; NaN against a number is infinite."""
    if len(a) != len(b):
        return math.inf
    worst_eps = 0.0
    for x, y in zip(a, b):
        if math.isnan(x) or math.isnan(y):
            d = 0.0 if math.isnan(x) and math.isnan(y) else math.inf
        elif x == y:
            d = 0.0
        else:
            d = abs(x - y) / eps
        worst_eps = max(worst_eps, d)
    return worst_eps


@dataclass
class Heatmap:
    """Pairwise largest disagreement; ``cases[i, j]`` names the input that showed it."""

    operation: str
    mode: str
    dtype: str
    quantity: str
    names: list[str]
    worst: dict[tuple[int, int], float]
    cases: dict[tuple[int, int], str]
    excluded: int  # pairs of results left out because their exact answers differ (conventions)


def heatmaps(merged: Merged) -> list[Heatmap]:
    """For each operation, mode, dtype and quantity: on the same golden case, the largest difference
    between the values two implementations returned. Only results whose exact answers are the same
    are compared: where two implementations' conventions make the answers differ (a weighted
    mean's divisor, say), their difference is a convention, shown elsewhere, not an error. None
    where fewer than two implementations ran."""
    groups: dict[tuple[str, str, str, str], dict[str, dict[str, dict[str, Any]]]] = defaultdict(
        lambda: defaultdict(dict)
    )
    for r in merged.results:
        col = column_of(r)
        if col is None or r["test"] not in ("loss", "gradient") or "case" not in r or _values(r) is None:
            continue
        name = f"{col.implementation} · {col.device}"
        # the same inputs: the same case with its labels given the same way
        group = r.get("operation", ""), col.mode, col.dtype, r["test"]
        groups[group][name][f"{r.get('case')} ({r.get('labels')})"] = r
    maps = []
    for operation, mode, dtype, quantity in sorted(
        groups, key=lambda g: (g[0], mode_order(g[1]), dtype_order(g[2]), g[3])
    ):
        by_impl = groups[operation, mode, dtype, quantity]
        names = sorted(by_impl)
        if len(names) < 2:  # one implementation (a --impl run, say) agrees with nothing
            continue
        result = Heatmap(operation, mode, dtype, quantity, names, {}, {}, 0)
        for i, a in enumerate(names):
            for j, b in enumerate(names):
                if j <= i:
                    continue
                for case in by_impl[a].keys() & by_impl[b].keys():
                    ra, rb = by_impl[a][case], by_impl[b][case]
                    if ra.get("expected") != rb.get("expected"):
                        result.excluded += 1
                        continue
                    a_values, b_values = _values(ra), _values(rb)
                    assert a_values is not None and b_values is not None  # grouped only with values
                    d = disagreement(a_values, b_values, EPSILON.get(dtype, 1.0))
                    if d >= result.worst.get((i, j), -1.0):
                        result.worst[i, j] = result.worst[j, i] = d
                        result.cases[i, j] = result.cases[j, i] = case
        maps.append(result)
    return maps
