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
from conformance.oracle import softmax
from conformance.oracle.numbers import EXTENDED
from conformance.oracle.targets import Options, is_indices, one_hot
from conformance.vocabulary import EPSILON, SOFTMAX_CROSS_ENTROPY

SUITE = "targets y (1 - e) + e/K over all K classes, the cross-entropy of each row (PyTorch, Keras, optax)"


@dataclass(frozen=True)
class Alternative:
    name: str  # what it computes, in words
    who: str  # who writes it so
    targets: Callable[[np.ndarray, float, int], np.ndarray]  # (one-hot or probabilities, e, K) -> t
    kl: bool = False  # minus the targets' entropy: a KL divergence, not a cross-entropy
    reduction: Callable[[str], str | None] = lambda r: r  # the reduction it applies instead (None: n/a)
    empty_mean: str = "nan"  # the mean of no rows: 0/0, or "zero"


def _suite_targets(y: np.ndarray, e: float, k: int) -> np.ndarray:
    return y * (1 - e) + e / k


ALTERNATIVES = (
    Alternative(
        "the e/(K-1) convention: e spread over the K - 1 other classes, the target keeping 1 - e",
        "fairseq's label_smoothed_nll_loss",
        lambda y, e, k: y * (1 - e) + (1 - y) * e / max(k - 1, 1),
    ),
    Alternative(
        "e/K off the target only: the target keeps 1 - e, the others e/K (targets summing to 1 - e/K)",
        "a hand-written one-hot scatter",
        lambda y, e, k: y * (1 - e) + (1 - y) * e / k,
    ),
    Alternative(
        "a KL divergence: the cross-entropy minus the smoothed targets' entropy",
        "the Flax examples' loss",
        _suite_targets,
        kl=True,
    ),
    Alternative("smoothing ignored (e = 0)", "a loss that drops label_smoothing", lambda y, e, k: y),
    Alternative(
        "the mean of an empty batch as 0 (where 0/0 is NaN)",
        "TF1's losses, by their empty_mean = zero convention",
        _suite_targets,
        reduction=lambda r: r if r == "mean" else None,
        empty_mean="zero",
    ),
    Alternative(
        "the sum over the batch instead of the mean",
        "a reduction left at sum",
        _suite_targets,
        reduction=lambda r: "sum" if r == "mean" else None,
    ),
    Alternative(
        "the mean over the batch instead of the sum",
        "a reduction left at mean",
        _suite_targets,
        reduction=lambda r: "mean" if r == "sum" else None,
    ),
)


def value(
    alternative: Alternative, logits: np.ndarray, labels: np.ndarray, e: float, reduction: str
) -> np.ndarray | None:
    """The alternative's loss of these rows (logits (N, K); labels (N,) or (N, K)), in
    extended precision; None where it does not apply (another reduction, a case with no
    smoothing where it is the suite's own)."""
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
    t = alternative.targets(y, float(e), k)
    with np.errstate(divide="ignore", invalid="ignore"):
        rows = -np.sum(np.where(t == 0, 0, t * softmax.log_softmax(x)), axis=-1)
        if alternative.kl:
            rows += np.sum(np.where(t == 0, 0, t * np.log(t)), axis=-1)
    return np.asarray(softmax.reduce(rows, how, None, alternative.empty_mean)).astype(np.float64)


def named(
    got: np.ndarray,
    logits: np.ndarray,
    labels: np.ndarray,
    e: float,
    reduction: str,
    bound_eps: np.ndarray,
    dtype: str,
) -> str:
    """The sentence naming the alternatives that explain ``got`` within ``bound_eps`` (epsilons
    of ``dtype``, element-wise, the check's own bound), or "" where none does."""
    got = np.asarray(got, np.float64)
    allowed = np.asarray(bound_eps, np.float64) * EPSILON[dtype]
    matches = []
    for alternative in ALTERNATIVES:
        v = value(alternative, logits, labels, e, reduction)
        if v is None or v.shape != got.shape or not np.all(np.isfinite(v)):
            continue
        if np.all(np.abs(got - v) <= allowed):
            matches.append(f"{alternative.name} ({alternative.who})")
    if not matches:
        return ""
    return f"your loss matches {' or '.join(matches)}; this suite checks {SUITE}"


def explainer(
    case: Case, options: Options, logits: np.ndarray, labels: np.ndarray, bound_eps: np.ndarray, dtype: str
) -> Callable[[np.ndarray], str] | None:
    """For a softmax loss check without class weights or ignored rows: ``named`` for what it
    returned, on its inputs and bound; else None (the alternatives are not defined there)."""
    if (
        case.operation != SOFTMAX_CROSS_ENTROPY
        or options.weights is not None
        or options.ignore_index is not None
    ):
        return None
    return lambda got: named(got, logits, labels, case.label_smoothing, case.reduction, bound_eps, dtype)
