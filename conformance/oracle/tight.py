"""The tight bound: the error of the stable form summed carefully (a tree of additions, half
precision accumulated in float32), in epsilons of the dtype. Derived in docs/bounds.md; a
result within the worst-case bound (bounds.py) but beyond this one is ``imprecise``."""

from __future__ import annotations

import math

import numpy as np

from conformance.oracle.bounds import finite_magnitude, reduced_rows
from conformance.oracle.numbers import EXTENDED_EPS, Exact
from conformance.vocabulary import EPSILON

# The accumulator careful implementations compute half precision in, and how many times at
# most they round a value to the dtype on the way (docs/bounds.md, "Half precision").
ACCUMULATOR = {"float16": "float32", "bfloat16": "float32"}
LOSS_ROUNDINGS = 7  # of the loss's size: the targets' three, log S, log p, the smoothing term, the result
GRAD_ROUNDINGS = 12  # of a gradient element's weight: the targets' three in T and in t_k, p, S, and three
ROUNDINGS = 6  # of a reduced result's size: the rows', the sum's, the divisor's, the division's
LEAF = 32  # the longest run of terms a careful sum adds in order (docs/bounds.md)


def depth(n: int) -> int:
    """How many additions a term of a careful (tree) sum of ``n`` terms passes through."""
    if n <= LEAF:
        return max(n - 1, 0)
    return LEAF - 1 + math.ceil(math.log2(math.ceil(n / LEAF)))


def gamma(units: float, dtype: str) -> float:
    """Higham's factor ``1 / (1 - n u)`` turning a first-order bound of ``n`` units of
    roundoff ``u`` into a rigorous one (infinite where ``n u >= 1``: no promise)."""
    nu = units * EPSILON[dtype] / 2
    return 1 / (1 - nu) if nu < 1 else math.inf


def row_units(num_classes: int) -> float:
    """The roundoffs a row's loss counts: ``D + 7 + 2 ln K``."""
    return depth(num_classes) + 7 + 2 * math.log(max(num_classes, 1))


def grad_units(num_classes: int) -> float:
    """The roundoffs a gradient element counts: ``2 D + 12 + 2 ln K``."""
    return 2 * depth(num_classes) + 12 + 2 * math.log(max(num_classes, 1))


def working(dtype: str) -> tuple[float, float]:
    """How a careful implementation computes in ``dtype``: (the epsilon of its accumulator in
    epsilons of ``dtype``, the epsilons its roundings to ``dtype`` add, per unit of what each
    rounds): (1, 0) where it computes in the dtype itself, (2^-13 or 2^-16, 0.5) for half
    precision."""
    accumulator = ACCUMULATOR.get(dtype, dtype)
    if accumulator == dtype:
        return 1.0, 0.0
    return EPSILON[accumulator] / EPSILON[dtype], 0.5


def _scaled(units: float, dtype: str) -> tuple[float, float]:
    """(the epsilons of ``dtype`` that ``units`` roundoffs of the accumulator come to, made
    rigorous by gamma; the epsilons one rounding to ``dtype`` comes to), per unit of size."""
    q, rounding = working(dtype)
    return q * units / 2 * gamma(units, ACCUMULATOR.get(dtype, dtype)), rounding * gamma(
        GRAD_ROUNDINGS, dtype
    )


def tight_row_bound_eps(
    row_losses: np.ndarray, num_classes: int, dtype: str, weight_scale: float = 1.0
) -> np.ndarray:
    """``q (D + 7 + 2 ln K) (|L_i| + W) / 2 + r (7 |L_i| + W)`` per row, ``D = depth(K)`` and
    ``(q, r)`` as ``working`` gives them; 0 where not finite."""
    losses = np.abs(np.asarray(row_losses, np.float64))
    inside, rounding = _scaled(row_units(num_classes), dtype)
    each = inside * (losses + weight_scale) + rounding * (LOSS_ROUNDINGS * losses + weight_scale)
    return np.where(np.isfinite(losses), each, 0.0)


def tight_loss_bound_eps(
    row_losses: np.ndarray,
    num_classes: int,
    reduction: str,
    exact: Exact,
    dtype: str,
    divisor: float | None = None,
    weight_scale: float = 1.0,
) -> np.ndarray:
    """The tight bound, in epsilons, for each element of the loss under ``reduction``."""
    rows = tight_row_bound_eps(row_losses, num_classes, dtype, weight_scale)
    if reduction == "none":
        return rows
    inside, rounding = _scaled(2 * tree_summing(len(rows)), dtype)
    summed = reduced_rows(rows, reduction, divisor)
    return np.asarray(summed + (inside + ROUNDINGS * rounding) * finite_magnitude(exact.hi))


def tight_grad_bound_eps(shape: tuple[int, ...], weight: float, dtype: str) -> np.ndarray:
    """The tight bound, in epsilons, for each element of the gradient (``weight`` as in
    grad_bound_eps)."""
    inside, rounding = _scaled(grad_units(shape[-1]), dtype)
    return np.full(shape, (inside + GRAD_ROUNDINGS * rounding) * weight)


def tree_summing(n: int) -> float:
    """What a careful n-term sum (and a weighted mean's divisor) adds, in epsilons of
    ``|result|``: ``depth(n) + 1`` (docs/bounds.md, "The tight bound")."""
    return depth(n) + 1.0


def extended_loss_error(
    rows: np.ndarray, value: np.ndarray, num_classes: int, reduction: str, divisor: float, weight_scale: float
) -> np.ndarray:
    """The reference's own error in its extended-precision tier (long double, epsilon
    ``EXTENDED_EPS``), as an absolute bound. NumPy sums long doubles pairwise along an axis
    (numpy/_core/src/umath/loops_utils.h.src, pairwise_sum; tests/test_oracle.py checks it),
    so the tight bound holds: ``(D + 7 + 2 ln K)(|L| + W) / 2`` extended epsilons per row
    (``W`` for a row that is not finite), and for a reduction twice ``(depth(N) + 1) |result|``
    (the divisor's sum, the division). ``rows`` and ``value`` are long double; the mean
    divides by ``divisor`` (1 for a sum, and where it is 0). At this precision gamma is 1 to
    seventeen digits."""
    units = row_units(num_classes)
    with np.errstate(invalid="ignore", over="ignore"):
        finite_rows = np.where(np.isfinite(rows), np.abs(rows), 0)
        row_error = units / 2 * (finite_rows + weight_scale) * EXTENDED_EPS
        if reduction == "none":
            return row_error
        size = np.abs(value) if np.isfinite(value) else 0
        reduced = 2 * tree_summing(len(rows)) * size * EXTENDED_EPS
        return np.asarray(np.sum(row_error) / (divisor or 1.0) + reduced)


def extended_grad_error(num_classes: int, weight: float) -> float:
    """The error of the extended tier's gradient, as an absolute bound for every element: the
    tight gradient bound in extended epsilons (pairwise sums, as above), twice for the mean's
    divisor."""
    return grad_units(num_classes) * weight * EXTENDED_EPS
