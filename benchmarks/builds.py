"""Counting what each compiler builds (jax.jit's XLA programs, tf.function's traces,
torch.compile's graphs), and the cost of a compiled mode per new and per seen shape."""

from __future__ import annotations

import contextlib
import dataclasses
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from benchmarks.timing import make_case
from conformance import checks
from conformance.adapters.base import Framework, Implementation
from conformance.checks import Point


def jax_compiles(call: Callable[[], Any]) -> int:
    """How many XLA backend compilations ``call`` caused."""
    import jax

    seen = []

    def listen(event: str, *_args: Any, **_kwargs: Any) -> None:
        if "backend_compile" in event:
            seen.append(event)

    jax.monitoring.register_event_duration_secs_listener(listen)
    try:
        call()
    finally:
        jax.monitoring.unregister_event_duration_listener(listen)
    return len(seen)


COMPILED_SHAPES = ((2, 3), (4, 7), (8, 32))  # a new shape per check, as golden cases come


Builds = Callable[[Callable[[], Any]], int]  # how many programs a call compiled (traced)


def build_counter(fw: Framework) -> Builds:
    """Counts the programs the framework's compiled modes build during a call: JAX's XLA
    builds (``jax_compiles``), TensorFlow's tf.function traces, dynamo's graphs. For
    TensorFlow it wraps ``fw.modes``' compilers to keep the tf.functions they make."""

    def difference(total: Callable[[], int]) -> Builds:
        def builds(call: Callable[[], Any]) -> int:
            before = total()
            call()
            return total() - before

        return builds

    if fw.name == "jax":
        return jax_compiles
    if fw.name == "tensorflow":
        traced: list[Any] = []

        def keeping(compile: Any) -> Any:
            def kept(f: Any) -> Any:
                traced.append(compile(f))
                return traced[-1]

            return kept

        fw.modes = tuple(
            m if m.compile is None else dataclasses.replace(m, compile=keeping(m.compile)) for m in fw.modes
        )
        return difference(lambda: sum(f.experimental_get_tracing_count() for f in traced))
    if fw.name == "torch":
        from torch._dynamo.utils import counters

        return difference(lambda: int(counters["stats"]["unique_graphs"]))
    return difference(lambda: 0)


def compiled_mode_figures(fw: Framework, rng: np.random.Generator) -> list[dict[str, Any]]:
    """Each compiled mode of the framework, on its first implementation in float32: seconds
    per gradient check and programs compiled per check, over checks of new shapes (as golden
    checks are), then the same checks again (shapes seen before)."""
    modes = fw.modes
    builds = build_counter(fw)  # may wrap fw.modes' compilers: put back below
    rows = []
    try:
        for mode in fw.modes:
            impl = next((i for i in fw.implementations if not i.eager_only), None)
            if mode.compile is not None and impl is not None:
                rows.append(compiled_mode_row(fw, mode.name, impl, builds, rng))
    finally:
        fw.modes = modes
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
            with contextlib.suppress(checks.Divergence):  # a wrong value costs the same; an error is shown
                checks.check_grad(point, case)

    for when in ("new", "seen"):
        start = time.perf_counter()
        row[f"{when}_shape_compiles"] = builds(check_all) / len(cases)
        row[f"{when}_shape_s"] = (time.perf_counter() - start) / len(cases)
    return row
