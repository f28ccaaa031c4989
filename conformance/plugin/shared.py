"""Whose fault is it: a user's loss (--impl) that fails a check where one of its framework's
own implementations is a known divergence, and returns what that implementation returns on
the same inputs, bit for bit (a loss that calls ``F.cross_entropy`` in float16, say),
inherits the framework's divergence: an expected failure of the user's run, named with the
entry and its reason (``--fail-inherited``: a failure). A result one bit off stays the
user's finding."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np

from conformance import divergences
from conformance.adapters import Unsupported
from conformance.checks import judge
from conformance.checks.failures import CheckFailure
from conformance.plugin.state import State
from conformance.vocabulary import GRADIENT


def _same(mine: Any, theirs: np.ndarray, worst_at: Any) -> bool:
    """Whether a record's returned values (or, for a large result, its worst element) are
    the other result's, bit for bit (NaN for NaN)."""
    if mine is None:
        return False
    got = np.asarray(mine, np.float64)
    other = np.asarray(theirs, np.float64)
    if worst_at is not None:  # the record kept one element of a large result
        index = tuple(worst_at)
        if other.ndim != len(index):
            return False
        other = np.asarray(other[index])
    return got.shape == other.shape and bool(np.array_equal(got, other, equal_nan=True))


@dataclass(frozen=True)
class Inherited:
    """The known divergence a user's failing loss inherits: the entry, the framework's
    implementation that returns the same bits, and the sentence that says so."""

    entry: divergences.KnownDivergence
    implementation: str
    framework: str
    sentence: str


def framework_divergence(state: State, spec: Any, error: CheckFailure) -> Inherited | None:
    """The known divergence of a framework implementation that a user's failing loss
    reproduces exactly, or None where none does (or the check is not a user's)."""
    point, case = spec.point, error.case
    if point is None or case is None or point.impl not in state.options.user:
        return None
    gradient = error.record.get("quantity") == GRADIENT
    for impl in state.builtins.get(point.framework.name, []):
        if impl.operation != point.impl.operation:
            continue
        known = divergences.find(state.options.known, {**spec.fields(), "implementation": impl.name})
        if known is None:
            continue
        try:
            theirs, _ = judge.run(dataclasses.replace(point, impl=impl), case, gradient=gradient)
        except (Unsupported, CheckFailure, ValueError, TypeError, RuntimeError):
            continue
        if _same(error.record.get("got"), theirs, error.record.get("worst_at")):
            reason = known.reason.split(". ")[0].rstrip(".")
            sentence = (
                f"your loss returns what {impl.name} returns on these inputs, bit for bit, and there "
                f"that is the known divergence {known.id} ({known.kind}) of {point.framework.name}: "
                f"{reason}. The fault is the framework's, not your code's"
            )
            return Inherited(known, impl.name, point.framework.name, sentence)
    return None
