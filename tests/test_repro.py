"""Standalone reproducers: every defect and precision finding has one; each script runs with
the suite made unimportable, and exits as the suite judges the same check (1 while the
divergence shows, 0 where it does not). A framework's scripts run one after another in one
process of their own (importing a framework costs seconds; a script costs milliseconds)."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from conformance import divergences, repro
from conformance.adapters import FrameworkMissing
from conformance.divergences.gating import installed_version
from conformance.repro import __main__ as cli
from conformance.repro.check import framework_of, judged
from conformance.repro.script import render
from tests.repro_scripts import ALLOWED, BATCH, KERAS_BACKEND_IDS, imports, run_script


def test_every_defect_and_precision_finding_has_a_reproducer():
    missing = [k.id for k in divergences.load() if k.kind in repro.KINDS and not (k.repro or k.no_repro)]
    assert missing == []


IN_PROCESS = [k for k in repro.reproducible() if k.id not in KERAS_BACKEND_IDS]


@pytest.fixture(scope="session")
def framework_scripts(tmp_path_factory):
    """framework -> id -> (the judged check, the script's text, its exit status and output),
    or the reason the framework is missing: every reproducer of a framework made and run, in
    one process, the first time a test asks for one of them."""
    made: dict[str, dict] = {}

    def run(framework: str) -> dict:
        if framework in made:
            return made[framework]
        folder = tmp_path_factory.mktemp(f"repro-{framework}")
        scripts: dict[str, tuple] = {}
        for entry in IN_PROCESS:
            if framework_of(entry.repro["implementation"]) != framework:
                continue
            try:
                check = judged(entry)
            except FrameworkMissing as e:
                made[framework] = {"missing": str(e)}
                return made[framework]
            path = folder / f"{entry.id}.py"
            path.write_text(render(entry, check))
            scripts[entry.id] = (check, path)
        ran_file = folder / "ran.json"
        subprocess.run(
            [sys.executable, "-c", BATCH, str(ran_file), *(str(p) for _, p in scripts.values())],
            capture_output=True,
            text=True,
            timeout=1200,
            cwd=folder,
        )
        ran = json.loads(ran_file.read_text()) if ran_file.exists() else {}
        made[framework] = {
            id: (check, path.read_text(), *ran.get(str(path), (None, "the batch did not run it")))
            for id, (check, path) in scripts.items()
        }
        return made[framework]

    return run


@pytest.mark.parametrize("id", [k.id for k in IN_PROCESS])
def test_a_reproducer_runs_standalone_and_exits_as_the_suite_judges(id, framework_scripts):
    entry = repro.entry(id)
    scripts = framework_scripts(framework_of(entry.repro["implementation"]))
    if "missing" in scripts:
        pytest.skip(scripts["missing"])
    check, text, status, out = scripts[id]
    assert imports(text) <= ALLOWED, imports(text) - ALLOWED
    if entry.outside(installed_version):  # measured absent from the release installed here
        assert not check.fails and status == 0 and "FIXED" in out, out[-3000:]
        return
    assert check.fails, f"{id}: the suite does not see it here; a gate or the repro table is wrong"
    assert status == 1, out[-3000:]
    assert "DIVERGES" in out and "ModuleNotFoundError" not in out, out[-3000:]


def test_a_reproducer_of_a_check_that_passes_exits_0(tmp_path):
    """A divergence fixed upstream: a script of a check the suite passes says so, and exits 0
    (here PyTorch on the entry's case, which it computes within the bound)."""
    entry = repro.entry("keras-smoothing-divides-by-the-last-axis-golden")
    fixed = replace(entry, repro={**entry.repro, "implementation": "torch.nn.functional.cross_entropy"})
    check = judged(fixed)
    assert not check.fails
    proc = run_script(render(fixed, check), tmp_path)
    assert proc.returncode == 0 and "FIXED: within the bound" in proc.stdout, proc.stdout + proc.stderr


def test_a_planted_wrong_exact_value_makes_a_passing_check_diverge(tmp_path):
    """The script's verdict comes from its own comparison: an exact value moved by 1e-4 of
    itself (about 840 ulps in float32), beyond the bound, turns a passing check into a divergence."""
    entry = repro.entry("keras-smoothing-divides-by-the-last-axis-golden")
    fixed = replace(entry, repro={**entry.repro, "implementation": "torch.nn.functional.cross_entropy"})
    check = judged(fixed)
    planted = replace(check, exact_hi=check.exact_hi * (1 + 1e-4))
    proc = run_script(render(fixed, planted), tmp_path)
    assert proc.returncode == 1 and "ulps off" in proc.stdout, proc.stdout + proc.stderr


def test_the_command_lists_reproducers_and_names_an_unknown_id(capsys):
    assert cli.main(["--list"]) == 0
    listed = capsys.readouterr().out
    assert "torch-log-softmax-backward-sums-in-order  (precision; torch.nn.functional.cross_entropy" in listed
    assert len(listed.splitlines()) == len(repro.reproducible())
    assert cli.main(["no-such-divergence"]) == 2
    assert "no known divergence 'no-such-divergence'" in capsys.readouterr().err


def test_the_readme_lists_every_finding_with_its_versions_upstream_link_and_reproducer():
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    table = readme.split("<!-- findings table: conformance-repro --markdown -->\n")[1].split("<!-- end")[0]
    assert table == repro.markdown(), "README's findings table is stale: paste conformance-repro --markdown"
    assert "| torch-log-softmax-backward-sums-in-order | precision |" in table
    assert "[keras-team/keras/issues/23451](https://github.com/keras-team/keras/issues/23451)" in table
