"""The bounds of fused linear cross-entropy (oracle/linear.py), in epsilons of the dtype.

The logits. An implementation forms ``z_nk = sum_i h_ni W_ki + b_k`` in the dtype (or, fused,
in pieces of it: the same dot products). A dot product of ``d`` terms plus the bias, summed in
any order, is off by at most ``gamma_(d+1) (|h| |W|^T + |b|)_nk`` (Higham, Numerical Accuracy
and Stability of Algorithms, 3.1), ``gamma_m = m u / (1 - m u)``: the worst case. The tight
tier counts a careful sum instead: ``depth(d + 1) + 1`` roundings of the accumulator (float32
for half precision) and one rounding to the dtype (tight.py). Call the bound of row n's
largest logit error ``delta_n``.

The loss. By the mean value theorem the loss of the computed logits differs from the exact
loss by at most ``||dL/dz||_1 delta_n`` per row, and ``dL/dz = S p - t`` (``t`` the weighted
targets, ``S`` their total, ``p`` a softmax) has ``||.||_1 <= 2 S`` anywhere on the way. So the
bound is softmax cross-entropy's own (bounds.py, tight.py) for rows of loss ``|L_n| + 2 S
delta_n``, plus ``2 S delta_n`` per row, reduced as the rows are.

The gradient. With respect to the logits, softmax cross-entropy's bound ``g`` (per element,
bounds.py) plus what the logits' error moves it: ``p_k`` moves by a factor within
``exp(+-2 delta)``, so ``G_nk`` by at most ``S_n p_nk (exp(2 delta_n) - 1)``. Call the sum
``eG``. The gradients with respect to h, W and b are products of the computed gradient with
W, h and ones, of K, N and N terms: ``|eG| |W| + gamma_K |G'| |W|`` for h (``|G'| = |G| + eG``),
``eG^T |h| + gamma_N |G'|^T |h|`` for W, and likewise with ones for b.

Underflow. Hidden states and weights may be tiny (drawn ones are), and a product of two tiny
numbers rounds absolutely, not relatively: each of a sum's ``m`` products and additions adds
at most half the dtype's smallest subnormal, ``m`` of them ``m * tiny / 2`` in all (Higham
2.2), which each logit's and each gradient entry's bound carries.
"""

from __future__ import annotations

import math

import numpy as np

from conformance.oracle import bounds, tight
from conformance.oracle.bounds import Bound
from conformance.oracle.linear import exact_logits, parts
from conformance.oracle.numbers import Exact
from conformance.oracle.softmax import grad_weight, log_softmax, softmax_cross_entropy
from conformance.oracle.targets import Options
from conformance.vocabulary import EPSILON


def _careful(m: int, dtype: str) -> float:
    """A careful m-term sum's error (accumulator and final rounding), in epsilons of ``dtype``
    per unit of the terms' size."""
    inside, rounding = tight._scaled(tight.depth(m) + 1, dtype)
    return inside + rounding


def _gamma(m: int, dtype: str) -> float:
    """Higham's ``gamma_m`` in epsilons of ``dtype`` (infinite where ``m u >= 1``)."""
    u = EPSILON[dtype] / 2
    return m * 0.5 / (1 - m * u) if m * u < 1 else math.inf


# the smallest subnormal of each dtype: 2^(emin - p + 1)
TINY = {"float64": 2.0**-1074, "float32": 2.0**-149, "float16": 2.0**-24, "bfloat16": 2.0**-133}


def _underflow(m: int, dtype: str) -> float:
    """What ``m`` roundings of results below the normal range may add, in epsilons of ``dtype``."""
    return m * TINY[dtype] / 2 / EPSILON[dtype]


def logit_error(packed: np.ndarray, rows: int, dtype: str) -> tuple[np.ndarray, np.ndarray]:
    """(worst, tight) bound of each row's largest logit error, in epsilons of ``dtype``: of a
    naive sum in the dtype, ``gamma_(d+1)`` times the terms' size; of a careful one, its
    accumulator's roundings times that size and one rounding to the dtype of the logit."""
    x = np.asarray(packed, np.float64)
    h, w, b = parts(np.abs(x), rows)
    size = h @ w.T + b
    inside, rounding = tight._scaled(tight.depth(h.shape[1] + 1) + 1, dtype)
    careful = inside * size + rounding * (np.abs(exact_logits(x, rows).hi) + inside * EPSILON[dtype] * size)
    tiny = _underflow(2 * h.shape[1] + 1, dtype)
    return (
        _gamma(h.shape[1] + 1, dtype) * size.max(axis=-1, initial=0.0) + tiny,
        careful.max(axis=-1, initial=0.0) + tiny,
    )


def loss_bound(
    packed: np.ndarray, labels: np.ndarray, e: float, r: str, o: Options, exact: Exact, dtype: str
) -> Bound:
    """Both bounds of the fused loss, in epsilons of ``dtype`` (the module docstring)."""
    n = len(labels)
    z = exact_logits(packed, n).hi
    k = z.shape[-1]
    rows = np.abs(softmax_cross_entropy(z, labels, e, "none", o))
    totals = o.targets(labels, k, e).sum(axis=-1)
    eps = EPSILON[dtype]
    out = []
    for delta, softmax_bound in zip(
        logit_error(packed, n, dtype),
        (
            lambda rs: bounds.loss_bound_eps(rs, k, r, exact, o.divisor(labels), o.weight_scale()),
            lambda rs: tight.tight_loss_bound_eps(
                rs, k, r, exact, dtype, o.divisor(labels), o.weight_scale()
            ),
        ),
    ):
        moved = 2 * totals * delta  # in epsilons
        each = softmax_bound(rows + moved * eps) + (
            moved if r == "none" else bounds.reduced_rows(moved, r, o.divisor(labels))
        )
        out.append(each)
    return Bound(*out)


def grad_bound(
    packed: np.ndarray, shape: tuple[int, ...], labels: np.ndarray, e: float, r: str, o: Options, dtype: str
) -> Bound:
    """Both bounds of each element of the gradient with respect to the packed input."""
    x = np.asarray(packed, np.float64)
    n = len(labels)
    h, w, _ = parts(np.abs(x), n)
    z = exact_logits(x, n).hi
    k = z.shape[-1]
    eps = EPSILON[dtype]
    t = o.targets(labels, k, e)
    reduced = 1.0 / o.divisor(labels) if r == "mean" and o.divisor(labels) else float(r != "mean")
    slope = reduced * t.sum(axis=-1, keepdims=True)  # S per row
    with np.errstate(over="ignore", invalid="ignore"):
        p = np.exp(log_softmax(z))
    size = slope * p + reduced * np.abs(t)  # |G| = r |S p - t| at most
    weight = grad_weight(labels, r, o)
    out = []
    for delta, softmax_each, (products_k, products_n) in zip(
        logit_error(x, n, dtype),
        (bounds.grad_bound_eps((n, k), weight), tight.tight_grad_bound_eps((n, k), weight, dtype)),
        ((_gamma(k, dtype), _gamma(n, dtype)), (_careful(k, dtype), _careful(n, dtype))),
    ):
        with np.errstate(over="ignore", invalid="ignore"):
            moved = slope * p * np.expm1(2 * delta[:, None] * eps) / eps
        error_g = softmax_each + moved  # in epsilons
        computed = size + error_g * eps  # |G'|, at most
        ones = np.ones((n, 1))
        hb = np.hstack([h, ones])
        each = np.zeros(shape)
        each[:n, :-1] = error_g @ w + products_k * (computed @ w) + _underflow(2 * k, dtype)
        each[n:] = error_g.T @ hb + products_n * (computed.T @ hb) + _underflow(2 * n + 1, dtype)
        out.append(each)
    return Bound(*out)
