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
from conformance.vocabulary import DEFERRED, SKIP_OUTCOMES, SKIPPED

# the fields of what is checked (not which check, where it runs): an entry counts as selected
# where the run has a check of its kind in its framework (a part of an entry split by its version
# gates names some), implementation, dtype, mode and device, whatever case or labels were checked
WHAT_IS_CHECKED = tuple(
    f for f in FIELDS if f not in ("test", "framework", "implementation", "dtype", "mode", "device")
)


def unmatched(known: Sequence[KnownDivergence], records: Iterable[dict[str, Any]]) -> list[KnownDivergence]:
    """The entries of ``known`` whose implementations the run selected (``records``, its
    checks) in a check, dtype, mode and device they name, but which match none of the checks that ran
    (a skipped or unsupported check did not run; a deferred compiled program is a check of the
    run that a later run builds: it counts). A run narrowed to some dtypes, modes or tests
    (a test file) says nothing of the others'."""
    selected: dict[str, list[dict[str, str]]] = {}
    ran: dict[str, list[dict[str, str]]] = {}
    for r in records:
        if not r.get("device") or r.get("outcome") == SKIPPED:  # a document's number runs nowhere
            continue
        check = {f: str(r.get(f, "")) for f in FIELDS}
        selected.setdefault(check["implementation"], []).append(check)
        if r.get("outcome") not in SKIP_OUTCOMES or r.get("outcome") == DEFERRED:
            ran.setdefault(check["implementation"], []).append(check)
    found = []
    for k in known:
        patterns = globs(k.match.get("implementation", "*"))
        impls = [impl for impl in selected if any(fnmatch.fnmatchcase(impl, p) for p in patterns)]
        if not any(k.matches(c, ignoring=WHAT_IS_CHECKED) for impl in impls for c in selected[impl]):
            continue
        if not any(k.matches(c) for impl in impls for c in ran.get(impl, [])):
            found.append(k)
    return found
