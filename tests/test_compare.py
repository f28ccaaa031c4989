"""Comparison: errors in epsilons against the derived bound, and non-finite values."""

from __future__ import annotations

import numpy as np

from conformance import vocabulary
from conformance.checks import compare
from conformance.oracle import bounds
from conformance.oracle.numbers import Exact


def exact(*values: float) -> Exact:
    return Exact.from_float64(np.array(values))


def test_bound_formula():
    """(K + 4)(|L_i| + 1) per row, plus N |result| for a reduction; (K + 2) w for gradients."""
    rows = np.array([0.5, 2.0])
    assert bounds.row_bound_eps(rows, 3).tolist() == [7 * 1.5, 7 * 3.0]
    result = Exact.from_float64(np.array(1.25))
    assert bounds.loss_bound_eps(rows, 3, "mean", result) == (10.5 + 21) / 2 + 2 * 1.25
    assert bounds.loss_bound_eps(rows, 3, "sum", result) == 10.5 + 21 + 2 * 1.25
    assert bounds.loss_bound_eps(rows, 3, "none", result).tolist() == [10.5, 21.0]
    assert bounds.grad_bound_eps((2, 3), 1 / 2)[1, 2] == 5 / 2
    assert bounds.row_bound_eps(np.array([np.inf, np.nan]), 3).tolist() == [0.0, 0.0]


def test_bound_follows_the_loss_not_the_logits():
    """A 5% error on a loss of 0.12 fails in float32 even when the logits are near 1e4."""
    bound = bounds.loss_bound_eps(np.array([0.12]), 3, "none", Exact.from_float64(np.array([0.12])))
    assert not compare.compare(
        np.array([0.126]), Exact.from_float64(np.array([0.12])), bound, "float32"
    ).passed


def test_error_is_measured_in_epsilons_of_the_dtype():
    eps = vocabulary.EPSILON["float32"]
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
    assert not bad.passed and "the exact value is NaN (undefined) but it returned +inf" in bad.problem
    bad = compare.compare(np.array([np.inf]), exact(1.0), np.ones(1), "float64")
    assert not bad.passed


def test_shape_mismatch_fails():
    result = compare.compare(np.array([1.0, 1.0]), exact(1.0), np.ones(1), "float64")
    assert not result.passed and "shape" in result.problem


def test_a_value_beyond_the_dtype_range_may_round_to_infinity():
    """82416 is beyond float16 (its largest is 65504, and from 65520 all round to inf): inf
    is its correct rounding; -inf, NaN, or inf for 60000 are not."""
    assert compare.overflow_limit("float16") == 65520.0
    assert compare.compare(np.array([np.inf]), exact(82416.0), np.array([1.0]), "float16").passed
    assert not compare.compare(np.array([-np.inf]), exact(82416.0), np.array([1.0]), "float16").passed
    assert not compare.compare(np.array([np.nan]), exact(82416.0), np.array([1.0]), "float16").passed
    assert not compare.compare(np.array([np.inf]), exact(60000.0), np.array([1.0]), "float16").passed
    assert not compare.compare(np.array([np.inf]), exact(82416.0), np.array([1.0]), "float32").passed


def test_an_ulp_is_the_gap_between_the_dtype_numbers_around_the_value():
    """Against NumPy's own spacing in float16, float32 and float64, normal and subnormal; and
    bfloat16's (8 bits of significand) by hand."""
    values = np.array([1.0, 1.5, 2.0, 3.0e-3, 6.0e4, 1e-6, 1e-30, 1e-300, 0.0])
    for dtype in ("float16", "float32", "float64"):
        native = values.astype(dtype)
        spacing = np.spacing(np.abs(native)).astype(np.float64)
        assert compare.ulp(native.astype(np.float64), dtype).tolist() == spacing.tolist(), dtype
    assert compare.ulp(np.array([1.0, 3.0, 0.0]), "bfloat16").tolist() == [2.0**-7, 2.0**-6, 2.0**-133]


def test_the_error_in_ulps_of_the_result():
    """One rounding step off is 1 ulp; the correctly rounded value of an exact 1/3 is within
    half an ulp; the largest over the elements is kept."""
    third = Exact.from_extended(np.array([1, 2], np.longdouble) / 3, 0.0)
    rounded = (np.array([1.0, 2.0]) / 3).astype(np.float32)
    result = compare.compare(rounded, third, np.array([4.0, 4.0]), "float32")
    assert 0 < result.error_ulps <= 0.5
    off = rounded.copy()
    off[1] = np.nextafter(off[1], np.float32(1))
    assert 0.5 < compare.compare(off, third, np.array([4.0, 4.0]), "float32").error_ulps <= 1.5


def test_a_message_says_what_is_wrong_without_contradicting_itself():
    """A number where the exact value is NaN (TF1's mean of an empty batch), every finite
    element within its bound: the message names the mismatch first and says the rest is within
    (it once said "error 0 eps exceeds bound 0 eps"); a size beyond the bound still says it
    exceeds; a wrong shape is just that."""
    result = compare.compare(np.array([0.0, 1.0]), exact(np.nan, 1.0), np.array([0.0, 0.0]), "float32")
    assert not result.passed
    text = result.summary()
    assert text == "at element [0]: the exact value is NaN (undefined) but it returned 0.0"
    assert "exceeds" not in text
    # a scalar: no element named; a NaN for a finite value, in words, not "error inf eps"
    scalar = compare.compare(np.array(np.nan), Exact.from_float64(np.array(0.5)), np.array(4.0), "float32")
    assert scalar.summary() == "the exact value is 0.5 but it returned NaN (undefined)"
    two = compare.compare(np.array([np.inf, -np.inf, 2.0]), exact(1.0, 1.0, 2.0), np.full(3, 4.0), "float32")
    assert (
        two.summary()
        == "at element [0]: the exact value is 1.0 but it returned +inf (and 1 more element like it)"
    )
    eps = vocabulary.EPSILON["float32"]
    assert (
        "exceeds bound"
        in compare.compare(np.array([1 + 9 * eps]), exact(1.0), np.array([4.0]), "float32").summary()
    )
    assert (
        compare.compare(np.array([1.0, 2.0]), exact(1.0), np.array([4.0]), "float32").summary()
        == "shape (2,) != (1,)"
    )


def test_a_subnormal_result_is_allowed_its_rounding():
    """Below float16's smallest normal number a result is rounded to a multiple of 2^-24: an
    absolute error no relative bound covers (a gradient of a mean over 2^18 elements). One
    spacing is allowed every element; two are not."""
    spacing = 2.0**-24
    tiny = exact(3.3 * spacing)
    assert compare.compare(np.array([3.0 * spacing]), tiny, np.array([0.0]), "float16").passed
    assert not compare.compare(np.array([1.0 * spacing]), tiny, np.array([0.0]), "float16").passed
