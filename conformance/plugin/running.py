"""How the checks run: on every core by default (pytest-xdist), each within a time limit
(pytest-timeout), and only in a session that runs the suite at all."""

from __future__ import annotations

import glob
import os
import signal
from pathlib import Path

import pytest

from conformance.adapters import Framework
from conformance.plugin.state import State, spec_of

PACKAGE = Path(__file__).resolve().parent.parent  # the folder of the suite's checks
# a folder above an installed package (a project with its venv inside) does not run the suite
IN_CHECKOUT = not {"site-packages", "dist-packages"} & set(PACKAGE.parts)
WORKER_MEMORY = 4 << 30  # bytes a worker may take with every framework imported


def runs_the_suite(config: pytest.Config) -> bool:
    """Whether this session collects the suite's checks: an argument is the package, inside
    it or, in a checkout, a folder above it (``pytest`` there), or names it with --pyargs.
    Another session (``pytest tests``) gets the options and nothing else of the plugin."""
    for arg in config.args:
        name = arg.split("::")[0]
        if config.option.pyargs and (name == PACKAGE.name or name.startswith(f"{PACKAGE.name}.")):
            return True
        path = Path(config.invocation_params.dir, name).resolve()
        if path == PACKAGE or PACKAGE in path.parents or (IN_CHECKOUT and path in PACKAGE.parents):
            return True
    return False


def other_copy(config: pytest.Config) -> Path | None:
    """A copy of the suite that an argument names but that is not the one installed (a
    checkout's ``conformance/`` beside a wheel in site-packages): pytest would import the
    installed modules for its files."""
    for arg in config.args:
        path = Path(config.invocation_params.dir, arg.split("::")[0]).resolve()
        for folder in (path, *path.parents, path / PACKAGE.name):
            if (folder / "plugin" / "__init__.py").is_file() and folder.name == PACKAGE.name:
                return None if folder == PACKAGE else folder
    return None


def use_every_core(config: pytest.Config) -> None:
    """Without -n, a run with pytest-xdist installed runs on every core (``-n auto``), at most
    one worker per WORKER_MEMORY of the host's memory, as a serial run would, with the same
    outcomes and one results file; ``-n 0`` runs serially. Not under --pdb, --trace or
    --collect-only, in a worker, or where an NVIDIA GPU is visible (JAX and TensorFlow each
    take most of its memory per process: a second worker would run out)."""
    if not config.pluginmanager.hasplugin("xdist") or hasattr(config, "workerinput"):
        return
    option = config.option
    if getattr(option, "numprocesses", None) is not None or getattr(option, "tx", None):
        return  # the user chose
    if getattr(option, "dist", "no") != "no" or option.usepdb or option.trace or option.collectonly:
        return
    if glob.glob("/dev/nvidia[0-9]*"):
        return
    option.numprocesses = "auto"
    if not getattr(option, "maxprocesses", None) and hasattr(os, "sysconf"):
        memory = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        option.maxprocesses = max(1, memory // WORKER_MEMORY)


def add_time_limits(config: pytest.Config, items: list[pytest.Item]) -> None:
    """A time limit on every check (pytest-timeout, --check-timeout), so that one that hangs
    is stopped and recorded, and the run goes on; pytest-timeout's own setting (even 0,
    none) stands."""
    if not config.pluginmanager.hasplugin("timeout"):
        return
    if (
        config.getoption("timeout", None) is not None
        or os.environ.get("PYTEST_TIMEOUT")
        or config.getini("timeout")
    ):
        return
    method = "signal" if hasattr(signal, "SIGALRM") else "thread"
    limit = pytest.mark.timeout(config.getoption("check_timeout"), method=method)
    for item in items:
        if spec_of(item) is not None:
            item.add_marker(limit)


FREE_ABOVE = 3 << 29  # 1.5 GiB resident: a worker above it frees every framework's builds


def resident_memory() -> int:
    """This process's resident memory in bytes (0 where /proc is not there to say)."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def free_builds(state: State, item: pytest.Item, nextitem: pytest.Item | None) -> None:
    """Between checks, frameworks free what their compilers built (Framework.free): each that
    ran a large input, once its checks are done (a golden case's, when the next check takes
    another case; a property check's, at its end); and when the worker's memory is above
    FREE_ABOVE, each that has caches of its own to release (JAX). Eager JAX keeps its builds
    for every shape and dtype it met, about 250 MB per property check of one implementation
    (and 100 MB per large shape): a worker that kept them all would hold 5 GB."""
    spec, following = spec_of(item), spec_of(nextitem) if nextitem is not None else None
    if spec is not None and following is not None and spec.case is not None and following.case is spec.case:
        return  # the same golden case next: its builds serve again
    crowded = resident_memory() > FREE_ABOVE
    for framework in state.frameworks.values():
        if not isinstance(framework, Framework):
            continue
        if framework.ran_large:
            framework.free()
        elif crowded and framework.release is not None:  # its caches, not the programs kept
            framework.release()
