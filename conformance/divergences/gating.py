"""Version gates: which known divergences apply to the installed versions of the packages."""

from __future__ import annotations

import importlib.metadata
from collections.abc import Callable, Sequence

from conformance.divergences.model import KnownDivergence

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


def gated(
    known: Sequence[KnownDivergence], installed: Callable[[str], str | None] = installed_version
) -> tuple[list[KnownDivergence], list[tuple[KnownDivergence, str]]]:
    """The entries that apply to the installed versions, and those that do not, each with why."""
    applying, outside = [], []
    for k in known:
        why = k.outside(installed)
        if why:
            outside.append((k, why))
        else:
            applying.append(k)
    return applying, outside
