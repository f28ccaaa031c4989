"""The operations the suite specifies, as a table: name -> how to compute the exact answer
(arbitrary precision, or extended precision with its own error), the decimals a golden case
file stores, and the bounds of the loss and of its gradient. Code that serves every
operation looks it up here instead of branching on its name."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import mpmath
import numpy as np

from conformance.oracle import bounds, linear, linear_bounds, sigmoid, softmax, softmax_mpmath, tight
from conformance.oracle.bounds import Bound
from conformance.oracle.numbers import DIGITS, Exact
from conformance.oracle.targets import Options
from conformance.vocabulary import LINEAR_CROSS_ENTROPY, SIGMOID_CROSS_ENTROPY, SOFTMAX_CROSS_ENTROPY

# (logits, labels, label_smoothing, reduction, options, gradient) -> the exact loss or gradient
Tier = Callable[[np.ndarray, np.ndarray, float, str, Options, bool], Exact]


@dataclass(frozen=True)
class Operation:
    name: str
    exact: Tier  # to DIGITS digits (mpmath)
    extended: Tier  # in long double, its error bounded (far faster for large inputs)
    # (logits, labels, label_smoothing, reduction, options) -> the exact loss as mpmath numbers
    decimals: Callable[[np.ndarray, np.ndarray, float, str, Options], list[mpmath.mpf]]
    # (float64 logits, labels, label_smoothing, reduction, options, exact loss, dtype) -> both
    # bounds in eps
    loss_bound: Callable[[np.ndarray, np.ndarray, float, str, Options, Exact, str], Bound]
    # (float64 logits, gradient's shape, labels, label_smoothing, reduction, options, dtype) ->
    # both bounds in eps, per element
    grad_bound: Callable[[np.ndarray, tuple[int, ...], np.ndarray, float, str, Options, str], Bound]


def _softmax_tier(loss: Callable[..., Exact], grad: Callable[..., Exact]) -> Tier:
    return lambda x, y, e, r, o, gradient: (grad if gradient else loss)(x, y, e, r, o)


def _softmax_loss_bound(
    x: np.ndarray, y: np.ndarray, e: float, r: str, o: Options, exact: Exact, dtype: str
) -> Bound:
    rows = np.abs(softmax.softmax_cross_entropy(x, y, e, "none", o))
    if r == "none" and np.size(exact.hi) == rows.size:
        # Rows as large as the loss judged: for the reference they are the same, but an identity
        # check (checks/properties.py) judges an implementation by its own result, which a known
        # defect of definition can make far larger than the reference's (Keras smoothing by
        # e / 1 over 1000 classes: 2674 where the loss is 7), and rounds at that size.
        own = np.where(np.isfinite(exact.hi), np.abs(exact.hi), 0.0)
        rows = np.where(np.isfinite(rows), np.maximum(rows, np.reshape(own, rows.shape)), rows)
    k, divisor, w = x.shape[-1], o.divisor(y), o.weight_scale()
    return Bound(
        bounds.loss_bound_eps(rows, k, r, exact, divisor, w),
        tight.tight_loss_bound_eps(rows, k, r, exact, dtype, divisor, w),
    )


def _softmax_grad_bound(
    x: np.ndarray, shape: tuple[int, ...], y: np.ndarray, e: float, r: str, o: Options, dtype: str
) -> Bound:
    weight = softmax.grad_weight(y, r, o)
    return Bound(bounds.grad_bound_eps(shape, weight), tight.tight_grad_bound_eps(shape, weight, dtype))


def _sigmoid_tier(tier: Callable[..., Exact]) -> Tier:
    return lambda x, y, e, r, o, gradient: tier(x, y, e, r, o.convention.rows_mean, gradient)


def _sigmoid_decimals(x: np.ndarray, y: np.ndarray, e: float, r: str, o: Options) -> list[mpmath.mpf]:
    exact = sigmoid.exact(x, y, e, r, o.convention.rows_mean)
    with mpmath.workdps(DIGITS):
        return [mpmath.mpf(h) + mpmath.mpf(lo) for h, lo in zip(exact.hi.ravel(), exact.lo.ravel())]


def _sigmoid_loss_bound(
    x: np.ndarray, y: np.ndarray, e: float, r: str, o: Options, exact: Exact, dtype: str
) -> Bound:
    elements = sigmoid.sigmoid_cross_entropy(x, y, e, "none")
    rows_mean = o.convention.rows_mean
    return Bound(
        bounds.binary_bound_eps(x, elements, r, exact, rows_mean),
        bounds.binary_bound_eps(x, elements, r, exact, rows_mean, tight.tree_summing),
    )


def _sigmoid_grad_bound(
    x: np.ndarray, shape: tuple[int, ...], y: np.ndarray, e: float, r: str, o: Options, dtype: str
) -> Bound:
    each = bounds.binary_grad_bound_eps(shape, sigmoid.weight(shape, r, o.convention.rows_mean))
    return Bound(each, each)  # no sum: the same per element either way


_SOFTMAX_EXACT = _softmax_tier(
    softmax_mpmath.exact_softmax_cross_entropy, softmax_mpmath.exact_softmax_cross_entropy_grad
)
_SOFTMAX_EXTENDED = _softmax_tier(
    softmax.extended_softmax_cross_entropy, softmax.extended_softmax_cross_entropy_grad
)


def _linear_tier(tier: Tier) -> Tier:
    """The fused linear loss (or gradient, with respect to the packed input) through ``tier``."""
    return lambda x, y, e, r, o, gradient: (linear.grad if gradient else linear.loss)(tier, x, y, e, r, o)


def _linear_decimals(x: np.ndarray, y: np.ndarray, e: float, r: str, o: Options) -> list[mpmath.mpf]:
    exact = linear.loss(_SOFTMAX_EXACT, x, y, e, r, o)
    with mpmath.workdps(DIGITS):
        return [mpmath.mpf(h) + mpmath.mpf(lo) for h, lo in zip(exact.hi.ravel(), exact.lo.ravel())]


OPERATIONS = {
    SOFTMAX_CROSS_ENTROPY: Operation(
        SOFTMAX_CROSS_ENTROPY,
        exact=_SOFTMAX_EXACT,
        extended=_SOFTMAX_EXTENDED,
        decimals=softmax_mpmath.mp_softmax_cross_entropy,
        loss_bound=_softmax_loss_bound,
        grad_bound=_softmax_grad_bound,
    ),
    SIGMOID_CROSS_ENTROPY: Operation(
        SIGMOID_CROSS_ENTROPY,
        exact=_sigmoid_tier(sigmoid.exact),
        extended=_sigmoid_tier(sigmoid.extended),
        decimals=_sigmoid_decimals,
        loss_bound=_sigmoid_loss_bound,
        grad_bound=_sigmoid_grad_bound,
    ),
    LINEAR_CROSS_ENTROPY: Operation(
        LINEAR_CROSS_ENTROPY,
        exact=_linear_tier(_SOFTMAX_EXACT),
        extended=_linear_tier(_SOFTMAX_EXTENDED),
        decimals=_linear_decimals,
        loss_bound=linear_bounds.loss_bound,
        grad_bound=linear_bounds.grad_bound,
    ),
}
