"""Exact values as double-double numbers, and the precisions the oracle computes in."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import mpmath
import numpy as np

DIGITS = 50  # significant digits of the arbitrary-precision tier (mpmath)
EXTENDED = np.longdouble
EXTENDED_EPS = float(np.finfo(np.longdouble).eps)
HAS_EXTENDED = EXTENDED_EPS <= 2.0**-63  # x87 80-bit (x86-64 Linux) or binary128; not on Apple


@dataclass(frozen=True)
class Exact:
    """An exact value as a double-double: ``hi + lo``, both float64 arrays of one shape."""

    hi: np.ndarray
    lo: np.ndarray
    error: np.ndarray | float = 0.0  # a bound on |(hi + lo) - exact|, for a tier short of exact

    @classmethod
    def from_float64(cls, value: np.ndarray) -> Exact:
        hi = np.asarray(value, dtype=np.float64)
        return cls(hi, np.zeros_like(hi))

    @classmethod
    def from_extended(cls, value: np.ndarray, error: np.ndarray | float) -> Exact:
        """Split a long double value into float64 ``hi + lo`` (``lo`` 0 where not finite)."""
        hi = np.asarray(value, np.float64)
        with np.errstate(invalid="ignore"):
            lo = np.where(np.isfinite(hi), np.asarray(value - hi, np.float64), 0.0)
        return cls(hi, lo, np.asarray(error, np.float64))

    def __getitem__(self, index: Any) -> Exact:
        """The elements at ``index`` (a NumPy index), with their errors."""
        error = self.error
        return Exact(
            self.hi[index],
            self.lo[index],
            error[index] if isinstance(error, np.ndarray) and error.ndim else error,
        )


def to_exact(values: list, shape: tuple[int, ...]) -> Exact:
    """mpmath values (nested lists of ``shape``) as double-double pairs."""
    flat = list(np.ravel(np.array(values, dtype=object))) if values else []
    hi = np.array([float(v) for v in flat], dtype=np.float64)
    lo = np.array([float(v - h) if mpmath.isfinite(v) else 0.0 for v, h in zip(flat, hi)], dtype=np.float64)
    return Exact(hi.reshape(shape), lo.reshape(shape))
