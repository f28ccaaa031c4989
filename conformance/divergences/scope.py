"""Where an entry's scope, not its mechanism, leaves a failure unexcused: the entries that
would explain a failing check (its input meets their conditions, its result is what they
predict, or its exception what they expect) but for their list of checks or cases. A failure
that one of them fits is most likely that entry's divergence met where its list did not reach
(a false red of ours: widen the scope to where the mechanism acts), not a new finding."""

from __future__ import annotations

from collections.abc import Sequence

from conformance.divergences import predictions
from conformance.divergences.model import KnownDivergence

LISTS = ("test", "case")  # the fields that enumerate coordinates rather than name a mechanism


def scope_misses(
    known: Sequence[KnownDivergence],
    check: dict[str, str],
    case: object | None,
    came: predictions.Came | None = None,
    exception: str | None = None,
) -> list[KnownDivergence]:
    """The modelled entries that do not match ``check`` but would explain its failure if their
    lists of checks and cases took it in: they match its other coordinates, their conditions
    fit its ``case``, and they predict the result that ``came`` back (or expect its
    ``exception``, "Type: message")."""
    found = []
    for k in known:
        if k.matches(check) or not k.matches(check, ignoring=LISTS) or not k.modelled():
            continue
        if case is not None and not k.fits(case):
            continue
        if exception is not None:
            explains = bool(k.raises) and k.expects(exception)
        else:
            explains = came is not None and not k.raises and k.predicted(came)
        if explains:
            found.append(k)
    return found


def sentence(misses: Sequence[KnownDivergence], check: dict[str, str], came: predictions.Came | None) -> str:
    """The note a failure gains: which entries fit it and what their scope leaves out."""
    accurate = f", {came.accurate_to}-accurate" if came is not None and came.accurate_to else ""
    named = ", ".join(k.id for k in misses)
    where = f"test {check.get('test', '')!r}, case {check.get('case', '')!r}"
    return (
        f"fits the prediction of {named}{accurate}, but its scope does not take in this check ({where}): "
        "that divergence met outside its entry's list (scope the entry by its mechanism), or a new one"
    )
