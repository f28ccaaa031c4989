"""The two bounds (oracle/bounds.py): the tight one grows like log K, never exceeds the
worst-case one, and a result between them is judged imprecise, not passed or diverged."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest

from conformance.checks import compare
from conformance.oracle import bounds, tight
from conformance.oracle.bounds import Bound
from conformance.oracle.numbers import EXTENDED, HAS_EXTENDED, Exact


def test_depth_is_a_run_of_32_then_a_tree():
    assert [tight.depth(n) for n in (0, 1, 2, 32)] == [0, 0, 1, 31]
    assert tight.depth(33) == 32 and tight.depth(64) == 32 and tight.depth(65) == 33
    assert tight.depth(2**18) == 31 + 13


@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float32", "float64"])
def test_the_tight_bound_grows_like_log_k(dtype):
    loss = np.array([10.0])
    careful = [tight.tight_row_bound_eps(loss, k, dtype)[0] for k in (2**15, 2**18)]
    worst = [bounds.row_bound_eps(loss, k)[0] for k in (2**15, 2**18)]
    assert worst[1] / worst[0] > 7.9  # linear in K
    assert careful[1] / careful[0] < 1.15  # log K: 3 more levels of the tree
    assert careful[1] < worst[1] / 1000


def test_half_precision_counts_its_float32_accumulator_and_its_roundings():
    """In half precision the tight bound is eight roundings to the dtype (seven of the loss's
    size, one of the targets' total) and float32's share of the rest, far below the float32
    figure in half's eps."""
    loss = np.array([12.0])
    half = tight.tight_row_bound_eps(loss, 2**17, "float16")[0]
    single = tight.tight_row_bound_eps(loss, 2**17, "float32")[0]
    rounded = (7 * 12 + 1) / 2 * tight.gamma(12, "float16")
    assert rounded < half < rounded + single * 2.0**-13 * 1.01
    assert tight.working("float32") == (1.0, 0.0) and tight.working("bfloat16") == (2.0**-16, 0.5)


def test_gamma_makes_a_first_order_bound_rigorous():
    assert tight.gamma(10, "float64") == pytest.approx(1.0)
    assert tight.gamma(128, "bfloat16") == pytest.approx(2.0)
    assert math.isinf(tight.gamma(256, "bfloat16"))


def test_bound_keeps_tight_at_most_worst_and_adds():
    b = Bound(np.array([5.0, 5.0]), np.array([2.0, 9.0]))
    assert b.tight.tolist() == [2.0, 5.0]
    total = b + Bound(np.array([1.0, 1.0]), np.array([1.0, 1.0])) + 0.5
    assert total.worst.tolist() == [6.5, 6.5] and total.tight.tolist() == [3.5, 6.5]
    assert sum([b, b]).worst.tolist() == [10.0, 10.0]  # sum() starts from 0


def test_compare_grades_a_result_between_the_bounds_imprecise():
    exact = Exact.from_float64(np.array([1.0]))
    eps = 2.0**-23
    bound = Bound(np.array([100.0]), np.array([10.0]))
    within = compare.compare(np.array([1.0 + 5 * eps]), exact, bound, "float32")
    between = compare.compare(np.array([1.0 + 50 * eps]), exact, bound, "float32")
    beyond = compare.compare(np.array([1.0 + 500 * eps]), exact, bound, "float32")
    assert within.passed and within.precise
    assert between.passed and not between.precise
    assert (between.tight_error_eps, between.tight_eps) == (50.0, 10.0)
    assert "imprecise: error 50 eps exceeds the tight bound 10 eps" in between.summary()
    assert "within the worst-case bound 100 eps" in between.summary()
    assert not beyond.passed and "exceeds bound 100 eps" in beyond.summary()


def _fraction(value: np.longdouble) -> Fraction:
    return Fraction(*np.longdouble(value).as_integer_ratio())


@pytest.mark.skipif(not HAS_EXTENDED, reason="no extended precision (long double is double here)")
def test_numpy_sums_long_doubles_pairwise():
    """The extended tier's error (bounds.extended_loss_error) takes NumPy's pairwise sums:
    2^16 copies of 1/3 summed along the last axis come out exact, where a left-to-right sum
    is thousands of roundoffs off."""
    third = EXTENDED(1) / 3
    rows = np.full((2, 2**16), third)
    want = _fraction(third) * 2**16
    assert _fraction(np.sum(rows, axis=-1)[0]) == want
    naive = np.cumsum(rows[0])[-1]  # left to right
    assert abs(_fraction(naive) - want) / want > 1000 * float(np.finfo(EXTENDED).eps)
