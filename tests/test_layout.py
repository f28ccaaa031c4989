"""The layout the docs promise (docs/architecture.md): no import circle between the suite's
modules, nor between its packages, and no module over the length its one job takes."""

from __future__ import annotations

import ast
from pathlib import Path

import conformance

ROOT = Path(conformance.__file__).parent
LONGEST = 250  # lines: a module is split by job well before this


def module_name(path: Path, root: Path = ROOT) -> str:
    parts = path.relative_to(root.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path, modules: set[str]) -> set[str]:
    """The suite's modules ``path`` imports, anywhere in it (type-checking blocks and function
    bodies too: a circle there is a circle in the design); ``from P import M`` of a submodule
    M imports M, not P's ``__init__``."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = {f"{node.module}.{a.name}" for a in node.names}
            found |= names & modules
            if names - modules:
                found.add(node.module)
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("conformance.")}
    return found


def graph(root: Path = ROOT) -> dict[str, set[str]]:
    modules = {module_name(p, root): p for p in root.rglob("*.py")}
    return {
        name: {m for m in imports(path, set(modules)) if m in modules and m != name}
        for name, path in modules.items()
    }


def circle(edges: dict[str, set[str]]) -> list[str]:
    """One circle of ``edges`` (a path that comes back to its start), or [] if none."""
    state: dict[str, int] = {}

    def visit(node: str, path: list[str]) -> list[str]:
        state[node] = 1
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt, [*path, nxt])):
                return found
        state[node] = 2
        return []

    for start in sorted(edges):
        if start not in state and (found := visit(start, [start])):
            return found
    return []


def package_of(module: str) -> str:
    return ".".join(module.split(".")[:2])


def test_no_import_circle_between_modules():
    assert circle(graph()) == []


def test_no_import_circle_between_packages():
    """The flow reads one way: case, draw, exact answer, implementation, judgement, record,
    report (the plugin and the test modules above them all)."""
    packages: dict[str, set[str]] = {}
    for module, targets in graph().items():
        packages.setdefault(package_of(module), set()).update(
            package_of(t) for t in targets if package_of(t) != package_of(module)
        )
    assert circle(packages) == []


def test_no_module_is_longer_than_its_job_allows():
    long = {module_name(p): n for p in ROOT.rglob("*.py") if (n := len(p.read_text().splitlines())) > LONGEST}
    assert long == {}


def test_a_planted_circle_is_found(tmp_path):
    package = tmp_path / "conformance"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from conformance.b import x\n")
    (package / "b.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from conformance import a\n"
    )
    assert circle(graph(package)) == ["conformance.a", "conformance.b", "conformance.a"]


def declared(package: Path) -> set[str]:
    """What a package's ``__init__`` says it may import (its "May import: a, b." line)."""
    doc = ast.get_docstring(ast.parse((package / "__init__.py").read_text())) or ""
    line = next((ln for ln in doc.splitlines() if ln.startswith("May import:")), "")
    return {n.strip(" .") for n in line.removeprefix("May import:").split(",") if n.strip(" .")}


def test_each_package_imports_only_what_its_init_says():
    used: dict[str, set[str]] = {}
    for module, targets in graph().items():
        here = package_of(module)
        used.setdefault(here, set()).update(package_of(t) for t in targets if package_of(t) != here)
    for package in sorted(p for p in ROOT.iterdir() if (p / "__init__.py").is_file()):
        name = f"conformance.{package.name}"
        assert declared(package), f"{name}: its __init__ says nothing of what it may import"
        undeclared = {u.removeprefix("conformance.") for u in used.get(name, set())} - declared(package)
        assert not undeclared, f"{name} imports {sorted(undeclared)}, which its __init__ does not name"
