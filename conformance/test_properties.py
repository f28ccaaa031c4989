"""Property checks: Hypothesis draws cases and every implementation, device and dtype is held
to the exact reference and to identities that hold whatever the reference says."""

from __future__ import annotations

import hashlib
import random
import sys
import time
from typing import Any

import numpy as np
import pytest
from hypothesis import Phase, given, reject, seed, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable

from conformance import properties, user
from conformance.cases import Case
from conformance.checks import CheckFailure, Divergence
from conformance.messages import input_lines
from conformance.plugin.recorder import reproduce_command
from conformance.plugin.state import SEED, STATE, Spec

if sys.version_info >= (3, 11):
    from builtins import BaseExceptionGroup
else:  # pragma: no cover - Hypothesis depends on the backport there
    from exceptiongroup import BaseExceptionGroup

# A check expected to fail (a known divergence) needs one counterexample, not the smallest:
# shrinking it would cost most of the run and change nothing in its outcome.
KNOWN = settings(phases=[Phase.explicit, Phase.reuse, Phase.generate])


def fingerprint(value: Any) -> bytes:
    """The bytes of a drawn value, so that two runs can show they drew the same inputs."""
    if isinstance(value, Case):
        fields = (value.label_smoothing, value.reduction, value.batch_shape, value.axis)
        options = (value.weights, value.ignore_index, value.operation)
        return b"".join((value.logits.tobytes(), value.labels.tobytes(), repr((fields, options)).encode()))
    if isinstance(value, np.ndarray):
        return value.tobytes() + str(value.dtype).encode()
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
    return type(primary)(message, primary.record, primary.case)


def shrunk_within(error: BaseException, failed_at: list[float], budget: float) -> BaseException:
    """The failure, saying so where shrinking it ran out of its budget (--shrink-budget)."""
    if not isinstance(error, CheckFailure) or not failed_at or time.monotonic() - failed_at[0] <= budget:
        return error
    note = f"shrinking stopped at its budget of {budget:g} s (--shrink-budget): a smaller input may fail too"
    return type(error)(f"{error}\n  {note}", error.record, error.case)


@pytest.mark.conformance("property")
def test_property(spec: Spec, request: pytest.FixtureRequest, record_property) -> None:
    """The property named first in the test id holds for this implementation, device, dtype."""
    prop = properties.PROPERTIES[spec.test]
    # A seed of our own (or the one given) so that the reproduce command can name it; none
    # under a derandomised profile ("ci"), whose examples the profile alone fixes (an explicit
    # seed would take precedence over derandomisation).
    chosen = request.config.getoption("hypothesis_seed", None)
    if settings().derandomize:
        chosen = None
    elif chosen is None:
        chosen = random.getrandbits(64)
    if chosen is not None:  # so that every outcome's reproduce command names it, errors too
        request.node.stash[SEED] = int(chosen)
    reproduce = reproduce_command(request.node, chosen)

    refused: list[str] = []
    drawn = hashlib.sha256()  # every value drawn, in order: the same in two runs or not
    examples = rows = 0  # examples drawn, and the rows of logits they held (many per call)
    worst: tuple[float, Case] | None = None  # the largest error in ulps against the exact value, and where
    failed_at: list[float] = []  # when examples failed

    @given(data=st.data())
    def check(data: st.DataObject) -> None:
        nonlocal examples, rows, worst
        examples += 1

        def draw(strategy: st.SearchStrategy, label: str | None = None) -> Any:
            value = data.draw(strategy, label=label)
            drawn.update(fingerprint(value))
            return value

        point = spec.at
        case = draw(prop.cases(point.dtype, point.label_kind, point.impl), label="case")
        rows += len(case.logits)
        try:
            judged = prop.check(point, case, draw, reproduce, spec.within)
        except CheckFailure:
            failed_at.append(time.monotonic())  # from the first, Hypothesis shrinks
            raise
        except user.Rejected as e:  # a parameter value the user's implementation refuses
            refused.append(str(e))
            reject()
        ulps = judged.get("error_ulps") if "compared_with" not in judged else None
        if ulps is not None and (worst is None or ulps >= worst[0]):
            worst = (ulps, case)  # its input is written out once, at the end

    if chosen is not None:
        check = seed(int(chosen))(check)
    if spec.known:
        check = KNOWN(check)
    elif spec.at.impl in request.config.stash[STATE].options.user:  # every distinct failure, each shrunk
        check = settings(report_multiple_bugs=True)(check)
    budget = request.config.getoption("shrink_budget")
    try:
        check()
    except BaseExceptionGroup as group:  # distinct failures (a user's implementation)
        raise shrunk_within(distinct_failures(group), failed_at, budget) from None
    except CheckFailure as e:
        raise shrunk_within(e, failed_at, budget) from None
    except Unsatisfiable:
        if not refused:
            raise
        raise user.Rejected(f"every drawn input was refused, e.g. {refused[0]}") from None
    finally:  # how many examples ran, and a digest of all they drew (for determinism checks)
        accuracy = {}
        if worst is not None:
            ulps, case = worst
            accuracy = {"error_ulps": ulps, "worst_input": " ".join(input_lines(spec.at, case))[:1000]}
        record_property(
            "conformance",
            {"examples": examples, "rows": rows, "drawn_digest": drawn.hexdigest(), **accuracy},
        )
