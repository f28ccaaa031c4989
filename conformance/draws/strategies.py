"""Hypothesis strategies: drawn cases for the property checks.

Every strategy draws a ``Case`` (the same type as a golden case) whose values are generated
in the dtype under test, so the reference sees exactly what the implementation sees.
Logits are N rows of K classes, laid out as (N, K) or, for an implementation that takes it,
as a batch of shape (A, B) with the classes on any axis it accepts.
Their parts (shapes, logits, labels) are drawn by primitives.py.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from conformance.cases import Case
from conformance.draws.primitives import (
    CLASSES,
    GAPS,
    GENERATED_FROM,
    ROWS,
    SMOOTHING,
    WEIGHTS,
    float_width,
    generated,
    labels,
    logits,
    per_class,
    row,
    shapes,
    smoothings,
    target_classes,
)
from conformance.oracle import linear
from conformance.vocabulary import INDICES, LINEAR_CROSS_ENTROPY, REDUCTIONS


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
    classes: tuple[int, int] = (1, 1),
) -> Case:
    """A drawn case; ``reduction`` and ``smoothing`` fix those parameters when given (else the
    reduction is one of ``reductions``); ``class_axis`` (an implementation's: "last", "second",
    "any") allows rank-3 layouts; ``classes``: the fewest classes and a number they are a multiple
    of (an implementation's, primitives.shapes)."""
    n, k = draw(shapes(min_rows, classes))
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
        labels=y if kind == INDICES else y.astype(np.float64),
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
    values = st.sampled_from([0.0, 1.0]) if hard else st.floats(0, 1, width=float_width(dtype))
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
def linear_cases(
    draw: st.DrawFn,
    dtype: str,
    reductions: tuple[str, ...] = REDUCTIONS,
    smoothing: float | None = None,
    bias: bool = True,
) -> Case:
    """A drawn fused linear case (oracle/linear.py): hidden states (N, d) and a weight (K, d) in
    ``dtype``, each row of its own magnitude (1/4 to 4, so no half-precision logit overflows),
    and a bias or none (none where ``bias`` is false); packed as the one input the suite passes."""
    k = draw(st.sampled_from(CLASSES)) if draw(st.integers(0, 19)) < 19 else 2**15  # a vocabulary's
    n = draw(st.sampled_from(ROWS.get(k, (1, 2))))
    d = draw(st.integers(1, 16))
    seed = draw(st.integers(0, 2**32 - 1))  # a large weight from NumPy's generator
    parts = []
    for rows in (n, k):
        if rows < GENERATED_FROM:
            values = np.stack([draw(row(d, dtype)) for _ in range(rows)])
        else:
            values = np.random.default_rng(seed).uniform(-1.0, 1.0, (rows, d))
        scales = draw(hnp.arrays(np.float64, (rows, 1), elements=st.sampled_from((0.25, 1.0, 4.0))))
        parts.append((values * scales).astype(dtype).astype(np.float64))
    drawn_bias = (
        draw(row(min(k, 17), dtype)).astype(dtype).astype(np.float64)
        if bias and draw(st.booleans())
        else None
    )
    if drawn_bias is not None:
        drawn_bias = np.resize(drawn_bias, k)  # a large vocabulary's bias repeats the drawn one
    return Case(
        id="drawn",
        path="(drawn by Hypothesis)",
        provenance="hypothesis",
        logits=linear.pack(parts[0], parts[1], drawn_bias),
        labels=draw(labels(n, k, INDICES, dtype)),
        label_smoothing=draw(smoothings(dtype, k)) if smoothing is None else smoothing,
        reduction=draw(st.sampled_from(reductions)),
        expected=(),
        operation=LINEAR_CROSS_ENTROPY,
        description=f"hidden states of {d} units" + ("" if drawn_bias is None else ", and a bias"),
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
    if "ignore_index" in options and kind == INDICES and (draw(st.booleans()) or not changes):
        ignore = draw(st.sampled_from([-100, -1, *range(k)]))
        ignored = np.asarray(
            draw(st.lists(st.booleans(), min_size=len(case.labels), max_size=len(case.labels)))
        )
        changes.update(ignore_index=ignore, labels=np.where(ignored, ignore, case.labels))
    return replace(case, **changes)


@st.composite
def empty_cases(
    draw: st.DrawFn,
    dtype: str,
    kind: str,
    smoothing: bool = True,
    reductions: tuple[str, ...] = REDUCTIONS,
    classes: tuple[int, int] = (1, 1),
) -> Case:
    """An empty batch: N = 0 rows of K classes (``classes``: as ``cases``)."""
    k = draw(st.sampled_from([k for k in CLASSES if k >= classes[0] and k % classes[1] == 0]))
    y = np.zeros(0, np.int64) if kind == INDICES else np.zeros((0, k))
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
