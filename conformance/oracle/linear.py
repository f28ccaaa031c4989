"""Fused linear cross-entropy: the softmax cross-entropy of ``z = h @ W.T + b`` for hidden
states ``h`` (N, d), a weight ``W`` (K, d) and a bias ``b`` (K,), which fused kernels compute
without forming the logits.

Packed input. The rest of the suite passes one array of inputs and differentiates with
respect to it, so a case holds its three as one array, ``P = [[h, 0], [W, b]]`` of shape
(N + K, d + 1): the first N rows are the hidden states (their last entry unused, 0), the next
K the weight with the bias as its last column. The labels (N,) tell N. An implementation
takes ``parts(P, N)``; its gradient with respect to P is, stacked, the gradients with respect
to h (and 0 for the unused entries), to W and to b.

The exact answer. The logits are formed exactly, as double-doubles ``hi + lo`` (each product
split without error, Dekker's TwoProduct, and summed by ``math.fsum``). The loss and its
gradient with respect to the logits are the softmax reference's at ``hi`` (exact or extended
tier), corrected to first order for ``lo``: ``L(hi + lo) = L(hi) + G(hi) . lo + R`` with
``|R| <= S ||lo||^2 / 2`` per row (``S`` the row's target total times the reduction's weight:
the Hessian ``S (diag(p) - p p^T)`` has norm at most S), and ``G(hi + lo) = G(hi) + S p (lo -
p . lo)`` to within ``4 S p ||lo||^2``. The gradients with respect to h, W and b are the products
of that gradient with W, h and ones, in long double, their rounding bounded and carried in
``Exact.error``. ``lo`` is at most half a float64 ulp of a logit, so the corrections matter only
at float64 accuracy, where they are what makes the reference exact.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from conformance.oracle.numbers import EXTENDED, EXTENDED_EPS, Exact
from conformance.oracle.softmax import log_softmax
from conformance.oracle.targets import Options

F64_EPS = 2.0**-52


def parts(packed: Any, rows: int) -> tuple[Any, Any, Any]:
    """``(h, W, b)`` of a packed input (any array type that slices: NumPy, torch, JAX, TF)."""
    return packed[:rows, :-1], packed[rows:, :-1], packed[rows:, -1]


def judged(packed: np.ndarray, rows: int) -> slice:
    """The columns of the gradient to judge: all, or all but the bias column where the case's
    bias is zero (no bias): an implementation need not take one, nor differentiate it."""
    return slice(None) if np.any(parts(packed, rows)[2]) else slice(None, -1)


def pack(hidden: np.ndarray, weight: np.ndarray, bias: np.ndarray | None = None) -> np.ndarray:
    """``[[h, 0], [W, b]]`` (float64): the one array a case holds (b = 0 where there is none)."""
    h, w = np.asarray(hidden, np.float64), np.asarray(weight, np.float64)
    b = np.zeros(len(w)) if bias is None else np.asarray(bias, np.float64)
    return np.block([[h, np.zeros((len(h), 1))], [w, b[:, None]]])


def _split(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Dekker's split: ``a = high + low`` with each half of 26 bits."""
    c = a * 134217729.0  # 2^27 + 1
    high = c - (c - a)
    return high, a - high


def _two_product(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``a * b = p + e`` exactly (float64, barring overflow and underflow)."""
    p = a * b
    (ah, al), (bh, bl) = _split(a), _split(b)
    return p, ((ah * bh - p) + ah * bl + al * bh) + al * bl


def exact_logits(packed: np.ndarray, rows: int) -> Exact:
    """``h @ W.T + b`` exactly, as double-doubles (N, K)."""
    h, w, b = parts(np.asarray(packed, np.float64), rows)
    p, e = _two_product(h[:, None, :], w[None, :, :])  # (N, K, d) each
    terms = np.concatenate([p, e, np.broadcast_to(b[None, :, None], (len(h), len(w), 1))], axis=-1)
    hi = np.empty((len(h), len(w)))
    lo = np.empty_like(hi)
    for (n, k), row in zip(np.ndindex(hi.shape), terms.reshape(-1, terms.shape[-1])):
        hi[n, k] = s = math.fsum(row)
        lo[n, k] = math.fsum([*row, -s]) if math.isfinite(s) else 0.0
    return Exact(hi, lo)


def _slope(z: Exact, labels: np.ndarray, e: float, reduction: str, options: Options) -> np.ndarray:
    """``S`` per row: the row's target total times the reduction's weight (1/divisor for mean)."""
    totals = options.targets(labels, z.hi.shape[-1], e).sum(axis=-1)
    if reduction == "mean":
        divisor = options.divisor(labels)
        totals = totals / divisor if divisor else np.zeros_like(totals)
    return totals


def loss(tier: Any, packed: np.ndarray, labels: np.ndarray, e: float, r: str, o: Options) -> Exact:
    """The exact loss of the packed case, through the softmax ``tier`` (exact or extended)."""
    z = exact_logits(packed, len(labels))
    at_hi, grad = tier(z.hi, labels, e, r, o, False), tier(z.hi, labels, e, r, o, True)
    products = grad.hi * z.lo
    slope = _slope(z, labels, e, r, o)
    square = 0.5 * np.abs(slope) * np.max(z.lo**2, axis=-1, initial=0.0)
    first, second = products.sum(axis=-1), square
    if r != "none":
        first, second = products.sum(), square.sum()
    # the float64 sum of the products, and the gradient's own error times lo
    rounding = (z.hi.shape[-1] + 2) * F64_EPS * np.abs(products).sum(axis=-1)
    carried = (np.abs(grad.lo) + grad.error) * np.abs(z.lo)
    extra = rounding + carried.sum(axis=-1)
    extra = extra if r == "none" else extra.sum()
    hi = at_hi.hi + (at_hi.lo + first)
    with np.errstate(invalid="ignore"):
        lo = np.where(np.isfinite(hi), (at_hi.hi - hi) + (at_hi.lo + first), 0.0)
    return Exact(np.asarray(hi), np.asarray(lo), at_hi.error + second + extra + F64_EPS * np.abs(first))


def logits_grad(tier: Any, z: Exact, labels: np.ndarray, e: float, r: str, o: Options) -> Exact:
    """The exact gradient with respect to the logits ``z`` (N, K), corrected for ``z.lo``."""
    grad = tier(z.hi, labels, e, r, o, True)
    slope = _slope(z, labels, e, r, o)[:, None]
    with np.errstate(invalid="ignore", over="ignore"):
        p = np.exp(log_softmax(z.hi))
        step = slope * p * (z.lo - np.sum(p * z.lo, axis=-1, keepdims=True))
        reach = np.max(np.abs(z.lo), axis=-1, initial=0.0)[:, None]
        error = grad.error + 4 * np.abs(slope) * p * reach**2 + 8 * z.hi.shape[-1] * F64_EPS * np.abs(step)
    hi = grad.hi + (grad.lo + step)
    lo = np.where(np.isfinite(hi), (grad.hi - hi) + (grad.lo + step), 0.0)
    return Exact(hi, lo, error)


def grad(tier: Any, packed: np.ndarray, labels: np.ndarray, e: float, r: str, o: Options) -> Exact:
    """The exact gradient with respect to the packed input: ``[[G W, 0], [G^T h, G^T 1]]``."""
    x = np.asarray(packed, np.float64)
    n = len(labels)
    g = logits_grad(tier, exact_logits(x, n), labels, e, r, o)
    h, w, _ = parts(x, n)
    wide = g.hi.astype(EXTENDED) + g.lo.astype(EXTENDED)
    magnitude = np.abs(g.hi) + np.abs(g.error)
    ones = np.ones((n, 1))
    blocks = (
        (wide @ w.astype(EXTENDED), magnitude @ np.abs(w), np.broadcast_to(g.error, g.hi.shape) @ np.abs(w)),
        (
            wide.T @ np.hstack([h, ones]).astype(EXTENDED),
            magnitude.T @ np.abs(np.hstack([h, ones])),
            np.broadcast_to(g.error, g.hi.shape).T @ np.abs(np.hstack([h, ones])),
        ),
    )
    value = np.zeros(x.shape, EXTENDED)
    error = np.zeros(x.shape)
    value[:n, :-1], value[n:] = blocks[0][0], blocks[1][0]
    regions: tuple[Any, Any] = (np.s_[:n, :-1], np.s_[n:])
    for rows_, (_, size, carried) in zip(regions, blocks):
        terms = max(n, len(w)) + 2
        error[rows_] = terms * EXTENDED_EPS * size + carried
    return Exact.from_extended(value, error)
