"""Which known divergence a check is expected to show: several that match act as one."""

from __future__ import annotations

from collections.abc import Sequence

from conformance.divergences import predictions
from conformance.divergences.model import KnownDivergence, globs
from conformance.vocabulary import DIVERGED, IMPRECISE

ACCURACY = ("float64", "float32", "bfloat16", "float16")  # from the most to the least accurate


def matching(
    known: Sequence[KnownDivergence],
    check: dict[str, str],
    case: object | None = None,
    came: predictions.Came | None = None,
) -> list[KnownDivergence]:
    """The entries that match ``check``'s coordinates; given its ``case``, only those whose
    shows_when fit its input; given what ``came`` back from a failing check (a result, not an
    exception), only those that diverge (no raises) and predict that result."""
    found = [k for k in known if k.matches(check) and (case is None or k.fits(case))]
    if came is not None:
        found = [k for k in found if not k.raises and k.predicted(came)]
    return found


def explaining(
    known: Sequence[KnownDivergence],
    check: dict[str, str],
    case: object | None,
    came: predictions.Came | None,
    imprecise: bool,
) -> list[KnownDivergence]:
    """The entries that explain a failing result (not an exception) at ``check`` on ``case``:
    those that diverge (no raises) and fit its input; an entry that shows as imprecise only a
    result beyond the tight bound alone (``imprecise``); one that predicts a result only a
    failure that returned one (``came``), and that result."""
    found = [k for k in matching(known, check, case) if not k.raises]
    if not imprecise:
        found = [k for k in found if k.shows_as != IMPRECISE]
    if came is None:
        return [k for k in found if not k.predicts]
    return [k for k in found if k.predicted(came)]


def find(
    known: Sequence[KnownDivergence],
    check: dict[str, str],
    case: object | None = None,
    came: predictions.Came | None = None,
) -> KnownDivergence | None:
    """The known divergence that ``check`` is expected to show, or None: the entries
    ``matching`` keeps, combined."""
    return combine(matching(known, check, case, came))


def combine(found: Sequence[KnownDivergence]) -> KnownDivergence | None:
    """Several entries that match one check (a check can show two) act as one, combined in
    their order: the least accuracy any promises (none if one promises none), strict if any is."""
    if len(found) <= 1:
        return found[0] if found else None
    promised = [k.within for k in found]
    raising = [k for k in found if k.raises]
    patterns = [p for k in raising for p in globs(k.raises)]
    return KnownDivergence(
        id=" + ".join(k.id for k in found),
        match=found[0].match,
        kind=" + ".join(dict.fromkeys(k.kind for k in found)),
        reason=" AND ".join(k.reason for k in found),
        evidence="; ".join(k.evidence for k in found if k.evidence),
        within=None if None in promised else max(promised, key=ACCURACY.index),
        strict=any(k.strict for k in found),
        raises=patterns,  # an exception any of them expects is expected
        crashes=any(k.crashes for k in found),
        also_diverges=0 < len(raising) < len(found),  # and so is a divergence, if one of them diverges
        shows_as=IMPRECISE if all(k.shows_as == IMPRECISE for k in found) else DIVERGED,
        versions={p: v for k in found for p, v in k.versions.items()},
        upstream=" ".join(k.upstream for k in found if k.upstream),
        unmeasured="; ".join(dict.fromkeys(k.unmeasured for k in found if k.unmeasured)),
    )
