"""Whether a failing check is excused, and by which known divergences: decided here, from the
check's coordinates, its input and what came back, free of pytest (the plugin maps the decision
onto pytest's outcomes and words it: plugin/outcomes.py).

An entry excuses a failure where it matches the check's coordinates, its conditions fit the
input (shows_when) and, for a result that came back, it predicts that result (predicts, within,
shows_as); an exception only entries that expect one can excuse (which exception: plugin)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from conformance.divergences import predictions
from conformance.divergences.matching import explaining, matching
from conformance.divergences.model import KnownDivergence
from conformance.vocabulary import IMPRECISE


@dataclass(frozen=True)
class Excuse:
    """The entries that explain a failure (none: it is not excused), and where none does
    although some match its coordinates, what they said against it."""

    entries: tuple[KnownDivergence, ...]
    why_not: str = ""

    def __bool__(self) -> bool:
        return bool(self.entries)


def promise(k: KnownDivergence) -> str:
    """What an entry says of a failing result, in words."""
    said = [f"predicts {predictions.words(k.predicts)}"] if k.predicts else []
    if k.within:
        said.append(f"promises {k.within} accuracy")
    if k.shows_as == IMPRECISE:
        said.append("excuses only a result beyond the tight bound")
    return " and ".join(said) or "predicts nothing"


def excuse(
    known: Sequence[KnownDivergence],
    check: dict[str, str],
    case: object,
    came: predictions.Came | None,
    imprecise: bool = False,
    raised: bool = False,
) -> Excuse:
    """Which of ``known`` excuse the failure of ``check`` on ``case``: a result that ``came``
    back (beyond the tight bound only where ``imprecise``), or an exception (``raised``)."""
    at = [k for k in known if k.matches(check)]
    if not at:
        return Excuse((), "no known divergence matches this check")
    fitting = matching(at, check, case)
    if not fitting:
        said = "; ".join(f"{k.id} shows only where {' and '.join(k.shows_when)}" for k in at)
        return Excuse((), f"{said}, and this input does not meet that")
    if raised:
        return Excuse(tuple(fitting))
    diverging = [k for k in fitting if not k.raises]
    found = explaining(at, check, case, came, imprecise)
    if diverging and not found:
        said = "; ".join(f"{k.id} {promise(k)}" for k in diverging)
        return Excuse((), f"{said}, and this result is not that")
    return Excuse(tuple(found or fitting))
