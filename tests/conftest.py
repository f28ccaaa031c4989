"""Shared helpers for the suite's own tests."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from conformance.results.results_file import read
from tests.pytest_runs import run_pytest

ROOT = Path(__file__).resolve().parent.parent


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--slow",
        action="store_true",
        help="run the slow tests too (marked slow: whole runs of the suite; .ci/run runs them)",
    )


def pytest_configure(config: pytest.Config) -> None:
    # The tests start about 180 Pythons of the same code. Where the environment forbids bytecode
    # files (PYTHONDONTWRITEBYTECODE, set on CI's machines), each compiled the package again and
    # pytest rewrote the asserts of its 190 modules: a second a process. The Pythons the tests
    # start write them as Python does by default (into __pycache__, which git ignores).
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    config.addinivalue_line(
        "markers", "slow: a test that must stay slow (a whole run of the suite); run with --slow"
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Without --slow, the tests marked slow are deselected (and counted as such)."""
    if config.getoption("slow"):
        return
    slow = [item for item in items if item.get_closest_marker("slow")]
    if slow:
        config.hook.pytest_deselected(items=slow)
        items[:] = [item for item in items if not item.get_closest_marker("slow")]


@pytest.fixture
def run_suite(tmp_path):
    """Run ``pytest conformance`` in a new process (pytest_runs.py); returns (exit code, output, results)."""

    def run(
        *args: str,
        env: dict[str, str] | None = None,
        target: str = "conformance/test_golden.py",
        serial: bool = True,
        timeout: int = 600,
        fresh: bool = False,
    ) -> tuple[int, str, dict]:
        """``target``: the golden checks by default (seconds); "conformance" for everything.
        ``serial``: -n 0 unless ``args`` give -n (else the suite's default, every core).
        ``fresh``: a Python started afresh, not forked (pytest_runs.py)."""
        results = tmp_path / "results.json"
        proc = run_pytest(
            [
                target,
                "-q",
                "-p",
                "no:cacheprovider",
                "--results",
                str(results),
                "--report",
                str(tmp_path / "parity.html"),
                *(("-n", "0") if serial and "-n" not in args else ()),
                *args,
            ],
            ROOT,
            # the compiled programs' rotation of this test's own, not the user's (plugin/rotation.py)
            {**os.environ, "CONFORMANCE_ROTATION": str(tmp_path / "rotation"), **(env or {})},
            timeout,
            fresh,
        )
        data = read(results) if results.exists() else {}  # one flat record per check
        return proc.returncode, proc.stdout + proc.stderr, data

    return run


@pytest.fixture(scope="session")
def sample_results(tmp_path_factory) -> Path:
    """A real results file: the golden checks on every installed framework in float32 and
    float64, with NumPy's loss planted to compute in float32 (so that float64 checks diverge:
    new divergences beside the frameworks' known ones)."""
    from filelock import FileLock

    from tests.planting import plant

    # one run for the whole session: under pytest-xdist the workers share the base folder's
    # parent, and the first to take the lock writes the file the others read
    base = tmp_path_factory.getbasetemp()
    folder = (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "sample"
    with FileLock(str(folder) + ".lock"):
        if (folder / "results.json").exists():
            return folder / "results.json"
        folder.mkdir(exist_ok=True)
        env = plant(folder, "float32_inside")
        # the replayed upstream reports and the half precisions left out: what the report's
        # tests read is there in float32 and float64 (passes, known divergences, new ones), in
        # half the time
        args = ("-p", "planted", "--mode", "eager,jit", "--dtype", "float32,float64", "-k", "not upstream-")
        return golden_results(folder / "results.json", *args, env=env)


def golden_results(results: Path, *args: str, env: dict[str, str] | None = None) -> Path:
    """Run the golden checks serially in a new process with ``args``; the results file it wrote
    (asserted readable)."""
    proc = run_pytest(
        [
            "conformance/test_golden.py",
            "-q",
            "-p",
            "no:cacheprovider",
            *args,
            "--results",
            str(results),
            "--report",
            "",
            "-n",
            "0",
        ],
        ROOT,
        {**os.environ, **(env or {})},
        1200,
    )
    assert results.exists(), proc.stdout[-3000:] + proc.stderr[-3000:]
    read(results)  # readable, or ResultsFileError says why
    return results
