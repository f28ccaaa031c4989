"""How the checks run: in framework order, each within a time limit (pytest-timeout), and
with the memory of what the frameworks built freed between checks (and between a property
check's examples, where the worker is crowded)."""

from __future__ import annotations

import ctypes
import functools
import os
import signal
from collections.abc import Callable

import pytest

from conformance.adapters import Framework
from conformance.plugin.scope import MARKER
from conformance.plugin.state import State, spec_of

# the order of the frameworks' golden checks in a run (the others after them, by name):
# xdist's worksteal gives each worker a contiguous run of the checks (scope.py:
# keep_frameworks_together), so that a worker keeps the builds of fewer frameworks (at one seed
# the largest process 0.16 GB smaller, the time the same: docs/performance.md)
FRAMEWORK_ORDER = ("jax", "numpy", "tensorflow", "torch")


def by_framework(items: list[pytest.Item]) -> None:
    """Order the golden checks by framework (FRAMEWORK_ORDER), each framework's in the order
    collected; tests that are not checks first, the property checks last, in the order of their
    draw keys (params.py), so that a key's examples are drawn once per worker, whatever
    framework judges them. Every worker collects the same order."""

    def rank(item: pytest.Item) -> tuple[int, int, str]:
        spec = spec_of(item)
        name = spec.fields()["framework"] if spec is not None else ""
        if not name:
            return (-1, 0, "")
        marker = item.get_closest_marker(MARKER)
        if marker is not None and marker.args[:1] == ("property",):  # params.py: CHECKS["property"]
            return (1, 0, "")
        known = name in FRAMEWORK_ORDER
        return (0, FRAMEWORK_ORDER.index(name) if known else len(FRAMEWORK_ORDER), "" if known else name)

    items.sort(key=rank)


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
# ... and has grown by this much since it last did: a worker whose frameworks alone hold more
# than FREE_ABOVE would otherwise free after every check, and build every shape again
REGROWTH = 1 << 28  # 256 MiB


def resident_memory() -> int:
    """This process's resident memory in bytes (0 where /proc is not there to say)."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    try:
        return ctypes.CDLL("libc.so.6").malloc_trim  # type: ignore[no-any-return]
    except (OSError, AttributeError):  # not glibc
        return None


def return_freed_memory() -> None:
    """Give the memory the frameworks freed back to the system (glibc's ``malloc_trim``): glibc
    keeps it otherwise, and the resident memory read next would still count it (eager JAX's
    builds of 1,600 shapes: 3.4 GB resident, 3.4 GB after jax.clear_caches, 0.5 GB after the
    trim). Nothing where the C library is another."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


def free_builds(state: State, item: pytest.Item, nextitem: pytest.Item | None) -> None:
    """Between checks, frameworks free what their compilers built (Framework.free): each that
    ran a large input, once its checks are done (a golden case's, when the next check takes
    another case; a property check's, at its end); and when the worker's memory is above
    FREE_ABOVE and has grown by REGROWTH since it last freed, each that has caches of its own
    to release (JAX). Then the memory freed goes back to the system. Eager JAX keeps its builds
    for every shape and dtype it met, about 2 MB each (250 MB per property check of one
    implementation, 100 MB per large shape): a worker that kept them all would hold 5 GB."""
    spec, following = spec_of(item), spec_of(nextitem) if nextitem is not None else None
    if spec is not None and following is not None and spec.case is not None and following.case is spec.case:
        return  # the same golden case next: its builds serve again
    crowded = _crowded(state)
    large = [f for f in _frameworks(state) if f.ran_large]
    for framework in large:
        framework.free()
    _release_where_crowded(state, crowded, freed=bool(large))


def free_when_crowded(state: State) -> None:
    """Before each example a property check judges (drawn or shrunk), a crowded worker (as
    free_builds says) releases the frameworks' caches and gives the memory back: one check of
    eager JAX draws up to 25 shapes, a large vocabulary among them now and then, and grew a
    worker by 0.55 GB within the check (1.45 to 2.0 GB) before it could free between checks."""
    _release_where_crowded(state, _crowded(state), freed=False)


def _release_where_crowded(state: State, crowded: bool, freed: bool) -> None:
    """Where ``crowded``, the frameworks' caches released and the worker's memory read after;
    the memory freed (by them, or ``freed`` before) given back to the system."""
    if crowded and _release_caches(state):
        freed = False  # given back already
    if freed:
        return_freed_memory()
    if crowded:
        state.freed_at = resident_memory()


def _frameworks(state: State) -> list[Framework]:
    return [f for f in state.frameworks.values() if isinstance(f, Framework)]


def _crowded(state: State) -> bool:
    """Above FREE_ABOVE, and grown by REGROWTH since the worker last freed."""
    return resident_memory() > max(FREE_ABOVE, state.freed_at + REGROWTH)


def _release_caches(state: State) -> bool:
    """Each framework with caches of its own (JAX) lets go first of what building its programs
    left (Framework.release_lowered: most of the memory, and a shape met again needs no build
    then); where the worker is still above FREE_ABOVE after that, of everything it keeps but
    the programs. The memory goes back to the system after each; whether any released."""
    frameworks = _frameworks(state)
    lowered = [f.release_lowered for f in frameworks if f.release_lowered is not None]
    for release in lowered:
        release()
    if lowered:
        return_freed_memory()
        if resident_memory() <= FREE_ABOVE:
            return True
    releasing = [f.release for f in frameworks if f.release is not None]
    for release in releasing:
        release()
    if releasing:
        return_freed_memory()
    return bool(lowered or releasing)
