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


def test_the_oldest_releases_declared_are_pyproject_s_floors_and_have_a_tox_cell_and_a_ci_cell():
    """Each main framework's oldest supported release is pinned once here; pyproject.toml's
    floor is its version (major.minor), and tox -e NAME_oldest (a CI cell) installs those pins."""
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    tox = configparser.ConfigParser(interpolation=None)
    tox.read(ROOT / "tox.ini")
    workflow = (ROOT / ".github/workflows/conformance.yml").read_text()
    oldest = [d for d in DECLARED if d.oldest]
    assert {d.name for d in oldest} == {"torch", "tensorflow", "jax"}
    for d in oldest:
        cell = f"testenv:{d.name}_oldest"
        assert cell in tox and f"{d.name}_oldest" in workflow, d.name
        for pin in d.oldest:
            package, _, version = pin.partition("==")
            floor = f"{package}>={'.'.join(version.split('.')[:2])}"
            floors = [r.split(";")[0].strip() for r in extras[d.extra]]
            assert floor in floors or f"{package}>={version}" in floors, (pin, floors)
            assert pin in tox[cell]["deps"].split(), (pin, tox[cell]["deps"])


def test_every_entry_with_a_reproducer_has_its_framework_s_harness():
    """A reproducer of each framework's entries can be written (conformance-repro once crashed on
    Liger's, whose harness was forgotten)."""
    frameworks = {framework_of(k.repro["implementation"]) for k in reproducible()}
    assert frameworks <= set(HARNESSES), frameworks - set(HARNESSES)
    assert set(HARNESSES) <= set(BY_NAME)
    assert all(k.id for k in divergences.load())


def test_a_release_measures_the_entries_of_its_framework():
    from benchmarks.releases import frameworks_of

    assert frameworks_of("tensorflow-cpu==2.16.2 numpy<2") == {"tensorflow"}
    assert frameworks_of("jax==0.4.30 jaxlib==0.4.30 optax==0.2.3 chex<0.1.87") == {"jax"}
    assert frameworks_of("torch==2.4.1") == {"torch"}
