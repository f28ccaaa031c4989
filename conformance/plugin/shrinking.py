"""The run's shrink budget (--shrink-budget): the seconds a run may spend shrinking property
checks' failures, spent on distinct failures first. Each failure may take at most a quarter of
the budget, so that a slow first one leaves time for the next three. A failure whose cause was
already shrunk in this process (the same implementation, property and kind of failure: its
class and the cause its message names, verdict.cause; another dtype, say) is shrunk only from
the half of the budget that is not kept for causes not yet met; else it is shown as first met,
naming the check that shrank its cause. Once the budget is spent, failures are shown as first
met. Each pytest-xdist worker keeps its own, side by side, so that the run's wall clock spends
at most the budget on shrinking.

What a check left unshrunk, and why, goes in its record (``unshrunk``: one of SAID's keys)
and the verdict (``unshrunk``)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

SHARE = 4  # a failure may take at most 1/SHARE of the budget
KEPT_FOR_NEW_CAUSES = 0.5  # the part of the budget a failure of a cause already shrunk may not use
SAME_CAUSE = "same-cause"  # unshrunk: its cause was shrunk in another check
SPENT = "budget-spent"  # unshrunk: the run's budget was spent
STOPPED = "stopped"  # shrunk part of the way: its share of the budget ran out
SAID = {  # how the verdict says each
    SAME_CAUSE: "as first met, their cause shrunk in another check",
    SPENT: "as first met, the run's shrink budget spent",
    STOPPED: "shrunk part of the way, at their share of the budget",
}


@dataclass
class ShrinkBudget:
    """The seconds left to shrink in this process, and the causes already shrunk (cause ->
    the check that shrank it)."""

    seconds: float
    spent: float = 0.0
    shrunk: dict[tuple[str, ...], str] = field(default_factory=dict)

    def allowance(self, cause: tuple[str, ...]) -> tuple[float, str]:
        """Seconds this failure may be shrunk for, and why none ("" where some): its cause was
        shrunk already and only the half kept for new causes is left (SAME_CAUSE), or the
        budget is spent (SPENT)."""
        left = self.seconds - self.spent
        if cause in self.shrunk:
            left -= self.seconds * KEPT_FOR_NEW_CAUSES
            if left <= 0:
                return 0.0, SAME_CAUSE
        if left <= 0:
            return 0.0, SPENT
        return min(left, self.seconds / SHARE), ""

    @contextmanager
    def shrinking(self, cause: tuple[str, ...], check: str) -> Iterator[None]:
        """Time one shrink of ``cause`` (by ``check``) against the budget."""
        self.shrunk[cause] = check
        started = time.monotonic()
        try:
            yield
        finally:
            self.spent += time.monotonic() - started

    def note(self, why: str, cause: tuple[str, ...]) -> str:
        """What a failure shown as first met says of it."""
        if why == SAME_CAUSE:
            return (
                f"not shrunk: the same failure was shrunk in {self.shrunk[cause]}, and the rest of the "
                "run's --shrink-budget is kept for failures of other causes"
            )
        return f"not shrunk: the run's shrink budget of {self.seconds:g} s was spent (--shrink-budget)"


def unshrunk(records: list[dict]) -> str:
    """'; 3 failing checks shown unshrunk (2 as first met, their cause shrunk in another
    check; 1 ...)': what a run's failures left unshrunk, and why ("" where nothing was)."""
    counts = {why: sum(1 for r in records if r.get("unshrunk") == why) for why in SAID}
    total = sum(counts.values())
    if not total:
        return ""
    said = "; ".join(f"{n} {SAID[why]}" for why, n in counts.items() if n)
    return f"; {total} failing check{'s' if total > 1 else ''} not fully shrunk ({said}; --shrink-budget)"
