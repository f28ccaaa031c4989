"""How far a result is from the exact value: the error in epsilons of the dtype, element by
element, against a bound (oracle/bounds.py derives each), and in ulps of the exact value (the
gap between the two numbers of the dtype around it: 1 ulp is one rounding step there, 0.5
the best a rounded result can be). Imports no framework."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import ml_dtypes
import numpy as np

from conformance.oracle.bounds import Bound
from conformance.oracle.numbers import Exact
from conformance.vocabulary import EPSILON


@dataclass(frozen=True)
class Comparison:
    """How far a result is from the exact value, element by element."""

    passed: bool  # within the worst-case bound, and no problem besides size
    error_eps: float  # the error in epsilons where error / bound is worst
    bound_eps: float  # the bound at that element
    max_abs: float
    max_rel: float
    problem: str = ""  # what failed besides size: shape, non-finite values
    error_ulps: float = 0.0  # the largest error in ulps of the exact value, in the dtype
    precise: bool = True  # within the tight bound too (oracle/tight.py)
    tight_error_eps: float = 0.0  # the error in epsilons where error / tight bound is worst
    tight_eps: float = 0.0  # the tight bound at that element
    where: tuple[int, ...] = ()  # the element where error / bound is worst

    def summary(self) -> str:
        """What is wrong, first: a problem besides size (a non-finite value where the exact one
        is finite, or the other way round), then the size of the error against the bound, each
        in its own words (a wrong NaN with an error within the bound does not "exceed" it)."""
        if self.problem.startswith("shape"):
            return self.problem
        verdict = "within" if self.error_eps <= self.bound_eps else "exceeds"
        text = f"error {self.error_eps:.3g} eps {verdict} bound {self.bound_eps:.3g} eps"
        if self.passed and not self.precise:
            return (
                f"imprecise: error {self.tight_error_eps:.3g} eps exceeds the tight bound "
                f"{self.tight_eps:.3g} eps (careful summation) but is within the worst-case "
                f"bound {self.bound_eps:.3g} eps (naive summation)"
            )
        if self.problem and not 0 < self.error_eps < np.inf:  # the mismatch says it all
            return self.problem
        return f"{self.problem}; elsewhere {text}" if self.problem else text


def _in_words(value: float) -> str:
    if np.isnan(value):
        return "NaN (undefined)"
    if np.isinf(value):
        return "+inf" if value > 0 else "-inf"
    return repr(float(value))


def non_finite_mismatch(got: np.ndarray, exact: np.ndarray, mismatched: np.ndarray) -> str:
    """The first element where a non-finite value stands for a finite one, or the other way
    round, in words: what the exact value is and what came back."""
    where = tuple(int(i) for i in np.argwhere(mismatched)[0])
    at = f"at element {list(where)}: " if got.ndim else ""
    more = int(mismatched.sum()) - 1
    return f"{at}the exact value is {_in_words(exact[where])} but it returned {_in_words(got[where])}" + (
        f" (and {more} more element{'s' if more > 1 else ''} like it)" if more else ""
    )


def overflow_limit(dtype: str) -> float:
    """The magnitude from which a value rounds to infinity in ``dtype``: the largest finite
    number plus half an ulp there (65520 for float16)."""
    info = ml_dtypes.finfo(dtype)
    top, eps = float(info.max), float(info.eps)
    return top + top * eps / (2 - eps) / 2


def underflow(dtype: str) -> float:
    """The absolute error every element may have besides its bound: the dtype's smallest
    subnormal spacing, two roundings below the normal range (oracle/tight.py, underflow)."""
    return float(ml_dtypes.finfo(dtype).smallest_subnormal)


def ulp(values: np.ndarray, dtype: str) -> np.ndarray:
    """The ulp of each (float64) value in ``dtype``: 2^(e - p + 1) for a value in [2^e, 2^(e+1))
    and p bits of significand; the subnormal spacing below the smallest normal number (and
    at 0)."""
    info = ml_dtypes.finfo(dtype)
    magnitude = np.abs(np.asarray(values, np.float64))
    _, e = np.frexp(np.where(np.isfinite(magnitude), magnitude, 0.0))  # magnitude = m 2^e, m in [1/2, 1)
    exponent = np.where(magnitude == 0, info.minexp, np.maximum(e - 1, info.minexp))
    return np.ldexp(1.0, exponent - info.nmant)


def compare(got: np.ndarray, exact: Exact, bounds: Bound | np.ndarray, dtype: str) -> Comparison:
    """Compare ``got`` with ``exact`` element-wise against ``bounds`` in epsilons of ``dtype``
    (both bounds, or one that is both). An exact value that is, within the bound, beyond the
    dtype's range may come back as the infinity of its sign: that is its correct rounding."""
    eps = EPSILON[dtype]
    bound_eps = bounds.worst if isinstance(bounds, Bound) else bounds
    tight_eps = bounds.tight if isinstance(bounds, Bound) else bounds
    got = np.asarray(got)
    if got.shape != exact.hi.shape:
        return Comparison(False, np.inf, 0.0, np.inf, np.inf, f"shape {got.shape} != {exact.hi.shape}")
    g = got.astype(np.float64)
    finite = np.isfinite(exact.hi)
    same_special = (np.isnan(g) & np.isnan(exact.hi)) | (g == exact.hi)
    bad_special = ~finite & ~same_special
    floor = underflow(dtype)
    bound = np.broadcast_to(np.asarray(bound_eps, np.float64) * eps + exact.error + floor, g.shape)
    with np.errstate(invalid="ignore"):
        err = np.abs((g - exact.hi) - exact.lo)
        overflowed = finite & np.isinf(g) & (np.sign(g) == np.sign(exact.hi))
        overflowed &= np.abs(exact.hi) + bound >= overflow_limit(dtype)
    err = np.where(finite & ~overflowed, err, 0.0)
    err = np.where(finite & ~overflowed & ~np.isfinite(g), np.inf, err)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(err == 0, 0.0, err / bound)
    problems = []
    mismatched = bad_special | (finite & ~overflowed & ~np.isfinite(g))
    if mismatched.any():
        problems.append(non_finite_mismatch(g, exact.hi, mismatched))
    if ratio.size == 0:
        return Comparison(not problems, 0.0, 0.0, 0.0, 0.0, "; ".join(problems))
    worst = np.unravel_index(np.argmax(ratio), ratio.shape)
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = np.where(finite & (exact.hi != 0), err / np.abs(exact.hi), np.where(err > 0, np.inf, 0.0))
    passed = not problems and bool(np.all(ratio <= 1.0))
    tight = np.broadcast_to(np.asarray(tight_eps, np.float64) * eps + exact.error + floor, g.shape)
    with np.errstate(divide="ignore", invalid="ignore"):
        tight_ratio = np.where(err == 0, 0.0, err / tight)
    loosest = np.unravel_index(np.argmax(tight_ratio), tight_ratio.shape)
    return Comparison(
        passed=passed,
        error_eps=float(err[worst] / eps),
        bound_eps=float(bound[worst] / eps),
        max_abs=float(err.max()),
        max_rel=float(rel.max()),
        problem="; ".join(problems),
        error_ulps=float((err / ulp(exact.hi, dtype)).max()),
        precise=bool(np.all(tight_ratio <= 1.0)),
        tight_error_eps=float(err[loosest] / eps),
        tight_eps=float(tight[loosest] / eps),
        where=tuple(int(i) for i in worst),
    )


MAX_RECORDED = 64  # the most elements a record keeps of a result and its exact value


def recorded_values(got: np.ndarray, expected: np.ndarray, where: tuple[int, ...]) -> dict[str, Any]:
    """What a record keeps of a result: every element where there are few, else (a gradient
    of 2^18 classes) its shape and the element where the error against the bound is worst,
    so that a results file stays readable and small."""
    if max(got.size, expected.size) <= MAX_RECORDED:
        return {"expected": expected.tolist(), "got": got.tolist()}
    if got.shape != expected.shape:  # a wrong shape: the shapes say it
        return {"shape": list(expected.shape), "got_shape": list(got.shape)}
    return {
        "expected": [float(expected[where])],
        "got": [float(got[where])],
        "worst_at": list(where),
        "shape": list(expected.shape),
    }
