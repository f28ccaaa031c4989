"""Hypothesis strategies: drawn cases for the property checks.

Every strategy draws a ``Case`` (the same type as a golden case) whose values are generated
in the dtype under test, so the reference sees exactly what the implementation sees.
Logits are N rows of K classes, laid out as (N, K) or, for an implementation that takes it,
as a batch of shape (A, B) with the classes on any axis it accepts.

The cost model: a framework builds a program for every new shape (eager JAX compiles each
primitive anew, a compiler the whole loss), so (N, K) comes from a small menu, ROWS (a
large vocabulary now and then, LARGE_ROWS), and the builds are reused by every later example
and check of the process. The variety is in the values: every row of a case draws its own magnitude
(1e-3 to 1e4), ties or not, and gap between its target and the rest, so one call judges many
kinds of row, each against its own exact value where the reduction is none.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Literal

import ml_dtypes
import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from conformance.cases import Case
from conformance.cases.generator import Generated, hashes
from conformance.oracle.targets import one_hot
from conformance.vocabulary import REDUCTIONS

# Classes 1 (the degenerate), 2, 3, 10 and 17 (a vector's width and one more, where kernels
# take their tail path), each with the rows it comes with: 1 and a few, up to 16, each row its
# own. Classes and rows are drawn apart, smallest first, so that Hypothesis shrinks a failing
# case to the fewest classes and rows that still fail (one row where one row shows it).
ROWS = {1: (1, 2), 2: (1, 2), 3: (1, 2), 10: (1, 3), 17: (1, 16)}
# A large vocabulary, drawn about one time in 20: 2^15 to 2^18 classes (language models' 32k to
# 256k) among them, their logits from a generator (cases/generator.py) seeded by Hypothesis.
LARGE_ROWS = {1000: (1,), 4096: (1, 2), 2**15: (1,), 2**17: (1,), 2**18: (1,)}
GENERATED_FROM = 2**15  # from this many classes, logits and per-class draws come from a seed
CLASSES = tuple(ROWS)
SCALES = (1e-3, 1.0, 10.0, 100.0, 1e4)
GAPS = (0.0, 0.0, 20.0, 100.0, 1000.0)
WEIGHTS = (0.0, 0.25, 0.5, 1.0, 1.5, 3.0, 8.0)  # class weights: exact in every dtype
# 0, anything in [1e-6, 1), and values near 1. Not below 1e-6: e / K would underflow to 0 in
# float32 for e near 1e-38, a smoothing no model uses, and the exact answer is then another.
SMOOTHING = st.one_of(
    st.just(0.0), st.floats(1e-6, 1.0, exclude_max=True), st.sampled_from([1e-3, 0.1, 0.9, 0.9999])
)


def smoothings(dtype: str, k: int) -> st.SearchStrategy[float]:
    """SMOOTHING for ``k`` classes in ``dtype``, none so small that e / K is below the dtype's
    smallest normal number: there it underflows, or loses the relative accuracy the bounds
    assume, and the exact answer is another (a class masked with -inf gets no weight and the
    loss is finite, not inf). In float16 that is e >= K * 6.1e-5; float32 and float64 draw
    SMOOTHING itself."""
    low = k * float(ml_dtypes.finfo(dtype).tiny)
    if low <= 1e-6:
        return SMOOTHING
    return st.one_of(
        st.just(0.0),
        *([st.floats(low, 1.0, exclude_max=True)] if low < 1 else []),
        st.sampled_from([e for e in (1e-3, 0.1, 0.9, 0.9999) if e >= low] or [0.0]),
    )


def _width(dtype: str) -> Literal[16, 32, 64]:
    """The float width Hypothesis draws in for ``dtype`` (bfloat16: float32, then rounded)."""
    widths: dict[str, Literal[16, 32, 64]] = {"float16": 16, "float32": 32, "float64": 64}
    return widths.get(dtype, 32)


@st.composite
def shapes(draw: st.DrawFn, min_rows: int = 1) -> tuple[int, int]:
    """(rows, classes) from the menu, at least ``min_rows`` rows."""
    menu = LARGE_ROWS if draw(st.integers(0, 19)) == 19 else ROWS  # a large vocabulary shrinks away
    k = draw(st.sampled_from([k for k, rows in menu.items() if max(rows) >= min_rows]))
    return draw(st.sampled_from([n for n in menu[k] if n >= min_rows])), k


# The grid of exact shifts: logits are multiples of 1/16 of magnitude at most G and shifts
# integers of magnitude at most G, so every sum is a multiple of 1/16 below 2G, which the
# dtype holds exactly when 2G * 16 <= 2^(its significand bits): float16 11, bfloat16 8.
GRID = {"float16": 64, "bfloat16": 8, "float32": 1024, "float64": 1024}


def generated(n: int, k: int) -> st.SearchStrategy[Generated | None]:
    """The generator of (n, k) logits where there are too many for Hypothesis to draw one by
    one (GENERATED_FROM classes), else None."""
    if k < GENERATED_FROM:
        return st.none()
    return st.builds(Generated, st.just("uniform"), st.integers(0, 2**32 - 1), st.just((n, k)))


@st.composite
def per_class(draw: st.DrawFn, k: int, choices: tuple) -> np.ndarray:
    """``k`` values from ``choices``: drawn one by one (so that they shrink), or from a drawn
    seed's hashes from GENERATED_FROM classes (Hypothesis draws a few thousand values at most)."""
    if k < GENERATED_FROM:
        return np.asarray(draw(st.lists(st.sampled_from(choices), min_size=k, max_size=k)))
    picks = hashes(draw(st.integers(0, 2**32 - 1)), k) % np.uint64(len(choices))
    return np.asarray(choices)[picks.astype(np.int64)]


@st.composite
def logits(
    draw: st.DrawFn, n: int, k: int, dtype: str, grid: bool = False, made: Generated | None = None
) -> np.ndarray:
    """(n, k) logits in ``dtype``, each row with its own magnitude, and ties (values -1, 0, 1)
    in about one row of five; ``made``: from that generator, in (-1, 1), instead. ``grid``:
    multiples of 1/16 of magnitude at most GRID[dtype], so adding an integer of at most that
    magnitude is exact in ``dtype``."""
    if grid:
        ints = draw(hnp.arrays(np.int64, (n, k), elements=st.integers(-16 * GRID[dtype], 16 * GRID[dtype])))
        return (ints / 16.0).astype(dtype)
    if made is not None:
        values = made.values()
    elif k in LARGE_ROWS:  # 1000 and 4096 classes: NumPy's generator, seeded by Hypothesis
        seed = draw(st.integers(0, 2**32 - 1))
        values = np.random.default_rng(seed).standard_normal((n, k))
    else:
        values = np.stack([draw(row(k, dtype)) for _ in range(n)])
    scales = np.asarray(draw(st.lists(st.sampled_from(SCALES), min_size=n, max_size=n)), np.float64)
    return (values * scales.reshape(n, 1)).astype(dtype)


@st.composite
def row(draw: st.DrawFn, k: int, dtype: str) -> np.ndarray:
    """One row of ``k`` values in [-1, 1]: ties (from -1, 0, 1) one time in five."""
    if draw(st.integers(0, 4)) == 4:
        return draw(hnp.arrays(np.float64, (k,), elements=st.sampled_from([-1.0, 0.0, 1.0])))
    return draw(hnp.arrays(np.float64, (k,), elements=st.floats(-1.0, 1.0, width=_width(dtype))))


@st.composite
def labels(draw: st.DrawFn, n: int, k: int, kind: str, dtype: str) -> np.ndarray:
    """Class indices, or probability rows (one-hot or soft) rounded to ``dtype``."""
    indices = draw(hnp.arrays(np.int64, (n,), elements=st.integers(0, k - 1)))
    if kind == "indices":
        return indices
    if draw(st.booleans()):
        return one_hot(indices, k).astype(dtype)
    weights = draw(hnp.arrays(np.float64, (n, k), elements=st.floats(0.0, 1.0)))
    weights[np.arange(n), indices] += 1e-3  # every row has some mass
    return (weights / weights.sum(axis=1, keepdims=True)).astype(dtype)


def target_classes(y: np.ndarray, k: int) -> np.ndarray:
    """The class each row's label weighs most."""
    return y if y.ndim == 1 else np.argmax(y, axis=1)


@st.composite
def cases(
    draw: st.DrawFn,
    dtype: str,
    kind: str,
    *,
    reduction: str | None = None,
    reductions: tuple[str, ...] = REDUCTIONS,
    smoothing: float | None = None,
    min_rows: int = 1,
    grid: bool = False,
    class_axis: str | None = None,
) -> Case:
    """A drawn case; ``reduction`` and ``smoothing`` fix those parameters when given (else the
    reduction is one of ``reductions``); ``class_axis`` (an implementation's: "last", "second",
    "any") allows rank-3 layouts."""
    n, k = draw(shapes(min_rows))
    made = None if grid else draw(generated(n, k))
    x = draw(logits(n, k, dtype, grid, made))
    y = draw(labels(n, k, kind, dtype))
    description = ""
    if not grid:  # each row its own gap between the target and the rest
        gaps = np.asarray(draw(st.lists(st.sampled_from(GAPS), min_size=n, max_size=n)), np.float64)
        x = x.copy()
        x[np.arange(n), target_classes(y, k)] += gaps.astype(dtype)
        description = f"with its rows scaled (1e-3 to 1e4) and target gaps {gaps.tolist()}"
    batch_shape, axis = draw(layouts(n, class_axis)) if class_axis else (None, -1)
    return Case(
        id="drawn",
        path="(drawn by Hypothesis)",
        provenance="hypothesis",
        logits=x.astype(np.float64),
        labels=y if kind == "indices" else y.astype(np.float64),
        label_smoothing=draw(smoothings(dtype, k)) if smoothing is None else smoothing,
        reduction=draw(st.sampled_from(reductions)) if reduction is None else reduction,
        expected=(),
        batch_shape=batch_shape,
        axis=axis,
        description=description if made else "",
        logits_from=made,
    )


@st.composite
def layouts(draw: st.DrawFn, n: int, class_axis: str) -> tuple[tuple[int, int] | None, int]:
    """(N, K) as it is, or its N rows as an (A, B) batch with the classes on an allowed axis
    of the rank-3 logits."""
    if not draw(st.booleans()):
        return None, -1
    a = 2 if n % 2 == 0 else 1  # one split per number of rows: (1, 1), (2, 1), (1, 3), (2, 8)
    axis = {"last": 2, "second": 1}.get(class_axis) or draw(st.integers(0, 2))
    return (a, n // a), axis


@st.composite
def binary_cases(draw: st.DrawFn, dtype: str, reductions: tuple[str, ...] = REDUCTIONS) -> Case:
    """A drawn binary cross-entropy case: (N, C) logits (large ones too, where the loss
    is a difference of large numbers), targets in [0, 1] (hard or soft), and a smoothing."""
    n, c = draw(shapes())
    made = draw(generated(n, c))
    x = draw(logits(n, c, dtype, made=made))
    hard = draw(st.booleans())
    values = st.sampled_from([0.0, 1.0]) if hard else st.floats(0, 1, width=_width(dtype))
    y = draw(hnp.arrays(np.float64, (n, c), elements=values)).astype(dtype).astype(np.float64)
    return Case(
        id="drawn",
        path="(drawn by Hypothesis)",
        provenance="hypothesis",
        logits=x.astype(np.float64),
        labels=y,
        label_smoothing=draw(SMOOTHING),
        reduction=draw(st.sampled_from(reductions)),
        expected=(),
        operation="sigmoid_cross_entropy",
        description="with its rows scaled (1e-3 to 1e4)" if made else "",
        logits_from=made,
    )


@st.composite
def with_options(draw: st.DrawFn, case: Case, kind: str, options: frozenset[str]) -> Case:
    """``case`` with the options an implementation takes: per-class weights (on a grid, some
    0, up to 8), and for class indices an ignored label (the usual -100, -1, or a real class)
    given to some rows."""
    k = case.logits.shape[1]
    changes: dict = {}
    if "weights" in options and draw(st.booleans()):
        changes["weights"] = tuple(float(w) for w in draw(per_class(k, WEIGHTS)))
    if "ignore_index" in options and kind == "indices" and (draw(st.booleans()) or not changes):
        ignore = draw(st.sampled_from([-100, -1, *range(k)]))
        ignored = np.asarray(
            draw(st.lists(st.booleans(), min_size=len(case.labels), max_size=len(case.labels)))
        )
        changes.update(ignore_index=ignore, labels=np.where(ignored, ignore, case.labels))
    return replace(case, **changes)


@st.composite
def empty_cases(
    draw: st.DrawFn, dtype: str, kind: str, smoothing: bool = True, reductions: tuple[str, ...] = REDUCTIONS
) -> Case:
    """An empty batch: N = 0 rows of K classes."""
    k = draw(st.sampled_from(CLASSES))
    y = np.zeros(0, np.int64) if kind == "indices" else np.zeros((0, k))
    return Case(
        id="drawn-empty",
        path="(drawn by Hypothesis)",
        provenance="hypothesis",
        logits=np.zeros((0, k)),
        labels=y,
        label_smoothing=draw(SMOOTHING) if smoothing else 0.0,
        reduction=draw(st.sampled_from(reductions)),
        expected=(),
    )
