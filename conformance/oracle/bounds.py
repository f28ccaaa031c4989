"""Every bound the suite judges by, in units of the dtype's epsilon, with its derivation.

The bound (one formula, used for every dtype)
---------------------------------------------
Softmax cross-entropy is computed stably as ``loss = sum_k t_k * (log S - d_k)`` with
``d_k = x_k - max(x)`` and ``S = sum_k exp(d_k)``. In a dtype with machine epsilon ``eps``
(unit roundoff ``u = eps / 2``), for a row of ``K`` classes whose exact loss is ``L``:

* ``d_k`` carries an error ``u |d_k|``; ``exp(d_k)`` a relative one ``u (1 + |d_k|)``;
* ``S``, a sum of K positive terms each at most 1, gets a relative error of at most
  ``u (K - 1) + u sum_k exp(d_k) (1 + |d_k|) / S <= u (1.4 K + 1)`` (as ``y e^-y <= 1/e``),
  which is the absolute error of ``log S``, plus ``u log K`` for rounding the log;
* the weighted sum ``sum_k t_k (log S - d_k)`` has terms of one sign, so summing it adds a
  relative error of at most ``u K``; the weights' own rounding (``1 - e``, ``e / K``) ``2u``;
* the ``d_k`` errors, weighted by ``t_k``, add ``u sum_k t_k |d_k| <= u L``.

Altogether at most ``u (L + 1.4 K + log K + 1 + (K + 2) L) <= eps * (K + 4) * (L + 1)``,
so a per-row loss is bounded by ``row = (K + 4) * (|L| + 1)`` epsilons. The bound follows
the size of the loss, not of the logits: shifting every logit by the row maximum is what
makes the form stable, and an implementation that skips it (computing
``logsumexp(x) - sum_k t_k x_k`` unshifted) loses digits in proportion to ``|x|`` and is
reported. A reduction over ``N`` rows adds the error of an ``N``-term sum of non-negative
numbers, ``N * u * |result|`` (rounded up to ``N * eps * |result|``): ``sum`` is bounded by
``sum_i row_i + N |result|`` and ``mean`` by ``mean_i row_i + N |result|``.

The gradient ``softmax(x) * sum(t) - t``: ``p_k = exp(log S - d_k)`` has an absolute error
of at most ``p_k`` times the error of its log, and ``p_k |log p_k| <= 1/e``, so each element
is bounded by ``(K + 2)`` epsilons times the reduction's weight (``1/N`` for ``mean``).

Options: class weights ``w`` multiply every target, so a row's terms (and its bound's ``+ 1``
term, the targets' total) scale by at most ``W = max(1, max w)``: ``row = (K + 4)(|L| + W)``
and the gradient's weight is ``W`` over what the mean divides by (a weighted mean's divisor
is itself an N-term sum, within the ``N |result|`` term).

These are worst-case bounds for naive (left-to-right) summation, linear in K; they are
not tuned to anything observed. The reference is exact (mpmath, or extended precision whose
own error is added, see oracle/numbers.py), so the bound is all the implementation's.

The tight bound beside it (careful summation, growing like log K) is derived in
oracle/tight.py.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from conformance.oracle.numbers import Exact


@dataclass(frozen=True)
class Bound:
    """Both bounds of each element, in epsilons: ``worst`` (naive summation, linear in K) and
    ``tight`` (careful summation, log K), never above ``worst``. Bounds add (a check of two
    results allows both)."""

    worst: np.ndarray
    tight: np.ndarray

    def __post_init__(self) -> None:
        worst = np.asarray(self.worst, np.float64)
        object.__setattr__(self, "worst", worst)
        object.__setattr__(self, "tight", np.minimum(np.asarray(self.tight, np.float64), worst))

    def __add__(self, other: Bound | np.ndarray | float) -> Bound:
        if isinstance(other, Bound):
            return Bound(self.worst + other.worst, self.tight + other.tight)
        return Bound(self.worst + other, self.tight + other)

    __radd__ = __add__

    def __getitem__(self, index: Any) -> Bound:
        """The bounds of the elements at ``index`` (a NumPy index)."""
        return Bound(self.worst[index], self.tight[index])


def row_bound_eps(row_losses: np.ndarray, num_classes: int, weight_scale: float = 1.0) -> np.ndarray:
    """``(K + 4) * (|L_i| + W)`` per row, ``L_i`` the row's (exact) loss and ``W`` the largest
    class weight (at least 1); 0 where not finite."""
    losses = np.abs(np.asarray(row_losses, np.float64))
    return np.where(np.isfinite(losses), (num_classes + 4) * (losses + weight_scale), 0.0)


def loss_bound_eps(
    row_losses: np.ndarray,
    num_classes: int,
    reduction: str,
    exact: Exact,
    divisor: float | None = None,
    weight_scale: float = 1.0,
) -> np.ndarray:
    """The bound, in epsilons, for each element of the loss under ``reduction``; the mean
    divides by ``divisor`` (default: the number of rows)."""
    rows = row_bound_eps(row_losses, num_classes, weight_scale)
    if reduction == "none":
        return rows
    return np.asarray(reduced_rows(rows, reduction, divisor) + len(rows) * finite_magnitude(exact.hi))


def reduced_rows(rows: np.ndarray, reduction: str, divisor: float | None) -> float:
    """Rows' bounds under a reduction: their sum, or for ``mean`` their sum over ``divisor``
    (default: the number of rows; 0 where it is 0)."""
    divisor = len(rows) if divisor is None else divisor
    return float(rows.sum() if reduction == "sum" else (rows.sum() / divisor if divisor else 0.0))


def finite_magnitude(values: np.ndarray) -> np.ndarray:
    """``|values|``, with 0 where a value is not finite (compare checks those apart)."""
    v = np.asarray(values)
    return np.where(np.isfinite(v), np.abs(np.where(np.isfinite(v), v, 0)), 0)


def grad_bound_eps(shape: tuple[int, ...], weight: float) -> np.ndarray:
    """The bound, in epsilons, for each element of the gradient with respect to the logits;
    ``weight`` scales a row's gradient at most (softmax.grad_weight: 1/N for a mean)."""
    return np.full(shape, (shape[-1] + 2) * weight)


# --- binary (sigmoid) cross-entropy -------------------------------------------------------
# Per element, loss = max(x, 0) - t x + log1p(exp(-|x|)) with t = y (1 - e) + e / 2. The
# target takes three roundings (1 - e, y (1 - e), + e / 2): t is off by up to 3u, and with
# the product's own rounding ``t x`` by up to ``4u |x|``; the subtraction and the final sum
# add about ``u (|loss| + 2)`` and log1p(exp(-|x|)) (at most log 2) ``2u``. Altogether at most
# ``u (4 |x| + |loss| + 4) <= eps (2 |x| + |loss| + 2)``: the bound follows the logit, not the
# loss, because the target's own rounding moves the loss by ``u |x|`` (a loss near 0 at
# x = 1e4 is only known to about 1e4 u). Reductions add ``M |result|`` for an M-term sum, as
# above. The gradient ``sigmoid(x) - t``: exp(-|x|) has a relative error ``u (1 + |x|)``,
# which sigmoid damps by ``z / (1 + z)^2`` (z = exp(-|x|)) to below ``u``; the division, the
# target's 3u and the subtraction bring it to about ``7u``, within 4 eps (= 8u) times the
# reduction's weight.


def binary_bound_eps(
    logits: np.ndarray,
    elements: np.ndarray,
    reduction: str,
    exact: Exact,
    rows_mean: bool = False,
    summing: Callable[[int], float] = float,
) -> np.ndarray:
    """The bound, in epsilons, for binary cross-entropy under ``reduction`` (``rows_mean``:
    a mean over the last axis first, Keras' convention). ``summing(n)``: the epsilons of
    ``|result|`` an n-term sum adds, ``n`` (naive) or ``tight.tree_summing(n)`` (the tight bound)."""
    losses = np.abs(np.asarray(elements, np.float64))
    x = np.abs(np.asarray(logits, np.float64))
    each = np.where(np.isfinite(losses) & np.isfinite(x), losses + 2 * x + 2, 0.0)
    size = finite_magnitude(exact.hi)
    inner = 0.0
    if rows_mean:  # each row's mean over C adds C |row mean|, and C |result| once reduced
        c = each.shape[-1]
        inner = summing(c) if c else 0.0
        each = each.sum(axis=-1) / c if c else each.sum(axis=-1)
    if reduction == "none":
        return each + inner * size
    m = each.size
    total = each.sum() if reduction == "sum" else (each.sum() / m if m else 0.0)
    return np.asarray(total + (summing(m) + inner) * size)


def binary_grad_bound_eps(shape: tuple[int, ...], weight: float) -> np.ndarray:
    """The bound, in epsilons, for each element of the binary cross-entropy's gradient;
    ``weight`` is the reduction's (sigmoid.weight)."""
    return np.full(shape, 4.0 * weight)
