"""A check's outcome (vocabulary.OUTCOMES) from what pytest saw, and the exceptions that
become outcomes: an implementation that cannot do a combination is unsupported, a user's
loss that refuses a value rejected, and a known divergence excuses only what it expects (its
exception, and an input that meets its conditions)."""

from __future__ import annotations

import shlex
from collections.abc import Generator
from typing import Any

import pytest

from conformance import divergences
from conformance.adapters import Unsupported, user
from conformance.checks.failures import BeyondKnownDivergence, CheckFailure, Imprecise, Raised
from conformance.divergences.excuse import excuse
from conformance.divergences.scope import scope_misses
from conformance.divergences.scope import sentence as scope_sentence
from conformance.plugin.shared import framework_divergence
from conformance.plugin.state import CITED, INHERITED, OUTCOME, STATE, spec_of
from conformance.vocabulary import (
    DIVERGED,
    ERRORED,
    IMPRECISE,
    KNOWN_DIVERGENCE,
    PASSED,
    REJECTED,
    SKIPPED,
    STALE_DIVERGENCE,
    UNSUPPORTED,
    skip_reason,
)


def run_check(item: pytest.Item) -> Generator[None, Any, Any]:
    """Around a check's call (a pytest_pyfunc_call wrapper): an implementation that finds out
    only when called that it cannot do a combination (or a user's that refuses a value) is
    skipped as such; an exception other than the one a known divergence expects is not
    excused by it."""
    spec = spec_of(item)
    if spec is None:  # another test: left as it is
        return (yield)
    try:
        return (yield)
    except CheckFailure as e:
        if spec.fixed is not None:  # a divergence said not to apply to these versions shows here
            entry, why = spec.fixed
            note = (
                f"known divergence {entry.id} shows here, where it is said not to apply ({why}): "
                "a regression, or its version gate is wrong"
            )
            e.add_note(f"  {note}")
            raise
        state = item.config.stash[STATE]
        cited = _fits(state, spec, e)
        if cited is not None:
            item.stash[CITED] = cited
        shared = framework_divergence(state, spec, e)
        if shared is not None:  # a user's loss that fails exactly as its framework's own does
            if state.options.fail_inherited:
                e.add_note(f"  {shared.sentence} (--fail-inherited)")
                raise
            e.add_note(f"  {shared.sentence}: inherited")
            item.stash[INHERITED] = (shared, e)
            pytest.xfail(f"inherits {shared.framework}'s known divergence {shared.entry.id}")
        if isinstance(e, Raised):
            _expected(spec, e)
        if spec.known is None:  # no entry at its coordinates: red, unless an entry's list left it out
            _note_scope_misses(state, spec, e)
        raise
    except user.Rejected as e:
        item.stash[OUTCOME] = REJECTED
        pytest.skip(skip_reason(REJECTED, str(e)))
    except Unsupported as e:
        item.stash[OUTCOME] = UNSUPPORTED
        pytest.skip(skip_reason(UNSUPPORTED, str(e)))


def _fits(state: Any, spec: Any, e: CheckFailure) -> divergences.KnownDivergence | None:
    """The entries of the check's known divergence that explain its failure, where that is
    fewer than match its coordinates (None: all, or none is known): divergences/excuse.py
    decides. A failure that none of them explains is not excused: a new divergence, naming
    the entries and what they said against what came."""
    if spec.known is None or e.case is None:
        return None
    imprecise, raised = isinstance(e, Imprecise), isinstance(e, Raised)
    decided = excuse(state.options.known, spec.fields(), e.case, e.came, imprecise, raised)
    if not decided:
        _not_excused(state, spec, e, decided.why_not)
    cited = divergences.combine(decided.entries)
    return cited if cited is not None and cited.id != spec.known.id else None


def _not_excused(state: Any, spec: Any, e: CheckFailure, why: str) -> None:
    note = f"not excused: {why}: a new divergence"
    red = BeyondKnownDivergence(f"{e}\n  {note}", e.record, e.case, e.came)
    _note_scope_misses(state, spec, red)
    raise red from e


def _note_scope_misses(state: Any, spec: Any, e: CheckFailure) -> None:
    """A failing check that an entry would explain but for its list of checks or cases gains
    a note naming it, and its record the entries' ids (scope_misses)."""
    exception = e.record.get("exception") if isinstance(e, Raised) else None
    misses = scope_misses(state.options.known, spec.fields(), e.case, e.came, exception)
    if misses:
        e.record["scope_misses"] = [k.id for k in misses]
        e.add_note(f"  {scope_sentence(misses, spec.fields(), e.came)}")


def _expected(spec: Any, e: Raised) -> None:
    """An exception other than the one a known divergence expects is not excused by it."""
    known = spec.known
    if known is not None and known.raises and not known.expects(e.record["exception"]):
        raise RuntimeError(f"{e}\n  not the exception its known divergence expects ({known.raises})") from e


def classify(item: pytest.Item, report: pytest.TestReport, error: BaseException | None) -> str:
    """The outcome of a check, from its report and the exception it ended with."""
    if hasattr(report, "wasxfail"):  # a passing non-strict one did not show this run
        return KNOWN_DIVERGENCE if report.skipped else PASSED
    if report.failed and error is None and item.get_closest_marker("xfail"):
        return STALE_DIVERGENCE
    if report.skipped:  # unsupported or rejected when run, or collected skipped as one
        spec = spec_of(item)
        return item.stash.get(OUTCOME, "") or (spec.skipped_as if spec is not None else "") or SKIPPED
    if report.failed and isinstance(error, Imprecise):
        return IMPRECISE
    if report.failed:
        return DIVERGED if isinstance(error, CheckFailure) and not isinstance(error, Raised) else ERRORED
    return PASSED


def crashed(report: pytest.TestReport) -> dict[str, Any]:
    """The record of a check whose process died under it (a segfault, say): pytest-xdist
    reports it from the controller, which knows only its id, and starts a new worker."""
    name = report.nodeid.split("::")[-1].split("[")[0].removeprefix("test_")
    message = str(report.longrepr)[-2000:] if report.longrepr else "the worker crashed"
    return {
        "id": report.nodeid,
        "test": name,
        "outcome": ERRORED,
        "exception": "the process running this check crashed",
        "message": f"the process running this check crashed (pytest-xdist restarted it): {message}",
        "reproduce": shlex.join(["pytest", report.nodeid]),
    }
