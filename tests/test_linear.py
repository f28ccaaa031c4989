"""Fused linear cross-entropy: the exact reference against an independent arbitrary-precision
computation, its case files' errors, its bounds, and planted wrong fused losses caught through
--impl."""

from __future__ import annotations

import mpmath
import numpy as np
import pytest

from conformance.cases import load_file
from conformance.oracle import linear
from conformance.oracle.operations import OPERATIONS
from conformance.oracle.softmax import softmax_cross_entropy
from conformance.oracle.targets import Options
from conformance.vocabulary import EPSILON, LINEAR_CROSS_ENTROPY

FUSED = "tests/user_losses/torch_fused.py"
OPERATION = OPERATIONS[LINEAR_CROSS_ENTROPY]


def drawn(seed: int, n: int = 3, k: int = 5, d: int = 4, cancelling: bool = False) -> np.ndarray:
    """A packed case; ``cancelling``: dot products whose terms cancel to a small logit."""
    rng = np.random.default_rng(seed)
    h, w, b = rng.normal(size=(n, d)), rng.normal(size=(k, d)), rng.normal(size=k)
    if cancelling:
        h[:, 0] *= 1e8
        h[:, 1] = -h[:, 0]
        w[:, 1] = w[:, 0] + 1e-8 * w[:, 1]  # terms of 1e8 that cancel to logits of 1
    return linear.pack(h, w, b)


def mp_reference(packed: np.ndarray, labels: np.ndarray, e: float) -> tuple[mpmath.mpf, list]:
    """The mean loss and its gradient with respect to the packed input, at 60 digits."""
    n = len(labels)
    h, w, b = (a.tolist() for a in linear.parts(packed, n))
    k = len(w)
    with mpmath.workdps(60):
        e = mpmath.mpf(e)
        z = [
            [mpmath.fsum(mpmath.mpf(p) * q for p, q in zip(hr, wr)) + b[j] for j, wr in enumerate(w)]
            for hr in h
        ]
        total, g = mpmath.mpf(0), []
        for row, y in zip(z, labels):
            top = max(row)
            log_sum = top + mpmath.log(mpmath.fsum(mpmath.exp(v - top) for v in row))
            t = [(1 - e) * (j == y) + e / k for j in range(k)]
            total += -mpmath.fsum(tj * (v - log_sum) for tj, v in zip(t, row))
            g.append([(mpmath.exp(v - log_sum) - tj) / n for v, tj in zip(row, t)])
        grad = [[mpmath.mpf(0)] * (len(h[0]) + 1) for _ in range(n + k)]
        for i in range(n):
            for c in range(len(h[0])):
                grad[i][c] = mpmath.fsum(g[i][j] * w[j][c] for j in range(k))
        for j in range(k):
            for c in range(len(h[0])):
                grad[n + j][c] = mpmath.fsum(g[i][j] * h[i][c] for i in range(n))
            grad[n + j][-1] = mpmath.fsum(g[i][j] for i in range(n))
        return total / n, grad


@pytest.mark.parametrize(("seed", "cancelling"), [(0, False), (1, False), (2, True), (3, True)])
def test_the_exact_loss_and_gradient_agree_with_arbitrary_precision(seed, cancelling):
    packed, labels, e = drawn(seed, cancelling=cancelling), np.array([0, 4, 2]), 0.1
    loss, grad = mp_reference(packed, labels, e)
    exact = OPERATION.exact(packed, labels, e, "mean", Options(), False)
    with mpmath.workdps(60):
        off = abs(mpmath.mpf(float(exact.hi)) + float(exact.lo) - loss)
        assert off <= 2.0**-100 * abs(loss) + float(exact.error), off
    exact_grad = OPERATION.exact(packed, labels, e, "mean", Options(), True)
    for (i, j), value in np.ndenumerate(exact_grad.hi):
        with mpmath.workdps(60):
            off = abs(mpmath.mpf(float(value)) + float(exact_grad.lo[i, j]) - grad[i][j])
        # long double products: carried error, far below a float64 ulp of the entry
        assert off <= float(exact_grad.error[i, j]) + 1e-30, (i, j, off)
        assert float(exact_grad.error[i, j]) <= 2.0**-56 * max(1.0, abs(float(value)))


def test_the_exact_logits_are_the_dot_products_to_double_double_precision():
    packed = drawn(4, cancelling=True)
    z = linear.exact_logits(packed, 3)
    h, w, b = (a.tolist() for a in linear.parts(packed, 3))
    with mpmath.workdps(80):
        for (i, j), hi in np.ndenumerate(z.hi):
            true = mpmath.fsum(mpmath.mpf(p) * q for p, q in zip(h[i], w[j])) + b[j]
            assert abs(mpmath.mpf(hi) + z.lo[i, j] - true) <= 2.0**-104 * abs(true)
    # the float64 dot product loses most of these digits: the cancellation is real
    naive = np.asarray(h) @ np.asarray(w).T + np.asarray(b)
    assert np.max(np.abs(naive - z.hi) / np.abs(z.hi)) > 1e-10


def exact_loss(packed: np.ndarray, labels: np.ndarray, e: float):
    return OPERATION.exact(packed, labels, e, "mean", Options(), False)


def test_the_bounds_grow_with_the_dot_products_not_beyond_reason():
    """Derived, not fitted: the rounding of an (N, K) product of length d; a cancelling case's
    logits are small beside their terms, so its bound is larger, yet a float32 computation of
    a well-scaled case is allowed tens to thousands of epsilons, not millions."""
    labels, e = np.array([0, 4, 2]), 0.1
    plain, cancelling = drawn(5), drawn(5, cancelling=True)
    bounds = [
        OPERATION.loss_bound(x, labels, e, "mean", Options(), exact_loss(x, labels, e), "float32")
        for x in (plain, cancelling)
    ]
    assert 1 < float(bounds[0].tight) <= float(bounds[0].worst) < 1e4
    assert float(bounds[1].worst) > 10 * float(bounds[0].worst)
    grad = OPERATION.grad_bound(plain, plain.shape, labels, e, "mean", Options(), "float32")
    assert grad.worst.shape == plain.shape and 1 < grad.worst.max() < 1e4
    # a float32 computation of the plain case lands inside: the bound covers what rounding does
    h, w, b = (a.astype(np.float32) for a in linear.parts(plain, 3))
    got = softmax_cross_entropy(h @ w.T + b, labels, e, "mean")
    exact = OPERATION.exact(plain.astype(np.float32).astype(np.float64), labels, e, "mean", Options(), False)
    assert abs(float(got) - float(exact.hi)) / EPSILON["float32"] <= float(bounds[0].tight)


BAD = [
    ("hidden = [[1.0, 2.0], [3.0]]\nweight = [[1.0, 0.0]]", "hidden", "rows of one length"),
    ("hidden = [[1.0, 2.0]]\nweight = [[1.0, 0.0, 3.0]]", "weight", "has rows of 3"),
    (
        "hidden = [[1.0, 2.0]]\nweight = [[1.0, 0.0], [0.0, 1.0]]\nbias = [1.0]",
        "bias",
        "1 entries for 2 classes",
    ),
    (
        "hidden = [[1.0, 2.0]]\nweight = [[1.0, 0.0], [0.0, 1.0]]\nlogits = [[1.0, 2.0]]",
        "logits",
        "hidden, weight",
    ),
    (
        "hidden = [[1.0, 2.0]]\nweight = [[1.0, 0.0], [0.0, 1.0]]\nweights = [1.0, 2.0]",
        "weights",
        "not checked",
    ),
]


@pytest.mark.parametrize(("inputs", "field", "message"), BAD)
def test_a_bad_fused_case_names_file_case_and_field(tmp_path, inputs, field, message):
    path = tmp_path / "linear.toml"
    path.write_text(
        'schema = 1\nsource = "a test"\n[[case]]\nid = "fused"\nprovenance = "a test"\n'
        f'operation = "linear_cross_entropy"\n{inputs}\nlabels = {{ indices = [1] }}\n'
        'label_smoothing = 0.1\nreduction = "mean"\nexpected = { loss = "1.0" }\n'
    )
    cases, errors = load_file(path)
    assert not cases and len(errors) == 1
    assert errors[0].case_id == "fused" and errors[0].field == field, errors[0]
    assert message in str(errors[0]) and str(path) in str(errors[0])


def records_of(results: dict, name: str) -> list[dict]:
    return [r for r in results["results"] if name in r.get("implementation", "")]


def test_fused_user_losses_are_judged_on_hidden_weight_and_bias(run_suite):
    """A correct fused loss without a bias passes where a case has none and is unsupported
    where it has one; logits formed in bfloat16 fail in float32 and float64; a bias cut from
    the graph (its gradient lost) fails the gradient on the cases with a bias, and nothing else."""
    pytest.importorskip("torch")
    specs = [f"torch:{FUSED}:{name}" for name in ("without_bias", "logits_in_bfloat16", "bias_detached")]
    code, out, results = run_suite(
        *(a for spec in specs for a in ("--impl", spec)),
        "--framework",
        "none",
        "--dtype",
        "float32,float64",
        "-k",
        "linear",
    )
    assert code == 1, out[-3000:]
    correct = records_of(results, "without_bias")
    assert {r["outcome"] for r in correct} == {"passed", "unsupported"}, out[-3000:]
    assert any("takes no bias" in r.get("message", "") for r in correct)
    assert {r["case"] for r in correct if r["outcome"] == "passed"} >= {"linear-article2-e0.001"}
    rounded = records_of(results, "logits_in_bfloat16")
    failed = {(r["test"], r["dtype"]) for r in rounded if r["outcome"] == "diverged"}
    assert {
        ("loss", "float32"),
        ("loss", "float64"),
        ("gradient", "float32"),
        ("gradient", "float64"),
    } <= failed
    detached = records_of(results, "bias_detached")
    failed_cases = {r["case"] for r in detached if r["outcome"] == "diverged"}
    assert {r["test"] for r in detached if r["outcome"] == "diverged"} == {"gradient"}
    assert failed_cases and all(
        c.startswith(("linear-decimal", "linear-article2-factored")) for c in failed_cases
    )
    assert any(
        r["outcome"] == "passed" and r["test"] == "gradient" and r["case"] == "linear-article2-e0.001"
        for r in detached
    )
