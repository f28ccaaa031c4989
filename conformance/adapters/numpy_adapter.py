"""NumPy: the suite's own stable form, the baseline of a user without a framework."""

from __future__ import annotations

import contextlib

import numpy as np

from conformance import reference
from conformance.adapters.base import Framework, Implementation

DEVICE = "cpu:0"


def _stable(logits: np.ndarray, labels: np.ndarray, e: float, reduction: str, axis: int) -> np.ndarray:
    x = np.moveaxis(logits, axis, -1)
    y = labels if reference.is_indices(labels) else np.moveaxis(labels, axis, -1)
    return np.asarray(reference.softmax_cross_entropy(x, y, e, reduction))


def _stable_grad(logits: np.ndarray, labels: np.ndarray, e: float, reduction: str, axis: int) -> np.ndarray:
    """The analytic gradient ``(softmax(x) * sum(t) - t) * w``, in the classes' own axis."""
    x = np.moveaxis(logits, axis, -1)
    y = labels if reference.is_indices(labels) else np.moveaxis(labels, axis, -1)
    k = x.shape[-1]
    rows_y = y.reshape(-1) if reference.is_indices(y) else y.reshape(-1, k)
    rows = reference.softmax_cross_entropy_grad(x.reshape(-1, k), rows_y, e, reduction)
    return np.moveaxis(rows.reshape(x.shape), -1, axis)


def load() -> Framework:
    return Framework(
        name="numpy",
        version=np.__version__,
        devices=[DEVICE],
        implementations=[
            Implementation(
                "conformance.numpy.softmax_cross_entropy",
                "numpy",
                _stable,
                class_axis="any",
                gradient=_stable_grad,
            )
        ],
        put=lambda array, device: np.array(array),
        fetch=lambda array: (np.asarray(array), DEVICE),
        scope=lambda device: contextlib.nullcontext(),
    )
