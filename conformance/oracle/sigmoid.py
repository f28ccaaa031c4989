"""The exact answers for binary (sigmoid) cross-entropy with label smoothing. Imports no framework.

Each element of the logits is its own two-class problem, with a target ``y`` in [0, 1]
smoothed towards 1/2 (Keras' BinaryCrossentropy, tf.compat.v1.losses.sigmoid_cross_entropy)::

    t = y * (1 - e) + e / 2
    loss = softplus(x) - t * x = max(x, 0) - t * x + log1p(exp(-|x|))     (stable form)

Reductions: ``none`` (per element), ``sum`` and ``mean`` over every element; Keras first
takes the mean over the last axis (a convention, ``binary_reduction = "rows-mean"``), so its
``none`` is one value per row and its ``sum`` the sum of the row means. The gradient with
respect to the logits is ``(sigmoid(x) - t) * w``, with ``w`` the reduction's weight.
"""

from __future__ import annotations

import mpmath
import numpy as np

from conformance.oracle import bounds
from conformance.oracle.numbers import DIGITS, EXTENDED, EXTENDED_EPS, HAS_EXTENDED, Exact, to_exact


def smoothed(labels: np.ndarray, e: float, dtype: type = np.float64) -> np.ndarray:
    """``y * (1 - e) + e / 2`` in ``dtype``."""
    y: np.ndarray = np.asarray(labels).astype(dtype)
    smoothing = dtype(e)
    return y * (dtype(1) - smoothing) + smoothing / dtype(2)


def reduce(elements: np.ndarray, reduction: str, rows_mean: bool = False) -> np.ndarray:
    """Reduce per-element losses; ``rows_mean``: first the mean over the last axis (Keras)."""
    if rows_mean:
        elements = np.mean(elements, axis=-1)
        if reduction == "none":
            return elements
    if reduction == "none":
        return elements
    if reduction == "sum":
        return np.sum(elements)
    return np.mean(elements) if elements.size else elements.dtype.type("nan")


def weight(shape: tuple[int, ...], reduction: str, rows_mean: bool = False) -> float:
    """The factor the reduction puts on each element's gradient."""
    size = int(np.prod(shape)) if reduction == "mean" else (shape[-1] if rows_mean else 1)
    return 1.0 / size if size else 1.0


def sigmoid_cross_entropy(
    logits: np.ndarray, labels: np.ndarray, e: float = 0.0, reduction: str = "mean", rows_mean: bool = False
) -> np.ndarray:
    """The stable form in the dtype of ``logits``."""
    x = np.asarray(logits)
    t = smoothed(labels, e, x.dtype.type)
    with np.errstate(invalid="ignore"):
        elements = np.maximum(x, 0) - t * x + np.log1p(np.exp(-np.abs(x)))
        # at an infinite logit, the limit: softplus(x) - t x ~ (1 - t) x at +inf, -t x at -inf
        slope = np.where(x > 0, 1 - t, -t)
        limit = np.where(slope == 0, 0, slope * x)
    elements = np.where(np.isinf(x), limit, elements)
    return reduce(elements, reduction, rows_mean)


def sigmoid_cross_entropy_grad(
    logits: np.ndarray, labels: np.ndarray, e: float = 0.0, reduction: str = "mean", rows_mean: bool = False
) -> np.ndarray:
    """``(sigmoid(x) - t) * w`` in the dtype of ``logits`` (sigmoid without overflow)."""
    x = np.asarray(logits)
    t = smoothed(labels, e, x.dtype.type)
    z = np.exp(-np.abs(x))
    p = np.where(x >= 0, 1 / (1 + z), z / (1 + z))
    return (p - t) * x.dtype.type(weight(x.shape, reduction, rows_mean))


def extended(
    logits: np.ndarray,
    labels: np.ndarray,
    e: float,
    reduction: str,
    rows_mean: bool = False,
    gradient: bool = False,
) -> Exact:
    """The loss (or gradient) in extended precision, with bounds.py's bound at that precision."""
    if not HAS_EXTENDED:
        return exact(logits, labels, e, reduction, rows_mean, gradient)
    x = np.asarray(logits, np.float64).astype(EXTENDED)
    y = np.asarray(labels, np.float64)
    if gradient:
        value = sigmoid_cross_entropy_grad(x, y, e, reduction, rows_mean)
        return Exact.from_extended(
            value, bounds.binary_grad_bound_eps(x.shape, weight(x.shape, reduction, rows_mean)) * EXTENDED_EPS
        )
    value = sigmoid_cross_entropy(x, y, e, reduction, rows_mean)
    elements = sigmoid_cross_entropy(x, y, e, "none")
    bound = bounds.binary_bound_eps(
        np.asarray(x, np.float64), elements, reduction, Exact.from_extended(value, 0.0), rows_mean
    )
    return Exact.from_extended(value, bound * EXTENDED_EPS)


def exact(
    logits: np.ndarray,
    labels: np.ndarray,
    e: float,
    reduction: str,
    rows_mean: bool = False,
    gradient: bool = False,
) -> Exact:
    """The loss (or gradient) to ``DIGITS`` digits, from the exact binary values of the inputs."""
    x = np.asarray(logits, np.float64)
    y = np.asarray(labels, np.float64)
    with mpmath.workdps(DIGITS):
        em = mpmath.mpf(float(e))
        t = [[mpmath.mpf(float(v)) * (1 - em) + em / 2 for v in row] for row in y]
        xs = [[mpmath.mpf(float(v)) for v in row] for row in x]
        if gradient:
            w = mpmath.mpf(weight(x.shape, reduction, rows_mean))
            grads = [[(1 / (1 + mpmath.exp(-a)) - b) * w for a, b in zip(xr, tr)] for xr, tr in zip(xs, t)]
            return to_exact(grads, x.shape)
        elements = [
            [
                (mpmath.log1p(mpmath.exp(-abs(a))) + max(a, 0) - b * a)
                if mpmath.isfinite(a)
                else _limit(a, b)
                for a, b in zip(xr, tr)
            ]
            for xr, tr in zip(xs, t)
        ]
        if rows_mean:
            elements = [[mpmath.fsum(r) / len(r)] for r in elements]
            if reduction == "none":
                return to_exact([r[0] for r in elements], (len(elements),))
        if reduction == "none":
            return to_exact(elements, x.shape)
        flat = [v for r in elements for v in r]
        total = mpmath.fsum(flat)
        if reduction == "mean":
            total = total / len(flat) if flat else mpmath.nan
        return to_exact([total], ())


def _limit(a: mpmath.mpf, b: mpmath.mpf) -> mpmath.mpf:
    """softplus(a) - b a at an infinite or NaN logit."""
    if mpmath.isnan(a):
        return mpmath.nan
    slope = (1 - b) if a > 0 else -b  # softplus(a) - b a ~ (1 - b) a as a -> inf, -b a as a -> -inf
    return mpmath.mpf(0) if slope == 0 else (mpmath.inf if slope * a > 0 else -mpmath.inf)
