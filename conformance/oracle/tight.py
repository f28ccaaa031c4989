"""The tight bound: the error of the stable form summed carefully, in epsilons of the dtype.

Careful implementations sum as a tree: NumPy's pairwise sum (8 accumulators over blocks of
128, then halves), blocked and tree reductions on accelerators. Model such a sum of ``n``
terms as a tree whose leaves are runs of at most ``LEAF = 32`` terms summed in order: each
term passes through at most ``depth(n) = n - 1`` additions for ``n <= 32``, else
``31 + ceil(log2(ceil(n / 32)))`` (NumPy's scheme has 19 for 128 terms, this 33), and a
sum of non-negative terms has a relative error of at most ``depth(n) u`` (Higham, Accuracy
and Stability of Numerical Algorithms, 4.2). Redo oracle/bounds.py's derivation with ``D = depth(K)``:

* ``S``: the tree sum adds ``D u``; the ``exp`` errors ``u (1 + |d_k|)`` weighted by
  ``p_k = exp(d_k) / S`` add ``u (1 + sum_k p_k |d_k|) <= u (1 + ln K)``, since
  ``sum_k p_k |d_k| = H(p) - log S <= ln K`` (the entropy of K classes, and ``S >= 1``);
  rounding ``log S <= ln K`` adds ``u ln K``: ``log S`` is off by ``u (D + 1 + 2 ln K)``;
* each term ``t_k (log S - d_k)``: the target's roundings (``1 - e``, ``e / K``, their sum,
  a class weight) ``4u``, the subtraction and the product ``2u``, relative; the ``d_k``
  errors ``u sum_k t_k |d_k| <= u L``; the tree sum of the K terms (of one sign) ``D u L``.

Altogether ``u ((D + 1 + 2 ln K) W + (D + 7) |L|) <= eps (D + 7 + 2 ln K) (|L| + W) / 2``
per row, with ``W`` as in oracle/bounds.py. A reduction over N rows: the tree sum ``depth(N) u |result|``,
a weighted mean's divisor (an N-term sum) as much again and the division ``u``: within
``(depth(N) + 1) eps |result|``. The gradient ``w (p_k T - t_k)``, ``T = sum(t)``:
``p_k = exp(d_k - log S)`` is off by ``p_k`` times ``u (|d_k| + |log p_k| + 1)`` plus the
error of ``log S``, within ``u (D + 2.8 + 2 ln K)`` as ``p_k |log p_k| <= 1/e``; ``T``, a
tree sum of targets, ``(D + 3) u``; ``t_k`` ``3u``; the product, the subtraction and the
weight ``3u``: per element within ``(2 D + 12 + 2 ln K) / 2`` epsilons times the
reduction's weight (``W`` included). These are first-order
bounds; each is multiplied by ``1 / (1 - n u)`` for the ``n`` units of ``u`` it counts
(Higham's gamma), which matters in bfloat16 at large K (``u = 2^-8``).

Half precision: careful implementations accumulate float16 and bfloat16 in float32 (PyTorch's
``acc_type``, aten/src/ATen/AccumulateType.h; jax.numpy's sums, which upcast half precision
for the computation, jax/_src/numpy/reductions.py), so every step above takes float32's
``u_w``, ``q = u_w / u`` (2^-13, 2^-16) of the dtype's, and the value is rounded to the dtype
on the way: seven times by ``u`` of a value no larger than the loss (the target weights,
smoothed in the dtype, three: ``1 - e``, ``e / K`` and their sum; ``log S``, as
``sum_k t_k log S <= L``; the log-probabilities a ``log_softmax`` returns,
``sum_k t_k |log p_k| <= L``; the smoothing term; the result), and once ``S`` itself (a
reduction returns the dtype), which moves ``log S`` by ``u`` and the loss by ``u W``:
``u (7 |L| + W)``. A loss near 0 with ``W = 1`` is so only known to ``u``. A gradient
element ``p_k T - t_k`` takes the targets' three roundings twice (in ``T``, where the
roundings of K equal weights ``e / K`` add up rather than cancel, and in ``t_k``), ``p_k``'s
two (its log-probability's and its own), ``S``'s, and the product's, the difference's and
the weight's: twelve of at most ``u`` each. A row is then within
``q (D + 7 + 2 ln K) (|L| + W) / 2 + (7 |L| + W) / 2`` epsilons, a gradient element within
``q (2 D + 12 + 2 ln K) / 2 + 6`` times its weight, and a reduction adds
``q (depth(N) + 1) + 3`` epsilons of ``|result|``. Float32 and float64 have ``q = 1``
and no roundings to another dtype.

Underflow: a value below the dtype's smallest normal number is rounded to a multiple of the
smallest subnormal, an absolute error of up to half that spacing, which no relative bound
covers (a float16 gradient of a mean over 2^18 elements is about 4e-6, subnormal). Both
bounds are in epsilons of the result's size; checks/compare.py adds one spacing (two such
roundings) to every element's bound, absolutely: 6e-8 in float16, 1.4e-45 in float32.

A result within the worst-case bound but beyond the tight one is ``imprecise``: right to
within naive summation, less accurate than careful summation guarantees (an accumulator in
the dtype that stalls, say). For K = 131,072 in float32 the tight row bound is about
37 (|L| + W) epsilons, the worst-case one 131,076 (|L| + W). Where the tight bound comes out
above the worst-case one (small K), the worst-case one is both.
"""

from __future__ import annotations

import math

import numpy as np

from conformance.oracle.bounds import finite_magnitude, reduced_rows
from conformance.oracle.numbers import EXTENDED_EPS, Exact
from conformance.vocabulary import EPSILON

# The accumulator careful implementations compute half precision in, and how many times at
# most they round a value to the dtype on the way (see the docstring).
ACCUMULATOR = {"float16": "float32", "bfloat16": "float32"}
LOSS_ROUNDINGS = 7  # of the loss's size: the targets' three, log S, log p, the smoothing term, the result
GRAD_ROUNDINGS = 12  # of a gradient element's weight: the targets' three in T and in t_k, p, S, and three
ROUNDINGS = 6  # of a reduced result's size: the rows', the sum's, the divisor's, the division's
LEAF = 32  # the longest run of terms a careful sum adds in order (see the docstring)


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
    ``|result|``: ``depth(n) + 1`` (the docstring)."""
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
