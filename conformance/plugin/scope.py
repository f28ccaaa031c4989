"""Whether a pytest session runs the suite, and on how many cores: asked in every session,
so it imports nothing of the suite's but its paths."""

from __future__ import annotations

import glob
import os
from pathlib import Path
from typing import Any

import pytest

from conformance.paths import PACKAGE

MARKER = "conformance"  # @pytest.mark.conformance(CHECK): a check, parametrised by the plugin
RUNS = pytest.StashKey[bool]()  # whether this session runs the suite (set at configure)

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
        keep_frameworks_together(option)
        return  # the user chose how many
    if getattr(option, "dist", "no") != "no" or option.usepdb or option.trace or option.collectonly:
        return
    if glob.glob("/dev/nvidia[0-9]*"):
        return
    option.numprocesses = "auto"
    if not getattr(option, "maxprocesses", None) and hasattr(os, "sysconf"):
        memory = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        option.maxprocesses = max(1, memory // WORKER_MEMORY)
    keep_frameworks_together(option)


def keep_frameworks_together(option: Any) -> None:
    """Unless the user named a --dist, pytest-xdist's ``worksteal``: each worker takes a
    contiguous run of the checks, which the plugin orders by framework (running.py:
    by_framework), and a worker that runs out takes half of the rest of the busiest one. A
    framework's builds (eager JAX's programs for every shape it meets, tf.function's traces,
    torch.compile's graphs) are then kept by fewer workers, where xdist's ``load`` deals the
    checks out one by one and every worker keeps them all."""
    if getattr(option, "dist", "no") != "no":
        return
    try:
        from xdist.scheduler import WorkStealingScheduling  # noqa: F401  (pytest-xdist 3.2 and later)
    except ImportError:
        return
    option.dist = "worksteal"
