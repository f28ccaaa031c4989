"""The accuracy table: for each implementation, dtype, mode and device, the median, the
99th-percentile and the largest error in ulps of the exact value over the checks that passed
comparing with it (golden losses and gradients, and the property checks against the
reference), with the check that gave the largest; those beyond their bound (diverged, known
divergences) are counted apart, as the matrix shows them. Plain data, sorted most precise
dtype first, then by operation, then most accurate (smallest median, then 99th percentile).

An error in ulps of the result is what a libm study reports; where the exact loss is near 0
(a confident prediction) every implementation that computes ``logsumexp(x) - x_t`` loses
relative accuracy to cancellation, so the largest is often such a case, and the median says
more about the typical check."""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, replace
from typing import Any

from conformance.report.views import NOT_IN_MATRIX, dtype_order, mode_of, mode_order, number
from conformance.results.merge import Merged
from conformance.vocabulary import PASSED


@dataclass(frozen=True)
class Accuracy:
    operation: str
    framework: str
    implementation: str
    dtype: str
    mode: str
    device: str
    checks: int  # that passed
    median: float  # ulps
    p99: float  # ulps: 99 checks in 100 are at most this far off
    largest: float  # ulps
    worst: dict[str, Any]  # the check that gave the largest: id, case or input, reproduce
    beyond: int = 0  # checks beyond their bound (not in the figures)
    best_in_dtype: bool = False  # the smallest median (then 99th percentile) of its dtype and operation


def percentile(values: list[float], q: float) -> float:
    """The nearest-rank ``q`` percentile (the smallest value at least q% of them are within)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def accuracy(merged: Merged) -> list[Accuracy]:
    groups: dict[tuple[str, str, str, str, str, str], list[tuple[float, dict[str, Any]]]] = defaultdict(list)
    beyond: dict[tuple[str, str, str, str, str, str], int] = defaultdict(int)
    for r in merged.results:
        ulps = number(r.get("error_ulps"))
        if ulps is None or "compared_with" in r or r["test"] in NOT_IN_MATRIX or "implementation" not in r:
            continue
        where = (r.get("operation", ""), r["framework"], r["implementation"], r.get("dtype", ""))
        key = (*where, mode_of(r), r.get("device", ""))
        if r["outcome"] == PASSED:
            groups[key].append((ulps, r))
        else:
            beyond[key] += 1
    rows = []
    for key, found in groups.items():
        values = [v for v, _ in found]
        largest, worst = max(found, key=lambda f: (math.isnan(f[0]), f[0]))
        where = worst.get("case") or worst.get("worst_input") or worst["test"]
        shown = {"id": worst["id"], "where": where, "reproduce": worst.get("reproduce", "")}
        stats = (percentile(values, 50), percentile(values, 99), largest)
        rows.append(Accuracy(*key, len(found), *stats, shown, beyond.get(key, 0)))
    rows.sort(
        key=lambda a: (
            dtype_order(a.dtype),
            a.operation,
            a.median,
            a.p99,
            a.largest,
            mode_order(a.mode),
            a.implementation,
        )
    )
    best = {(a.dtype, a.operation): a for a in reversed(rows)}  # the first of each in the sorted list
    return [replace(a, best_in_dtype=best[a.dtype, a.operation] is a) for a in rows]
