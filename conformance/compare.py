"""Error metrics and tolerance bounds, in units of the dtype's epsilon. Imports no framework.

The bound (one formula, used for every dtype)
---------------------------------------------
For a row of ``K`` logits whose largest finite magnitude is ``M``, a stable evaluation of
``logsumexp(x) - sum_k t_k x_k`` in a dtype with machine epsilon ``eps`` (unit roundoff
``u = eps / 2``) makes an absolute error of at most about::

    u * ((K - 1)            # summing K exponentials (relative error of the sum -> log)
         + (2M + 1)         # exp of x_k - max, whose argument carries an error u * 2M
         + K * M            # the K-term dot product sum_k t_k x_k (sum_k t_k = 1)
         + 4M + 2 log K)    # the shift, the log, the subtraction, e/K and 1 - e
    <= eps * (K + 3) * (M + 1)

so a per-row loss is bounded by ``row = (K + 3) * (M + 1)`` epsilons. A reduction over ``N``
rows adds the error of an ``N``-term sum of non-negative numbers, ``N * u * |result|``
(rounded up to ``N * eps * |result|``): ``sum`` is bounded by ``sum_i row_i + N |result|``
and ``mean`` by ``mean_i row_i + N |result|``. The gradient ``softmax * sum(t) - t`` has
the error of the softmax, at most ``row_i`` epsilons per element, times the reduction's
weight (``1/N`` for ``mean``).

These are worst-case bounds for naive (left-to-right) summation, so no implementation with
pairwise or blocked sums should reach them; they are not tuned to anything observed. A
computation done in a lower precision than the dtype it was given, or a ``log(softmax)``
that underflows, exceeds them by orders of magnitude. The reference is exact (mpmath,
see reference.py) at float64, so the bound is all the implementation's.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from conformance.reference import Exact

EPSILON = {
    "float16": 2.0**-10,
    "bfloat16": 2.0**-7,
    "float32": 2.0**-23,
    "float64": 2.0**-52,
}


def row_bound_eps(logits: np.ndarray) -> np.ndarray:
    """``(K + 3) * (M_i + 1)`` per row, ``M_i`` the largest finite ``|logit|`` of row i."""
    x = np.asarray(logits, np.float64)
    magnitude = np.where(np.isfinite(x), np.abs(x), 0.0)
    m = magnitude.max(axis=-1) if x.shape[-1] else np.zeros(x.shape[:-1])
    return (x.shape[-1] + 3) * (m + 1.0)


def loss_bound_eps(logits: np.ndarray, reduction: str, exact: Exact) -> np.ndarray:
    """The bound, in epsilons, for each element of the loss under ``reduction``."""
    rows = row_bound_eps(logits)
    if reduction == "none":
        return rows
    n = rows.shape[0]
    summed = rows.sum() if reduction == "sum" else (rows.mean() if n else 0.0)
    return np.asarray(summed + n * np.abs(np.nan_to_num(exact.hi)))


def grad_bound_eps(logits: np.ndarray, reduction: str) -> np.ndarray:
    """The bound, in epsilons, for each element of the gradient with respect to the logits."""
    x = np.asarray(logits)
    weight = 1.0 / x.shape[0] if reduction == "mean" and x.shape[0] else 1.0
    return np.broadcast_to((row_bound_eps(x) * weight)[:, None], x.shape)


@dataclass(frozen=True)
class Comparison:
    """How far a result is from the exact value, element by element."""

    passed: bool
    error_eps: float  # the error in epsilons where error / bound is worst
    bound_eps: float  # the bound at that element
    max_abs: float
    max_rel: float
    problem: str = ""  # what failed besides size: shape, non-finite values

    def summary(self) -> str:
        verdict = "within" if self.passed else "exceeds"
        text = f"error {self.error_eps:.3g} eps {verdict} bound {self.bound_eps:.3g} eps"
        return f"{text}; {self.problem}" if self.problem else text


def compare(got: np.ndarray, exact: Exact, bound_eps: np.ndarray, dtype: str) -> Comparison:
    """Compare ``got`` with ``exact`` element-wise against ``bound_eps`` epsilons of ``dtype``."""
    eps = EPSILON[dtype]
    got = np.asarray(got)
    if got.shape != exact.hi.shape:
        return Comparison(False, np.inf, 0.0, np.inf, np.inf, f"shape {got.shape} != {exact.hi.shape}")
    g = got.astype(np.float64)
    finite = np.isfinite(exact.hi)
    same_special = (np.isnan(g) & np.isnan(exact.hi)) | (g == exact.hi)
    bad_special = ~finite & ~same_special
    with np.errstate(invalid="ignore"):
        err = np.abs((g - exact.hi) - exact.lo)
    err = np.where(finite, err, 0.0)
    err = np.where(finite & ~np.isfinite(g), np.inf, err)
    bound = np.broadcast_to(np.asarray(bound_eps, np.float64) * eps, err.shape)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(err == 0, 0.0, err / bound)
    problems = []
    if bad_special.any():
        where = np.argwhere(bad_special)[0].tolist()
        problems.append(
            f"non-finite mismatch at {where}: got {g[tuple(where)]}, exact {exact.hi[tuple(where)]}"
        )
    if ratio.size == 0:
        return Comparison(not problems, 0.0, 0.0, 0.0, 0.0, "; ".join(problems))
    worst = np.unravel_index(np.argmax(ratio), ratio.shape)
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = np.where(finite & (exact.hi != 0), err / np.abs(exact.hi), np.where(err > 0, np.inf, 0.0))
    passed = not problems and bool(np.all(ratio <= 1.0))
    return Comparison(
        passed=passed,
        error_eps=float(err[worst] / eps),
        bound_eps=float(bound[worst] / eps),
        max_abs=float(err.max()),
        max_rel=float(rel.max()),
        problem="; ".join(problems),
    )
