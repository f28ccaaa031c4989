"""The known divergences a run met nowhere: entries whose implementation ran but none of whose
coordinates any check of the run had (as array-api-tests warns of an xfail that matches
nothing). Such an entry is dead data, a renamed check or case, or a scope written for another
environment; a run says which, so that none stays unseen."""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Sequence
from typing import Any

from conformance.divergences.model import KnownDivergence, globs
from conformance.divergences.schema import FIELDS
from conformance.vocabulary import SKIP_OUTCOMES


def unmatched(known: Sequence[KnownDivergence], records: Iterable[dict[str, Any]]) -> list[KnownDivergence]:
    """The entries of ``known`` whose implementations ran in ``records`` (a run's checks) but
    which match none of the checks that ran (a skipped or unsupported check did not run)."""
    by_impl: dict[str, list[dict[str, str]]] = {}
    for r in records:
        if r.get("implementation") and r.get("outcome") not in SKIP_OUTCOMES:
            check = {f: str(r.get(f, "")) for f in FIELDS}
            by_impl.setdefault(check["implementation"], []).append(check)
    found = []
    for k in known:
        patterns = globs(k.match.get("implementation", "*"))
        ran = [impl for impl in by_impl if any(fnmatch.fnmatchcase(impl, p) for p in patterns)]
        if ran and not any(k.matches(check) for impl in ran for check in by_impl[impl]):
            found.append(k)
    return found
