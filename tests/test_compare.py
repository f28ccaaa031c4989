"""Comparison: errors in epsilons against the derived bound, and non-finite values."""

from __future__ import annotations

import numpy as np

from conformance import compare
from conformance.reference import Exact


def exact(*values: float) -> Exact:
    return Exact.from_float64(np.array(values))


def test_bound_formula():
    logits = np.array([[4.0, 5.0, 10.0], [1.0, -15.0, 4.0]])
    assert compare.row_bound_eps(logits).tolist() == [6 * 11, 6 * 16]
    value = exact(2.0).hi.reshape(())
    assert compare.loss_bound_eps(logits, "mean", Exact.from_float64(value)) == (66 + 96) / 2 + 2 * 2.0
    assert compare.loss_bound_eps(logits, "sum", Exact.from_float64(value)) == 66 + 96 + 2 * 2.0
    assert compare.grad_bound_eps(logits, "mean")[1, 2] == 96 / 2


def test_error_is_measured_in_epsilons_of_the_dtype():
    eps = compare.EPSILON["float32"]
    result = compare.compare(np.array([1.0 + 3 * eps]), exact(1.0), np.array([4.0]), "float32")
    assert result.passed and result.error_eps == 3.0 and result.bound_eps == 4.0
    result = compare.compare(np.array([1.0 + 5 * eps]), exact(1.0), np.array([4.0]), "float32")
    assert not result.passed and "exceeds" in result.summary()


def test_float64_is_checked_at_float64_precision():
    """A float32-accurate answer fails a float64 check by orders of magnitude."""
    got = np.array([np.float32(0.1119182196450031)], np.float64)
    result = compare.compare(got, exact(0.1119182196450031), np.array([100.0]), "float64")
    assert not result.passed and result.error_eps > 1e6


def test_double_double_low_part_counts():
    e = Exact(np.array([1.0]), np.array([2.0**-60]))
    result = compare.compare(np.array([1.0]), e, np.array([1.0]), "float64")
    assert result.max_abs == 2.0**-60


def test_non_finite_values_must_match_exactly():
    assert compare.compare(np.array([np.nan, np.inf]), exact(np.nan, np.inf), np.ones(2), "float64").passed
    bad = compare.compare(np.array([np.inf]), exact(np.nan), np.ones(1), "float64")
    assert not bad.passed and "non-finite" in bad.problem
    bad = compare.compare(np.array([np.inf]), exact(1.0), np.ones(1), "float64")
    assert not bad.passed


def test_shape_mismatch_fails():
    result = compare.compare(np.array([1.0, 1.0]), exact(1.0), np.ones(1), "float64")
    assert not result.passed and "shape" in result.problem
