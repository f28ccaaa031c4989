"""The golden checks fail planted wrong implementations, and pass the correct one."""

from __future__ import annotations

import numpy as np
import pytest

from conformance.adapters import Implementation, Unsupported, load
from conformance.cases import CASES_DIR, load_all
from conformance.checks import judge
from conformance.checks.failures import Divergence, Point
from conformance.oracle import softmax
from conformance.oracle.targets import Options, is_indices, one_hot, smoothed_targets

DTYPES = ("float32", "float64")  # what the planted forms are written for

# the planted compute softmax cross-entropy and take no options
CASES = [c for c in load_all(CASES_DIR)[0] if not c.option_names and c.operation == "softmax_cross_entropy"]


def with_axis(loss):
    """An implementation (x, labels, e, reduction, axis) from a loss on classes-last arrays."""

    def on_axis(x, labels, e, reduction, axis, **options):
        if options:
            raise Unsupported(f"{loss.__name__} takes no {', '.join(options)}")
        y = labels if is_indices(labels) else np.moveaxis(labels, axis, -1)
        return loss(np.moveaxis(x, axis, -1), y, e, reduction)

    on_axis.__name__ = loss.__name__
    return on_axis


def _targets(labels, k, e, dtype):
    return smoothed_targets(labels, k, e).astype(dtype)


def smoothing_over_k_minus_1(x, labels, e, reduction):
    k = x.shape[-1]
    y = one_hot(labels, k, x.dtype) if is_indices(labels) else labels
    t = y * (1 - e) + e / max(k - 1, 1)
    return softmax.reduce(-(t * softmax.log_softmax(x)).sum(-1), reduction)


def log_of_softmax(x, labels, e, reduction):
    """Way 2 of Article 1: probabilities first, then their log."""
    t = _targets(labels, x.shape[-1], e, x.dtype)
    with np.errstate(all="ignore"):
        p = np.exp(x) / np.exp(x).sum(-1, keepdims=True)
        return softmax.reduce(-(t * np.log(p)).sum(-1), reduction)


def float32_inside(x, labels, e, reduction):
    rows = softmax.softmax_cross_entropy(x.astype(np.float32), labels, e, "none")
    return softmax.reduce(rows.astype(x.dtype), reduction)


def sum_for_mean(x, labels, e, reduction):
    return softmax.softmax_cross_entropy(x, labels, e, "sum" if reduction == "mean" else reduction)


def smoothing_off_target_only(x, labels, e, reduction):
    """Adds e/K to the other classes but leaves the target at 1 - e."""
    k = x.shape[-1]
    y = one_hot(labels, k, x.dtype) if is_indices(labels) else labels
    t = np.where(y == y.max(-1, keepdims=True), y * (1 - e), y.dtype.type(e / k))
    return softmax.reduce(-(t * softmax.log_softmax(x)).sum(-1), reduction)


PLANTED = [smoothing_over_k_minus_1, log_of_softmax, float32_inside, sum_for_mean, smoothing_off_target_only]


def outcomes(loss) -> list[tuple[str, str, str]]:
    """Run every golden case, label kind and dtype through ``loss``; the failures."""
    numpy = load("numpy")
    impl = Implementation(f"planted.{loss.__name__}", "numpy", with_axis(loss), class_axis="any")
    failures = []
    for case in CASES:
        for kind in case.label_kinds:
            for dtype in DTYPES:
                point = Point(numpy, impl, "cpu:0", dtype, kind)
                try:
                    judge.check_loss(point, case, reproduce="pytest ...")
                except Divergence as e:
                    assert impl.name in str(e) and case.id in str(e)
                    assert f"for {dtype} inputs" not in str(e)  # caught for its values, not its dtype
                    failures.append((case.id, kind, dtype))
    return failures


@pytest.mark.parametrize("loss", PLANTED, ids=lambda f: f.__name__)
def test_planted_wrong_implementation_is_caught(loss):
    assert outcomes(loss), f"{loss.__name__} passed every golden check"


def test_log_of_softmax_is_caught_by_large_logits_only():
    """Way 2 of Article 1 is right on the worked example and wrong once exp under- or overflows."""
    caught = {case for case, _, _ in outcomes(log_of_softmax)}
    assert {"large-gap-e0.1", "large-gap-e0", "article2-shifted-1e4"} <= caught
    assert not caught & {"article2-e0", "article2-e0.001", "article1-e0.1-none", "article1-e0.1-sum"}


def test_float32_inside_is_caught_at_float64_only():
    assert {dtype for _, _, dtype in outcomes(float32_inside)} == {"float64"}


def test_the_correct_implementation_passes_everything():
    def correct(x, labels, e, reduction):
        return softmax.softmax_cross_entropy(x, labels, e, reduction)

    assert outcomes(correct) == []


def test_a_failure_says_where_what_and_how_to_reproduce():
    numpy = load("numpy")
    case = next(c for c in CASES if c.id == "article2-e0.001")
    point = Point(
        numpy,
        Implementation("planted", "numpy", with_axis(sum_for_mean), class_axis="any"),
        "cpu:0",
        "float64",
        "indices",
    )
    with pytest.raises(Divergence) as info:
        judge.check_loss(point, case, reproduce="pytest 'conformance/test_golden.py::test_loss[x]'")
    text = str(info.value)
    for expected in (
        "planted on cpu:0 in float64",
        "article2-e0.001",
        "logits=",
        "label_smoothing=0.001",
        "expected 0.1164737752005586",
        "got      0.349",
        "eps exceeds bound",
        "reproduce: pytest 'conformance/test_golden.py::test_loss[x]'",
    ):
        assert expected in text
    assert info.value.record["error_eps"] > info.value.record["bound_eps"]


# --- gradients ------------------------------------------------------------------------


def grad_ignores_smoothing(x, labels, e, reduction):
    return softmax.softmax_cross_entropy_grad(x, labels, 0.0, reduction)


def grad_not_scaled_by_mean(x, labels, e, reduction):
    return softmax.softmax_cross_entropy_grad(x, labels, e, "sum")


def grad_in_float32(x, labels, e, reduction):
    return softmax.softmax_cross_entropy_grad(x.astype(np.float32), labels, e, reduction).astype(x.dtype)


def grad_correct(x, labels, e, reduction):
    return softmax.softmax_cross_entropy_grad(x, labels, e, reduction)


def grad_failures(grad) -> list[tuple[str, str, str]]:
    """Every golden case, label kind and dtype whose gradient check fails with ``grad``."""
    numpy = load("numpy")
    impl = Implementation(
        f"planted.{grad.__name__}",
        "numpy",
        with_axis(lambda x, labels, e, reduction: softmax.softmax_cross_entropy(x, labels, e, reduction)),
        class_axis="any",
        gradient=lambda x, labels, e, reduction, axis: np.moveaxis(
            grad(
                np.moveaxis(x, axis, -1),
                labels if labels.ndim < x.ndim else np.moveaxis(labels, axis, -1),
                e,
                reduction,
            ),
            -1,
            axis,
        ),
    )
    failures = []
    for case in CASES:
        if case.batch_shape is not None:
            continue  # the planted gradients take rows
        for kind in case.label_kinds:
            for dtype in DTYPES:
                try:
                    judge.check_grad(Point(numpy, impl, "cpu:0", dtype, kind), case)
                except Divergence as e:
                    assert "gradient" in str(e) and case.id in str(e)
                    failures.append((case.id, kind, dtype))
    return failures


def test_planted_wrong_gradients_are_caught():
    smoothed = {c.id for c in CASES if c.label_smoothing > 0 and c.batch_shape is None}
    assert {case for case, _, _ in grad_failures(grad_ignores_smoothing)} == smoothed
    means = {c.id for c in CASES if c.reduction == "mean" and c.batch_shape is None and len(c.logits) > 1}
    assert {case for case, _, _ in grad_failures(grad_not_scaled_by_mean)} == means
    assert {dtype for _, _, dtype in grad_failures(grad_in_float32)} == {"float64"}
    assert grad_failures(grad_correct) == []


def test_a_wrong_autograd_gradient_is_caught_in_torch():
    """A torch loss whose forward is right and whose backward is not (no gradient flows
    through log-probabilities below -30) fails the gradient check exactly where the target
    gives weight to such a class (smoothing's e/K, or the target class itself)."""
    torch = pytest.importorskip("torch")
    fw = load("torch")

    def clamped(x, labels, e, reduction, axis):
        logp = torch.log_softmax(x, dim=-1)
        kept = logp.clamp(min=-30.0)
        logp = kept + (logp - kept).detach()  # the same values; the gradient only through kept
        t = torch.nn.functional.one_hot(labels, x.shape[-1]).to(x.dtype) * (1 - e) + e / x.shape[-1]
        rows = -(t * logp).sum(-1)
        return {"none": rows, "mean": rows.mean(), "sum": rows.sum()}[reduction]

    impl = Implementation("planted.clamped", "torch", clamped, frozenset({"indices"}))
    caught = set()
    for case in CASES:  # finite logits: its one-hot targets make 0 * -inf = NaN of a -inf one
        if case.batch_shape is None and "indices" in case.label_kinds and np.isfinite(case.logits).all():
            point = Point(fw, impl, "cpu:0", "float64", "indices")
            judge.check_loss(point, case)  # the forward is right
            try:
                judge.check_grad(point, case)
            except Divergence:
                caught.add(case.id)
    # log p < -30 for a class with target weight: smoothing's e/K, or the target itself
    assert caught == {
        "large-gap-e0.1",
        "non-dyadic-e0.2",
        "half-smoothing-sum-7e4",
        "half-mean-sum-9e4",
        "vocab-65536-e0.2-sum",
        "upstream-transformers-10674-vocab-32128",  # logits in (-16, 16) over 32,128 classes, e = 0.1
    }


def test_a_wrong_weighted_mean_is_caught_on_the_options_cases():
    """A loss that takes weights and ignored rows but divides a weighted mean by the rows kept
    (not by the target classes' weights) fails exactly the weighted means."""
    from conformance.oracle.conventions import Convention

    numpy = load("numpy")
    wrong = Convention(weighted_mean="kept-rows")

    def mean_over_rows(x, labels, e, reduction, axis, weights=None, ignore_index=None):
        weights = None if weights is None else tuple(float(w) for w in weights)
        options = Options(weights, ignore_index, wrong)
        return softmax.softmax_cross_entropy(x, labels, e, reduction, options)

    impl = Implementation(
        "planted.mean_over_rows", "numpy", mean_over_rows, options=frozenset({"weights", "ignore_index"})
    )
    caught = set()
    for case in load_all(CASES_DIR)[0]:
        if case.option_names and case.batch_shape is None:
            for kind in case.label_kinds:
                try:
                    judge.check_loss(Point(numpy, impl, "cpu:0", "float64", kind), case)
                except Divergence:
                    caught.add((case.id, kind))
    # PyTorch #69339's case: one kept row of target weight 0.3 (the other cases' kept target weights
    # sum to their number of rows, or their labels are probability rows, divided by N either way)
    assert caught == {
        ("weights-e0.1-mean", "indices"),
        ("weights-ignore-index-mean", "indices"),
        ("upstream-torch-69339-weight-smoothing-ignore", "indices"),
    }
