"""The reference: both tiers agree, the stable form stays finite, the definitions hold."""

from __future__ import annotations

import mpmath
import numpy as np
import pytest

from conformance import vocabulary
from conformance.checks import compare
from conformance.oracle import bounds, sigmoid, softmax, softmax_mpmath
from conformance.oracle.targets import smoothed_targets

WORKED = np.array([[4.0, 5.0, 10.0], [1.0, 5.0, 4.0], [1.0, 15.0, 4.0]])
CLASSES = np.array([2, 1, 1])


def random_inputs(seed: int, n: int, k: int, scale: float):
    rng = np.random.default_rng(seed)
    logits = rng.normal(0, scale, (n, k))
    probs = rng.dirichlet(np.ones(k), n)
    return logits, rng.integers(0, k, n), probs


@pytest.mark.parametrize("reduction", vocabulary.REDUCTIONS)
@pytest.mark.parametrize(("seed", "n", "k", "scale"), [(0, 1, 1, 1.0), (1, 4, 7, 3.0), (2, 8, 50, 30.0)])
def test_numpy_float64_agrees_with_mpmath(seed, n, k, scale, reduction):
    logits, indices, probs = random_inputs(seed, n, k, scale)
    for labels in (indices, probs):
        for e in (0.0, 0.1, 0.9):
            exact = softmax_mpmath.exact_softmax_cross_entropy(logits, labels, e, reduction)
            fast = softmax.softmax_cross_entropy(logits, labels, e, reduction)
            rows = softmax.softmax_cross_entropy(logits, labels, e, "none")
            bound = bounds.loss_bound_eps(rows, k, reduction, exact)
            assert compare.compare(fast, exact, bound, "float64").passed


def test_worked_example_values():
    """The exact values of the documents' example, from an independent direct formula."""
    exact0 = softmax_mpmath.exact_softmax_cross_entropy(WORKED, CLASSES, 0.0, "mean")
    exact1 = softmax_mpmath.exact_softmax_cross_entropy(WORKED, CLASSES, 0.001, "mean")
    assert exact0.hi == pytest.approx(0.1119182196450031, rel=1e-15)
    assert exact1.hi == pytest.approx(0.1164737752005586, rel=1e-15)
    assert exact1.hi > exact0.hi  # the article's conclusion: smoothing raises the loss


def test_expanded_form_equals_smoothed_target_form():
    """loss = (1 - e) * nll + e * mean_k(-log_softmax), the source notes' second form."""
    e = 0.3
    with mpmath.workdps(50):
        rows = softmax_mpmath.mp_softmax_cross_entropy(WORKED, CLASSES, e, "none")
        for row, c, loss in zip(WORKED, CLASSES, rows):
            lse = mpmath.log(mpmath.fsum(mpmath.exp(mpmath.mpf(v)) for v in row))
            nll = lse - mpmath.mpf(row[c])
            smooth = mpmath.fsum(lse - mpmath.mpf(v) for v in row) / len(row)
            assert abs(loss - ((1 - mpmath.mpf(e)) * nll + mpmath.mpf(e) * smooth)) < mpmath.mpf(10) ** -45


def test_stable_form_is_finite_where_log_of_softmax_is_not():
    logits = np.array([[0.0, 800.0, -50.0], [1000.0, -1000.0, 0.0]])
    labels = np.array([1, 0])
    t = smoothed_targets(labels, 3, 0.1)
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        p = np.exp(logits) / np.exp(logits).sum(axis=-1, keepdims=True)  # overflows and underflows
        fragile = -(t * np.log(p)).sum(axis=-1).mean()
    stable = softmax.softmax_cross_entropy(logits, labels, 0.1)
    exact = softmax_mpmath.exact_softmax_cross_entropy(logits, labels, 0.1)
    assert not np.isfinite(fragile)
    assert np.isfinite(stable)
    rows = softmax.softmax_cross_entropy(logits, labels, 0.1, "none")
    assert compare.compare(stable, exact, bounds.loss_bound_eps(rows, 3, "mean", exact), "float64").passed


def test_tiny_losses_keep_their_digits():
    """A loss of exp(-800) is that, not 0: the exact tier keeps values below float64's range."""
    (loss,) = softmax_mpmath.mp_softmax_cross_entropy(np.array([[0.0, 800.0]]), np.array([1]), 0.0, "sum")
    with mpmath.workdps(30):
        assert abs(loss / mpmath.exp(-800) - 1) < mpmath.mpf(10) ** -25


def test_masked_classes_contribute_nothing_and_nan_spreads_to_its_row():
    logits = np.array([[-np.inf, 2.0, 1.0], [np.nan, 0.0, 0.0]])
    rows = softmax_mpmath.exact_softmax_cross_entropy(logits, np.array([1, 1]), 0.0, "none").hi
    assert np.isfinite(rows[0]) and rows[0] == pytest.approx(np.log1p(np.exp(-1.0)))
    assert np.isnan(rows[1])
    fast = softmax.softmax_cross_entropy(logits, np.array([1, 1]), 0.0, "none")
    assert fast[0] == pytest.approx(rows[0]) and np.isnan(fast[1])


def test_empty_batch_mean_is_nan_and_sum_is_zero():
    empty = np.zeros((0, 4))
    labels = np.zeros(0, np.int64)
    assert np.isnan(softmax_mpmath.exact_softmax_cross_entropy(empty, labels, 0.1, "mean").hi)
    assert softmax_mpmath.exact_softmax_cross_entropy(empty, labels, 0.1, "sum").hi == 0.0
    assert np.isnan(softmax.softmax_cross_entropy(empty, labels, 0.1, "mean"))


@pytest.mark.parametrize("reduction", vocabulary.REDUCTIONS)
def test_gradient_matches_finite_differences_and_numpy(reduction):
    logits, _, probs = random_inputs(3, 3, 5, 2.0)
    grad = softmax_mpmath.exact_softmax_cross_entropy_grad(logits, probs, 0.2, reduction)
    with mpmath.workdps(60):
        h = mpmath.mpf(10) ** -20
        for i, j in [(0, 0), (1, 3), (2, 4)]:
            up, down = logits.astype(object), logits.astype(object)

            def total(x):
                rows = []
                for row, t in zip(x, probs):
                    lse = mpmath.log(mpmath.fsum(mpmath.exp(v) for v in row))
                    rows.append(mpmath.fsum(((1 - 0.2) * tk + 0.2 / 5) * (lse - v) for tk, v in zip(t, row)))
                return mpmath.fsum(rows) / (len(rows) if reduction == "mean" else 1)

            up[i, j] = mpmath.mpf(logits[i, j]) + h
            down[i, j] = mpmath.mpf(logits[i, j]) - h
            numeric = (total(up) - total(down)) / (2 * h)
            assert abs(float(numeric) - grad.hi[i, j]) < 1e-15
    fast = softmax.softmax_cross_entropy_grad(logits, probs, 0.2, reduction)
    assert compare.compare(
        fast, grad, bounds.grad_bound_eps(logits.shape, softmax.grad_weight(probs, reduction)), "float64"
    ).passed


def test_log_softmax_tiers_agree():
    logits, _, _ = random_inputs(4, 5, 9, 50.0)
    exact = softmax_mpmath.exact_log_softmax(logits)
    fast = softmax.log_softmax(logits)
    bound = np.broadcast_to(bounds.row_bound_eps(-fast.min(axis=-1), 9)[:, None], logits.shape)
    assert compare.compare(fast, exact, bound, "float64").passed


def test_unknown_reduction_is_an_error():
    with pytest.raises(ValueError, match="unknown reduction"):
        softmax_mpmath.exact_softmax_cross_entropy(WORKED, CLASSES, 0.0, "avg")


def test_the_tiers_agree_at_infinite_logits():
    """+inf logits share the softmax mass; binary cross-entropy takes its limits there."""

    x = np.array([[np.inf, 1.0, 2.0], [np.inf, np.inf, -np.inf], [-np.inf, 0.0, 1.0]])
    for y, e in ((np.array([0, 1, 2]), 0.1), (np.array([1, 0, 0]), 0.0)):
        fast = softmax.softmax_cross_entropy(x, y, e, "none")
        exact = softmax_mpmath.exact_softmax_cross_entropy(x, y, e, "none")
        assert np.array_equal(fast, exact.hi, equal_nan=True), (fast, exact.hi)
        grad = softmax.softmax_cross_entropy_grad(x, y, e, "none")
        exact_grad = softmax_mpmath.exact_softmax_cross_entropy_grad(x, y, e, "none").hi
        assert np.allclose(grad, exact_grad, rtol=1e-15, atol=1e-16)  # the same, to rounding
    xb = np.array([[np.inf, -np.inf, np.inf, -np.inf]])
    for labels in (np.array([[1.0, 0.0, 0.5, 0.5]]), np.array([[0.0, 1.0, 1.0, 0.0]])):
        for e in (0.0, 0.2):
            fast = sigmoid.sigmoid_cross_entropy(xb, labels, e, "none")
            assert np.array_equal(fast, sigmoid.exact(xb, labels, e, "none").hi, equal_nan=True)


def test_the_other_classes_spread_is_fairseq_s_and_megatron_s_loss_in_every_tier():
    """e over the K - 1 other classes (conventions.py, smoothing_spread = other-classes): logits
    [2, 1, 0.1] of class 0 with e = 0.1 give fairseq's label_smoothed_nll_loss, 0.5620300162778336
    (its formula, (1 - e - e/(K-1)) nll + e/(K-1) sum(-log p), in float64); the e/K one gives
    PyTorch's 0.5136966829445002."""
    from conformance.oracle.conventions import Convention
    from conformance.oracle.targets import Options

    x, y = np.array([[2.0, 1.0, 0.1]]), np.array([0])
    others = Options(convention=Convention(smoothing_spread="other-classes"))
    logp = x[0] - np.log(np.exp(x[0]).sum())
    eps_i = 0.1 / 2
    fairseq = (1 - 0.1 - eps_i) * -logp[0] + eps_i * -logp.sum()
    assert softmax.softmax_cross_entropy(x, y, 0.1, "none", others)[0] == pytest.approx(fairseq, rel=1e-15)
    exact = softmax_mpmath.exact_softmax_cross_entropy(x, y, 0.1, "none", others)
    assert float(exact.hi[0]) == pytest.approx(0.5620300162778336, rel=1e-15)
    assert float(softmax_mpmath.exact_softmax_cross_entropy(x, y, 0.1, "none").hi[0]) == pytest.approx(
        0.5136966829445002, rel=1e-15
    )
    t = smoothed_targets(y, 3, 0.1, spread="other-classes")
    assert t.tolist() == [[0.9, 0.05, 0.05]]
