"""Property checks: Hypothesis draws cases and every implementation, device and dtype is held
to the exact reference and to identities that hold whatever the reference says."""

from __future__ import annotations

import hashlib
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import numpy as np
import pytest
from hypothesis import reject, settings
from hypothesis.errors import Unsatisfiable, UnsatisfiedAssumption

from conformance.adapters import user
from conformance.cases import Case
from conformance.checks import property_table
from conformance.checks.failures import CheckFailure, Divergence
from conformance.checks.messages import input_lines
from conformance.draws import per_key
from conformance.plugin import profiles, running, shrinking, verdict
from conformance.plugin.check_record import reproduce_command
from conformance.plugin.state import SEED, STATE, Spec

if sys.version_info >= (3, 11):
    from builtins import BaseExceptionGroup
else:  # pragma: no cover - Hypothesis depends on the backport there
    from exceptiongroup import BaseExceptionGroup


def fingerprint(value: Any) -> bytes:
    """The bytes of a drawn value, so that two runs can show they drew the same inputs."""
    if isinstance(value, Case):
        fields = (value.label_smoothing, value.reduction, value.batch_shape, value.axis)
        options = (value.weights, value.ignore_index, value.operation)
        return b"".join((value.logits.tobytes(), value.labels.tobytes(), repr((fields, options)).encode()))
    if isinstance(value, np.ndarray):
        return value.tobytes() + str(value.dtype).encode()
    if isinstance(value, tuple):  # an example: its case and its extra
        return b"".join(fingerprint(v) for v in value)
    return repr(value).encode()


def leaves(group: BaseExceptionGroup) -> list[BaseException]:
    return [
        leaf for e in group.exceptions for leaf in (leaves(e) if isinstance(e, BaseExceptionGroup) else [e])
    ]


def distinct_failures(group: BaseExceptionGroup) -> BaseException:
    """One failure that shows all of Hypothesis' distinct ones (a ZeroDivisionError at one
    class and a definition difference elsewhere, say): the first divergence carries the
    record and the outcome (else the first failure), its message lists every one."""
    failures = leaves(group)
    primary = next((f for f in failures if isinstance(f, Divergence)), failures[0] if failures else group)
    if not isinstance(primary, CheckFailure) or len(failures) == 1:
        return primary
    listed = "\n".join(f"[{n}] {type(f).__name__}: {f}" for n, f in enumerate(failures, 1))
    message = f"{len(failures)} distinct failures of this property, each shrunk:\n{listed}"
    return type(primary)(message, primary.record, primary.case, primary.came)


def shrunk_within(error: BaseException, failed_at: list[float], seconds: float) -> BaseException:
    """The failure, saying so where shrinking it ran out of its share of the run's budget."""
    if not isinstance(error, CheckFailure) or not failed_at or time.monotonic() - failed_at[0] <= seconds:
        return error
    error.record["unshrunk"] = shrinking.STOPPED
    note = (
        f"shrinking stopped after {seconds:g} s, this failure's share of the run's --shrink-budget: "
        "a smaller input may fail too"
    )
    return type(error)(f"{error}\n  {note}", error.record, error.case, error.came)


@pytest.mark.conformance("property")
def test_property(spec: Spec, request: pytest.FixtureRequest, record_property) -> None:
    """The property named first in the test id holds for this implementation, device, dtype:
    judged on its draw key's examples, drawn once for every implementation that shares them
    (per_key.py); a failure not excused by a known divergence is shrunk on its own."""
    prop = property_table.PROPERTIES[spec.test]
    state = request.config.stash[STATE]
    point = spec.at
    if state.run_seed is not None:  # so that every outcome's reproduce command names it, errors too
        request.node.stash[SEED] = state.run_seed
    reproduce = reproduce_command(request.node, state.run_seed)
    key = property_table.draw_key(spec.test, point.dtype, point.label_kind, point.impl)
    strategy = prop.examples(point.dtype, point.label_kind, point.impl)
    at_seed = per_key.group_seed(state.run_seed, key)
    count = settings().max_examples

    refused: list[str] = []
    drawn = hashlib.sha256()  # every example judged, in order: the same in two runs or not
    examples = rows = 0  # examples judged, and the rows of logits they held (many per call)
    worst: tuple[float, Case] | None = None  # the largest error in ulps against the exact value, and where

    def judge(example: tuple[Case, Any]) -> None:
        running.free_when_crowded(state)  # each example, drawn or shrunk, may build a new shape
        case, extra = example
        try:
            judged = prop.check(point, case, extra, reproduce, spec.within)
        except user.Rejected as e:  # a parameter value the user's implementation refuses
            refused.append(str(e))
            reject()
        ulps = judged.get("error_ulps") if "compared_with" not in judged else None
        nonlocal worst
        if ulps is not None and (worst is None or ulps >= worst[0]):
            worst = (ulps, case)  # its input is written out once, at the end

    failure: CheckFailure | None = None
    try:
        for example in per_key.examples(key, strategy, at_seed, count):
            examples += 1
            rows += len(example[0].labels)
            drawn.update(fingerprint(example))
            try:
                judge(example)
            except CheckFailure as e:
                failure = e
                break
            except UnsatisfiedAssumption:
                continue
        if not examples - len(refused) and refused:
            raise user.Rejected(f"every drawn input was refused, e.g. {refused[0]}")
        if failure is not None:
            if spec.known:  # one counterexample is enough: shrinking it would change nothing
                raise failure
            shrink(request, spec, strategy, at_seed, count, judge, failure, prop.extras is None)
    finally:  # how many examples ran, and a digest of all they drew (for determinism checks)
        accuracy = {}
        if worst is not None:
            ulps, case = worst
            accuracy = {"error_ulps": ulps, "worst_input": " ".join(input_lines(spec.at, case))[:1000]}
        record_property(
            "conformance",
            {"examples": examples, "rows": rows, "drawn_digest": drawn.hexdigest(), **accuracy},
        )


def one_row(failure: BaseException, judge: Callable[[tuple[Case, Any]], None]) -> BaseException:
    """The failure of the first row of its case that fails alone, where one does: a smaller
    counterexample than Hypothesis' shrinking may reach (it can lower the number of rows only
    where the choices after it still line up). For cases that are a plain batch of rows."""
    case = getattr(failure, "case", None)
    if case is None or case.batch_shape is not None or case.logits_from is not None or len(case.labels) < 2:
        return failure
    for i in range(len(case.labels)):
        try:
            judge((replace(case, logits=case.row_inputs(i), labels=case.labels[i : i + 1]), None))
        except CheckFailure as e:
            return e
        except UnsatisfiedAssumption:  # refused (a user's loss), or not a valid case alone: the next row
            continue
    return failure


def shrink(
    request, spec: Spec, strategy, at_seed: int, count: int, judge, failure: CheckFailure, by_rows: bool
) -> None:
    """Shrink a failure on this implementation alone: Hypothesis draws the shared examples
    again from the same seed, up to the failing one, and shrinks it (every distinct failure
    for a user's implementation), within its share of the run's --shrink-budget (distinct
    failures first: plugin/shrinking.py), then (``by_rows``: a property whose
    example is its case alone) to one row of it where one fails alone; raises what it found."""
    failed_at: list[float] = []

    def timed(example: tuple[Case, Any]) -> None:
        try:
            judge(example)
        except CheckFailure:
            failed_at.append(time.monotonic())  # from the first, Hypothesis shrinks
            raise

    budget = request.config.stash[STATE].shrink_budget
    cause = (spec.at.impl.name, spec.test, type(failure).__name__, verdict.cause(str(failure)))
    seconds, why = budget.allowance(cause)
    if why:  # shown as first met: its cause was shrunk already, or the run's budget is spent
        failure.record["unshrunk"] = why
        failure.add_note(f"  {budget.note(why, cause)}")
        raise failure
    changes: dict[str, Any] = {}
    if spec.at.impl in request.config.stash[STATE].options.user:  # every distinct failure, each shrunk
        changes["report_multiple_bugs"] = True
    profiles.limit_shrinking(seconds)
    with budget.shrinking(cause, spec.id()):
        try:
            per_key.search(strategy, at_seed, count, timed, **changes)
        except BaseExceptionGroup as group:  # distinct failures (a user's implementation)
            if by_rows:
                group = group.derive([one_row(e, judge) for e in leaves(group)])
            raise shrunk_within(distinct_failures(group), failed_at, seconds) from None
        except CheckFailure as e:
            raise shrunk_within(one_row(e, judge) if by_rows else e, failed_at, seconds) from None
        except Unsatisfiable:
            pass
    note = "shrinking did not meet it again (a flaky result?): shown as first met, unshrunk"
    failure.add_note(f"  {note}")
    raise failure
