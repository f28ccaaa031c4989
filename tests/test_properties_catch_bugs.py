"""The property checks catch planted bugs of five kinds with a shrunk counterexample under the
default profile, and pass correct implementations."""

from __future__ import annotations

from dataclasses import replace

import ml_dtypes
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conformance.adapters import Implementation, load, numpy_adapter
from conformance.cases import Case
from conformance.checks import failures, properties, property_table
from conformance.draws.primitives import SMOOTHING, smoothings
from conformance.oracle import softmax
from conformance.plugin import profiles
from tests.conftest import ROOT
from tests.test_planted import (
    float32_inside,
    log_of_softmax,
    smoothing_off_target_only,
    smoothing_over_k_minus_1,
    sum_for_mean,
    with_axis,
)

# 100 examples (a check's depth before examples were shared), derandomised so that the suite's
# own tests are repeatable.
profiles.register()
DEFAULT = settings(settings.get_profile("default"), max_examples=100, database=None, derandomize=True)


def run_property(loss, name: str, dtype: str, kind: str, gradient=numpy_adapter._stable_grad) -> None:
    """Run one property on a NumPy implementation of ``loss`` (with the analytic ``gradient``)
    under the default profile."""
    impl = Implementation(
        f"planted.{loss.__name__}", "numpy", with_axis(loss), class_axis="any", gradient=gradient
    )
    point = failures.Point(load("numpy"), impl, "cpu:0", dtype, kind)
    prop = property_table.PROPERTIES[name]

    @DEFAULT
    @given(data=st.data())
    def check(data: st.DataObject) -> None:
        prop.check(point, *data.draw(prop.examples(dtype, kind, impl)))

    check()


@pytest.mark.parametrize(
    ("loss", "name", "dtype"),
    [
        (smoothing_over_k_minus_1, "agreement", "float32"),  # a wrong smoothing constant
        (log_of_softmax, "agreement", "float32"),  # a numerically unstable form
        (float32_inside, "agreement", "float64"),  # precision lost inside
        (sum_for_mean, "agreement", "float64"),  # a wrong reduction
        (smoothing_off_target_only, "agreement", "float32"),  # smoothing on the wrong classes
        (smoothing_over_k_minus_1, "hand_smoothed", "float64"),  # caught by an identity too
        (log_of_softmax, "shift", "float32"),
    ],
    ids=lambda v: getattr(v, "__name__", v),
)
def test_planted_bug_is_caught_with_a_shrunk_counterexample(loss, name, dtype):
    with pytest.raises(failures.Divergence) as info:
        run_property(loss, name, dtype, "indices")
    case = info.value.case
    assert case is not None and case.drawn
    assert case.logits.size <= 8, f"not shrunk: {case.logits.shape}"
    assert f"planted.{loss.__name__}" in str(info.value) and "input: logits=" in str(info.value)


def test_planted_wrong_gradient_is_caught_with_a_shrunk_counterexample():
    def grad_ignores_smoothing(x, labels, e, reduction, axis):
        return numpy_adapter._stable_grad(x, labels, 0.0, reduction, axis)

    with pytest.raises(failures.Divergence) as info:
        run_property(correct, "gradient_agreement", "float64", "indices", grad_ignores_smoothing)
    case = info.value.case
    assert case.label_smoothing > 0 and case.logits.size <= 8, case
    assert "gradient:" in str(info.value)


def correct(x, labels, e, reduction):
    return softmax.softmax_cross_entropy(x, labels, e, reduction)


SOFTMAX = [n for n, p in property_table.PROPERTIES.items() if p.operation == "softmax_cross_entropy"]
BINARY = [n for n, p in property_table.PROPERTIES.items() if p.operation == "sigmoid_cross_entropy"]


@pytest.mark.parametrize("name", BINARY)
def test_the_binary_reference_passes_its_properties_and_a_wrong_smoothing_does_not(name):
    numpy = load("numpy")
    impl = numpy.implementation("conformance.numpy.sigmoid_cross_entropy")
    prop = property_table.PROPERTIES[name]

    def run(implementation) -> None:
        point = failures.Point(numpy, implementation, "cpu:0", "float64", "probabilities")

        @DEFAULT
        @given(data=st.data())
        def check(data: st.DataObject) -> None:
            prop.check(point, *data.draw(prop.examples("float64", "probabilities", implementation)))

        check()

    run(impl)

    # a planted bug: targets smoothed as y (1 - e) + e instead of y (1 - e) + e / 2, which the
    # reference's own smoothing gives for the labels y + e / (2 (1 - e))
    def smoothing_towards_one(x, labels, e, reduction, axis):
        return impl.loss(x, labels + e / (2 * (1 - e)), e, reduction, axis)

    def gradient_towards_one(x, labels, e, reduction, axis):
        return impl.gradient(x, labels + e / (2 * (1 - e)), e, reduction, axis)

    wrong = replace(impl, name="planted.binary", loss=smoothing_towards_one, gradient=gradient_towards_one)
    with pytest.raises(failures.Divergence):
        run(wrong)


@pytest.mark.parametrize("name", SOFTMAX)
def test_a_correct_implementation_passes_every_property(name):
    impl = Implementation("correct", "numpy", with_axis(correct), class_axis="any")
    for kind in property_table.PROPERTIES[name].label_kinds(impl):
        for dtype in ("float32", "float64"):
            run_property(correct, name, dtype, kind)


def test_shrunk_failure_is_written_as_a_golden_case(run_suite, tmp_path):
    """--write-failures turns a property's counterexample into a case file that loads and fails."""
    (tmp_path / "planted.py").write_text(
        "import conformance.adapters.numpy_adapter as adapter\n"
        "from tests.test_planted import smoothing_over_k_minus_1, with_axis\n"
        "from dataclasses import replace\n"
        "planted = with_axis(smoothing_over_k_minus_1)\n"
        "adapter.IMPLEMENTATIONS[0] = replace(adapter.IMPLEMENTATIONS[0], loss=planted)\n"
    )
    out_dir = tmp_path / "found"
    code, out, results = run_suite(
        "--framework",
        "numpy",
        "-p",
        "planted",
        "--write-failures",
        str(out_dir),
        "-k",
        "agreement and float64 and indices",
        env={"PYTHONPATH": f"{tmp_path}:{ROOT}"},
        target="conformance/test_properties.py",
    )
    assert code == 1, out
    (written,) = [r["written_case"] for r in results["results"] if "written_case" in r]
    from conformance.cases import load_file

    cases, errors = load_file(written)
    assert not errors and len(cases) == 1 and "property check 'agreement'" in cases[0].provenance
    assert np.isfinite(cases[0].logits).all()


@given(st.data())
def test_drawn_smoothing_keeps_e_over_k_a_normal_number_of_the_dtype(data):
    """float16 with 4096 classes: no smoothing below 4096 * 6.1e-5 (e / K would underflow,
    and a masked class's weight with it); float32 still draws down to 1e-6."""
    e = data.draw(smoothings("float16", 4096))
    assert e == 0 or e / 4096 >= ml_dtypes.finfo("float16").tiny
    assert smoothings("float32", 4096) is SMOOTHING


def smoothing_over_one(x, labels, e, reduction):
    """Keras' defect with the classes off the last axis of size 1: targets y (1 - e) + e / 1."""
    y = np.eye(x.shape[-1])[labels] if labels.ndim == 1 else labels
    return correct(x, y * (1 - e) + e, 0.0, reduction)


def first_class_doubled(x, labels, e, reduction):
    """Not invariant under a permutation: the first class's logit counts twice."""
    return correct(np.concatenate([2 * x[..., :1], x[..., 1:]], axis=-1), labels, e, reduction)


@pytest.mark.parametrize(("loss", "invariant"), [(smoothing_over_one, True), (first_class_doubled, False)])
def test_an_identity_judges_an_implementation_by_the_size_of_its_own_result(loss, invariant):
    """A loss 400 times the reference's (smoothing by e / 1 over 1000 classes: 2671 where the
    exact loss is 7) rounds at its own size: its permuted rows differ by an ulp of 2671, which a
    bound sized by the reference's 7 called imprecise (9 of these 20 permutations did, a CI run
    on Keras once). A loss that is not invariant still fails."""
    rng = np.random.default_rng(0)
    k = 1000
    labels = np.zeros((1, k))
    labels[0, 3] = 1.0
    case = Case("t", "t", "planted", rng.normal(0, 1e-3, (1, k)), labels, 0.386, "none", ("0",))
    impl = Implementation(f"planted.{loss.__name__}", "numpy", with_axis(loss), class_axis="any")
    point = failures.Point(load("numpy"), impl, "cpu:0", "float64", "probabilities")
    failed = 0
    for seed in range(20):
        order = np.random.default_rng(seed).permutation(k).tolist()
        try:
            properties.permutation(point, case, tuple(order))
        except failures.Divergence:
            failed += 1
    assert failed == (0 if invariant else 20)
