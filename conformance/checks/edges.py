"""Edge inputs where implementations follow different conventions on purpose (oracle/conventions.py):
class indices out of range, label smoothing below 0 or above 1. Each implementation is held to
the convention its adapter declares, citing its documentation; pytest-free, like judge.py.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from conformance.adapters import Implementation, subnormals
from conformance.cases import Case
from conformance.checks import exact_answer, judge, messages
from conformance.checks.failures import Divergence, Point, Raised
from conformance.oracle.numbers import Exact
from conformance.vocabulary import INDICES

# The worked example (source-notes.md), whose row 1 the edges change.
LOGITS = np.array([[4.0, 5.0, 10.0], [1.0, 5.0, 4.0], [1.0, 15.0, 4.0]])
LABELS = np.array([2, 1, 1])


@dataclass(frozen=True)
class Edge:
    """One edge input: which convention it tests, and the case that holds it."""

    convention: str  # a field of conventions.Convention
    label: int | None = None  # row 1's class index, where the edge is a label
    smoothing: float = 0.0
    description: str = ""

    def case(self, name: str, reduction: str = "none") -> Case:
        labels = LABELS.copy()
        if self.label is not None:
            labels[1] = self.label
        return Case(
            id=name,
            path="(edge inputs: conformance/checks/edges.py)",
            provenance="conventions.py",
            logits=LOGITS,
            labels=labels,
            label_smoothing=self.smoothing,
            reduction=reduction,
            expected=(),
            description=self.description,
        )


K = LOGITS.shape[1]
EDGES: dict[str, Edge] = {
    "label-K": Edge("label_out_of_range", label=K, description="a class index one past the last"),
    "label-minus-1": Edge("label_out_of_range", label=-1, description="a class index of -1"),
    "label-minus-100": Edge(
        "default_ignore_index", label=-100, description="a class index of -100, no ignore_index given"
    ),
    "smoothing-below-0": Edge("smoothing_below_zero", smoothing=-0.1, description="label smoothing -0.1"),
    "smoothing-above-1": Edge("smoothing_above_one", smoothing=1.5, description="label smoothing 1.5"),
}


def applies(edge: Edge, point: Point) -> bool:
    """Whether the edge concerns this implementation: labels as indices for label edges,
    an implementation that smooths for smoothing edges."""
    if edge.label is not None:
        return point.label_kind == INDICES
    return point.impl.smoothing and not point.impl.smooths_by_hand  # else the API never sees e


def under_convention(name: str, impl: Implementation) -> tuple[Edge, str, Case]:
    """Edge ``name`` as ``impl``'s convention judges it: the edge (a class
    index of -100 where nothing is ignored by default is just out of range), the convention's
    value, and the case: per row where it can (the edge is row 1's), else the mean (an
    implementation of the mean only)."""
    edge = EDGES[name]
    value = getattr(impl.convention, edge.convention)
    if edge.convention == "default_ignore_index" and value == "none":
        edge = replace(edge, convention="label_out_of_range")
        value = impl.convention.label_out_of_range
    return edge, value, edge.case(name, "none" if "none" in impl.reductions else "mean")


def check_edge(point: Point, name: str, reproduce: str = "") -> dict[str, Any]:
    """Judge the implementation on edge ``name`` against its declared convention."""
    edge, value, case = under_convention(name, point.impl)
    record: dict[str, Any] = {"convention": f"{edge.convention} = {value}"}
    if value == "raises":  # it must raise for the edge, not for the worked example around it
        judge.run(point, Edge(edge.convention).case("the worked example", case.reduction))
    try:
        got, returned = judge.run(point, case)
    except Raised as e:
        if isinstance(e.__cause__, subnormals.FlushedSubnormals):
            raise  # the process's state, not the edge: judged as any exception (its known divergence)
        if value == "raises":
            return {**record, **e.record, "outcome_detail": "raised, as its convention says"}
        raise Divergence(
            f"{e}\n  its convention is {edge.convention} = {value}: it should not raise", record, case
        ) from e
    record.update(returned)
    if value == "raises":
        message = messages.failure_message(
            point, case, got, Exact.from_float64(np.full(np.shape(got), np.nan)), [], reproduce
        )
        raise Divergence(
            f"{message}\n  returned a value; its convention {edge.convention} = raises",
            record,
            case,
            judge.came(got, None, record),
        )
    expected, like = expected_under(edge, value, case, point)
    bound = judge.loss_bound(like, point.label_kind, point.dtype, expected, point.impl.convention)
    record["compared_with"] = f"the reference under {edge.convention} = {value}"
    return judge.judge(point, case, got, expected, bound, record, reproduce)


def expected_under(edge: Edge, value: str, case: Case, point: Point) -> tuple[Exact, Case]:
    """The exact per-row loss that convention ``value`` gives on the edge case, and the case
    (within the reference's domain) that gives it."""
    if value == "ignored":  # smoothing below 0 taken as 0
        like = replace(case, label_smoothing=0.0)
    elif value == "-100":  # the row of class -100 ignored, as if ignore_index=-100 were given
        like = replace(case, ignore_index=-100)
    elif value == "wraps":  # -K..-1 count from the end; K and beyond, or below -K, give NaN (row 1)
        like = replace(case, labels=case.labels % K)
    else:  # extrapolated: the formula as given
        like = case
    exact = exact_answer.exact_loss(like, point.label_kind, point.dtype, point.impl.convention)
    if value == "wraps" and edge.label is not None and not -K <= edge.label < K:  # row 1 NaN, and its mean
        hi, lo = exact.hi.copy(), exact.lo.copy()
        row = 1 if case.reduction == "none" else ...
        hi[row], lo[row] = np.nan, 0.0
        exact = Exact(hi, lo, exact.error)
    return exact, like
