"""Counting what each compiler builds (jax.jit's XLA programs, tf.function's traces,
torch.compile's graphs), and the cost of a compiled mode per new and per seen shape."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from benchmarks.timing import make_case
from conformance.adapters.base import Framework, Implementation
from conformance.checks import failures, judge
from conformance.checks.failures import Point

COMPILED_SHAPES = ((2, 3), (4, 7), (8, 32))  # a new shape per check, as golden cases come


Builds = Callable[[Callable[[], Any]], int]  # how many programs a call compiled (traced)


def build_counter(fw: Framework) -> Builds:
    """Counts the programs the framework's compilers build during a call, by its adapter's
    ``built`` hook: JAX's XLA builds (eager ops' too), TensorFlow's tf.function traces,
    dynamo's graphs; 0 for a framework without one."""
    built = fw.built

    def builds(call: Callable[[], Any]) -> int:
        before = built(fw) if built else 0
        call()
        return (built(fw) if built else 0) - before

    return builds


def compiled_mode_figures(fw: Framework, rng: np.random.Generator) -> list[dict[str, Any]]:
    """Each compiled mode of the framework, on its first implementation in float32: seconds
    per gradient check and programs compiled per check, over checks of new shapes (as golden
    checks are), then the same checks again (shapes seen before)."""
    builds = build_counter(fw)
    rows = []
    for mode in fw.modes:
        impl = next((i for i in fw.implementations if not i.eager_only), None)
        if mode.compile is not None and impl is not None:
            rows.append(compiled_mode_row(fw, mode.name, impl, builds, rng))
    return rows


def compiled_mode_row(
    fw: Framework, mode: str, impl: Implementation, builds: Builds, rng: np.random.Generator
) -> dict[str, Any]:
    """One compiled mode's seconds and builds per gradient check, new shapes then seen ones."""
    point = Point(fw, impl, fw.devices[0], "float32", make_case(impl, rng)[1], mode)
    cases = [make_case(impl, rng, n, k)[0] for n, k in COMPILED_SHAPES]
    row: dict[str, Any] = {"framework": fw.name, "mode": mode, "implementation": impl.name}

    def check_all() -> None:
        for case in cases:
            with contextlib.suppress(failures.Divergence):  # a wrong value costs the same; an error is shown
                judge.check_grad(point, case)

    for when in ("new", "seen"):
        start = time.perf_counter()
        row[f"{when}_shape_compiles"] = builds(check_all) / len(cases)
        row[f"{when}_shape_s"] = (time.perf_counter() - start) / len(cases)
    return row
