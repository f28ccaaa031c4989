"""``python -m pytest ARGS`` for the tests that run the suite end to end, forked from a Python
that has already imported the libraries every such run imports and no run changes.

The tests start about 120 runs of the suite. Most check a few cases in a second or two, and
each began by importing the same libraries for about a second (ml_dtypes 0.7 alone takes
0.6 s to load its extension). Here each run is forked from multiprocessing's fork server,
which imported them once per test worker (PRELOAD), and is otherwise a new process: its own
arguments, working folder, environment variables (PYTHONPATH's folders put before the others
on its path, as Python's start does) and exit code, with stdout and stderr captured apart.

Left out of PRELOAD: every pytest plugin's distribution (the suite's own, Hypothesis,
xdist, pytest-timeout), which pytest must import itself to rewrite their asserts, and the
frameworks, whose import a run must make or not (the suite imports the frameworks it checks,
and records what a framework that is already imported did to the process). A run whose point
is a Python started afresh (a sitecustomize.py, a hash seed of its own) passes ``fresh=True``
and gets a subprocess.
"""

from __future__ import annotations

import atexit
import multiprocessing
import os
import subprocess
import sys
import tempfile
from pathlib import Path

PRELOAD = ["numpy", "ml_dtypes", "mpmath", "jinja2", "jsonschema", "pygments", "filelock", "pytest"]

_context: multiprocessing.context.ForkServerContext | None = None


def _forkserver() -> multiprocessing.context.ForkServerContext:
    """This process's fork server, started on first use with PRELOAD imported."""
    global _context
    if _context is None:
        _context = multiprocessing.get_context("forkserver")
        _context.set_forkserver_preload(PRELOAD)
    return _context


def _pytest(args: list[str], cwd: str, env: dict[str, str], out: str, err: str) -> None:
    """The forked child: become ``python -m pytest ARGS`` in ``cwd`` under ``env``."""
    os.chdir(cwd)
    os.environ.clear()
    os.environ.update(env)
    sys.path[:0] = [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
    sys.path.insert(0, cwd)  # as ``python -m`` puts the working folder first
    for fd, path in ((1, out), (2, err)):
        os.dup2(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC), fd)
    sys.argv = [sys.executable, *args]
    import pytest

    try:
        code = int(pytest.console_main())
    finally:
        atexit._run_exitfuncs()  # as a Python that ends does (multiprocessing's child does not)
    sys.exit(code)


def run_pytest(
    args: list[str], cwd: Path, env: dict[str, str], timeout: float, fresh: bool = False
) -> subprocess.CompletedProcess[str]:
    """``python -m pytest *args`` in ``cwd`` with ``env`` as its whole environment, as
    subprocess.run(capture_output=True, text=True, timeout=timeout) would give it."""
    command = [sys.executable, "-m", "pytest", *args]
    if fresh or "forkserver" not in multiprocessing.get_all_start_methods():  # Windows: none
        return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    with tempfile.TemporaryDirectory() as folder:
        out, err = os.path.join(folder, "stdout"), os.path.join(folder, "stderr")
        child = _forkserver().Process(target=_pytest, args=(args, str(cwd), env, out, err))
        child.start()
        child.join(timeout)
        if child.exitcode is None:
            child.kill()
            child.join()
            raise subprocess.TimeoutExpired(command, timeout)
        return subprocess.CompletedProcess(
            command,
            child.exitcode,
            Path(out).read_text(errors="replace"),
            Path(err).read_text(errors="replace"),
        )
