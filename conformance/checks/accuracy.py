"""How accurate a failing result still is: the most accurate dtype whose computation it matches
("float32-accurate"), so that a float64 result rounded through float32 reads as what it is,
and a known divergence that promises an accuracy (``within``) is held to it entry by entry."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np

from conformance import vocabulary
from conformance.checks import compare
from conformance.checks.failures import Point
from conformance.oracle.bounds import Bound
from conformance.oracle.numbers import Exact


def within_known(
    point: Point,
    got: np.ndarray,
    exact: Exact,
    bound_eps: Bound,
    within: str,
    exact_at: Callable[[str], Exact],
) -> bool:
    """Whether ``got`` is as accurate as a computation in ``within`` can be: the bound in
    epsilons of ``within``, plus what rounding the inputs to ``within`` changes exactly."""
    here, rounded = exact_at(point.dtype), exact_at(within)
    moved = np.abs((here.hi - rounded.hi) + (here.lo - rounded.lo))
    allowed = bound_eps + np.nan_to_num(moved) / vocabulary.EPSILON[within]
    return compare.compare(got, exact, allowed, within).passed


def accurate_to(
    point: Point,
    got: np.ndarray,
    exact: Exact,
    bound_eps: Bound,
    exact_at: Callable[[str], Exact],
    passed: bool,
) -> str | None:
    """The most accurate dtype whose computation ``got`` matches (within_known), ``passed``
    where it is within the check's own bound (a failure of its dtype alone, say: a float16
    check that returns a float32 computation is float32-accurate); None where none is: a NaN
    or an infinity where the answer is finite, or beyond even float16's accuracy."""
    at = functools.cache(exact_at)  # each exact value computed once
    values = np.asarray(got, np.float64)
    answer = np.asarray(exact.hi, np.float64)
    if values.shape != answer.shape or np.any(~np.isfinite(values) & np.isfinite(answer)):
        return point.dtype if passed else None
    eps = vocabulary.EPSILON
    for d in sorted(eps, key=eps.__getitem__):  # the most accurate first
        if d == point.dtype and passed:
            return d
        if d != point.dtype and within_known(point, got, exact, bound_eps, d, at):
            return d
    return None


def sentence(dtype: str, accurate: str, error_eps: float, bound_eps: float, max_rel: float) -> str:
    """The line a failure gains where its result is accurate to a coarser dtype, its error in
    that dtype's epsilons beside the check's ("float32-accurate: 116 float32 eps ...")."""
    scale = vocabulary.EPSILON[dtype] / vocabulary.EPSILON[accurate]
    return (
        f"{accurate}-accurate: {error_eps * scale:.3g} {accurate} eps against the bound of "
        f"{bound_eps:.3g}; relative error {max_rel:.2g}, {max_rel / vocabulary.EPSILON[accurate]:.2g} "
        f"{accurate} epsilons (a computation in {accurate}, not {dtype})"
    )


def naming_accuracy(point: Point, record: dict[str, Any], within: str | None) -> str:
    """The accuracy at which another definition is named for a failing result: its dtype's, or
    the accuracy a known divergence still promises, or that of the dtype it came back in where
    that is coarser (a float64 call answered in float32 is at best float32-accurate, whichever
    definition it computed)."""
    accuracy = within or point.dtype
    returned = str(record.get("returned_dtype", ""))
    eps = vocabulary.EPSILON
    return returned if eps.get(returned, 0.0) > eps[accuracy] else accuracy
