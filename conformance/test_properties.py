"""Property checks: Hypothesis draws cases and every implementation, device and dtype is held
to the exact reference and to identities that hold whatever the reference says."""

from __future__ import annotations

import hashlib
import random
from typing import Any

import numpy as np
import pytest
from hypothesis import Phase, given, reject, seed, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable

from conformance import properties, user
from conformance.cases import Case
from conformance.messages import input_lines
from conformance.plugin.recorder import reproduce_command
from conformance.plugin.state import SEED, Spec

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
        except user.Rejected as e:  # a parameter value the user's implementation refuses
            refused.append(str(e))
            reject()
        ulps = judged.get("error_ulps") if "compared_with" not in judged else None
        if ulps is not None and (worst is None or ulps >= worst[0]):
            worst = (ulps, case)  # its input is written out once, at the end

    if chosen is not None:
        check = seed(int(chosen))(check)
    try:
        (KNOWN(check) if spec.known else check)()
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
