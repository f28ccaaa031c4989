"""Every check's record, from its report, and the Recorder that collects them (from
pytest-xdist workers too) and writes the results file and the parity report."""

from __future__ import annotations

import dataclasses
import re
import shlex
import tempfile
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Any, cast

import pytest
from hypothesis import settings

from conformance import divergences, report
from conformance.adapters import Framework
from conformance.cases import CASES_DIR, Case, to_toml
from conformance.cases import digest as cases_digest
from conformance.checks import golden
from conformance.checks.failures import CheckFailure
from conformance.plugin.outcomes import classify, crashed
from conformance.plugin.state import SEED, STATE, Spec, spec_of
from conformance.plugin.verdict import verdict_line
from conformance.results import results_file
from conformance.vocabulary import OUTCOMES, PASSED, SKIPPED

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
    record.update(cast(dict[str, Any], dict(item.user_properties).get("conformance", {})))
    if isinstance(error, CheckFailure):
        if report.failed:  # the check's own few lines say it all; no traceback through the suite
            report.longrepr = f"{type(error).__name__}: {error}"
        record.update(error.record)
        folder = item.config.getoption("write_failures")
        if folder and error.case is not None and error.case.drawn:
            record["written_case"] = str(write_failure(Path(folder), item, spec, error.case))
    record["outcome"] = classify(item, report, error)
    if error is not None and not isinstance(error, pytest.skip.Exception):
        record["message"] = kept(str(error))
    elif report.skipped and isinstance(report.longrepr, tuple):
        record["message"] = str(report.longrepr[2]).removeprefix("Skipped: ")
    if spec.known is not None:
        record["known_divergence"] = spec.known.__dict__
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


PYTEST_WORDS = (
    "in pytest's words: diverged, imprecise, errored and stale divergences failed; unsupported, "
    "rejected and skipped checks skipped; known divergences xfailed (xpassed where a non-strict "
    "one did not show: passed here)"
)
MESSAGE_KEPT = 4000  # characters of a message a record keeps


def kept(message: str) -> str:
    """A message as a record keeps it: whole, or cut at MESSAGE_KEPT characters saying where
    the rest is (a counterexample of thousands of inputs is printed whole, in the terminal)."""
    if len(message) <= MESSAGE_KEPT:
        return message
    cut = " … (cut here: pytest's output shows it whole; --write-failures DIR saves a drawn case) … "
    return message[: MESSAGE_KEPT - 1000] + cut + message[-1000:]  # its end says what was wrong


class Recorder:
    """Collects every check's record (from xdist workers too) and writes the results file."""

    def __init__(self, config: pytest.Config):
        self.config = config
        self.records: list[dict[str, Any]] = []
        self.unsupported: dict[str, dict[str, Any]] = {}  # checks that are no items, by id
        self.described: dict[str, dict[str, Any]] = {}  # from the workers, under xdist
        self.path: Path | None = None
        self.report: Path | None = None
        self.started = time.monotonic()  # again at the session's start

    def pytest_sessionstart(self, session: pytest.Session) -> None:
        self.started = time.monotonic()

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        described = dict(report.user_properties).get("conformance_framework", {})
        self.described.update(cast(dict[str, dict[str, Any]], described))
        sent = cast(list[dict[str, Any]], dict(report.user_properties).get("conformance_unsupported", []))
        for unsupported in sent:
            if unsupported["id"] not in self.unsupported:  # every worker collects, and sends, them all
                self.unsupported[unsupported["id"]] = unsupported
        record = dict(report.user_properties).get("conformance_record")
        if isinstance(record, dict):
            self.records.append(record)
        elif report.failed and report.when == "???" and "::test_" in report.nodeid:
            self.records.append(crashed(report))

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        """In one process, the checks that are no items are this process's to record."""
        state = self.config.stash[STATE]
        if not hasattr(self.config, "workerinput"):
            self.unsupported.update((r["id"], r) for r in state.unsupported)
            state.unsupported = []

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if self.unsupported:  # after the items' records, in the order they were collected
            self.records += self.unsupported.values()
            self.unsupported = {}
        if hasattr(self.config, "workerinput") or not self.records:
            return
        wanted, report_path = self.config.getoption("results"), self.config.getoption("report")
        if not wanted and not report_path:
            return
        state = self.config.stash[STATE]
        command = ["pytest", *self.config.invocation_params.args]
        ran = {r["case"] for r in self.records if "case" in r}
        cases = {c.id: c.summary() for c in state.cases()[0] if c.id in ran}
        env = results_file.environment(self.frameworks(), command)
        env["hypothesis_profile"] = state.options.profile
        env["cases_digest"] = cases_digest(state.options.cases_dir)
        env["duration_s"] = round(time.monotonic() - self.started, 1)  # to the write
        with tempfile.TemporaryDirectory() as folder:  # no results file asked for: the report's input
            path = Path(wanted) if wanted else Path(folder) / "results.json"
            results_file.write(path, self.records, env, cases)
            self.path = path if wanted else None
            if report_path:
                self.report = Path(report_path)
                report.write_report([path], self.report)

    def frameworks(self) -> dict[str, dict[str, Any]]:
        """Each framework's version and devices, or why it is missing. Under xdist the
        controller collects nothing, so what it lacks is read from the workers' records."""
        found: dict[str, dict[str, Any]] = {}
        for name, fw in self.config.stash[STATE].frameworks.items():
            found[name] = {"missing": fw} if isinstance(fw, str) else describe(fw)
        for name, description in self.described.items():
            found.setdefault(name, description)
        for r in self.records:
            name = str(r.get("framework", ""))
            if not name or ("missing" in found.get(name, {})):
                continue
            if name not in found:
                if r["outcome"] == SKIPPED and "framework_version" not in r:
                    found[name] = {"missing": r.get("message", "").removeprefix("skipped: ")}
                    continue
                found[name] = {"version": r.get("framework_version", ""), "devices": []}
            if "device" in r and r["device"] not in found[name]["devices"]:
                found[name]["devices"].append(r["device"])
        return found

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if not self.records or hasattr(self.config, "workerinput"):
            return
        users = {impl.name for impl in self.config.stash[STATE].options.user}
        # an --impl run counts the user's checks; the suite's own (a document's numbers) apart
        mine = [r for r in self.records if not users or r.get("implementation") in users]
        counts = Counter(record["outcome"] for record in mine)
        terminalreporter.write_sep("-", "conformance")
        line = ", ".join(f"{counts[o]} {o}" for o in OUTCOMES if o in counts)
        if users and len(mine) < len(self.records):
            others = len(self.records) - len(mine)
            line += f" (of your implementations; {others} checks of the suite's own besides)"
        terminalreporter.write_line(line)
        terminalreporter.write_line(PYTEST_WORDS)
        for name, fw in self.frameworks().items():
            if "missing" in fw:
                terminalreporter.write_line(f"{name}: skipped: {fw['missing']}")
        fixed = Counter(
            r["gated_divergence"]["id"]
            for r in self.records
            if "gated_divergence" in r and r["outcome"] == PASSED
        )
        for entry, why in self.config.stash[STATE].options.outside:
            if fixed[entry.id]:
                terminalreporter.write_line(
                    f"fixed here: {entry.id} ({why}): {fixed[entry.id]} of its checks passed"
                )
        report_path = self.config.getoption("report")
        for impl in self.config.stash[STATE].options.user:
            terminalreporter.write_line(verdict_line(impl.name, self.records, report_path))

    def pytest_unconfigure(self, config: pytest.Config) -> None:
        """The run's last lines: where its results and report are (after pytest's own summary)."""
        reporter = config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            if self.path is not None:
                reporter.write_line(f"results written to {self.path}")
            if self.report is not None:
                reporter.write_line(f"parity report written to {self.report}")
