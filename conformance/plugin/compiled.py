"""The run's sample of compiled programs (sampling.py's rule) on its checks: which golden
checks in a compiled mode are built, why, and the record of each that is deferred."""

from __future__ import annotations

import shlex
from collections.abc import Callable
from typing import Any

from conformance.plugin import rotation, sampling
from conformance.plugin.options import ALL, FIXED
from conformance.plugin.rotation import Rotation
from conformance.plugin.state import Spec, State
from conformance.vocabulary import DEFERRED, EAGER, FAILING, SKIPPED, UNSUPPORTED

SAMPLED_TESTS = ("loss", "gradient", "same_as")  # conventions, few, are built every run
LARGE_VOCABULARY = 8192  # classes from which a case is a language model's (a kind of its own)
FIELDS = ("framework", "implementation", "device", "dtype", "mode", "test", "labels")  # a stratum


def is_program(spec: Spec) -> bool:
    """Whether ``spec`` is a compiled program the sample decides on."""
    return spec.test in SAMPLED_TESTS and spec.point is not None and spec.point.mode != EAGER


def key(test: str, spec_id: str) -> str:
    """The rotation's name for a program: "loss[case-labels-implementation-device-dtype-mode]"."""
    return f"{test}[{spec_id}]"


def record_key(record: dict[str, Any]) -> str:
    """The program key of a check's record (its id ends in the spec's id, in brackets)."""
    return key(record["test"], str(record["id"]).partition("[")[2].removesuffix("]"))


def stratum(fields: dict[str, Any]) -> tuple[str, ...]:
    return tuple(str(fields.get(f, "")) for f in FIELDS)


def why_built(state: State, spec: Spec, runnable: Callable[[str], list[Spec]]) -> str | None:
    """Why the compiled program ``spec`` is built this run ("" for every check the sample does
    not decide on, or when every program is built); None where it is deferred."""
    if state.options.compiled == ALL or not is_program(spec):
        return ""
    if state.built is None:
        state.built = sampling.choose(_programs(state, runnable), state.options.compile_budget)
    return state.built.get(key(spec.test, spec.id()))


def _programs(state: State, runnable: Callable[[str], list[Spec]]) -> list[sampling.Program]:
    """Every compiled program of the run, as the sample weighs it: the ci profile's (FIXED)
    by estimates alone, the same every run; the rotating one's from the rotation's memory."""
    memory = Rotation() if state.options.compiled == FIXED else state.rotation
    tied = [k for k in state.options.known if "mode" in k.match]
    programs = []
    for test in SAMPLED_TESTS:
        for spec in filter(is_program, runnable(test)):
            assert spec.point is not None and spec.case is not None
            name, fields = key(test, spec.id()), spec.fields()
            last = memory.judged.get(name)
            sticky = next((f"{k.id} ties it to {spec.point.mode}" for k in tied if k.matches(fields)), "")
            if not sticky and last is not None and last.failed:
                sticky = f"it failed when last judged (run {last.run})"
            programs.append(weighed(name, fields, spec.case.classes, sticky, memory))
    return programs


def weighed(
    name: str, fields: dict[str, Any], classes: int, sticky: str, memory: Rotation
) -> sampling.Program:
    """A program as the sample weighs it: its kinds, and its cost and last run from the
    rotation's memory (an estimate by mode where it was never measured)."""
    last = memory.judged.get(name)
    cost = last.seconds if last is not None else sampling.estimate(str(fields["mode"]))
    return sampling.Program(name, kinds(fields, classes), sticky, cost, last.run if last else None)


def kinds(fields: dict[str, Any], classes: int) -> tuple[tuple[str, ...], ...]:
    """The kinds a program is one of: its stratum, and where its case is a language model's
    vocabulary (LARGE_VOCABULARY classes or more), that vocabulary's in its framework's mode."""
    if classes < LARGE_VOCABULARY:
        return (stratum(fields),)
    return (stratum(fields), ("vocabulary", *(str(fields.get(f, "")) for f in ("framework", "mode", "case"))))


def deferred_record(state: State, spec: Spec, nodeid: str) -> dict[str, Any]:
    """The record of a compiled program this run did not build: why, and the command that builds it."""
    last = state.rotation.judged.get(key(spec.test, spec.id()))
    when = (
        f"last judged in run {last.run} of {state.rotation.runs} on this machine"
        if last is not None and state.options.compiled != FIXED
        else "the ci profile's fixed sample leaves it out"
        if state.options.compiled == FIXED
        else "not yet judged on this machine"
    )
    command = shlex.join(["pytest", nodeid])
    return {
        "id": nodeid,
        **spec.fields(),
        "outcome": DEFERRED,
        # one text for many records (the report keeps each text once): the command is beside it
        "message": f"{DEFERRED}: a compiled program this run did not build ({when}); its reproduce "
        "command builds it, --compiled all every one",
        "reproduce": command,
    }


def _judged_or_deferred(record: dict[str, Any]) -> bool:
    """Whether a record is of a compiled program the run could build (judged, or deferred)."""
    return (
        record.get("test") in SAMPLED_TESTS
        and record.get("mode", EAGER) != EAGER
        and record.get("outcome") not in (UNSUPPORTED, SKIPPED)
    )


def remember(state: State, records: list[dict[str, Any]]) -> Rotation:
    """The rotation after this run (kept on this machine): each program it judged, with the
    seconds it took and whether it failed. A run that judged none leaves it as it was."""
    judged = {
        record_key(r): (float(r.get("seconds", sampling.estimate(r["mode"]))), r["outcome"] in FAILING)
        for r in records
        if _judged_or_deferred(r) and r["outcome"] != DEFERRED
    }
    if not judged:
        return state.rotation
    after = rotation.judge(state.rotation, judged)
    rotation.save(rotation.path(), after)
    return after


def coverage(state: State, records: list[dict[str, Any]], after: Rotation) -> dict[str, Any] | None:
    """What the run judged of its compiled programs, and how the rotation covers the rest:
    the summary line's and the report's figures (None for a run with no compiled program)."""
    programs = [r for r in records if _judged_or_deferred(r)]
    if not programs:
        return None
    judged = sum(r["outcome"] != DEFERRED for r in programs)
    rule, budget = state.options.compiled, state.options.compile_budget
    figures: dict[str, Any] = {"rule": rule, "judged": judged, "programs": len(programs)}
    head = f"compiled programs judged: {judged:,} of {len(programs):,}"
    if rule == ALL:
        figures["sentence"] = f"{head} (--compiled all)"
        return figures
    tail = (
        f"; {len(programs) - judged:,} deferred, each with the command that builds it "
        "(--compiled all builds every one)"
    )
    if rule == FIXED:
        figures["sentence"] = (
            f"{head} (the ci profile's fixed sample: every kind of program, the sticky ones and "
            f"{budget:g} s of the rest, the same every run){tail}"
        )
        return figures
    keys = [record_key(r) for r in programs]
    never = sum(k not in after.judged for k in keys)
    within = max((after.runs - after.judged[k].run + 1 for k in keys if k in after.judged), default=0)
    classes = {c.id: c.classes for c in state.cases()[0]}
    weighed = [_weighed(r, after, classes.get(str(r.get("case")), 0)) for r in programs]
    figures.update(never=never, within_runs=within, cycle_runs=sampling.runs_to_cover(weighed, budget))
    seen = (
        f"on this machine every one was judged within the last {within} runs"
        if not never
        else f"{never:,} not yet judged on this machine"
    )
    figures["sentence"] = (
        f"{head} (every kind of program, the sticky ones and {budget:g} s of the rest, least "
        f"recently judged first){tail}; {seen}; at this budget the rotation judges every one "
        f"within {figures['cycle_runs']} runs"
    )
    return figures


def _weighed(record: dict[str, Any], memory: Rotation, classes: int) -> sampling.Program:
    """A program as the sample weighed it, from its record (why it was built) and the memory."""
    built = str(record.get("built", ""))
    sticky = built.removeprefix("sticky: ") if built.startswith("sticky: ") else ""
    return weighed(record_key(record), record, classes, sticky, memory)
