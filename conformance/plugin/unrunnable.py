"""A check known before the run not to be runnable here (an implementation that does not take a
case's options, a mode unavailable here): why, and the record it has instead of an item."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from conformance.adapters import Framework
from conformance.plugin.state import Spec, State
from conformance.vocabulary import UNSUPPORTED, skip_reason


def record(state: State, spec: Spec, nodeid: str, why: str) -> dict[str, Any]:
    """The record of a check that cannot run, as a skipped item's would be (no reproduce
    command: there is nothing to run)."""
    record: dict[str, Any] = {"id": nodeid, **spec.fields(), "outcome": UNSUPPORTED}
    record["message"] = skip_reason(UNSUPPORTED, why)
    if spec.point is not None:
        record["operation"] = spec.point.impl.operation
        if spec.point.impl not in state.options.user:
            record["convention"] = asdict(spec.point.impl.convention)
    return record


def why_not(state: State, spec: Spec) -> str:
    """Why the check cannot run here (empty where it can, or its framework is missing)."""
    fw = state.frameworks.get(spec.framework)
    if isinstance(fw, str):
        return ""
    if spec.mode and isinstance(fw, Framework):
        return fw.unavailable[spec.mode] or f"{spec.framework} cannot run {spec.mode} here"
    if spec.point is None or spec.case is None:
        return ""
    case, p = spec.case, spec.point
    rank = case.arranged(case.logits).ndim
    why = p.framework.unsupported(
        p.impl,
        p.label_kind,
        case.reduction,
        p.dtype,
        case.label_smoothing,
        case.option_names,
        case.axis,
        rank,
        spec.test == "gradient",
        p.mode,
    )
    return why or ""
