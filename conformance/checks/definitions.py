"""Other definitions of a label-smoothed cross-entropy that people write, to name the one a
diverging loss computes: a failure that is a definition, not a defect, should say so in
words ("your loss matches the e/(K-1) spread, fairseq's"), not only in numbers.

Each alternative is computed exactly (in extended precision, from the check's inputs rounded
to its dtype) and named only where it explains the returned value within the check's own
bound, element by element; a loss that passes is never judged, so never named. The suite's
definition: targets ``y (1 - e) + e / K`` over all K classes, the cross-entropy
``-sum_k t_k log softmax(x)_k`` of each row, then the reduction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from conformance.cases import Case
from conformance.checks.exact_answer import inputs
from conformance.oracle import softmax
from conformance.oracle.conventions import Convention
from conformance.oracle.numbers import EXTENDED
from conformance.oracle.targets import is_indices, one_hot
from conformance.vocabulary import EPSILON, SOFTMAX_CROSS_ENTROPY

SUITE = "targets y (1 - e) + e/K over all K classes, the cross-entropy of each row (PyTorch, Keras, optax)"


@dataclass(frozen=True)
class Alternative:
    key: str  # its name in a known divergence's predicts (divergences/predictions.py)
    name: str  # what it computes, in words
    who: str  # who writes it so
    targets: Callable[[np.ndarray, float, int], np.ndarray]  # (one-hot or probabilities, e, K) -> t
    over_the_last_axis: bool = False  # spreads e over the logits' last axis (its size for K)
    kl: bool = False  # minus the targets' entropy: a KL divergence, not a cross-entropy
    reduction: Callable[[str], str | None] = lambda r: r  # the reduction it applies instead (None: n/a)
    empty_mean: str = "nan"  # the mean of no rows: 0/0, or "zero"


def _suite_targets(y: np.ndarray, e: float, k: int) -> np.ndarray:
    return y * (1 - e) + e / k


ALTERNATIVES = (
    Alternative(
        "e-over-k-minus-1",
        "the e/(K-1) convention: e spread over the K - 1 other classes, the target keeping 1 - e",
        "fairseq's label_smoothed_nll_loss",
        lambda y, e, k: y * (1 - e) + (1 - y) * e / max(k - 1, 1),
    ),
    Alternative(
        "e-over-k-off-the-target",
        "e/K off the target only: the target keeps 1 - e, the others e/K (targets summing to 1 - e/K)",
        "a hand-written one-hot scatter",
        lambda y, e, k: y * (1 - e) + (1 - y) * e / k,
    ),
    Alternative(
        "kl-divergence",
        "a KL divergence: the cross-entropy minus the smoothed targets' entropy",
        "the Flax examples' loss",
        _suite_targets,
        kl=True,
    ),
    Alternative(
        "smoothing-ignored",
        "smoothing ignored (e = 0)",
        "a loss that drops label_smoothing",
        lambda y, e, k: y,
    ),
    Alternative(
        "smoothing-mass-lost",
        "the smoothing mass lost: targets y (1 - e), e/K taken as 0",
        "a loss that casts K to float16, where 65,520 classes or more are inf",
        lambda y, e, k: y * (1 - e),
    ),
    Alternative(
        "e-over-the-last-axis",
        "e spread over the size of the logits' last axis, not over the K classes",
        "Keras' categorical loss and Paddle's, with the classes on another axis",
        _suite_targets,
        over_the_last_axis=True,
    ),
    Alternative(
        "empty-mean-zero",
        "the mean of an empty batch as 0 (where 0/0 is NaN)",
        "TF1's losses, by their empty_mean = zero convention",
        _suite_targets,
        reduction=lambda r: r if r == "mean" else None,
        empty_mean="zero",
    ),
    Alternative(
        "sum-for-mean",
        "the sum over the batch instead of the mean",
        "a reduction left at sum",
        _suite_targets,
        reduction=lambda r: "sum" if r == "mean" else None,
    ),
    Alternative(
        "mean-for-sum",
        "the mean over the batch instead of the sum",
        "a reduction left at mean",
        _suite_targets,
        reduction=lambda r: "mean" if r == "sum" else None,
    ),
)


def value(
    alternative: Alternative,
    logits: np.ndarray,
    labels: np.ndarray,
    e: float,
    reduction: str,
    last_axis: int | None = None,
) -> np.ndarray | None:
    """The alternative's loss of these rows (logits (N, K); labels (N,) or (N, K)), in
    extended precision, ``last_axis`` the size of the logits' last axis as the implementation
    gets them (K where None); None where it does not apply (another reduction)."""
    how = alternative.reduction(reduction)
    if how is None:
        return None
    x = np.asarray(logits, np.float64).astype(EXTENDED)
    k = x.shape[-1]
    y = (
        one_hot(labels, k, EXTENDED)
        if is_indices(labels)
        else np.asarray(labels, np.float64).astype(EXTENDED)
    )
    spread = last_axis if alternative.over_the_last_axis and last_axis is not None else k
    t = alternative.targets(y, float(e), spread)
    with np.errstate(divide="ignore", invalid="ignore"):
        rows = -np.sum(np.where(t == 0, 0, t * softmax.log_softmax(x)), axis=-1)
        if alternative.kl:
            rows += np.sum(np.where(t == 0, 0, t * np.log(t)), axis=-1)
    return np.asarray(softmax.reduce(rows, how, None, alternative.empty_mean)).astype(np.float64)


def explaining(
    got: np.ndarray,
    logits: np.ndarray,
    labels: np.ndarray,
    e: float,
    reduction: str,
    bound_eps: np.ndarray,
    dtype: str,
    last_axis: int | None = None,
    exact: np.ndarray | None = None,
) -> list[Alternative]:
    """The alternatives that explain ``got`` within ``bound_eps`` (epsilons of ``dtype``,
    element-wise, the check's own bound, derived for the size of the ``exact`` loss L; a NaN or
    an infinity only by the same). The bounds grow as |L| + 1 (oracle/bounds.py), so an
    alternative's value V is held to the same bound taken to its own size, (|V| + 1) / (|L| + 1):
    Keras' e over a last axis of size 1 gives K times the smoothing term, a loss far larger
    than L, computed with errors of its own size."""
    got = np.asarray(got, np.float64)
    bound = np.asarray(bound_eps, np.float64) * EPSILON[dtype]
    found = []
    for alternative in ALTERNATIVES:
        v = value(alternative, logits, labels, e, reduction, last_axis)
        if v is None or v.shape != got.shape:
            continue
        v = _in_range(v, dtype)
        allowed = bound * _size(v) / (_size(exact) if exact is not None else _size(v))
        with np.errstate(invalid="ignore"):  # inf - inf: an infinity matches itself only
            near = (np.abs(got - v) <= allowed) | (got == v) | (np.isnan(got) & np.isnan(v))
        if np.all(near):
            found.append(alternative)
    return found


def _in_range(values: np.ndarray, dtype: str) -> np.ndarray:
    """``values`` where ``dtype`` holds them, and the infinity they round to where it does not
    (Keras' e over a last axis of size 1 can sum past float16's 65,504: its value is then inf)."""
    with np.errstate(over="ignore"):
        rounded = np.asarray(values).astype(dtype).astype(np.float64)
    return np.where(np.isinf(rounded) & np.isfinite(values), rounded, values)


def _size(values: np.ndarray) -> np.ndarray:
    """|values| + 1, the size a loss bound grows with; 1 where a value is not finite."""
    finite = np.asarray(values, np.float64)
    return np.abs(np.where(np.isfinite(finite), finite, 0.0)) + 1.0


def sentence(found: list[Alternative]) -> str:
    """The sentence naming the alternatives a loss matches, or "" where none does."""
    if not found:
        return ""
    return f"your loss matches {' or '.join(f'{a.name} ({a.who})' for a in found)}; this suite checks {SUITE}"


def explainer(
    case: Case,
    convention: Convention,
    label_kind: str,
    bound_eps: np.ndarray,
    dtype: str,
    exact: np.ndarray | None = None,
) -> Callable[..., list[Alternative]] | None:
    """For a softmax loss check without class weights or ignored rows, of an implementation that
    spreads e over all K classes: ``explaining`` for what it returned, on the check's inputs
    (``case`` as the implementation gets it: ``label_kind``, in ``dtype``), layout and bound (in
    epsilons of ``dtype``, or of the accuracy a known divergence still promises, for a loss of
    the size of ``exact``); else None (the alternatives are not defined there)."""
    options = case.options(convention)
    if (
        case.operation != SOFTMAX_CROSS_ENTROPY
        or options.weights is not None
        or options.ignore_index is not None
        or options.convention.smoothing_spread != "all-classes"  # e/(K-1)'s are not these alternatives
    ):
        return None
    logits, labels = inputs(case, label_kind, dtype)
    last_axis = int(np.shape(case.arranged(logits))[-1])
    e, reduction = case.label_smoothing, case.reduction
    return lambda got, accuracy=dtype: explaining(
        got, logits, labels, e, reduction, bound_eps, accuracy, last_axis, exact
    )
