"""Property checks, free of pytest and of Hypothesis' runner: each takes a point (where it
runs), a drawn case and what else its example drew (``extra``: a row and class for a NaN, a
mask, shifts, a permutation, a split), and raises Divergence. Everything an example holds is
drawn before any implementation runs (``Property.examples``, property_table.py), so that one
draw is judged on every implementation that takes it.

Two kinds:
* agreement with the exact reference (plain drawn cases, NaN rows, masked classes, empty
  batches), within oracle/bounds.py's bound;
* identities that must hold whatever the reference says, checked on the implementation
  alone: its two results may differ by at most the sum of their two bounds (each computed
  from the implementation's own result, not from the reference).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from conformance import vocabulary
from conformance.cases import Case
from conformance.cases.generator import hashes
from conformance.checks import definitions, exact_answer, judge, messages
from conformance.checks.failures import Divergence, Point
from conformance.draws import primitives
from conformance.oracle import softmax
from conformance.oracle.bounds import Bound
from conformance.oracle.numbers import EXTENDED, EXTENDED_EPS, Exact
from conformance.oracle.targets import smoothed_targets
from conformance.vocabulary import PROBABILITIES


def _with(case: Case, **changes: Any) -> Case:
    return replace(case, **changes)


def _bound(point: Point, case: Case, got: np.ndarray) -> Bound:
    """The derived bounds for ``got``, sized by the implementation's own result."""
    exact = Exact.from_float64(got)
    return judge.loss_bound(case, point.label_kind, point.dtype, exact, point.impl.convention)


def identity(
    point: Point,
    case: Case,
    other: Case,
    what: str,
    reproduce: str,
    within: str | None,
    other_point: Point | None = None,
) -> dict[str, Any]:
    """The implementation gives ``case`` and ``other`` the same loss, within both bounds; where
    it does not, the other definitions that give what it returned for ``case`` are named."""
    got, record = judge.run(point, case)
    theirs, _ = judge.run(other_point or point, other)
    theirs = np.asarray(theirs, np.float64)
    bound = _bound(point, case, got) + _bound(other_point or point, other, theirs)
    record["compared_with"] = what
    convention = point.impl.convention
    explain = definitions.explainer(case, convention, point.label_kind, bound.worst, point.dtype, theirs)
    expected = Exact.from_float64(theirs)
    return judge.judge(point, case, got, expected, bound, record, reproduce, within, explain=explain)


# --- agreement with the reference -----------------------------------------------------


def agreement(point: Point, case: Case, extra: Any, reproduce: str = "", within: str | None = None):
    """The loss (per row where the reduction is none) is within the bound of the exact value."""
    return judge.check_loss(point, case, reproduce, within)


def gradient(point: Point, case: Case, extra: Any, reproduce: str = "", within: str | None = None):
    """The gradient with respect to the logits is within the bound of the exact gradient."""
    return judge.check_grad(point, case, reproduce, within)


def nan_row(point: Point, case: Case, extra: Any, reproduce: str = "", within: str | None = None):
    """A NaN anywhere in a row makes that row's loss NaN (and so a reduced loss)."""
    i, j = extra
    logits = case.logits.copy()
    logits[i, j] = np.nan
    return judge.check_loss(point, _with(case, logits=logits), reproduce, within)


def masked(point: Point, case: Case, extra: Any, reproduce: str = "", within: str | None = None):
    """-inf logits for classes the labels give no weight: finite without smoothing, +inf with."""
    hide = hidden_classes(case, extra)
    return judge.check_loss(
        point, _with(case, logits=np.where(hide, -np.inf, case.logits)), reproduce, within
    )


def empty_batch(point: Point, case: Case, extra: Any, reproduce: str = "", within: str | None = None):
    """An empty batch: mean is NaN (0/0), sum is 0, none is an empty vector."""
    return judge.check_loss(point, case, reproduce, within)


def unsmoothed(point: Point, case: Case, extra: Any, reproduce: str = "", within: str | None = None):
    """Smoothing 0 is plain cross-entropy, logsumexp(x) - sum_k y_k x_k, computed here apart
    from the reference (extended precision, never through the smoothed targets)."""
    case = _with(case, label_smoothing=0.0)
    got, record = judge.run(point, case)
    x, y = exact_answer.inputs(case, point.label_kind, point.dtype)
    plain = plain_cross_entropy(x, case.labels_as(PROBABILITIES) if y.ndim == 1 else y, case.reduction)
    bound = _bound(point, case, got)
    record["compared_with"] = "plain cross-entropy logsumexp(x) - y.x in extended precision"
    return judge.judge(point, case, got, plain, bound, record, reproduce, within)


def plain_cross_entropy(logits: np.ndarray, y: np.ndarray, reduction: str) -> Exact:
    x = np.asarray(logits, np.float64).astype(EXTENDED)
    m = np.max(x, axis=-1, keepdims=True)
    lse = m[:, 0] + np.log(np.sum(np.exp(x - m), axis=-1))
    yx = np.asarray(y).astype(EXTENDED)
    rows = lse * np.sum(yx, axis=-1) - np.sum(yx * x, axis=-1)  # rows of y may sum to 1 +- ulps
    value = softmax.reduce(rows, reduction)
    scale = np.max(np.abs(x), initial=0.0) + np.log(max(x.shape[-1], 1)) + 1
    error = (x.shape[-1] + 4) * float(scale) * len(rows) * EXTENDED_EPS  # cancellation in lse - y.x
    return Exact.from_extended(value, np.full(np.shape(value), error))


# --- identities of the implementation with itself --------------------------------------


def shift(point: Point, case: Case, extra: Any, reproduce: str = "", within: str | None = None):
    """Adding a constant to a row of logits changes nothing (drawn on a grid: exact shifts)."""
    c = np.asarray(extra, np.float64)
    other = _with(case, logits=case.logits + c[:, None])
    return identity(point, case, other, f"the same logits shifted by {c.tolist()}", reproduce, within)


def hand_smoothed(point: Point, case: Case, extra: Any, reproduce: str = "", within: str | None = None):
    """Labels smoothed by hand (in the dtype) with smoothing 0 give the built-in smoothing."""
    k = case.logits.shape[1]
    spread = point.impl.convention.smoothing_spread
    smoothed = smoothed_targets(case.labels_as(point.label_kind), k, case.label_smoothing, spread=spread)
    other = _with(case, labels=smoothed.astype(point.dtype).astype(np.float64), label_smoothing=0.0)
    as_rows = replace(point, label_kind=PROBABILITIES)
    return identity(point, case, other, "labels smoothed by hand, smoothing 0", reproduce, within, as_rows)


def one_hot_rows(point: Point, case: Case, extra: Any, reproduce: str = "", within: str | None = None):
    """Class indices give the same loss as their one-hot rows."""
    as_rows = replace(point, label_kind=PROBABILITIES)
    return identity(point, case, case, "the same labels as one-hot rows", reproduce, within, as_rows)


def permutation(point: Point, case: Case, extra: Any, reproduce: str = "", within: str | None = None):
    """Permuting the classes of logits and labels together changes nothing."""
    k = case.logits.shape[1]
    if k < primitives.GENERATED_FROM:
        order = np.asarray(extra)
        how = f"classes permuted by {order.tolist()}"
    else:  # too many classes to draw one by one: the order of a drawn seed's hashes
        order = np.argsort(hashes(extra, k), kind="stable")
        how = f"classes permuted in the order of generator.hashes({extra}, {k})"
    labels = case.labels
    labels = np.argsort(order)[labels] if labels.ndim == 1 else labels[:, order]
    other = _with(case, logits=case.logits[:, order], labels=labels)
    return identity(point, case, other, how, reproduce, within)


def halves(point: Point, case: Case, extra: Any, reproduce: str = "", within: str | None = None):
    """The sum over a batch is the sum over its two halves."""
    case = _with(case, reduction="sum")
    n, h = case.logits.shape[0], extra
    parts = [_with(case, logits=case.logits[a:b], labels=case.labels[a:b]) for a, b in ((0, h), (h, n))]
    got, record = judge.run(point, case)
    halves_got = [np.asarray(judge.run(point, p)[0], np.float64) for p in parts]
    total = halves_got[0] + halves_got[1]
    bound = _bound(point, case, got) + sum(_bound(point, p, g) for p, g in zip(parts, halves_got))
    record["compared_with"] = f"the sums over rows [0, {h}) and [{h}, {n})"
    return judge.judge(point, case, got, Exact.from_float64(total), bound, record, reproduce, within)


def entropy_floor(point: Point, case: Case, extra: Any, reproduce: str = "", within: str | None = None):
    """No row's loss is below the entropy of its smoothed target (Gibbs' inequality)."""
    case = _with(case, reduction="none")
    got, record = judge.run(point, case)
    x, y = exact_answer.inputs(case, point.label_kind, point.dtype)
    t = smoothed_targets(
        y, x.shape[1], case.label_smoothing, EXTENDED, point.impl.convention.smoothing_spread
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        entropy = -np.sum(np.where(t > 0, t * np.log(t), 0), axis=-1)
    bound = _bound(point, case, got).worst * vocabulary.EPSILON[point.dtype]
    below = np.asarray(got, np.float64) < np.asarray(entropy, np.float64) - bound
    record["compared_with"] = "the entropy of the smoothed target"
    problems = []
    if below.any():
        i = int(np.argmax(below))
        problems.append(
            f"row {i}: loss {float(got[i])!r} is below the target's entropy {float(entropy[i])!r} "
            f"by more than the bound {float(bound[i]):.3g}"
        )
    problems += messages.dtype_problems(point, record)
    if problems:
        floor = Exact.from_float64(np.asarray(entropy, np.float64))
        message = messages.failure_message(point, case, got, floor, problems, reproduce)
        raise Divergence(message, record, case, judge.came(got, floor.hi, record))
    return record


def hidden_classes(case: Case, mask: np.ndarray) -> np.ndarray:
    """The logits ``masked`` sets to -inf: classes of the mask that a row's labels give no weight."""
    return mask[None, :] & (case.labels_as(PROBABILITIES) == 0)
