"""The Hypothesis profiles a run chooses from (``--hypothesis-profile NAME``).

A profile's ``max_examples`` is the number of examples drawn per draw key (a property, dtype,
label kind and what the strategy depends on: ``draws/per_key.py``), each judged on every implementation,
device and mode that shares the key. "default" is what ``pytest conformance`` draws
(DEFAULT_EXAMPLES new examples every run, sized so that the run ends within minutes); "ci"
(chosen when the CI variable is set) a fixed sample of CI_EXAMPLES, the same every run;
"thorough" THOROUGH_EXAMPLES new ones, the depth every implementation was judged at before
examples were shared (100 per check), for nightly runs and the tox matrix cells. None has a
deadline: first calls compile (JAX, TensorFlow) and would flake against one. The parent is
Hypothesis's own "default", named: left out, it is the profile loaded at import, which where
CI is set is Hypothesis's derandomised "ci", and "default" would inherit that.
"""

from __future__ import annotations

import os
import random

import pytest
from hypothesis import HealthCheck, settings
from hypothesis.errors import InvalidArgument

PROFILES = ("default", "ci", "thorough")
# "ci" draws a fixed sample: a CI machine of 2 cores runs every framework, four dtypes and the
# compiled modes in one job.
CI_EXAMPLES = 25
DEFAULT_EXAMPLES = 25  # new ones every run: every implementation judged on them
THOROUGH_EXAMPLES = 200  # twice the depth of a check before examples were shared


def _draw_no_constants_from_source() -> None:
    """Keep Hypothesis from drawing constants found in the source of local modules.

    Hypothesis (6.131 and later) draws about 5% of its values from the literals of the local
    modules imported so far, collected under a 100 ms time limit. Which modules are imported
    before a check depends on the frameworks selected, on xdist's scheduling and on the
    machine's load, so a derandomised run would not draw the same examples twice (seen: two
    ci-profile runs differing in known divergences found). The pool is kept empty: a check
    draws what its profile and seed say, nothing else. (No public setting does this.)
    """
    try:
        from hypothesis.internal.conjecture import providers
    except ImportError:  # pragma: no cover - an older Hypothesis has no such pool
        return
    if hasattr(providers, "_get_local_constants") and hasattr(providers, "Constants"):
        empty = providers.Constants()
        providers._get_local_constants = lambda *_args, **_kwargs: empty


def register() -> None:
    """Register the profiles and keep Hypothesis from drawing the source's constants: in a
    session that runs the suite, never merely on import (registering again the profile in
    force reloads it, which would change other projects' tests in the same environment)."""
    settings.register_profile(
        "default",
        settings.get_profile("default"),
        max_examples=DEFAULT_EXAMPLES,
        deadline=None,
        report_multiple_bugs=False,
        print_blob=True,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.filter_too_much,
            HealthCheck.function_scoped_fixture,
            HealthCheck.differing_executors,
        ],
    )
    settings.register_profile(
        "ci", settings.get_profile("default"), derandomize=True, database=None, max_examples=CI_EXAMPLES
    )
    settings.register_profile("thorough", settings.get_profile("default"), max_examples=THOROUGH_EXAMPLES)
    _draw_no_constants_from_source()


def check_known(profile: str | None) -> None:
    """A profile named on the command line exists (ours, or one the user registered); else a
    usage error that lists ours, before Hypothesis' own plugin trips on it."""
    if profile is None or profile in PROFILES:
        return
    try:
        settings.get_profile(profile)
    except InvalidArgument:
        raise pytest.UsageError(
            f"--hypothesis-profile: no profile {profile!r}; known: {', '.join(PROFILES)}"
        ) from None


def choose(given: str | None) -> str:
    """The profile in force: the one given (Hypothesis' plugin loads it), else "ci" where the
    CI variable is set and "default" elsewhere (loaded here)."""
    if given is not None:
        return given
    profile = "ci" if os.environ.get("CI") else "default"
    settings.load_profile(profile)
    return profile


def limit_shrinking(seconds: float) -> None:
    """Let Hypothesis shrink one failure for at most ``seconds`` (its own limit is five
    minutes, a module constant it documents as the one to patch for another)."""
    from hypothesis.internal.conjecture import engine

    engine.MAX_SHRINKING_SECONDS = seconds  # type: ignore[assignment]


RUN_SEED = "conformance_run_seed"  # the key under which xdist's workers get the controller's


def run_seed(config: pytest.Config, profile: str) -> int | None:
    """The seed every property check of the run draws from: --hypothesis-seed where given,
    none under a derandomised profile ("ci": its examples fixed by each check's draw key
    alone), the controller's under pytest-xdist, else a new one (named in every reproduce
    command)."""
    given = config.getoption("hypothesis_seed", None)
    if given is not None:
        return int(given)
    if settings.get_profile(profile).derandomize:
        return None
    workerinput = getattr(config, "workerinput", None)
    if workerinput is not None and RUN_SEED in workerinput:
        return workerinput[RUN_SEED]
    return random.getrandbits(64)
