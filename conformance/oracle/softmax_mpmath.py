"""Softmax cross-entropy, log_softmax and the gradient in arbitrary precision (mpmath), returned
as double-double values: the golden values and every float64 check (definitions: softmax.py)."""

from __future__ import annotations

import mpmath
import numpy as np

from conformance.oracle.numbers import DIGITS, Exact, to_exact
from conformance.oracle.targets import NO_OPTIONS, Options, is_indices, one_hot
from conformance.vocabulary import REDUCTIONS


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
    others = options.convention.smoothing_spread == "other-classes"  # e/(K - 1) off the target

    def target(v: float) -> mpmath.mpf:
        y = mpmath.mpf(float(v))
        return y * (1 - e) + ((1 - y) * e / max(num_classes - 1, 1) if others else e / num_classes)

    return [
        [target(v) * wk if keep else mpmath.mpf(0) for v, wk in zip(row, w)] for row, keep in zip(y, kept)
    ]
