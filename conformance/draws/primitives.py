"""What a drawn case is made of: its shape (from a small menu, so builds are reused), its logits
row by row, its labels, smoothing and per-class draws, each in the dtype under test.

The cost model: a framework builds a program for every new shape (eager JAX compiles each
primitive anew, a compiler the whole loss), so (N, K) comes from a small menu, ROWS (a
large vocabulary now and then, LARGE_ROWS), and the builds are reused by every later example
and check of the process. The variety is in the values: every row of a case draws its own magnitude
(1e-3 to 1e4), ties or not, and gap between its target and the rest, so one call judges many
kinds of row, each against its own exact value where the reduction is none.
"""

from __future__ import annotations

from typing import Literal

import ml_dtypes
import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from conformance.cases.generator import Generated, hashes
from conformance.oracle.targets import one_hot
from conformance.vocabulary import INDICES

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


def float_width(dtype: str) -> Literal[16, 32, 64]:
    """The float width Hypothesis draws in for ``dtype`` (bfloat16: float32, then rounded)."""
    widths: dict[str, Literal[16, 32, 64]] = {"float16": 16, "float32": 32, "float64": 64}
    return widths.get(dtype, 32)


@st.composite
def shapes(draw: st.DrawFn, min_rows: int = 1, classes: tuple[int, int] = (1, 1)) -> tuple[int, int]:
    """(rows, classes) from the menu, at least ``min_rows`` rows; ``classes``: (the fewest,
    a number they are a multiple of)."""
    menu = LARGE_ROWS if draw(st.integers(0, 19)) == 19 else ROWS  # a large vocabulary shrinks away
    fewest, multiple = classes
    taken = [k for k, rows in menu.items() if max(rows) >= min_rows and k >= fewest and k % multiple == 0]
    k = draw(st.sampled_from(taken))
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
    return draw(hnp.arrays(np.float64, (k,), elements=st.floats(-1.0, 1.0, width=float_width(dtype))))


@st.composite
def labels(draw: st.DrawFn, n: int, k: int, kind: str, dtype: str) -> np.ndarray:
    """Class indices, or probability rows (one-hot or soft) rounded to ``dtype``."""
    indices = draw(hnp.arrays(np.int64, (n,), elements=st.integers(0, k - 1)))
    if kind == INDICES:
        return indices
    if draw(st.booleans()):
        return one_hot(indices, k).astype(dtype)
    weights = draw(hnp.arrays(np.float64, (n, k), elements=st.floats(0.0, 1.0)))
    weights[np.arange(n), indices] += 1e-3  # every row has some mass
    return (weights / weights.sum(axis=1, keepdims=True)).astype(dtype)


def target_classes(y: np.ndarray, k: int) -> np.ndarray:
    """The class each row's label weighs most."""
    return y if y.ndim == 1 else np.argmax(y, axis=1)
