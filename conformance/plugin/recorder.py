"""The Recorder: collects every check's record (made where it ran: check_record.py), from
pytest-xdist workers too, and writes the results file and the parity report."""

from __future__ import annotations

import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any, cast

import pytest

from conformance import report
from conformance.cases import digest as cases_digest
from conformance.divergences.unmatched import unmatched
from conformance.plugin import compiled
from conformance.plugin.check_record import describe
from conformance.plugin.outcomes import crashed
from conformance.plugin.state import STATE
from conformance.plugin.verdict import verdict_line
from conformance.results import results_file
from conformance.vocabulary import OUTCOMES, PASSED, SKIPPED

PYTEST_WORDS = (
    "in pytest's words: diverged, imprecise, errored and stale divergences failed; unsupported, "
    "rejected and skipped checks skipped; known divergences xfailed (xpassed where a non-strict "
    "one did not show: passed here)"
)


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
        self.compiled: dict[str, Any] | None = None  # the compiled programs judged (compiled.coverage)

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
        if self.config.option.collectonly:  # nothing judged: no results, report or rotation turn
            return
        if self.unsupported:  # after the items' records, in the order they were collected
            self.records += self.unsupported.values()
            self.unsupported = {}
        if hasattr(self.config, "workerinput") or not self.records:
            return
        state = self.config.stash[STATE]
        self.compiled = compiled.coverage(state, self.records, compiled.remember(state, self.records))
        wanted, report_path = self.config.getoption("results"), self.config.getoption("report")
        if not wanted and not report_path:
            return
        command = ["pytest", *self.config.invocation_params.args]
        ran = {r["case"] for r in self.records if "case" in r}
        cases = {c.id: c.summary() for c in state.cases()[0] if c.id in ran}
        env = results_file.environment(self.frameworks(), command)
        env["hypothesis_profile"] = state.options.profile
        env["hypothesis_seed"] = state.run_seed  # draws again with --hypothesis-seed (null: derandomised)
        env["cases_digest"] = cases_digest(state.options.cases_dir)
        env["duration_s"] = round(time.monotonic() - self.started, 1)  # to the write
        env["unmatched_divergences"] = [k.id for k in self.unmatched()]
        if self.compiled is not None:
            env["compiled_programs"] = self.compiled
        with tempfile.TemporaryDirectory() as folder:  # no results file asked for: the report's input
            path = Path(wanted) if wanted else Path(folder) / "results.json"
            results_file.write(path, self.records, env, cases)
            self.path = path if wanted else None
            if report_path:
                self.report = Path(report_path)
                report.write_report([path], self.report)

    def unmatched(self) -> list[Any]:
        """The known divergences whose implementations ran but that matched no check here;
        none in a run narrowed to some checks (-k, -m, node ids), where that says nothing."""
        option = self.config.option
        if option.keyword or option.markexpr or any("::" in a for a in self.config.args):
            return []
        return unmatched(self.config.stash[STATE].options.known, self.records)

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
        if self.compiled is not None:
            terminalreporter.write_line(self.compiled["sentence"])
        dead = self.unmatched()
        if dead:
            terminalreporter.write_line(
                f"known divergences that matched no check of this run (their implementations ran): "
                f"{len(dead)}: {', '.join(k.id for k in dead)}"
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
