"""Shared helpers for the suite's own tests."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def run_suite(tmp_path):
    """Run ``pytest conformance`` in a subprocess; returns (exit code, output, results)."""

    def run(
        *args: str, env: dict[str, str] | None = None, target: str = "conformance/test_golden.py"
    ) -> tuple[int, str, dict]:
        """``target``: the golden checks by default (seconds); "conformance" for everything."""
        results = tmp_path / "results.json"
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "pytest",
                target,
                "-q",
                "-p",
                "no:cacheprovider",
                "--results",
                str(results),
                *args,
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            env={**os.environ, **(env or {})},
            timeout=600,
        )
        data = json.loads(results.read_text()) if results.exists() else {}
        return proc.returncode, proc.stdout + proc.stderr, data

    return run
