"""Checks of a number a document printed: against the exact value at its precision, and
reproduced by running the document's API today."""

from __future__ import annotations

from typing import Any

import numpy as np

from conformance import vocabulary
from conformance.cases import Case
from conformance.checks import compare
from conformance.checks.exact_answer import exact_loss
from conformance.checks.failures import BeyondKnownDivergence, Divergence, Point
from conformance.checks.judge import loss_bound, run


def check_document(case: Case, within: str | None = None) -> dict[str, Any]:
    """Judge the value a document printed against the exact value, at the document's dtype."""
    assert case.observed is not None
    obs = case.observed
    exact = exact_loss(case, case.label_kinds[0], "float64")
    # how the document's number was computed is unknown: judged by the worst-case bound
    bound = loss_bound(case, case.label_kinds[0], "float64", exact).worst
    result = compare.compare(np.asarray(obs.loss, np.float64), exact, bound, obs.dtype)
    record = {
        "expected": exact.hi.tolist(),
        "got": obs.loss,
        "error_eps": result.error_eps,
        "bound_eps": result.bound_eps,
        "max_abs": result.max_abs,
        "max_rel": result.max_rel,
        "error_ulps": result.error_ulps,
        "observed_by": f"{obs.implementation} in {obs.dtype} ({obs.where})",
    }
    if not result.passed:
        message = (
            f"case {case.id!r} ({case.path}): {obs.where} printed {obs.loss!r} from "
            f"{obs.implementation} in {obs.dtype}; the exact value is {exact.hi.item()!r}\n"
            f"  {result.summary()} (eps = {vocabulary.EPSILON[obs.dtype]:.3g})"
        )
        if within is not None and not compare.compare(np.asarray(obs.loss), exact, bound, within).passed:
            raise BeyondKnownDivergence(f"{message}\n  beyond the bound even at {within} accuracy", record)
        raise Divergence(message, record)
    return record


def check_document_reproduced(point: Point, case: Case) -> dict[str, Any]:
    """Judge that the document's implementation, run today, prints the document's value."""
    assert case.observed is not None
    got, record = run(point, case)
    record.update(got=np.asarray(got, np.float64).tolist(), expected=case.observed.loss)
    if float(got) != case.observed.loss:
        raise Divergence(
            f"{point.describe()}, case {case.id!r}: gives {float(got)!r} today; "
            f"{case.observed.where} printed {case.observed.loss!r}",
            record,
        )
    return record
