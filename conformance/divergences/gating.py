"""Version gates: which known divergences apply to the installed versions of the packages."""

from __future__ import annotations

import functools
import importlib.metadata
from collections.abc import Callable, Sequence
from dataclasses import replace

from conformance.divergences.model import KnownDivergence
from conformance.divergences.schema import FIELDS
from conformance.registry import DECLARED

# A package a gate names -> the distributions that install it (TensorFlow's CPU build is
# tensorflow-cpu; the maintained fairseq for current Pythons, fairseq-fixed).
DISTRIBUTIONS = {
    "tensorflow": ("tensorflow", "tensorflow-cpu", "tf-nightly"),
    "fairseq": ("fairseq", "fairseq-fixed"),
}


def installed_version(package: str) -> str | None:
    """The installed version of ``package`` (of the first distribution that installs it), None
    where it is not installed."""
    for distribution in DISTRIBUTIONS.get(package, (package,)):
        try:
            return importlib.metadata.version(distribution)
        except importlib.metadata.PackageNotFoundError:
            continue
    return None


# A framework of the suite (a check's "framework") -> the packages its checks run on (registry.py):
# a gate on a package is a gate on the checks of the frameworks built on it, and on no others
# (a TensorFlow check is not excused or not by the installed JAX's version).
STACKS: dict[str, tuple[str, ...]] = {d.name: d.packages for d in DECLARED}


def gated(
    known: Sequence[KnownDivergence], installed: Callable[[str], str | None] = installed_version
) -> tuple[list[KnownDivergence], list[tuple[KnownDivergence, str]]]:
    """The entries that apply to the installed versions, and those that do not, each with why.
    A gate is read per framework, on the packages its checks run on (STACKS; a check of no
    framework, a document's printed number, on them all): an entry whose gate reads otherwise
    for some frameworks is split, each part's ``framework`` match narrowed to its frameworks.
    An entry applies where its range holds, and also on a release it was neither seen in nor
    measured absent in (``unmeasured`` says so; there it is not strict: nobody saw it there);
    it does not apply where it was measured absent or past its range's upper bound
    (KnownDivergence.outside)."""
    installed = functools.cache(installed)  # one lookup per package, not per entry and framework
    applying, outside = [], []
    for k in known:
        frameworks = [fw for fw in ("", *STACKS) if k.matches({"framework": fw}, ignoring=_BUT_FRAMEWORK)]
        whys = {fw: k.outside(installed, STACKS.get(fw)) for fw in frameworks}
        notes = {fw: k.not_measured(installed, STACKS.get(fw)) for fw in frameworks if not whys[fw]}
        if not any(whys.values()) and not any(notes.values()):
            applying.append(k)
            continue
        for note in dict.fromkeys(notes.values()):
            these = [fw for fw, n in notes.items() if n == note]
            # where not measured it excuses what fits it and need not show (a strict entry that
            # passes there is no stale one: nobody saw it there)
            part = replace(k, match={**k.match, "framework": these}, unmeasured=note)
            applying.append(replace(part, strict=k.strict and not note))
        without = [fw for fw, why in whys.items() if why]
        if without:
            why = "; ".join(dict.fromkeys(whys[fw] for fw in without))
            outside.append((replace(k, match={**k.match, "framework": without}), why))
    return applying, outside


_BUT_FRAMEWORK = tuple(f for f in FIELDS if f != "framework")
