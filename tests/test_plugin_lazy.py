"""The plugin is loaded by every pytest session of an environment with the suite installed:
one that does not run the suite must not pay for it (NumPy, mpmath, Jinja2, Hypothesis, the
frameworks, the suite's own modules beyond the plugin's options)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

HEAVY = ("numpy", "ml_dtypes", "mpmath", "jinja2", "hypothesis", "torch", "tensorflow", "jax")


def _imported(code: str, cwd) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=cwd, capture_output=True, text=True, check=True
    ).stdout
    return set(out.split())


def test_importing_the_plugin_imports_nothing_heavy(tmp_path):
    code = "import sys, conformance.plugin; print(*sorted(sys.modules))"
    imported = _imported(code, tmp_path)
    assert not {m for m in HEAVY if m in imported}
    suite = {m for m in imported if m.startswith("conformance.")}
    assert suite <= {
        "conformance.paths",
        "conformance.vocabulary",
        "conformance.plugin.flags",
        "conformance.plugin.scope",
        "conformance.plugin",
    }


def test_a_session_that_does_not_run_the_suite_imports_nothing_heavy(tmp_path):
    assert "conformance" in _imported(
        "from importlib.metadata import entry_points as e; print(*[p.name for p in e(group='pytest11')])",
        tmp_path,
    )
    """Someone else's tests, in a session where the entry point loads the plugin, collect and
    run without the suite's modules."""
    (tmp_path / "test_other.py").write_text(
        textwrap.dedent(
            f"""
            import sys

            def test_nothing_heavy():
                heavy = [m for m in {HEAVY!r} if m in sys.modules]
                suite = [m for m in sys.modules if m.startswith("conformance.")
                         and m not in ("conformance.paths", "conformance.vocabulary")
                         and not m.startswith("conformance.plugin")]
                assert not heavy and not suite, (heavy, suite)
            """
        )
    )
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "-q",
            "test_other.py",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stdout + run.stderr
