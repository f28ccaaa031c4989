"""Frameworks that crash when imported after another are imported first, or skipped with why."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

from conformance.adapters import IMPORTED_FIRST, FrameworkMissing
from conformance.plugin import state as state_module
from conformance.plugin.options import Options

ROOT = Path(__file__).resolve().parent.parent


def test_a_run_imports_paddle_before_the_framework_it_is_first_asked_for(monkeypatch, tmp_path):
    loaded: list[str] = []

    def load(name: str, precision_defaults: bool = False):
        loaded.append(name)
        raise FrameworkMissing(f"{name} is not installed (here)")

    monkeypatch.setattr(state_module, "load", load)
    options = Options(("numpy", "tensorflow", "paddle"), (), tmp_path, "ci")
    run = state_module.State(options)
    run.framework("tensorflow")
    run.framework("paddle")
    assert "paddle" in IMPORTED_FIRST and loaded == ["paddle", "tensorflow"]
    # not selected: not imported
    loaded.clear()
    state_module.State(Options(("tensorflow",), (), tmp_path, "ci")).framework("tensorflow")
    assert loaded == ["tensorflow"]


def test_paddle_after_tensorflow_is_missing_with_why_not_a_crash():
    # found, not imported: TensorFlow imported here would keep paddle out of this worker
    if not (importlib.util.find_spec("tensorflow") and importlib.util.find_spec("paddle")):
        pytest.skip("tensorflow and paddle are not both installed")
    code = (
        "import tensorflow\n"
        "from conformance.adapters import FrameworkMissing, load\n"
        "try:\n    load('paddle')\nexcept FrameworkMissing as e:\n    print('missing:', e)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "missing: paddle cannot be imported after TensorFlow in one process" in out.stdout
