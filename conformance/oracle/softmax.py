"""The exact answers: softmax cross-entropy with label smoothing, log_softmax and the gradient.

Two tiers, both independent of every framework under test:

* a NumPy form written stably (log-sum-exp with the row maximum subtracted, never
  ``log(softmax)``), which computes in the dtype it is given;
* an arbitrary-precision form (mpmath, ``DIGITS`` significant digits) used for golden
  values and for every check at float64, returned as double-double pairs ``(hi, lo)``
  whose sum carries the exact value far beyond float64.

Definitions (source-notes.md): with K classes, targets ``y`` (one-hot rows from class
indices, or probability rows) and smoothing ``e``::

    t = y * (1 - e) + e / K
    loss_i = -sum_k t_ik * log_softmax(x_i)_k

A target weight of exactly 0 contributes 0, even where ``log_softmax`` is ``-inf`` (a masked
class). Reductions: ``none`` (per row), ``sum``, ``mean`` (over rows; NaN for an empty
batch). The gradient is of the reduced loss (of the sum of rows for ``none``) with respect to
the logits: ``(softmax(x_i) * sum_k t_ik - t_i) * w`` with ``w = 1/N`` for ``mean``, else 1.

Options: per-class ``weights`` multiply the targets (``t_ik w_k``); a row whose class index is
``ignore_index`` contributes 0 (and a gradient of 0: it does not depend on the logits) and is
left out of the mean; a mean that divides by 0 is NaN, and so is its gradient in kept rows.
What the mean then divides by, and what the mean of no rows is, are conventions
(conventions.py), given as ``convention``.
"""

from __future__ import annotations

import numpy as np

from conformance.oracle import tight
from conformance.oracle.numbers import EXTENDED, HAS_EXTENDED, Exact
from conformance.oracle.softmax_mpmath import exact_softmax_cross_entropy, exact_softmax_cross_entropy_grad
from conformance.oracle.targets import NO_OPTIONS, Options
from conformance.vocabulary import REDUCTIONS

# --- NumPy stable form, in the dtype it is given ---------------------------------------


def log_softmax(x: np.ndarray) -> np.ndarray:
    """``x - logsumexp(x)`` over the last axis, stable for any magnitude."""
    x = np.asarray(x)
    m = np.max(x, axis=-1, keepdims=True) if x.shape[-1] else np.zeros((*x.shape[:-1], 1), x.dtype)
    m = np.where(np.isfinite(m), m, np.zeros_like(m))  # an all -inf row stays -inf, not NaN
    shifted = x - m
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):  # a NaN row is NaN anyway
        out = shifted - np.log(np.sum(np.exp(shifted), axis=-1, keepdims=True))
        # +inf logits share the mass among them (the limit, as the mpmath tier has it)
        top = np.isposinf(x)
        shares = top.any(axis=-1, keepdims=True) & ~np.isnan(x).any(axis=-1, keepdims=True)
        if shares.any():
            count = np.maximum(top.sum(axis=-1, keepdims=True), 1).astype(x.dtype)
            out = np.where(shares, np.where(top, -np.log(count), x.dtype.type(-np.inf)), out)
        return out


def softmax_cross_entropy(
    logits: np.ndarray,
    labels: np.ndarray,
    label_smoothing: float = 0.0,
    reduction: str = "mean",
    options: Options = NO_OPTIONS,
) -> np.ndarray:
    """Stable softmax cross-entropy in the dtype of ``logits``."""
    x = np.asarray(logits)
    dtype = x.dtype.type
    t = options.targets(labels, x.shape[-1], label_smoothing, dtype)
    with np.errstate(invalid="ignore"):
        rows = -np.sum(np.where(t == 0, 0, t * log_softmax(x)), axis=-1)
    divisor = np.sum(options.divisor_terms(labels).astype(dtype))
    return reduce(rows, reduction, divisor, options.convention.empty_mean)


def softmax_cross_entropy_grad(
    logits: np.ndarray,
    labels: np.ndarray,
    label_smoothing: float = 0.0,
    reduction: str = "mean",
    options: Options = NO_OPTIONS,
) -> np.ndarray:
    """Gradient of the reduced loss with respect to the logits, in the dtype of ``logits``."""
    x = np.asarray(logits)
    dtype = x.dtype.type
    t = options.targets(labels, x.shape[-1], label_smoothing, dtype)
    with np.errstate(invalid="ignore"):
        grad = (
            np.where(
                np.sum(t, axis=-1, keepdims=True) == 0,
                0,
                np.exp(log_softmax(x)) * np.sum(t, axis=-1, keepdims=True),
            )
            - t
        )
    if reduction != "mean":
        return grad
    divisor = np.sum(options.divisor_terms(labels).astype(dtype))
    if divisor == 0:  # rows with no target (ignored) do not depend on the logits: gradient 0
        empty = 0 if options.convention.empty_mean == "zero" else np.nan
        return np.where(options.kept(labels)[..., None], np.full_like(grad, empty), 0)
    return grad / divisor


def reduce(
    rows: np.ndarray, reduction: str, divisor: float | None = None, empty_mean: str = "nan"
) -> np.ndarray:
    """Apply ``reduction`` to per-row losses (of any shape): the mean divides by ``divisor``
    (default: the number of rows); by a divisor 0, it is NaN or, for ``empty_mean`` "zero", 0.
    Half-precision rows (float16, bfloat16) are summed in float32 and the result rounded once,
    as ``np.mean`` does for float16: a float16 sum kept in float16 would overflow past 65504
    where the mean is a float16 number."""
    if reduction == "none":
        return rows
    wide = np.float32 if rows.dtype.itemsize < 4 else None
    if reduction == "sum":
        return np.sum(rows, dtype=wide).astype(rows.dtype)
    if reduction == "mean":
        count = (wide or rows.dtype.type)(rows.size if divisor is None else divisor)
        if count == 0:
            return rows.dtype.type(0 if empty_mean == "zero" else "nan")
        return (np.sum(rows, dtype=wide) / count).astype(rows.dtype)
    raise ValueError(f"unknown reduction {reduction!r}; expected one of {REDUCTIONS}")


# --- extended precision: the stable form in long double, with its own error bound -----------


def extended_softmax_cross_entropy(
    logits: np.ndarray,
    labels: np.ndarray,
    label_smoothing: float = 0.0,
    reduction: str = "mean",
    options: Options = NO_OPTIONS,
) -> Exact:
    """The loss in extended precision (eps 2^-63 or better), far faster than mpmath for large
    inputs; ``error`` carries tight.py's bound at that precision, so a float64 check still
    knows how exact its reference is."""
    if not HAS_EXTENDED:
        return exact_softmax_cross_entropy(logits, labels, label_smoothing, reduction, options)
    x = np.asarray(logits, np.float64).astype(EXTENDED)
    rows = softmax_cross_entropy(x, labels, label_smoothing, "none", options)
    value = softmax_cross_entropy(x, labels, label_smoothing, reduction, options)
    divisor = options.divisor(labels) if reduction == "mean" else 1.0
    error = tight.extended_loss_error(rows, value, x.shape[-1], reduction, divisor, options.weight_scale())
    return Exact.from_extended(value, error)


def extended_softmax_cross_entropy_grad(
    logits: np.ndarray,
    labels: np.ndarray,
    label_smoothing: float = 0.0,
    reduction: str = "mean",
    options: Options = NO_OPTIONS,
) -> Exact:
    """The gradient of the reduced loss in extended precision, with tight.py's gradient
    bound at that precision as its ``error``."""
    if not HAS_EXTENDED:
        return exact_softmax_cross_entropy_grad(logits, labels, label_smoothing, reduction, options)
    x = np.asarray(logits, np.float64).astype(EXTENDED)
    grad = softmax_cross_entropy_grad(x, labels, label_smoothing, reduction, options)
    weight = grad_weight(labels, reduction, options)
    return Exact.from_extended(grad, tight.extended_grad_error(x.shape[-1], weight))


def grad_weight(labels: np.ndarray, reduction: str, options: Options = NO_OPTIONS) -> float:
    """How much the reduction and the class weights scale a row's gradient at most."""
    divisor = options.divisor(labels) if reduction == "mean" else 1.0
    return options.weight_scale() / divisor if divisor else options.weight_scale()


# --- arbitrary precision ----------------------------------------------------------------
