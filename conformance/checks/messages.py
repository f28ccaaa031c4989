"""What a failing check says: the point, the input that reproduces it, expected against got,
the error against the bound, and one command that runs it again."""

from __future__ import annotations

from typing import Any

import numpy as np

from conformance.cases import Case
from conformance.checks.failures import Point
from conformance.oracle import linear
from conformance.oracle.numbers import Exact
from conformance.vocabulary import HALF_PRECISION, INDICES, LINEAR_CROSS_ENTROPY


def _show(array: Any, precision: int | None = None) -> str:
    """A result in a message: in full when small, else its corners (``...`` between)."""
    return np.array2string(np.asarray(array), separator=", ", precision=precision, threshold=60, edgeitems=3)


# Elements an input is printed whole up to (every drawn case below 2^15 classes; a larger one's
# logits come from a generator, shown instead); beyond it, a mostly constant array (Hypothesis
# fills a large one with one value) is printed exactly as that value and the others.
WHOLE_LIMIT = 8192
SPARSE_LIMIT = 64  # positions a filled array's other values are listed at


def _whole(array: Any) -> str:
    """An input in a message: every element, each in the fewest digits that give it back
    exactly in its dtype, so that a counterexample can be copied. Beyond WHOLE_LIMIT
    elements: exactly, as a fill value and the positions that differ, where they are few;
    else its corners, and its reproduce line draws it again. (NumPy's array2string takes
    seconds for the unique digits of 100,000 elements; a scalar's str is those digits.)"""
    a = np.asarray(array)
    if a.size <= WHOLE_LIMIT:
        return _nested(a)
    values, counts = np.unique(a, return_counts=True)
    fill = values[np.argmax(counts)]
    differ = ~np.isnan(a) if a.dtype.kind == "f" and np.isnan(fill) else a != fill
    others = np.argwhere(differ)
    if len(others) <= SPARSE_LIMIT:
        at = ", ".join(f"{list(map(int, i))}: {a[tuple(i)]}" for i in others)
        return f"an array of shape {list(a.shape)} filled with {fill}, but for {{{at}}}"
    return f"{_show(a)} (shape {list(a.shape)}, {a.size:,} values: its reproduce line draws them again)"


def _nested(a: np.ndarray) -> str:
    """``a`` as nested lists of its elements' shortest round-trip digits."""
    if a.ndim == 0:
        return str(a[()])
    if a.ndim == 1:
        return "[" + ", ".join(map(str, a)) + "]"
    return "[" + ",\n ".join(_nested(sub) for sub in a) + "]"


def failure_message(
    point: Point,
    case: Case,
    got: Any,
    exact: Exact,
    problems: list[str],
    reproduce: str,
    quantity: str = "loss",
) -> str:
    """A few lines: where, the input, expected vs got, error vs bound, how to reproduce."""
    lines = [
        *input_lines(point, case),
        f"  {quantity}:",
        f"  expected {_show(exact.hi, 17)}",
        f"  got      {_show(np.asarray(got, np.float64), 17)}",
        *(f"  {p}" for p in problems),
    ]
    if reproduce:
        lines.append(f"  reproduce: {reproduce}")
    return "\n".join(lines)


def input_lines(point: Point, case: Case) -> list[str]:
    """Where a check ran and on what input."""
    logits = labels = None
    if case.logits_from is not None:  # too many to print: how they were made (never printed whole)
        made = f" {case.description}" if case.drawn and case.description else ""  # row scales, gaps
        logits = f"{case.logits_from.describe()}{made}"
        if case.labels.ndim == 1 and point.label_kind == INDICES:
            labels = str(case.labels.tolist())
        elif case.labels.ndim == 1:
            labels = f"one-hot rows of the classes {case.labels.tolist()}"
    if case.labels_from is not None:
        labels = case.labels_from.describe()
    logits = logits if logits is not None else _whole(case.logits.astype(point.dtype))
    labels = labels if labels is not None else _whole(case.labels_as(point.label_kind))
    shown = f"logits={logits}"
    if case.operation == LINEAR_CROSS_ENTROPY:  # the packed input's parts
        h, w, b = (_whole(a.astype(point.dtype)) for a in linear.parts(case.logits, len(case.labels)))
        shown = f"hidden={h}\n         weight={w}\n         bias={b}"
    return [
        f"{point.describe()}, case {case.id!r} ({case.path})",
        f"  input: {shown}",
        f"         labels={labels} label_smoothing={case.label_smoothing} reduction={case.reduction}",
        *(
            [f"         as batch shape {case.batch_shape} with the classes on axis {case.axis}"]
            if case.batch_shape
            else []
        ),
        *([f"         weights={list(case.weights)}"] if case.weights is not None else []),
        *([f"         ignore_index={case.ignore_index}"] if case.ignore_index is not None else []),
    ]


# The dtypes that hold every value of a dtype: a result in one of them rounds less than the
# inputs' dtype promises (a widening), unlike a narrower one, which loses digits.
_WIDER = {"float16": ("float32", "float64"), "bfloat16": ("float32", "float64"), "float32": ("float64",)}


def dtype_problems(point: Point, record: dict[str, Any], value_passed: bool = False) -> list[str]:
    """A result in another dtype than its inputs is a finding in itself; say which way it
    went, what in the environment decides it, and whether the value itself is within bound."""
    returned = record["returned_dtype"]
    if returned == point.dtype:
        return []
    problem = f"returned {returned} for {point.dtype} inputs"
    if returned in _WIDER.get(point.dtype, ()):
        problem += f": a wider dtype than its inputs (a {point.dtype} program gets {returned} back)" + (
            f"; the value itself is within {point.dtype}'s bound" if value_passed else ""
        )
        if returned == "float32" and point.dtype in HALF_PRECISION:
            problem += (
                "; Keras' losses do the same by default (Keras' is recorded as a definition: "
                "keras-loss-default-dtype-float32-half-precision)"
            )
    x64 = point.framework.precision.get("jax_enable_x64")
    if x64 is not None and point.dtype != "float64":  # a setting of the process, not of the loss
        problem += (
            f"; JAX promotes {point.dtype} with the dtype of arrays a loss makes itself "
            "(jax.nn.one_hot, jnp.array of Python numbers: float32 by default, float64 in 64-bit mode); "
            f"jax_enable_x64 is {x64.rsplit(': ', 1)[-1]} in this process, as configured "
            "(JAX_ENABLE_X64), and the suite turns it on in float64 checks only; made in logits.dtype, "
            "they keep the inputs' dtype"
        )
    return [problem]
