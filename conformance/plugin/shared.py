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
from conformance.checks.failures import CheckFailure, Imprecise, Raised
from conformance.plugin.state import State
from conformance.vocabulary import GRADIENT


def same_bits(mine: np.ndarray, theirs: np.ndarray) -> bool:
    """Whether two results are the same, every element bit for bit (NaN for NaN, -0.0 is not
    0.0), in the same shape and dtype."""
    a, b = np.asarray(mine), np.asarray(theirs)
    if a.shape != b.shape or a.dtype != b.dtype:
        return False
    equal = (a == b) & (np.signbit(a) == np.signbit(b))
    return bool(np.all(equal | (np.isnan(a) & np.isnan(b))))


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
    reproduces exactly, or None where none does (or the check is not a user's): only entries
    whose conditions (shows_when) fit the failing input, and that predict its result, are cited."""
    point, case = spec.point, error.case
    if point is None or case is None or point.impl not in state.options.user:
        return None
    gradient = error.record.get("quantity") == GRADIENT
    came = None if isinstance(error, Raised) else error.came  # the result, as its entries predict
    mine: np.ndarray | None = None  # the user's whole result (its record keeps only part of a large one)
    for impl in state.builtins.get(point.framework.name, []):
        if impl.operation != point.impl.operation:
            continue
        check = {**spec.fields(), "implementation": impl.name}
        if isinstance(error, Raised):
            known = divergences.find(state.options.known, check, case)
        else:  # the entries that explain the result, as its own failure would be judged
            imprecise = isinstance(error, Imprecise)
            known = divergences.combine(
                divergences.explaining(state.options.known, check, case, came, imprecise)
            )
        if known is None:
            continue
        try:
            theirs, _ = judge.run(dataclasses.replace(point, impl=impl), case, gradient=gradient)
            if mine is None:
                mine, _ = judge.run(point, case, gradient=gradient)
        except (Unsupported, CheckFailure, ValueError, TypeError, RuntimeError):
            continue
        if same_bits(mine, theirs):
            reason = known.reason.split(". ")[0].rstrip(".")
            whose = (
                f"It is {impl.name}'s convention, which your loss shares"
                if known.kind == "definition"
                else "The fault is the framework's, not your code's"
            )
            sentence = (
                f"your loss returns what {impl.name} returns on these inputs, bit for bit, and there "
                f"that is the known divergence {known.id} ({known.kind}) of {point.framework.name}: "
                f"{reason}. {whose}"
            )
            return Inherited(known, impl.name, point.framework.name, sentence)
    return None
