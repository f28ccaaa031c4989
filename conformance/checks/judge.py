"""The checks themselves, free of pytest: run one implementation on one case and judge it.

Inputs are rounded to the dtype under test first and the exact reference is computed from
the rounded values, so a float32 check measures the implementation, not the rounding of
its inputs. Every judgement returns a record (for the results file) or raises
``Divergence`` with a message that says what, where, how far, and how to reproduce it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from conformance import vocabulary
from conformance.adapters import Unsupported
from conformance.adapters.contract import PlacementError
from conformance.cases import Case
from conformance.checks import compare, definitions
from conformance.checks.accuracy import accurate_to, naming_accuracy, sentence, within_known
from conformance.checks.exact_answer import exact_grad, exact_loss, inputs
from conformance.checks.failures import BeyondKnownDivergence, Came, Divergence, Imprecise, Point, Raised
from conformance.checks.messages import dtype_problems, failure_message, input_lines
from conformance.oracle import linear
from conformance.oracle.bounds import Bound
from conformance.oracle.conventions import DEFAULT, Convention
from conformance.oracle.numbers import Exact
from conformance.oracle.operations import OPERATIONS


def run(point: Point, case: Case, gradient: bool = False) -> tuple[np.ndarray, dict[str, Any]]:
    """Run the case at ``point``; the value (or with ``gradient``, the gradient in rows
    (N, K)), and a record of what came back."""
    k = case.classes
    if not point.impl.takes_classes(k):
        raise Unsupported(f"{point.impl.name} does not take {k} classes: {point.impl.classes_why}")
    if not point.impl.takes_bias and np.any(linear.parts(case.logits, len(case.labels))[2]):
        raise Unsupported(f"{point.impl.name} takes no bias, and case {case.id!r} has one")
    logits, labels = (case.arranged(a) for a in inputs(case, point.label_kind, point.dtype))
    try:
        result = point.framework.run(
            point.impl,
            point.device,
            logits,
            labels,
            case.label_smoothing,
            case.reduction,
            case.axis,
            gradient,
            **{name: getattr(case, name) for name in case.option_names},
            mode=point.mode,
        )
    except (Unsupported, PlacementError):
        raise
    except Exception as e:  # the implementation's own error, shown with the input that raised it
        message = "\n".join([*input_lines(point, case), f"  raised {type(e).__name__}: {e}"])
        raise Raised(message, {"exception": f"{type(e).__name__}: {e}"[:2000]}, case) from e
    record = {"returned_dtype": result.dtype, "returned_device": result.device}
    if gradient:
        assert result.grad is not None  # run with gradient=True gives one
        record["returned_dtype"] = result.grad_dtype
        return case.as_rows(result.grad), record
    value = result.value
    if case.batch_shape is not None and value.shape == case.batch_shape:
        value = value.reshape(-1)  # per-row losses back in row order, as the reference has them
    return value, record


def loss_bound(
    case: Case, label_kind: str, dtype: str, exact: Exact, convention: Convention = DEFAULT
) -> Bound:
    """The derived bounds (oracle/bounds.py, oracle/tight.py) for the case's loss in
    ``dtype``, in epsilons."""
    logits, labels = inputs(case, label_kind, dtype)
    return OPERATIONS[case.operation].loss_bound(
        logits.astype(np.float64),
        labels,
        case.label_smoothing,
        case.reduction,
        case.options(convention),
        exact,
        dtype,
    )


def grad_bound(
    case: Case, label_kind: str, dtype: str, exact: Exact, convention: Convention = DEFAULT
) -> Bound:
    """The derived bounds for each element of the case's gradient in ``dtype``, in epsilons."""
    logits, labels = inputs(case, label_kind, dtype)
    return OPERATIONS[case.operation].grad_bound(
        logits.astype(np.float64),
        exact.hi.shape,
        labels,
        case.label_smoothing,
        case.reduction,
        case.options(convention),
        dtype,
    )


def check_loss(point: Point, case: Case, reproduce: str = "", within: str | None = None) -> dict[str, Any]:
    """Judge the implementation's loss on ``case`` against the exact value.

    ``within``: the dtype whose accuracy a known divergence still promises (see judge).
    """
    got, record = run(point, case)
    convention = point.impl.convention
    exact = exact_loss(case, point.label_kind, point.dtype, convention)
    bound = loss_bound(case, point.label_kind, point.dtype, exact, convention)
    explain = definitions.explainer(case, convention, point.label_kind, bound.worst, point.dtype, exact.hi)
    return judge(point, case, got, exact, bound, record, reproduce, within, explain=explain)


def check_grad(point: Point, case: Case, reproduce: str = "", within: str | None = None) -> dict[str, Any]:
    """Judge the gradient of the implementation's loss with respect to the logits (of the sum
    of the rows for reduction none) against the exact gradient."""
    got, record = run(point, case, gradient=True)
    convention = point.impl.convention
    exact = exact_grad(case, point.label_kind, point.dtype, convention)
    bound = grad_bound(case, point.label_kind, point.dtype, exact, convention)
    record["quantity"] = "gradient"
    columns = slice(None)
    if case.operation == vocabulary.LINEAR_CROSS_ENTROPY:
        columns = linear.judged(case.logits, len(case.labels))
    return judge(
        point,
        case,
        np.asarray(got)[..., columns],
        exact[..., columns],
        bound[..., columns],
        record,
        reproduce,
        within,
        lambda d: exact_grad(case, point.label_kind, d, convention)[..., columns],
    )


def check_same_as(
    point: Point, case: Case, other: Case, reproduce: str = "", within: str | None = None
) -> dict[str, Any]:
    """Judge that the implementation gives ``case`` the same loss as ``other``.

    Allowed: the bounds of both results plus the exact difference between the two cases.
    """
    got, record = run(point, case)
    got_other, _ = run(point, other)
    convention = point.impl.convention
    exact, exact_other = (exact_loss(c, point.label_kind, point.dtype, convention) for c in (case, other))
    gap = np.abs((exact.hi - exact_other.hi) + (exact.lo - exact_other.lo)) / vocabulary.EPSILON[point.dtype]
    bound = (
        loss_bound(case, point.label_kind, point.dtype, exact, convention)
        + loss_bound(other, point.label_kind, point.dtype, exact_other, convention)
        + gap
    )
    other_value = Exact.from_float64(np.asarray(got_other, np.float64))
    record["compared_with"] = f"the same implementation on case {other.id!r}"
    return judge(point, case, got, other_value, bound, record, reproduce, within)


def judge(
    point: Point,
    case: Case,
    got: np.ndarray,
    exact: Exact,
    bound_eps: Bound,
    record: dict[str, Any],
    reproduce: str,
    within: str | None = None,
    exact_at: Callable[[str], Exact] | None = None,
    explain: Callable[..., list[definitions.Alternative]] | None = None,
) -> dict[str, Any]:
    """Compare, fill in the record, and raise Divergence if the result is out of bounds
    (Imprecise if it is beyond the tight bound only).

    ``within`` names the dtype whose accuracy a known divergence still promises (a float64
    call that computes in float32 must at least be float32-accurate): a result that misses
    even that raises BeyondKnownDivergence, which no known divergence excuses.
    ``exact_at(dtype)`` is the exact value for the inputs rounded to ``dtype`` (default: the
    case's loss). ``explain(got, accuracy)``: the other definitions that give what it returned
    within the bound at that accuracy (the dtype's, or ``within``'s), if any.
    """
    result = compare.compare(got, exact, bound_eps, point.dtype)
    eps = vocabulary.EPSILON[point.dtype]
    problems = [] if result.passed else [f"{result.summary()} (eps = {eps:.3g})"]
    explained = (
        None
        if explain is None or result.passed
        else explain(np.asarray(got), naming_accuracy(point, record, within))
    )
    if explained:
        problems.append(definitions.sentence(explained))
    problems += dtype_problems(point, record, result.passed and result.precise)
    exact_at = exact_at or (lambda d: exact_loss(case, point.label_kind, d, point.impl.convention))
    accurate = (accurate_to(point, got, exact, bound_eps, exact_at, result.passed) or "") if problems else ""
    if problems and accurate and vocabulary.EPSILON[accurate] > eps:  # coarser than its dtype
        problems.insert(
            1, sentence(point.dtype, accurate, result.error_eps, result.bound_eps, result.max_rel)
        )
    record.update(
        compare.recorded_values(np.asarray(got, np.float64), exact.hi, result.where),
        error_eps=result.error_eps,
        error_ulps=result.error_ulps,
        bound_eps=result.bound_eps,
        tight_eps=result.tight_eps,
        max_abs=result.max_abs,
        max_rel=result.max_rel,
    )
    if problems:
        message = failure_message(
            point, case, got, exact, problems, reproduce, record.get("quantity", "loss")
        )
        if within is not None and not within_known(point, got, exact, bound_eps, within, exact_at):
            raise BeyondKnownDivergence(
                f"{message}\n  beyond the bound even at {within} accuracy, all its known divergence allows",
                record,
                case,
            )
        keys = None if explained is None else tuple(a.key for a in explained)
        raise Divergence(message, record, case, came(got, exact.hi, record, keys, accurate))
    if not result.precise:
        problem = f"{result.summary()} (eps = {eps:.3g})"
        quantity = record.get("quantity", "loss")
        raise Imprecise(
            failure_message(point, case, got, exact, [problem], reproduce, quantity),
            record,
            case,
            came(got, exact.hi, record, accurate_to=point.dtype),
        )
    return record


def came(
    got: np.ndarray,
    expected: np.ndarray | None,
    record: dict[str, Any],
    explained_by: tuple[str, ...] | None = None,
    accurate_to: str | None = None,
) -> Came:
    """What a failing check got back, as a known divergence's prediction reads it."""
    if accurate_to is not None:
        record["accurate_to"] = accurate_to or None
    dtype = str(record.get("returned_dtype", ""))
    return Came(np.asarray(got), expected, dtype, explained_by, accurate_to)
