"""Vocabularies of 32k to 256k classes: generated inputs, their exact values, and planted
defects that only show there in half precision, which the tight bound catches and the
worst-case bound alone would have passed."""

from __future__ import annotations

import hashlib
from pathlib import Path

import mpmath
import numpy as np
import pytest

from conformance.adapters import Implementation, load
from conformance.cases import CASES_DIR, CaseError, load_file
from conformance.cases.generator import Generated, hashes
from conformance.cases.writer import to_toml
from conformance.checks import compare, failures, golden, judge
from conformance.oracle import softmax, softmax_mpmath
from conformance.oracle.targets import is_indices, one_hot
from tests.planting import naive_sum_in_the_dtype

LARGE = load_file(CASES_DIR / "large_vocabulary.toml")[0]
BY_ID = {c.id: c for c in LARGE}


def test_the_generator_is_splitmix64():
    """SplitMix64's published first outputs for seed 0 (Steele, Lea and Flood, 2014)."""
    assert [int(h) for h in hashes(0, 3)] == [0xE220A8397B1DCDAF, 0x6E789E6AA1B965F4, 0x06C45D188009454F]


def test_generated_logits_are_the_same_bit_for_bit():
    """Pinned: a change to the generator (or a platform that computes it otherwise) shows."""
    values = BY_ID["vocab-262144-e0.1-mean"].logits
    assert values.shape == (2, 262144) and np.abs(values).max() < 8.0
    assert hashlib.sha256(values.astype("<f8").tobytes()).hexdigest()[:16] == PINNED
    rows = Generated("simplex", 7, (2, 1000)).values()
    assert (rows > 0).all() and np.allclose(rows.sum(axis=1), 1.0, rtol=0, atol=1e-15)


PINNED = "a9f1cfecfd836b2c"  # little-endian float64 bytes


def test_every_vocabulary_size_is_a_case():
    assert {c.logits.shape[1] for c in LARGE} == {32000, 50257, 65536, 128256, 131072, 262144}
    assert {c.labels.ndim for c in LARGE} == {1, 2} and {c.label_smoothing > 0 for c in LARGE} == {
        True,
        False,
    }
    assert {c.reduction for c in LARGE} == {"none", "mean", "sum"}


def test_a_generated_case_is_written_as_its_generator(tmp_path):
    case = BY_ID["vocab-128256-soft-e0.1"]
    path = tmp_path / "one.toml"
    path.write_text(to_toml(case, case.expected, "a test"))
    assert path.stat().st_size < 2000
    (again,), errors = load_file(path)
    assert (
        not errors and np.array_equal(again.logits, case.logits) and np.array_equal(again.labels, case.labels)
    )


@pytest.mark.parametrize(
    ("table", "field", "message"),
    [
        ('{ generator = "uniform", seed = 1, shape = [64, 262144] }', "logits", "more than 4194304"),
        ('{ generator = "simplex", seed = 1, shape = [1, 3] }', "logits", "'uniform' generator"),
        ('{ generator = "normal", seed = 1, shape = [1, 3] }', "logits", ""),
    ],
)
def test_a_bad_generator_table_names_its_field(tmp_path, table, field, message):
    path = tmp_path / "bad.toml"
    path.write_text(
        f'schema = 1\nsource = "t"\n[[case]]\nid = "g"\nprovenance = "t"\nlogits = {table}\n'
        'labels = { indices = [0] }\nlabel_smoothing = 0.0\nreduction = "mean"\nexpected = { loss = "1" }\n'
    )
    cases, (error,) = load_file(path)
    assert not cases and isinstance(error, CaseError)
    assert error.case_id == "g" and error.field.startswith(field) and message in error.message


def test_the_extended_reference_agrees_with_mpmath_at_32000_classes():
    """The stored value (extended precision, its proven error) is the 50-digit value to the
    digits stored."""
    case = BY_ID["vocab-32000-e0.1-mean"]
    (value,) = softmax_mpmath.mp_softmax_cross_entropy(case.logits, case.labels, case.label_smoothing, "mean")
    assert golden.agrees(mpmath.nstr(value, 25), case.expected[0])  # to the 17 digits stored
    assert golden.significant_digits(case.expected[0]) >= 16


# --- planted: large-K, half-precision implementations ----------------------------------------


def _rows(x, t):
    return -np.sum(t * softmax.log_softmax(x), axis=-1)


def class_index_in_the_dtype(x, labels, e, reduction):
    """Defect: the class indices go through the logits' dtype (labels.to(logits.dtype), as a
    one-hot built by comparing floats does): float16 holds integers exactly only up to 2048,
    so class 31999 becomes 32000, another class (and 262143 becomes inf)."""
    k = x.shape[-1]
    if is_indices(labels):
        as_float = labels.astype(x.dtype).astype(np.float64)
        labels = np.where(np.isfinite(as_float), np.minimum(as_float, k - 1), k - 1).astype(np.int64)
    return softmax.softmax_cross_entropy(x, labels, e, reduction)


def smoothing_weight_in_the_dtype(x, labels, e, reduction):
    """Defect: e / K is formed in the logits' dtype before it reaches the float32 computation:
    in float16 it is subnormal from K = 2^14 (e = 0.1), and from K = 65,520 K itself is inf
    and e / K is 0: the smoothing of every class but the target is lost."""
    k = x.shape[-1]
    with np.errstate(over="ignore"):
        spread = float(x.dtype.type(e) / x.dtype.type(k))
    y = one_hot(labels, k) if is_indices(labels) else np.asarray(labels, np.float64)
    t = y * (1 - e) + spread
    wide = x.astype(np.float32)
    return softmax.reduce(_rows(wide, t.astype(np.float32)).astype(x.dtype), reduction)


def float32_inside(x, labels, e, reduction):
    """The careful way: float32 inside, rounded once to the dtype."""
    rows = softmax.softmax_cross_entropy(x.astype(np.float32), labels, e, "none")
    return softmax.reduce(rows, reduction).astype(x.dtype)


def _judge(loss, dtype: str) -> dict[str, str]:
    """Each large case's outcome through ``loss`` in ``dtype``: passed, imprecise (with its
    error within the worst-case bound, checked here) or diverged."""
    numpy = load("numpy")
    impl = Implementation(f"planted.{loss.__name__}", "numpy", lambda x, y, e, r, axis: loss(x, y, e, r))
    found = {}
    for case in LARGE:
        kind = case.label_kinds[0]
        try:
            judge.check_loss(failures.Point(numpy, impl, "cpu:0", dtype, kind), case)
            found[case.id] = "passed"
        except failures.Imprecise as e:
            assert e.record["error_eps"] <= e.record["bound_eps"]  # today's bound passes it
            assert e.record["error_eps"] > e.record["tight_eps"]
            assert "imprecise" in str(e) and "worst-case bound" in str(e)
            found[case.id] = "imprecise"
        except failures.Divergence:
            found[case.id] = "diverged"
    return found


def test_a_naive_sum_in_half_precision_is_imprecise():
    found = _judge(naive_sum_in_the_dtype, "float16")
    assert set(found.values()) == {"imprecise"}, found


def test_the_careful_way_passes_in_half_precision():
    for dtype in ("float16", "bfloat16"):
        assert set(_judge(float32_inside, dtype).values()) == {"passed"}


def test_a_class_index_through_float16_is_caught_at_large_k_only():
    found = _judge(class_index_in_the_dtype, "float16")
    assert found["vocab-32000-e0.1-mean"] == "imprecise"  # 31999 -> 32000 -> clamped: another class
    assert "imprecise" in found.values() and "diverged" not in found.values(), found
    assert set(_judge(class_index_in_the_dtype, "float32").values()) == {"passed"}


def test_a_smoothing_weight_in_float16_is_caught_at_large_k_only():
    found = _judge(smoothing_weight_in_the_dtype, "float16")
    assert found["vocab-262144-e0.1-mean"] == "imprecise"
    assert "diverged" not in found.values(), found
    assert set(_judge(smoothing_weight_in_the_dtype, "bfloat16").values()) == {"passed"}


def test_large_cases_stay_small_on_disk():
    assert (CASES_DIR / "large_vocabulary.toml").stat().st_size < 8000
    assert isinstance(Path(LARGE[0].path), Path)


def test_a_record_keeps_the_worst_element_of_a_large_result():
    expected = np.zeros((2, 1000))
    got = expected.copy()
    got[1, 7] = 1.0
    kept = compare.recorded_values(got, expected, (1, 7))
    assert kept == {"expected": [0.0], "got": [1.0], "worst_at": [1, 7], "shape": [2, 1000]}
    assert compare.recorded_values(got[0], expected, (0,)) == {"shape": [2, 1000], "got_shape": [1000]}
    small = compare.recorded_values(got[:, :3], expected[:, :3], (0, 0))
    assert small == {"expected": [[0.0] * 3] * 2, "got": [[0.0] * 3] * 2}
