"""Property checks: Hypothesis draws cases and every implementation, device and dtype is held
to the exact reference and to identities that hold whatever the reference says."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conformance import properties, strategies
from conformance.plugin import Spec, reproduce_command


def drawn(prop: properties.Property, spec: Spec) -> st.SearchStrategy:
    dtype, kind = spec.point.dtype, spec.point.label_kind
    if prop.draw_case == "empty":
        return strategies.empty_cases(dtype, kind)
    return strategies.cases(dtype, kind, reduction=prop.reduction, grid=prop.draw_case == "grid")


@given(data=st.data())
def test_property(spec: Spec, data: st.DataObject, request: pytest.FixtureRequest) -> None:
    """The property named first in the test id holds for this implementation, device, dtype."""
    prop = properties.PROPERTIES[spec.test]
    case = data.draw(drawn(prop, spec), label="case")
    prop.check(spec.point, case, data.draw, reproduce_command(request.node), spec.within)
