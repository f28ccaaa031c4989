"""``python -m pytest ARGS`` for the tests that run the suite end to end, forked from a Python
that has already imported the libraries every such run imports and no run changes.

The tests start about 120 runs of the suite. Most check a few cases in a second or two, and
each began by importing the same libraries for about a second (ml_dtypes 0.7 alone takes
0.6 s to load its extension). Here each run is forked from multiprocessing's fork server,
which imported them once per test worker (PRELOAD). A run has its own arguments, working
folder, environment variables, import path (a new Python's, with PYTHONPATH's folders before
it), exit code, and stdout and stderr, captured apart.

What it shares with the fork server, unlike a new Python: the hash seed, the interpreter's
flags (-W, -X; PYTHONWARNINGS and PYTHONHASHSEED in its environment are not read again), the
state of PRELOAD's libraries (NumPy's BLAS threads), and multiprocessing's (the run is its
child). Left out of PRELOAD: every pytest plugin's distribution (the suite's own, Hypothesis,
xdist, pytest-timeout), which pytest must import itself to rewrite their asserts, and the
frameworks, whose import a run must make or not (the suite imports the frameworks it checks,
and records what a framework that is already imported did to the process). A run whose point
is a Python started afresh (a sitecustomize.py, a hash seed of its own) passes ``fresh=True``
and gets a subprocess.
"""

from __future__ import annotations

import atexit
import functools
import json
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


@functools.cache
def _new_python_path() -> list[str]:
    """The import path a new Python starts with, apart from its first entry (the folder of
    ``-m``'s module, or ``-c``'s "") and PYTHONPATH's folders."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    code = "import json, sys; print(json.dumps(sys.path[1:]))"
    shown = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    return list(json.loads(shown.stdout))


def _pytest(args: list[str], cwd: str, env: dict[str, str], path: list[str], out: str, err: str) -> None:
    """The forked child: become ``python -m pytest ARGS`` in ``cwd`` under ``env``."""
    for fd, name in ((1, out), (2, err)):
        os.dup2(os.open(name, os.O_WRONLY | os.O_TRUNC), fd)
    os.chdir(cwd)
    os.environ.clear()
    os.environ.update(env)
    # as ``python -m`` puts the working folder first, and a new Python PYTHONPATH's folders next
    sys.path[:] = [cwd, *(p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p), *path]
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
        out, err = Path(folder, "stdout"), Path(folder, "stderr")
        out.touch()
        err.touch()
        path = _new_python_path()
        child = _forkserver().Process(target=_pytest, args=(args, str(cwd), env, path, str(out), str(err)))
        child.start()
        try:
            child.join(timeout)
        finally:  # stopped on a timeout, or where the test itself is stopped
            late = child.exitcode is None
            if late:
                child.kill()
                child.join()
        said = out.read_text(errors="replace"), err.read_text(errors="replace")
        if late:
            raise subprocess.TimeoutExpired(command, timeout, *said)
        return subprocess.CompletedProcess(command, child.exitcode, *said)
