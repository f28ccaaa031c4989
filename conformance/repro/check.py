"""The check a reproducer runs: a known divergence's ``repro`` table (implementation, case,
dtype, labels, test, mode) resolved to a point and a case, and what the suite itself says of
it: the verdict, the exact value and the error each element is allowed."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from conformance import vocabulary
from conformance.adapters import load
from conformance.cases import Case, load_all, load_file
from conformance.checks import compare, edges, exact_answer, failures, judge
from conformance.divergences import KnownDivergence
from conformance.registry import DECLARED
from conformance.vocabulary import EAGER, INDICES, PROBABILITIES

# Inputs of findings that only drawn cases showed: reproducer cases, not golden ones (the
# golden run does not read this file).
CASES_PATH = Path(__file__).resolve().parent / "cases.toml"
# An implementation's framework, by the start of its name (registry.py).
FRAMEWORK_OF = {prefix: d.name for d in DECLARED for prefix in d.prefixes}


def framework_of(implementation: str) -> str:
    """The framework an implementation belongs to, by the start of its name; Keras' losses on
    another backend by the backend they name (``keras.losses.X(jax,...)``: keras_jax)."""
    if implementation.startswith("keras.losses.") and "(" in implementation:
        return "keras_" + implementation.split("(")[1].split(",")[0].rstrip(")")
    return FRAMEWORK_OF[implementation.split(".")[0]]


class NoReproducer(LookupError):
    """The entry names no check a reproducer can run (or a case or implementation that is not
    there)."""


@dataclass(frozen=True)
class Judged:
    """What the suite says of a reproducer's check: the point and case, whether it fails, and
    the exact value and allowed error, in the layout the implementation returns, flattened."""

    point: failures.Point
    case: Case
    gradient: bool
    fails: bool
    message: str
    exact_hi: np.ndarray
    exact_lo: np.ndarray
    allowed: np.ndarray  # the absolute error each element may have: the tight bound (and floors)
    furthest: np.ndarray  # the flat indices of the elements furthest off (error / allowed), first


@functools.lru_cache(maxsize=1)
def cases() -> dict[str, Case]:
    """The golden cases and the reproducer cases, by id."""
    golden, errors = load_all()
    extra, more = load_file(CASES_PATH)
    if errors or more:
        raise NoReproducer(f"case files with errors: {[str(e) for e in errors + more]}")
    return {c.id: c for c in golden + extra}


def point_and_case(entry: KnownDivergence) -> tuple[failures.Point, Case, bool]:
    """The point (framework loaded), the case and whether it checks the gradient."""
    spec = entry.repro
    if not spec:
        raise NoReproducer(f"{entry.id} names no check to reproduce (no repro table)")
    name = spec["implementation"]
    framework = load(framework_of(name))
    impl = framework.implementation(name)
    if spec["case"] in edges.EDGES:  # an edge input (checks/edges.py): label-K, say
        case: Case | None = edges.under_convention(spec["case"], impl)[2]
    else:
        case = cases().get(spec["case"])
    if case is None:
        raise NoReproducer(f"{entry.id}: repro.case {spec['case']!r} is neither a golden nor a repro case")
    indices = case.labels.ndim == 1 and INDICES in impl.label_kinds
    labels = spec.get("labels", INDICES if indices else PROBABILITIES)
    point = failures.Point(framework, impl, "cpu:0", spec["dtype"], labels, spec.get("mode", EAGER))
    return point, case, spec.get("test", "loss") == "gradient"


def judged(entry: KnownDivergence) -> Judged:
    """Run the entry's check through the suite (no known divergence applied)."""
    point, case, gradient = point_and_case(entry)
    fails, message = False, ""
    edge = edges.EDGES.get(case.id) if case.path.startswith("(edge") else None
    try:
        if edge is not None:
            edges.check_edge(point, case.id)
        else:
            (judge.check_grad if gradient else judge.check_loss)(point, case)
    except failures.CheckFailure as e:
        fails, message = True, str(e)
    convention = point.impl.convention
    if edge is not None:  # the exact value under the implementation's convention
        edge, value, _ = edges.under_convention(case.id, point.impl)
        exact, like = edges.expected_under(edge, value, case, point)
        bound = judge.loss_bound(like, point.label_kind, point.dtype, exact, convention)
    elif gradient:
        exact = exact_answer.exact_grad(case, point.label_kind, point.dtype, convention)
        bound = judge.grad_bound(case, point.label_kind, point.dtype, exact, convention)
    else:
        exact = exact_answer.exact_loss(case, point.label_kind, point.dtype, convention)
        bound = judge.loss_bound(case, point.label_kind, point.dtype, exact, convention)
    floor = compare.underflow(point.dtype) + exact.error
    allowed = np.broadcast_to(bound.tight * vocabulary.EPSILON[point.dtype] + floor, exact.hi.shape)

    def laid_out(a: np.ndarray) -> np.ndarray:  # as the implementation returns it, flattened
        return np.ravel(case.arranged(a) if gradient else a)

    hi, lo, allowed = laid_out(exact.hi), laid_out(exact.lo), laid_out(np.asarray(allowed, np.float64))
    return Judged(
        point, case, gradient, fails, message, hi, lo, allowed, _furthest(point, case, gradient, hi, allowed)
    )


def _furthest(
    point: failures.Point, case: Case, gradient: bool, hi: np.ndarray, allowed: np.ndarray
) -> np.ndarray:
    """The flat indices of the elements in order of error / allowed, furthest off first (in
    order where the implementation raises or returns another shape)."""
    try:
        got = np.ravel(np.asarray(judge.run(point, case, gradient)[0], np.float64))
    except failures.CheckFailure:
        return np.arange(hi.size)
    if gradient:
        got = np.ravel(case.arranged(np.reshape(got, (-1, case.logits.shape[1]))))
    if got.size != hi.size:
        return np.arange(hi.size)
    with np.errstate(invalid="ignore"):
        ratio = np.abs(got - hi) / allowed
    ratio = np.where(np.isfinite(hi), np.nan_to_num(ratio, nan=np.inf), np.where(got == hi, 0.0, np.inf))
    return np.argsort(-ratio, kind="stable")
