"""Which checks a test function gets: its ``@pytest.mark.conformance(CHECK)`` marker names a
check, and CHECKS says how that check fans out over case x implementation x device x dtype x
mode. Each check becomes one ``pytest.param`` of a Spec, skipped (with why) or expected to fail
(a known divergence) as the run's data says."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

import pytest

from conformance import divergences
from conformance.adapters import Framework, Implementation
from conformance.cases import Observed
from conformance.checks import edges, property_table
from conformance.checks.failures import Divergence, Imprecise, Point, Raised
from conformance.plugin import compiled, unrunnable
from conformance.plugin.scope import MARKER
from conformance.plugin.state import Spec, State
from conformance.vocabulary import EAGER, IMPRECISE, SKIPPED, SOFTMAX_CROSS_ENTROPY, UNSUPPORTED, skip_reason


def params(
    state: State, check: str, function: str = "", selected: Callable[[str], bool] | None = None
) -> list[Any]:
    """The parameters of a test marked ``conformance(check)``; an unknown check is a usage error.

    A combination that cannot run (an implementation that does not take a case's options,
    a mode unavailable here) is known before the run: it is no item, but a record of its own
    in ``state.unsupported`` (for the test ``function``, where ``selected`` takes its name)."""
    if check not in CHECKS:
        raise pytest.UsageError(
            f"@pytest.mark.{MARKER}({check!r}): no such check; known: {', '.join(CHECKS)}"
        )
    kept = []
    for spec in CHECKS[check](state, check):
        why = unrunnable.why_not(state, spec)
        built = compiled.why_built(state, spec, lambda test: _runnable(state, test)) if not why else ""
        if built:
            spec = replace(spec, built=built)
        if not why and built is not None:
            kept.append(_param(state, spec))
            continue
        name = f"{function.rpartition('::')[2]}[{spec.id()}]"
        if selected is not None and not selected(name):
            continue
        nodeid = f"{function}[{spec.id()}]"
        if why:
            unsupported = replace(spec, skipped_as=UNSUPPORTED)
            state.unsupported.append(unrunnable.record(state, unsupported, nodeid, why))
        else:
            state.unsupported.append(compiled.deferred_record(state, spec, nodeid))
    return kept


def _runnable(state: State, test: str) -> list[Spec]:
    """The checks of ``test`` that can run here."""
    return [spec for spec in CHECKS[test](state, test) if not unrunnable.why_not(state, spec)]


def _golden_specs(state: State, test: str) -> list[Spec]:
    """Golden case x label kind x implementation x device x dtype x mode, for the loss, the
    gradient, a case declared the same as another, or a document's number run today."""
    cases, _ = state.cases()
    by_id = {(c.path, c.id): c for c in cases}  # same_as names a case of the same file
    specs: list[Spec] = []
    for name, fw in _installed(state, test, specs):
        for case in cases:
            if test == "same_as" and case.same_as is None:
                continue
            if test == "document_reproduced" and (
                case.observed is None
                or case.observed.implementation not in {i.name for i in fw.implementations}
            ):
                continue
            other = by_id[case.path, case.same_as] if case.same_as else None
            observed = case.observed or Observed(float("nan"), "", "", "")  # (only a document's is read)
            for label_kind in case.label_kinds:
                if other is not None and label_kind not in other.label_kinds:
                    continue
                for impl in fw.implementations:
                    if impl.operation != case.operation:
                        continue
                    if test == "document_reproduced" and impl.name != observed.implementation:
                        continue
                    dtypes = (observed.dtype,) if test == "document_reproduced" else state.options.dtypes
                    for device in fw.devices:
                        for dtype in dtypes:
                            for mode in _modes(fw, test, impl):
                                point = Point(fw, impl, device, dtype, label_kind, mode)
                                specs.append(Spec(test, case, point, other, name))
    return specs


def _document_specs(state: State, test: str) -> list[Spec]:
    """Each number a document printed (run nowhere: checked against the exact value)."""
    return [Spec(test, case=c) for c in state.cases()[0] if c.observed is not None]


def _case_files_specs(state: State, test: str) -> list[Spec]:
    return [Spec(test)]


def _installed(state: State, test: str, specs: list[Spec]) -> Iterator[tuple[str, Framework]]:
    """The selected frameworks that are installed; for each missing one, a spec of ``test``
    that is skipped with the reason goes into ``specs`` (in order)."""
    for name in state.options.selected:
        fw = state.framework(name)
        if isinstance(fw, str):
            specs.append(Spec(test, framework=name))
        else:
            yield name, fw


def _property_specs(state: State, test: str) -> list[Spec]:
    """Each property x implementation x label kind x device x dtype x mode."""
    specs: list[Spec] = []
    for name, fw in _installed(state, test, specs):
        for prop_name, prop in property_table.PROPERTIES.items():
            for impl in (i for i in fw.implementations if i.operation == prop.operation):
                for label_kind in prop.label_kinds(impl):
                    for device in fw.devices:
                        for dtype in state.options.dtypes:
                            if impl.unsupported(label_kind, prop.reduction_for(impl), dtype) is not None:
                                continue
                            for mode in _modes(fw, test, impl):
                                point = Point(fw, impl, device, dtype, label_kind, mode)
                                specs.append(Spec(prop_name, point=point, framework=name))
    return sorted(specs, key=_draw_key)  # a draw key's checks one after another: drawn once


def _draw_key(spec: Spec) -> tuple[str, ...]:
    """The draw key of a property check (draws/per_key.py), as text to sort by."""
    if spec.point is None:
        return ("",)
    p = spec.point
    return (repr(property_table.draw_key(spec.test, p.dtype, p.label_kind, p.impl)),)


def _modes(fw: Framework, test: str, impl: Implementation) -> list[str]:
    """The modes a test runs in: golden and convention checks in every mode selected;
    property checks eagerly (a compiler compiles anew for each drawn shape: minutes per
    check), or in the compiled modes if eager is not selected; a document's number as the
    document ran it, eagerly; an implementation that is ``eager_only``, eagerly."""
    names = [m.name for m in fw.modes]
    if test == "document_reproduced" or impl.eager_only:
        return [EAGER] if EAGER in names else []
    if test == "property" and EAGER in names:
        return [EAGER]
    return names


def _unavailable_mode_specs(state: State, test: str) -> list[Spec]:
    """A selected mode a framework has but cannot run here (torch.compile without a C++
    compiler): one check, unsupported with why, so that a run that asked for it says so."""
    specs: list[Spec] = []
    for name, fw in _installed(state, test, specs):
        specs += [Spec(test, framework=name, mode=m) for m in fw.unavailable if m in state.options.modes]
    return specs


def _convention_specs(state: State, test: str) -> list[Spec]:
    """Each of the frameworks' own implementations on each edge input that concerns it, in
    float32 (a convention is about what is computed, not how precisely; none when float32 is
    not selected), in every mode (a compiler may not check what the eager op does)."""
    specs: list[Spec] = []
    if "float32" not in state.options.dtypes:
        return specs
    for name, fw in _installed(state, test, specs):
        for impl in fw.implementations:
            if impl in state.options.user or impl.operation != SOFTMAX_CROSS_ENTROPY:
                continue  # the user declares no conventions; the edges are softmax cross-entropy's
            for label_kind in sorted(impl.label_kinds):
                # on the host only: an out-of-range index is a device-side assert in CUDA,
                # which leaves the worker's CUDA context unusable
                for device in (d for d in fw.devices if d.startswith("cpu")):
                    for mode in _modes(fw, test, impl):
                        point = Point(fw, impl, device, "float32", label_kind, mode)
                        for edge_name, edge in edges.EDGES.items():
                            if edges.applies(edge, point):
                                specs.append(Spec(test, point=point, framework=name, edge=edge_name))
    return specs


# check name (the marker's argument, and "test" in the results) -> its specs
CHECKS: dict[str, Callable[[State, str], list[Spec]]] = {
    "loss": _golden_specs,
    "gradient": _golden_specs,
    "same_as": _golden_specs,
    "document_reproduced": _golden_specs,
    "document": _document_specs,
    "case_files": _case_files_specs,
    "property": _property_specs,
    "mode": _unavailable_mode_specs,
    "convention": _convention_specs,
}


def _param(state: State, spec: Spec) -> Any:
    fw = state.frameworks.get(spec.framework)
    if isinstance(fw, str):
        skipped = replace(spec, skipped_as=SKIPPED)
        mark = pytest.mark.skip(reason=skip_reason(SKIPPED, fw))
        return pytest.param(skipped, id=f"{spec.framework}-not-installed", marks=[mark])
    marks = []
    fields = spec.fields()
    known = divergences.find(state.known_for(fields.get("implementation", "")), fields)
    if known is None:  # one said not to apply to these versions: judged as any check, and noted
        gated_out = [(k, why) for k, why in state.options.outside if k.matches(fields)]
        if gated_out:
            spec = replace(spec, fixed=gated_out[0])
    if known is not None:
        divergence = Imprecise if known.shows_as == IMPRECISE else Divergence
        raises: Any = (Raised, divergence) if known.also_diverges else Raised if known.raises else divergence
        # one that kills the process is not run (the rest of the run would die with it)
        marks.append(
            pytest.mark.xfail(
                reason=known.explain(), raises=raises, strict=known.strict, run=not known.crashes
            )
        )
        spec = replace(spec, known=known)
    return pytest.param(spec, id=spec.id(), marks=marks)
