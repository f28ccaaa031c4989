"""The CI matrix's own files: tox.ini names every cell, and the workflow passes its schema
linter (check-jsonschema with the vendored GitHub Actions workflow schema), which does catch
a broken one."""

from __future__ import annotations

import configparser
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conformance.adapters import FRAMEWORKS

ROOT = Path(__file__).resolve().parent.parent
WORKFLOW = ROOT / ".github" / "workflows" / "conformance.yml"
LINTER = shutil.which("check-jsonschema", path=str(Path(sys.executable).parent)) or shutil.which(
    "check-jsonschema"
)


def test_tox_has_an_environment_per_framework_and_the_rest():
    tox = configparser.ConfigParser(interpolation=None)
    tox.read(ROOT / "tox.ini")
    envs = {s.removeprefix("testenv:") for s in tox.sections() if s.startswith("testenv:")}
    assert set(FRAMEWORKS) | {"all", "report", "tests", "lint"} <= envs
    for name in ("torch", "all", "tests"):  # pinned, so that no CUDA build comes in
        assert "torch==" in tox[f"testenv:{name}"]["deps"], name
    # timm's torchvision loads beside the torch it was built for only: both pinned, together
    assert {"torch==2.14.1", "torchvision==0.29.1"} <= set(tox["testenv:timm"]["deps"].split())


def lint(path: Path) -> subprocess.CompletedProcess:
    assert LINTER, "check-jsonschema is not installed (pip install -e '.[test]')"
    return subprocess.run(
        [LINTER, "--builtin-schema", "vendor.github-workflows", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_workflow_passes_its_schema_linter():
    result = lint(WORKFLOW)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (
            "    runs-on: ubuntu-24.04\n    timeout-minutes: 60\n    strategy:",
            "    timeout-minutes: 60\n    strategy:",
        ),
        ("\njobs:\n", "\njob:\n"),
        ("  workflow_dispatch:", "  on_a_whim:"),
    ],
)
def test_the_linter_catches_a_broken_workflow(tmp_path, old, new):
    text = WORKFLOW.read_text()
    assert old in text
    broken = tmp_path / "broken.yml"
    broken.write_text(text.replace(old, new, 1))
    assert lint(broken).returncode != 0
