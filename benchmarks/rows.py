"""The suite's cost per judged row against the floor, per framework: the agreement property's
examples drawn once per draw key (as a run draws them, per_key.py) and judged on every
implementation of the framework in float32, against the framework calls alone on the same
inputs (prepared: already in the dtype, laid out; the result fetched to the host). Both are
timed with every program already built (a first pass builds them), so the ratio is the
suite's own cost: drawing, the exact reference, the comparison and the record."""

from __future__ import annotations

import contextlib
import time
from typing import Any

from conformance.adapters.base import Framework
from conformance.checks import exact_answer, failures, property_table
from conformance.checks.failures import Point
from conformance.draws import per_key

DTYPE = "float32"


def judged_row_figures(fw: Framework, examples: int) -> dict[str, Any]:
    """Seconds per judged row through the suite and for the calls alone, and the rows judged."""
    prop = property_table.PROPERTIES["agreement"]
    points = [
        Point(fw, impl, fw.devices[0], DTYPE, kind)
        for impl in fw.implementations
        if impl.operation == prop.operation and DTYPE in impl.dtypes
        for kind in prop.label_kinds(impl)
    ]
    drawn: dict[tuple[Any, ...], list[per_key.Example]] = {}
    draw_s = 0.0
    for point in points:
        key = prop.draw_key(DTYPE, point.label_kind, point.impl)
        if key not in drawn:
            start = time.perf_counter()
            strategy = prop.examples(DTYPE, point.label_kind, point.impl)
            drawn[key] = per_key.examples(("bench", *key), strategy, per_key.group_seed(None, key), examples)
            draw_s += time.perf_counter() - start

    def judge_all() -> tuple[float, int]:
        start, rows = time.perf_counter(), 0
        for point in points:
            for case, extra in drawn[prop.draw_key(DTYPE, point.label_kind, point.impl)]:
                with contextlib.suppress(failures.CheckFailure):  # a known divergence costs the same
                    prop.check(point, case, extra)
                rows += len(case.logits)
        return time.perf_counter() - start, rows

    def calls_alone() -> float:
        prepared = []
        for point in points:
            for case, _ in drawn[prop.draw_key(DTYPE, point.label_kind, point.impl)]:
                x, y = (case.arranged(a) for a in exact_answer.inputs(case, point.label_kind, DTYPE))
                prepared.append((point, case, x, y))
        start = time.perf_counter()
        for point, case, x, y in prepared:
            with contextlib.suppress(Exception):
                fw.run(point.impl, point.device, x, y, case.label_smoothing, case.reduction, case.axis)
        return time.perf_counter() - start

    judge_all()  # builds every program the examples need (eager JAX: one per shape)
    judged_s, rows = judge_all()
    floor_s = calls_alone()
    return {
        "implementations": len(points),
        "rows": rows,
        "suite_s_per_row": (draw_s + judged_s) / max(rows, 1),
        "floor_s_per_row": floor_s / max(rows, 1),
        "draw_s": draw_s,
    }


def lines(figures: dict[str, dict[str, Any]], examples: int) -> list[str]:
    """The table of judged_row_figures, one line per framework."""
    out = [
        "",
        f"{'framework':<14} {'checks':>6} {'rows':>6} {'suite us/row':>12} {'floor us/row':>12} {'ratio':>6}",
    ]
    for name, r in figures.items():
        suite, floor = r["suite_s_per_row"] * 1e6, r["floor_s_per_row"] * 1e6
        out.append(
            f"{name:<14} {r['implementations']:>6} {r['rows']:>6} {suite:>12.1f} {floor:>12.1f}"
            f" {suite / max(floor, 1e-9):>6.1f}"
        )
    out.append(
        f"(the agreement property in {DTYPE}, {examples} examples per draw key, drawn once and judged on "
        "every implementation that shares it; suite = drawing + judging, floor = the framework calls "
        "alone for the same rows; both with their programs built)"
    )
    return out
