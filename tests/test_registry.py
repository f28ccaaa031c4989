"""The frameworks declared once (conformance/registry.py), and everything that names them per
framework held equal to it: adapters, version gates, reproducer harnesses, pip extras, tox
environments, the CI workflow's matrix."""

from __future__ import annotations

import configparser
import re
from pathlib import Path

import tomllib

from conformance import divergences
from conformance.divergences.gating import STACKS
from conformance.registry import BY_NAME, DECLARED
from conformance.repro import reproducible
from conformance.repro.check import framework_of
from conformance.repro.template import HARNESSES
from conformance.vocabulary import FRAMEWORKS

ROOT = Path(__file__).resolve().parent.parent


def test_each_framework_has_its_adapter_gate_extra_tox_environment_and_ci_cell():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    extras = pyproject["project"]["optional-dependencies"]
    tox = configparser.ConfigParser(interpolation=None)
    tox.read(ROOT / "tox.ini")
    env_list = [e.strip() for e in tox["tox"]["env_list"].split(",")]
    workflow = (ROOT / ".github/workflows/conformance.yml").read_text()
    matrix = re.search(r"^\s+framework: \[(.*)\]$", workflow, re.MULTILINE)
    assert matrix, "the CI workflow's matrix of frameworks"
    cells = [c.strip() for c in matrix.group(1).split(",")]
    assert tuple(d.name for d in DECLARED) == FRAMEWORKS
    for d in DECLARED:
        assert (ROOT / "conformance" / "adapters" / f"{d.name}_adapter.py").is_file(), d.name
        assert STACKS[d.name] == d.packages
        assert d.extra == "" or d.extra in extras, f"pyproject.toml has no extra {d.extra!r}"
        assert d.name in env_list and (d.name == "numpy" or f"testenv:{d.name}" in tox), d.name
        assert d.name in cells, f"the CI workflow has no cell for {d.name}"


def test_the_oldest_releases_declared_are_pyproject_s_floors():
    """The floor of each main framework is stated once here and is the one pip reads."""
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    for d in DECLARED:
        for floor in d.oldest:
            assert any(r.split(";")[0].strip() == floor for r in extras[d.extra]), (d.name, floor)


def test_every_entry_with_a_reproducer_has_its_framework_s_harness():
    """A reproducer of each framework's entries can be written (conformance-repro once crashed on
    Liger's, whose harness was forgotten)."""
    frameworks = {framework_of(k.repro["implementation"]) for k in reproducible()}
    assert frameworks <= set(HARNESSES), frameworks - set(HARNESSES)
    assert set(HARNESSES) <= set(BY_NAME)
    assert all(k.id for k in divergences.load())
