"""One draw, judged everywhere: the examples of a property for one draw key (dtype, label
kind and what the strategy depends on), drawn once per process by Hypothesis from a seed
and shared by every implementation, device and mode judged on them.

A failing implementation is shrunk on its own: Hypothesis, run again from the same seed on
the same strategy, draws the same examples up to the failing one and shrinks from there
(``search``). Pytest-free.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st

Example = tuple[Any, Any]  # (case, extra)
KEPT = 8  # draw keys whose examples a process keeps (checks of one key run one after another)
_drawn: OrderedDict[tuple[Any, ...], list[Example]] = OrderedDict()


def group_seed(run_seed: int | None, key: tuple[Any, ...]) -> int:
    """The seed a draw key's examples come from: fixed by the key alone in a derandomised run
    (``run_seed`` None), else by the run's seed and the key, so that one seed reproduces a run."""
    text = repr(("derandomised" if run_seed is None else run_seed, key))
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "little")


def _settings(examples: int, **changes: Any) -> settings:
    """The profile in force, drawing ``examples`` from the seed alone (no database)."""
    return settings(settings(), max_examples=examples, database=None, derandomize=False, **changes)


def examples(
    key: tuple[Any, ...], strategy: st.SearchStrategy[Example], at_seed: int, count: int
) -> list[Example]:
    """The examples of ``key``: ``count`` drawn from ``strategy`` at ``at_seed`` (fewer where
    the strategy has fewer), once per process."""
    if key in _drawn:
        _drawn.move_to_end(key)
        return _drawn[key]
    found: list[Example] = []

    @_settings(count, phases=[Phase.generate], suppress_health_check=list(HealthCheck))
    @seed(at_seed)
    @given(data=st.data())
    def collect(data: st.DataObject) -> None:
        found.append(data.draw(strategy, label="example"))

    collect()
    _drawn[key] = found
    while len(_drawn) > KEPT:
        _drawn.popitem(last=False)
    return found


def search(
    strategy: st.SearchStrategy[Example],
    at_seed: int,
    count: int,
    judge: Callable[[Example], None],
    **changes: Any,
) -> None:
    """Run ``judge`` on the examples Hypothesis draws from ``strategy`` at ``at_seed`` (the
    ones ``examples`` drew, in the same order) and shrink the first that fails: raises its
    failure, shrunk; returns where none fails."""

    @_settings(count, **changes)
    @seed(at_seed)
    @given(data=st.data())
    def check(data: st.DataObject) -> None:
        judge(data.draw(strategy, label="example"))

    check()
