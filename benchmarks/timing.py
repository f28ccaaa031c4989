"""Timings: a bare call of each implementation, the suite's check of it, property examples per
second, and starting an interpreter."""

from __future__ import annotations

import contextlib
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from benchmarks import bench_run
from conformance.adapters.base import Framework, Implementation
from conformance.cases import Case
from conformance.checks import exact_answer, failures, judge, property_table
from conformance.checks.failures import Point

ROOT = bench_run.ROOT  # the checkout the suite runs from
IMPORTS = {"numpy": "numpy", "torch": "torch", "tensorflow": "tensorflow", "jax": "jax, optax"}


def median_time(call: Callable[[], Any], repeat: int) -> float:
    """The median seconds of ``repeat`` calls after one warm-up call."""
    call()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def in_fresh_process(argv: list[str], env: dict[str, str] | None = None) -> str:
    """Run a new interpreter with ``argv`` ("-c", code, or "-m", module, ...); its last printed line."""
    out = subprocess.run(
        [sys.executable, *argv],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", **(env or {})},
        timeout=600,
        check=True,
    )
    return out.stdout.strip().splitlines()[-1]


def import_seconds(name: str) -> float:
    code = f"import time; t = time.perf_counter(); import {IMPORTS[name]}; print(time.perf_counter() - t)"
    return float(in_fresh_process(["-c", code]))


def numpy_start_seconds() -> float:
    """Wall time of collecting ``pytest conformance --framework numpy`` (then checks begin)."""
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "pytest", "conformance", "--framework", "numpy", "--collect-only", "-q"],
        cwd=ROOT,
        capture_output=True,
        timeout=600,
        check=True,
    )
    return time.perf_counter() - start


def make_case(impl: Implementation, rng: np.random.Generator, n: int = 8, k: int = 32) -> tuple[Case, str]:
    """A case the implementation takes (its first label kind, a reduction it takes), and
    that label kind."""
    kind = "indices" if "indices" in impl.label_kinds else "probabilities"
    reduction = "mean" if "mean" in impl.reductions else sorted(impl.reductions)[0]
    logits = rng.standard_normal((n, k)) * 3
    if impl.operation == "sigmoid_cross_entropy":
        labels: np.ndarray = rng.uniform(size=(n, k))
    elif kind == "indices":
        labels = rng.integers(0, k, n)
    else:
        labels = rng.dirichlet(np.ones(k), n)
    case = Case(
        id="bench",
        path="(drawn by the benchmark)",
        provenance="benchmark",
        logits=logits,
        labels=labels,
        label_smoothing=0.1 if impl.smoothing else 0.0,
        reduction=reduction,
        expected=(),
        operation=impl.operation,
    )
    return case, kind


def bare_call_seconds(fw: Framework, impl: Implementation, case: Case, kind: str, dtype: str) -> float:
    """The framework call alone: inputs prepared on the device, the result fetched."""
    device = fw.devices[0]
    logits, labels = exact_answer.inputs(case, kind, dtype)
    with fw.scope(device, dtype):
        x, y = fw.put(logits, device), fw.put(labels, device)
        return median_time(
            lambda: fw.fetch(impl.loss(x, y, case.label_smoothing, case.reduction, logits.ndim - 1)), 30
        )


def suite_check_seconds(point: Point, impl: Implementation, rng: np.random.Generator) -> float:
    """The suite's whole cost of one check, on a new case each time (no cached reference)."""
    fresh = iter([make_case(impl, rng)[0] for _ in range(16)])

    def check() -> None:
        with contextlib.suppress(failures.CheckFailure):  # a known divergence costs the same
            judge.check_loss(point, next(fresh))

    return median_time(check, 15)


def examples_per_second(point: Point, examples: int) -> dict[str, float]:
    """The agreement property through the suite, and Hypothesis drawing the same cases alone."""
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import strategies as st

    prop = property_table.PROPERTIES["agreement"]
    strategy = prop.examples(point.dtype, point.label_kind, point.impl)
    quiet = settings(
        max_examples=examples,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )

    @quiet
    @given(st.data())
    def through_suite(data: st.DataObject) -> None:
        with contextlib.suppress(failures.CheckFailure):  # a known divergence: only time counts here
            prop.check(point, *data.draw(strategy))

    @quiet
    @given(st.data())
    def drawing_only(data: st.DataObject) -> None:
        data.draw(strategy)

    timings = {}
    # "suite" first, in a process that has built nothing for these shapes; "suite_built" the
    # same examples again, every program built (what an example costs once the run has built
    # its shapes: the cost follows the programs, not the examples)
    runs = (("suite", through_suite), ("suite_built", through_suite), ("hypothesis", drawing_only))
    for name, test in runs:
        start = time.perf_counter()
        test()
        timings[name] = (time.perf_counter() - start) / examples
    return timings
