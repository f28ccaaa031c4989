"""Which compiled programs a run builds (issue 48's rule), decided before the run.

A compiled program is one golden check (loss, gradient, a case declared the same as another)
in a compiled mode: torch.compile, jax.jit, tf.function with or without XLA. Building each of
them is most of a cold run's time, so a default run builds:

1. every kind of program: at least one of each stratum (framework, implementation, device,
   dtype, mode, check, label kind), and of each large vocabulary in each framework's compiled
   mode: with a budget (3.), which brings the others round, of its kind's programs judged
   before on this machine (whose builds the compile caches keep: it costs its warm time) the one
   judged least recently; without one, or for a kind never judged, the one judged least
   recently (never built first), so that the kinds' turns alone judge every program;
2. the sticky ones: those a known divergence ties to a compiled mode, and those that failed
   when last judged;
3. the rest on a budget of seconds, least recently judged first (their last measured time, or
   an estimate by mode where none was measured), so that successive runs judge every program.

The others are deferred: records of their own, counted in the summary, each with the command
that builds it. ``--compiled all`` (the thorough profile, and any run that names what it
checks) builds every one. Pure: the plugin gives it the programs and the rotation's memory.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable
from dataclasses import dataclass, replace

# Seconds a program is expected to take, cold, where no run measured it (a default run's
# averages on 2 cores, docs/performance.md): torch.compile's inductor builds C++, XLA's builds
# take tenths of a second.
ESTIMATE_S = {"compile": 2.5, "jit": 0.15, "function": 0.07, "function-xla": 0.2}
OTHER_ESTIMATE_S = 0.5  # a mode of another framework (to_static, MLX's compile)


@dataclass(frozen=True)
class Program:
    """One compiled check, as the sample sees it."""

    key: str  # "loss[case-labels-implementation-device-dtype-mode]": the rotation's name for it
    # the kinds it is one of, each built every run: its stratum (framework, implementation,
    # device, dtype, mode, check, labels), and a large vocabulary's (framework, mode, case)
    kinds: tuple[tuple[str, ...], ...]
    sticky: str = ""  # why it is built every run ("" where it is not)
    cost: float = 0.0  # seconds it is expected to take
    last: int | None = None  # the run that last judged it (None: never)


def estimate(mode: str) -> float:
    """The seconds a program of ``mode`` is expected to take where none was measured."""
    return ESTIMATE_S.get(mode, OTHER_ESTIMATE_S)


def _order(program: Program) -> tuple[int, int]:
    """Least recently judged first (never judged before all); ties in a fixed order that
    mixes cases, implementations and dtypes (a hash of the key, the same on every machine)."""
    return (-1 if program.last is None else program.last, zlib.crc32(program.key.encode()))


def choose(programs: Iterable[Program], budget_s: float) -> dict[str, str]:
    """Why each program is built this run ("sticky: ...", "the kind's turn", "the budget's
    turn"); a program not in the result is deferred. Budget: the seconds the rotating part
    (3.) may take beyond what every run builds; the last program it admits may overrun it, so
    that even one dearer than the budget gets its turn."""
    ordered = sorted(programs, key=_order)
    built = {p.key: f"sticky: {p.sticky}" for p in ordered if p.sticky}
    covered = {kind for p in ordered if p.sticky for kind in p.kinds}
    # with a budget to bring the others round, a kind's program judged before (built, cached) first
    for p in sorted(ordered, key=lambda p: p.last is None) if budget_s > 0 else ordered:
        if not covered.issuperset(p.kinds):
            covered.update(p.kinds)
            built.setdefault(p.key, "its kind's turn")
    spent = 0.0
    for p in ordered:
        if spent >= budget_s:
            break
        if p.key not in built:
            built[p.key] = "the budget's turn"
            spent += p.cost
    return built


def runs_to_cover(programs: list[Program], budget_s: float, limit: int = 1000) -> int:
    """How many runs, from the rotation's state now and at these costs, judge every program at
    least once (the rotation played forward; ``limit`` where it would take longer)."""
    pending = {p.key for p in programs}
    current = list(programs)
    for run in range(1, limit + 1):
        built = choose(current, budget_s)
        pending -= built.keys()
        if not pending:
            return run
        now = max((p.last for p in current if p.last is not None), default=0) + 1
        current = [replace(p, last=now) if p.key in built else p for p in current]
    return limit
