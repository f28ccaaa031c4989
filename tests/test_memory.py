"""A worker's memory between checks (plugin/running.py): the frameworks' builds are freed when
it is crowded, once until it has grown again, and the memory freed goes back to the system."""

from __future__ import annotations

import ctypes.util
import dataclasses

import pytest

from conformance.adapters import numpy_adapter
from conformance.plugin import running
from conformance.plugin.options import Options
from conformance.plugin.state import State

GIB = 1 << 30


def test_a_crowded_worker_frees_the_builds_once_until_it_grows_again(monkeypatch, request, tmp_path):
    """Above FREE_ABOVE, JAX's caches are released; then not again until the worker has grown
    by REGROWTH (a worker whose frameworks alone hold more would release, and build again,
    after every check). A framework that ran a large input frees its programs at once."""
    released: list[str] = []
    numpy = numpy_adapter.load()
    jax_like = dataclasses.replace(numpy, name="with caches", release=lambda: released.append("caches"))
    state = State(Options(("numpy",), (), tmp_path, "ci"))
    state.frameworks = {"with caches": jax_like}
    readings: list[int] = []
    monkeypatch.setattr(running, "resident_memory", lambda: readings.pop(0))

    def between_checks(*resident: int) -> None:
        readings[:] = list(resident)
        running.free_builds(state, request.node, None)
        assert not readings, "read as many times as expected"

    between_checks(GIB)  # below FREE_ABOVE: nothing released
    assert released == []
    between_checks(int(1.6 * GIB), int(1.55 * GIB))  # above: released (and read again after)
    assert released == ["caches"]
    between_checks(int(1.6 * GIB))  # still above, but not grown since: not released again
    between_checks(int(1.7 * GIB))
    assert released == ["caches"]
    between_checks(int(1.55 * GIB) + running.REGROWTH + 1, GIB)  # grown by REGROWTH: again
    assert released == ["caches", "caches"]

    large = dataclasses.replace(numpy, name="ran large", programs=numpy.programs.copy())
    large.programs[("a program",)] = numpy.implementations[0], numpy.modes[0], len
    large.ran_large = True
    state.frameworks["ran large"] = large
    between_checks(GIB)  # memory not short: the large input's programs freed all the same
    assert not large.programs and not large.ran_large and released == ["caches", "caches"]


def test_a_crowded_worker_lets_go_of_the_lowered_modules_first(monkeypatch, request, tmp_path):
    """A framework that can release what building its programs left (JAX's lowered modules)
    does that alone where it brings the worker below FREE_ABOVE (not its release of
    everything); where the worker is still above, it releases everything too."""
    released: list[str] = []
    numpy = numpy_adapter.load()
    jax_like = dataclasses.replace(
        numpy,
        name="with caches",
        release=lambda: released.append("everything"),
        release_lowered=lambda: released.append("lowered"),
    )
    state = State(Options(("numpy",), (), tmp_path, "ci"))
    state.frameworks = {"with caches": jax_like}
    readings: list[int] = []
    monkeypatch.setattr(running, "resident_memory", lambda: readings.pop(0))
    monkeypatch.setattr(running, "return_freed_memory", lambda: None)

    # crowded; below FREE_ABOVE once the modules are gone; read again for freed_at
    readings[:] = [int(1.7 * GIB), int(1.3 * GIB), int(1.3 * GIB)]
    running.free_builds(state, request.node, None)
    assert released == ["lowered"] and not readings
    # crowded again (grown by REGROWTH); still above FREE_ABOVE without the modules
    readings[:] = [int(1.3 * GIB) + running.REGROWTH + 1, int(1.55 * GIB), int(1.2 * GIB)]
    running.free_builds(state, request.node, None)
    assert released == ["lowered", "lowered", "everything"] and not readings


@pytest.mark.skipif(ctypes.util.find_library("c") != "libc.so.6", reason="glibc's malloc_trim only")
def test_the_memory_freed_goes_back_to_the_system():
    """glibc keeps what a process frees for its next allocations, so that its resident memory
    still counts it: return_freed_memory gives it back (without it, this test's reading after
    the free stays where it was)."""
    before = running.resident_memory()
    blocks = [bytearray(50_000) for _ in range(6000)]  # 300 MB below glibc's mmap threshold
    kept = blocks[::50]  # a few kept between the freed ones, as a framework's caches leave them
    del blocks
    assert running.resident_memory() - before > 200e6  # freed, and still resident
    running.return_freed_memory()
    assert running.resident_memory() - before < 100e6
    assert len(kept) == 120


CROWDED = """
import os
from pathlib import Path

import conformance.adapters.numpy_adapter as adapter
from conformance.plugin import running

running.FREE_ABOVE = 0
running.REGROWTH = -(1 << 40)  # crowded whatever the worker holds
_load = adapter.load


def load(*args, **kwargs):
    framework = _load(*args, **kwargs)
    framework.release = lambda: Path(os.environ["RELEASES"]).open("a").write("released\\n")
    return framework


adapter.load = load
"""


def test_a_crowded_worker_frees_between_the_examples_of_a_property_check(run_suite, tmp_path):
    """Within a property check, not only between checks: each example may be a new shape
    (eager JAX builds for each, 0.55 GB in one check measured), so a crowded worker releases
    the caches before each (here every reading is crowded, and NumPy counts its releases)."""
    (tmp_path / "crowded.py").write_text(CROWDED)
    releases = tmp_path / "releases"
    code, out, results = run_suite(
        *("--framework", "numpy", "--dtype", "float64", "-p", "crowded"),
        *("-k", "test_property and agreement-indices and not gradient and conformance.numpy"),
        target="conformance/test_properties.py",
        env={"PYTHONPATH": str(tmp_path), "RELEASES": str(releases)},
    )
    checks = results["results"]
    assert code == 0 and len(checks) == 1, out[-2000:]
    examples = checks[0]["examples"]
    assert examples > 5 and len(releases.read_text().splitlines()) >= examples
