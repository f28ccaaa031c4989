"""The suite as a package: a wheel installed anywhere runs (``pytest --pyargs conformance``),
with its golden cases as package data and its plugin registered by the ``pytest11`` entry
point; and the report imports and renders where nothing but its own dependencies is."""

from __future__ import annotations

import subprocess
import sys
import venv
from pathlib import Path

import pytest

from conformance.cases import CASES_DIR, load_all
from conformance.results.results_file import read
from tests.conftest import ROOT

PIP = ("-m", "pip", "install", "-q", "--disable-pip-version-check")


def fresh_venv(folder: Path) -> Path:
    """A new virtual environment (pip only); its python."""
    venv.create(folder, with_pip=True)
    return folder / "bin" / "python"


def run(*command: str | Path, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(c) for c in command], cwd=cwd, capture_output=True, text=True, timeout=900, env=env
    )


def test_a_wheel_installed_outside_the_checkout_runs_the_suite(tmp_path):
    dist = tmp_path / "dist"
    built = run(
        sys.executable,
        "-m",
        "pip",
        "wheel",
        "--no-deps",
        "--no-build-isolation",
        "-q",
        "-w",
        dist,
        ROOT,
        cwd=tmp_path,
    )
    assert built.returncode == 0, built.stderr
    (wheel,) = dist.glob("conformance-*.whl")
    python = fresh_venv(tmp_path / "venv")
    installed = run(python, *PIP, wheel, cwd=tmp_path)
    assert installed.returncode == 0, installed.stderr
    elsewhere = tmp_path / "elsewhere"  # no checkout, no conftest, no case folder here
    elsewhere.mkdir()
    results = elsewhere / "results.json"
    proc = run(
        python, "-m", "pytest", "--pyargs", "conformance", "-q", "-p", "no:cacheprovider",
        "--framework", "numpy", "--dtype", "float64", "-k", "test_loss and article2-e0-",
        "--results", results, "--report", elsewhere / "parity.html",
        cwd=elsewhere,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    data = read(results)
    passed = [r for r in data["results"] if r["outcome"] == "passed" and r["test"] == "loss"]
    assert passed, proc.stdout[-3000:]
    assert all("site-packages" in case["path"] for case in data["cases"].values())  # package data
    # every golden case of the checkout's cases/, carried in the wheel
    count = "from conformance.cases import CASES_DIR, load_all; print(len(load_all(CASES_DIR)[0]), CASES_DIR)"
    carried = run(python, "-c", count, cwd=elsewhere)
    assert carried.returncode == 0, carried.stderr
    number, where = carried.stdout.split()
    assert int(number) == len(load_all(ROOT / "cases")[0]) and "site-packages" in where, carried.stdout
    assert (elsewhere / "parity.html").stat().st_size > 0
    # the reproducers' command and their cases are installed too
    listed = run(python, "-m", "conformance.repro", "--list", cwd=elsewhere)
    assert listed.returncode == 0, listed.stderr
    assert "torch-log-softmax-backward-sums-in-order" in listed.stdout
    cases = "from conformance.repro.check import cases; assert 'repro-single-class-rank-3' in cases()"
    assert run(python, "-c", cases, cwd=elsewhere).returncode == 0
    # the checkout's files beside the installed wheel: a usage error that says what to run
    beside = run(
        python,
        "-m",
        "pytest",
        ROOT / "conformance" / "test_golden.py",
        "-p",
        "no:cacheprovider",
        cwd=elsewhere,
    )
    assert beside.returncode == 4 and "pytest --pyargs conformance" in beside.stderr, beside.stderr[-2000:]


@pytest.mark.slow
def test_the_report_builds_where_only_its_own_dependencies_are(tmp_path, sample_results):
    python = fresh_venv(tmp_path / "venv")
    installed = run(python, *PIP, "jinja2", "jsonschema", cwd=tmp_path)
    assert installed.returncode == 0, installed.stderr
    out = tmp_path / "parity.html"
    code = (
        "import sys; from pathlib import Path\n"
        "import conformance.report as report\n"
        "report.write_report([Path(sys.argv[1])], Path(sys.argv[2]))\n"
        "for name in ('numpy', 'ml_dtypes', 'mpmath', 'pytest', 'hypothesis', 'torch', 'jax'):\n"
        "    assert name not in sys.modules, name\n"
    )
    proc = run(python, "-c", code, sample_results, out, cwd=tmp_path, env={"PYTHONPATH": str(ROOT)})
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "parity report" in out.read_text()


def test_a_checkout_reads_its_golden_cases_at_the_top_level_and_nowhere_else():
    """The case files are edited in cases/ (the project's layout): a checkout (and an editable
    install) reads them there, and no copy lies inside the package."""
    assert CASES_DIR == ROOT / "cases"
    assert sorted(p.name for p in CASES_DIR.glob("*.toml")) and load_all(CASES_DIR)[0]
    assert not list((ROOT / "conformance").rglob("golden/*.toml"))
