"""A check's record, made where it ran (an xdist worker) and attached to pytest's report: its
outcome and fields, its reproduce command, a shrunk failure written as a case file."""

from __future__ import annotations

import dataclasses
import re
import shlex
from dataclasses import replace
from pathlib import Path
from typing import Any, cast

import pytest
from hypothesis import settings

from conformance import divergences
from conformance.adapters import Framework
from conformance.cases import CASES_DIR, Case, to_toml
from conformance.checks import golden
from conformance.checks.failures import CheckFailure
from conformance.plugin import compiled
from conformance.plugin.outcomes import classify
from conformance.plugin.state import CITED, INHERITED, SEED, STATE, Spec, spec_of
from conformance.results import results_file

REPRODUCE = pytest.StashKey[str]()


def reproduce_command(item: pytest.Item, seed: int | None = None) -> str:
    """One command that runs just this check again, with the options that shaped it: the
    case files, the known divergences, the Hypothesis profile in force and ``seed`` (made
    once per check: its failure message and its record show the same)."""
    if REPRODUCE not in item.stash:
        item.stash[REPRODUCE] = _reproduce_command(item, seed)
    return item.stash[REPRODUCE]


def _reproduce_command(item: pytest.Item, seed: int | None) -> str:
    words = ["pytest", item.nodeid]
    for option, default in (
        ("cases_dir", str(CASES_DIR)),
        ("known_divergences", str(divergences.DEFAULT_PATH)),
    ):
        value = item.config.getoption(option)
        if str(value) != default:
            words += [f"--{option.replace('_', '-')}", str(value)]
    for spec in item.config.getoption("impl"):
        words += ["--impl", spec]
    if item.config.getoption("framework"):
        words += ["--framework", item.config.getoption("framework")]
    if item.config.getoption("host_devices") is not None:  # else there is no cpu:1 to run on
        words += ["--host-devices", str(item.config.getoption("host_devices"))]
    if item.config.getoption("precision_defaults"):
        words += ["--precision-defaults"]
    profile = item.config.stash[STATE].options.profile
    if profile != "default":
        words += ["--hypothesis-profile", profile]
    if seed is not None and not settings().derandomize:
        words += ["--hypothesis-seed", str(seed)]
    return shlex.join(words)


def attach_record(item: pytest.Item, report: pytest.TestReport, call: pytest.CallInfo[None]) -> None:
    """Put the check's record (and, once per process, its framework's description) on the
    report, where the Recorder (in this process or xdist's controller) finds it."""
    spec = spec_of(item)
    if spec is None:
        return
    if not (report.when == "call" or (report.when == "setup" and not report.passed)):
        return
    state = item.config.stash[STATE]
    if state.unsupported and hasattr(item.config, "workerinput"):  # to xdist's controller, once
        report.user_properties.append(("conformance_unsupported", state.unsupported))
        state.unsupported = []
    record: dict[str, Any] = {"id": item.nodeid, **spec.fields()}
    error = call.excinfo.value if call.excinfo is not None else None
    inherited = item.stash.get(INHERITED, None)
    if inherited is not None:  # failed as its framework's own does: recorded as that failure
        error = inherited[1]
    record.update(cast(dict[str, Any], dict(item.user_properties).get("conformance", {})))
    if isinstance(error, CheckFailure):
        if report.failed:  # the check's own few lines say it all; no traceback through the suite
            report.longrepr = f"{type(error).__name__}: {said(error)}"
        record.update(error.record)
        folder = item.config.getoption("write_failures")
        if folder and error.case is not None and error.case.drawn:
            record["written_case"] = str(write_failure(Path(folder), item, spec, error.case))
    record["outcome"] = classify(item, report, error)
    if compiled.is_program(spec):  # what it cost (the rotation's measure), why it was built
        record["seconds"] = round(call.duration, 3)
        if spec.built:
            record["built"] = spec.built
    if error is not None and not isinstance(error, pytest.skip.Exception):
        record["message"] = kept(said(error))
    elif report.skipped and isinstance(report.longrepr, tuple):
        record["message"] = str(report.longrepr[2]).removeprefix("Skipped: ")
    if inherited is not None:  # the framework's known divergence, inherited
        record["known_divergence"] = inherited[0].entry.__dict__
        record["inherited_from"] = inherited[0].implementation
    if spec.known is not None:  # as the entries that fit its failing input cite it, where fewer
        record["known_divergence"] = item.stash.get(CITED, spec.known).__dict__
    if spec.fixed is not None:  # an entry said not to apply to these versions
        entry, why = spec.fixed
        record["gated_divergence"] = {
            "id": entry.id,
            "kind": entry.kind,
            "reason": entry.reason,
            "versions": entry.gate(),
            "outside": why,
            "upstream": entry.upstream,
        }
    if spec.point is not None:  # what the implementation computes, and by which conventions
        record["operation"] = spec.point.impl.operation
        if spec.point.impl not in state.options.user:  # the user declares none
            record["convention"] = dataclasses.asdict(spec.point.impl.convention)
    record["reproduce"] = reproduce_command(item, item.stash.get(SEED, None))
    report.user_properties.append(("conformance_record", record))
    if spec.point is not None and spec.framework not in state.described:  # once per process
        state.described.add(spec.framework)
        report.user_properties.append(
            ("conformance_framework", {spec.framework: describe(spec.point.framework)})
        )


def describe(fw: Framework) -> dict[str, Any]:
    """A framework as the results file records it: version, devices (and what each is), the
    precision settings in force, the modes it ran in and those it could not, why."""
    return {
        "version": fw.version,
        "devices": list(fw.devices),
        "device_names": {d: fw.device_names.get(d, d) for d in fw.devices},
        "precision": fw.precision,
        "modes": [m.name for m in fw.modes],
        "unavailable_modes": fw.unavailable,
        **fw.details,
    }


def write_failure(folder: Path, item: pytest.Item, spec: Spec, case: Case) -> Path:
    """Write a shrunk failing example as a golden case file, so that it stays a regression case."""
    name = re.sub(r"[^A-Za-z0-9_.+=-]+", "-", spec.id()).strip("-")[:150]
    drawn = replace(
        case,
        id=name,
        description=f"shrunk by Hypothesis from {item.nodeid}",
        provenance=f"found by the property check {spec.test!r} on {spec.at.describe()}",
    )
    path = folder / f"{name}.toml"
    results_file.write_atomically(path, to_toml(drawn, golden.exact_expected(drawn), "property checks"))
    return path


MESSAGE_KEPT = 4000  # characters of a message a record keeps


def said(error: BaseException) -> str:
    """An exception's message with the lines the suite added to it (BaseException.add_note,
    indented as the message's own lines; Hypothesis' notes are not)."""
    notes = [n for n in getattr(error, "__notes__", ()) if n.startswith("  ")]
    return "\n".join([str(error), *notes])


def kept(message: str) -> str:
    """A message as a record keeps it: whole, or cut at MESSAGE_KEPT characters saying where
    the rest is (a counterexample of thousands of inputs is printed whole, in the terminal)."""
    if len(message) <= MESSAGE_KEPT:
        return message
    cut = " … (cut here: pytest's output shows it whole; --write-failures DIR saves a drawn case) … "
    return message[: MESSAGE_KEPT - 1000] + cut + message[-1000:]  # its end says what was wrong
