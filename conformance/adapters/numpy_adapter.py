"""NumPy: the suite's own stable form, the baseline of a user without a framework.

Half precision (float16, bfloat16) is computed in float32 and each result rounded once to the
input's dtype, as careful implementations do (oracle/tight.py): NumPy's own
float16 sums accumulate in float32, but ml_dtypes' bfloat16 sums run left to right in
bfloat16, which lost half the loss of a 2^17-class row, and the spread e / K of 2^17 classes
is beyond float16's range (K itself is)."""

from __future__ import annotations

import contextlib
from typing import Any

import numpy as np

from conformance import vocabulary
from conformance.adapters.base import Framework, Implementation
from conformance.oracle import sigmoid, softmax
from conformance.oracle.targets import Options, is_indices
from conformance.vocabulary import PROBABILITIES

DEVICE = "cpu:0"


def _classes_last(
    logits: np.ndarray, labels: np.ndarray, axis: int, weights: Any, ignore_index: int | None
) -> tuple[np.ndarray, np.ndarray, Options]:
    """Logits and labels with the classes last, checked, and the options."""
    x = np.moveaxis(logits, axis, -1)
    y = labels if is_indices(labels) else np.moveaxis(labels, axis, -1)
    if is_indices(y):
        bad = (y < 0) | (y >= x.shape[-1])
        if ignore_index is not None:
            bad &= y != ignore_index
        if bad.any():
            raise IndexError(f"class index {y[bad].flat[0]} is out of range [0, {x.shape[-1]})")
    weights = None if weights is None else tuple(float(w) for w in weights)
    return x, y, Options(weights, ignore_index)


def _wide(array: np.ndarray) -> np.ndarray:
    """Half precision as float32 (exactly); wider dtypes as they are."""
    return array.astype(np.float32) if array.dtype.itemsize < 4 else array


def _stable(
    logits, labels, e: float, reduction: str, axis: int, weights=None, ignore_index=None
) -> np.ndarray:
    x, y, options = _classes_last(logits, labels, axis, weights, ignore_index)
    y = y if is_indices(y) else _wide(y)
    loss = softmax.softmax_cross_entropy(_wide(x), y, e, reduction, options)
    return np.asarray(loss).astype(x.dtype)


def _stable_grad(
    logits, labels, e: float, reduction: str, axis: int, weights=None, ignore_index=None
) -> np.ndarray:
    """The analytic gradient ``(softmax(x) * sum(t) - t) * w``, in the classes' own axis."""
    x, y, options = _classes_last(logits, labels, axis, weights, ignore_index)
    k = x.shape[-1]
    rows_y = y.reshape(-1) if is_indices(y) else y.reshape(-1, k)
    rows_y = rows_y if is_indices(rows_y) else _wide(rows_y)
    rows = softmax.softmax_cross_entropy_grad(_wide(x).reshape(-1, k), rows_y, e, reduction, options)
    return np.moveaxis(rows.astype(x.dtype).reshape(x.shape), -1, axis)


def _binary(logits, labels, e: float, reduction: str, axis: int) -> np.ndarray:
    return np.asarray(sigmoid.sigmoid_cross_entropy(_wide(logits), _wide(labels), e, reduction)).astype(
        logits.dtype
    )


def _binary_grad(logits, labels, e: float, reduction: str, axis: int) -> np.ndarray:
    return sigmoid.sigmoid_cross_entropy_grad(_wide(logits), _wide(labels), e, reduction).astype(logits.dtype)


IMPLEMENTATIONS = [
    Implementation(
        "conformance.numpy.softmax_cross_entropy",
        "numpy",
        _stable,
        class_axis="any",
        gradient=_stable_grad,
        options=frozenset({"weights", "ignore_index"}),
        smooths_by_hand=True,  # the reference's own smoothing: nothing to check on edges
    ),
    Implementation(
        "conformance.numpy.sigmoid_cross_entropy",
        "numpy",
        _binary,
        frozenset({PROBABILITIES}),
        class_axis="rows",
        gradient=_binary_grad,
        operation=vocabulary.SIGMOID_CROSS_ENTROPY,
    ),
]


def load(precision_defaults: bool = False) -> Framework:
    """NumPy has no precision settings: ``precision_defaults`` changes nothing."""
    return Framework(
        name="numpy",
        version=np.__version__,
        devices=[DEVICE],
        implementations=list(IMPLEMENTATIONS),
        put=lambda array, device: np.array(array),
        fetch=lambda array: (np.asarray(array), DEVICE),
        scope=lambda device, dtype: contextlib.nullcontext(),
        where=lambda array: DEVICE,
        device_names={DEVICE: "host CPU"},
    )
