"""Which checks a test gets is chosen by its ``@pytest.mark.conformance(CHECK)`` marker, not by
its name; the plugin is registered by its entry point and stays out of other sessions."""

from __future__ import annotations

import importlib.metadata
import subprocess
import sys
import textwrap

from tests.conftest import ROOT

RENAMED = textwrap.dedent(
    """
    import pytest
    from conformance.checks import judge

    @pytest.mark.conformance("loss")
    def test_named_anything(spec, record_property):
        record_property("conformance", judge.check_loss(spec.at, spec.golden))

    def test_loss():  # the old name, no marker: an ordinary test, no checks
        pass
    """
)


def test_the_marker_chooses_the_checks_whatever_the_name(run_suite, tmp_path):
    (tmp_path / "test_mine.py").write_text(RENAMED)
    selected = "article2-e0- or (test_mine and test_loss)"
    code, out, results = run_suite(
        "--framework", "numpy", "--dtype", "float64", "-k", selected, str(tmp_path)
    )
    assert code == 0, out[-3000:]
    mine = [r for r in results["results"] if "test_named_anything" in r["id"]]
    suite = [r for r in results["results"] if "test_golden.py::test_loss[" in r["id"]]
    assert mine and {r["test"] for r in mine} == {"loss"} and {r["outcome"] for r in mine} == {"passed"}
    assert sorted(r["id"].split("[")[1] for r in mine) == sorted(r["id"].split("[")[1] for r in suite)
    assert not [r for r in results["results"] if r["id"].endswith("test_mine.py::test_loss")]


def test_an_unknown_check_is_a_usage_error(run_suite, tmp_path):
    (tmp_path / "test_mine.py").write_text(RENAMED.replace('conformance("loss")', 'conformance("los")'))
    code, out, _ = run_suite("--framework", "numpy", str(tmp_path))
    assert code != 0 and "no such check; known: loss, gradient" in out, out[-3000:]


def test_the_plugin_is_an_entry_point_and_leaves_other_sessions_alone(tmp_path):
    (entry,) = [e for e in importlib.metadata.entry_points(group="pytest11") if e.name == "conformance"]
    assert entry.value == "conformance.plugin"
    (tmp_path / "test_plain.py").write_text(  # Hypothesis' own settings, not the suite's profiles
        "from hypothesis import settings\n"
        "def test_plain():\n"
        "    assert settings.default.report_multiple_bugs\n"
    )
    results = tmp_path / "r.json"
    command = [sys.executable, "-m", "pytest", tmp_path, "-q", "-p", "no:cacheprovider", "--results", results]
    proc = subprocess.run([str(c) for c in command], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert "bringing up nodes" not in proc.stdout  # no -n auto outside the suite
    assert not results.exists()  # no recorder, no results file
