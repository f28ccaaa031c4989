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

import mpmath
import numpy as np

from conformance.oracle import tight
from conformance.oracle.numbers import DIGITS, EXTENDED, HAS_EXTENDED, Exact, to_exact
from conformance.oracle.targets import NO_OPTIONS, Options, is_indices, one_hot
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


def _mp_log_softmax_row(row: np.ndarray) -> list[mpmath.mpf]:
    xs = [mpmath.mpf(float(v)) for v in row]
    finite = [v for v in xs if mpmath.isfinite(v)]
    if any(mpmath.isnan(v) for v in xs):
        return [mpmath.nan] * len(xs)
    if any(v == mpmath.inf for v in xs):
        # +inf logits: the softmax mass is shared among them; everything else is -inf.
        n_inf = sum(v == mpmath.inf for v in xs)
        return [-mpmath.log(n_inf) if v == mpmath.inf else -mpmath.inf for v in xs]
    if not finite:
        return [mpmath.nan] * len(xs)  # every class masked: no distribution
    # log S with S = sum_k exp(x_k - m) = 1 + r, through log1p(r): a loss of exp(-800)
    # stays exp(-800) rather than vanishing next to the 1.
    top = xs.index(max(finite))
    r = mpmath.fsum(mpmath.exp(v - xs[top]) for i, v in enumerate(xs) if i != top)
    log_s = mpmath.log1p(r)
    return [(v - xs[top]) - log_s for v in xs]


def exact_log_softmax(logits: np.ndarray) -> Exact:
    """``log_softmax`` over the last axis of a 2-D array, to ``DIGITS`` digits."""
    with mpmath.workdps(DIGITS):
        rows = [_mp_log_softmax_row(r) for r in np.asarray(logits, np.float64)]
        return to_exact(rows, np.shape(logits))


def exact_softmax_cross_entropy(
    logits: np.ndarray,
    labels: np.ndarray,
    label_smoothing: float = 0.0,
    reduction: str = "mean",
    options: Options = NO_OPTIONS,
) -> Exact:
    """The loss to ``DIGITS`` digits; inputs are taken as the exact binary values they hold."""
    values = mp_softmax_cross_entropy(logits, labels, label_smoothing, reduction, options)
    with mpmath.workdps(DIGITS):
        return to_exact(values, (len(values),) if reduction == "none" else ())


def mp_softmax_cross_entropy(
    logits: np.ndarray,
    labels: np.ndarray,
    label_smoothing: float = 0.0,
    reduction: str = "mean",
    options: Options = NO_OPTIONS,
) -> list[mpmath.mpf]:
    """The loss as mpmath numbers (one per row for ``none``, else one), to ``DIGITS`` digits."""
    if reduction not in REDUCTIONS:
        raise ValueError(f"unknown reduction {reduction!r}; expected one of {REDUCTIONS}")
    x = np.asarray(logits, np.float64)
    with mpmath.workdps(DIGITS):
        rows = []
        for row, t in zip(x, _mp_targets(labels, x.shape[-1], label_smoothing, options)):
            logp = _mp_log_softmax_row(row) if any(t) else [mpmath.mpf(0)] * len(t)
            rows.append(-mpmath.fsum(tk * lk for tk, lk in zip(t, logp) if tk != 0))
        if reduction == "none":
            return rows
        total = mpmath.fsum(rows)
        if reduction == "mean":
            total = _mp_mean(total, labels, options)
        return [+total]


def _mp_mean(total: mpmath.mpf, labels: np.ndarray, options: Options) -> mpmath.mpf:
    divisor = mpmath.fsum(mpmath.mpf(float(v)) for v in options.divisor_terms(labels))
    if divisor == 0:
        return mpmath.mpf(0) if options.convention.empty_mean == "zero" else mpmath.nan
    return total / divisor


def exact_softmax_cross_entropy_grad(
    logits: np.ndarray,
    labels: np.ndarray,
    label_smoothing: float = 0.0,
    reduction: str = "mean",
    options: Options = NO_OPTIONS,
) -> Exact:
    """The gradient of the reduced loss with respect to the logits, to ``DIGITS`` digits."""
    x = np.asarray(logits, np.float64)
    with mpmath.workdps(DIGITS):
        scale = _mp_mean(mpmath.mpf(1), labels, options) if reduction == "mean" else mpmath.mpf(1)
        grads = []
        targets = _mp_targets(labels, x.shape[-1], label_smoothing, options)
        for row, t, kept in zip(x, targets, options.kept(labels)):
            total = mpmath.fsum(t)
            p = [mpmath.exp(v) for v in _mp_log_softmax_row(row)] if kept else [0] * len(t)
            grads.append([(pk * total - tk) * scale if kept else mpmath.mpf(0) for pk, tk in zip(p, t)])
        return to_exact(grads, x.shape)


def _mp_targets(
    labels: np.ndarray, num_classes: int, e: float, options: Options = NO_OPTIONS
) -> list[list[mpmath.mpf]]:
    """``options.targets`` in mpmath: smoothed, weighted, zero for ignored rows."""
    kept = options.kept(labels)
    y = (
        one_hot(np.where(kept, labels, 0), num_classes)
        if is_indices(labels)
        else np.asarray(labels, np.float64)
    )
    e = mpmath.mpf(float(e))
    w = [mpmath.mpf(1)] * num_classes if options.weights is None else [mpmath.mpf(v) for v in options.weights]
    return [
        [
            (mpmath.mpf(float(v)) * (1 - e) + e / num_classes) * wk if keep else mpmath.mpf(0)
            for v, wk in zip(row, w)
        ]
        for row, keep in zip(y, kept)
    ]
