"""One known divergence as loaded (KnownDivergence): what it matches, why, and its version gate."""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from functools import cache

from packaging.specifiers import Specifier, SpecifierSet

from conformance.divergences import predictions
from conformance.divergences.conditions import holds


def globs(patterns: str | list[str]) -> list[str]:
    """A field's glob patterns: one string, or a list of which any may match."""
    return [patterns] if isinstance(patterns, str) else patterns


@cache
def _matcher(patterns: str | tuple[str, ...]) -> Callable[[str], object]:
    """One compiled regular expression for a field's glob patterns (fnmatchcase's own
    translation, joined): collection matches every check against every entry."""
    each = (patterns,) if isinstance(patterns, str) else patterns
    if not each:  # no pattern: nothing meets it (an empty alternation would meet everything)
        return lambda value: None
    return re.compile("|".join(fnmatch.translate(p) for p in each)).match


def _meets(patterns: str | list[str], value: str) -> bool:
    """Whether ``value`` meets any of a field's glob patterns (fnmatchcase's rules)."""
    return bool(_matcher(patterns if isinstance(patterns, str) else tuple(patterns))(value))


@dataclass(frozen=True)
class KnownDivergence:
    """An entry of the known divergences (see schema.py for what each field means)."""

    id: str
    match: dict[str, str | list[str]]
    kind: str
    reason: str
    evidence: str = ""
    within: str | None = None  # the accuracy still promised: a result beyond it is a new divergence
    strict: bool = True  # False only where the drawn cases that show it are rare (a search may miss)
    raises: str | list[str] = ""  # globs on "Type: message" when it shows as the implementation raising
    crashes: bool = False  # it kills the process (an abort in a kernel): its checks are not run
    also_diverges: bool = False  # (set by find) some of the entries combined raise, others diverge
    shows_as: str = "diverged"  # "imprecise": excuses only a result beyond the tight bound
    versions: dict[str, str] = field(default_factory=dict)  # package -> PEP 440 specifier
    upstream: str = ""  # the upstream issue or pull request
    # the check its standalone reproducer runs (conformance/repro): implementation, case, dtype,
    # labels, test (loss or gradient), mode
    repro: dict[str, str] = field(default_factory=dict)
    no_repro: str = ""  # why it has none: a check that should raise has no exact value to print
    shows_when: tuple[str, ...] = ()  # conditions on the input (conditions.py) where it can show
    predicts: tuple[str, ...] = ()  # what a failing result it causes is (predictions.py)
    unmodelled: str = ""  # why it predicts nothing of the result (where it has no model)
    absent: dict[str, str] = field(default_factory=dict)  # package -> versions measured not to show it
    # (set by gating) the installed versions older than any it was seen in, not measured
    unmeasured: str = ""

    def fits(self, case: object) -> bool:
        """Whether it can be the cause of a failure on ``case``'s input (its shows_when)."""
        return holds(self.shows_when, case)

    def predicted(self, came: predictions.Came) -> bool:
        """Whether ``came``, a failing check's result, is what it predicts (its predicts), as
        accurate as it promises (its within)."""
        return predictions.holds(self.predicts, came) and predictions.keeps(self.within, came)

    def modelled(self) -> bool:
        """Whether it predicts what a failure it causes looks like: a result (predicts), an
        accuracy (within, shows_as imprecise), an exception (raises) or the process dying
        (crashes: not run)."""
        imprecise = self.shows_as != "diverged"
        return bool(self.predicts or self.within or imprecise or self.raises or self.crashes)

    def gate(self) -> str:
        """The versions it applies to, as written ("keras<=3.15.1"), "" where it names none."""
        seen = ", ".join(f"{package}{spec}" for package, spec in sorted(self.versions.items()))
        absent = ", ".join(f"{package}{spec}" for package, spec in sorted(self.absent.items()))
        return f"{seen}; absent in {absent}" if absent else seen

    def outside(self, installed: Callable[[str], str | None], packages: Collection[str] | None = None) -> str:
        """Why it does not apply to the installed versions: one was measured not to show it
        ("torch 2.6.0 was measured absent: torch<2.9"), or is past its range's upper bound, the
        release that fixes it ("keras 3.16.0 is outside keras<=3.15.1"); "" where it applies (or
        a package it names is not installed). Only the gates on ``packages`` where given (those
        a check runs on). Where ``absent`` names the package, it alone says where it is fixed;
        a version outside both was not measured: it applies there (``not_measured``), as it does
        on one older than its range's lower bound."""
        for package, version in self._installed(installed, packages):
            if package in self.absent:  # measured: absent where it says, elsewhere not measured
                if SpecifierSet(self.absent[package]).contains(version, prereleases=True):
                    return f"{package} {version} was measured absent: {package}{self.absent[package]}"
                continue
            if any(clause.operator not in (">=", ">") for clause in self._failing(package, version)):
                return f"{package} {version} is outside {package}{self.versions[package]}"
        return ""

    def not_measured(
        self, installed: Callable[[str], str | None], packages: Collection[str] | None = None
    ) -> str:
        """The installed versions outside those it was seen in and not measured absent
        ("tensorflow 2.18.1, outside tensorflow>=2.21"): it applies there, noted; "" where none."""
        unmeasured = [
            f"{package} {version}, outside {package}{self.versions[package]}"
            for package, version in self._installed(installed, packages)
            if self._failing(package, version)
        ]
        return "; ".join(unmeasured)

    def _installed(
        self, installed: Callable[[str], str | None], packages: Collection[str] | None
    ) -> list[tuple[str, str]]:
        """The packages it names (of ``packages``, where given) with their installed versions."""
        names = sorted({*self.versions, *self.absent})
        found = [(p, installed(p)) for p in names if packages is None or p in packages]
        return [(p, v) for p, v in found if v is not None]

    def _failing(self, package: str, version: str) -> list[Specifier]:
        """The clauses of its range for ``package`` that ``version`` does not meet."""
        spec = SpecifierSet(self.versions.get(package, ""))
        return [c for c in spec if not c.contains(version, prereleases=True)]

    def expects(self, exception: str) -> bool:
        """Whether ``exception`` ("Type: message") is the one this divergence shows as."""
        return _meets(self.raises, exception)

    def matches(self, check: dict[str, str], ignoring: tuple[str, ...] = ()) -> bool:
        """Whether every field it matches on (but those ``ignoring`` names) has a pattern that
        ``check``'s value meets."""
        for k, pats in self.match.items():  # a loop, not all(): collection runs it millions of times
            if k not in ignoring and not _meets(pats, check.get(k, "")):
                return False
        return True

    def may_match(self, name: str, value: str) -> bool:
        """Whether a check whose field ``name`` is ``value`` can match (it meets the patterns
        for that field, or the entry does not match on it)."""
        patterns = self.match.get(name)
        return patterns is None or _meets(patterns, value)

    def explain(self) -> str:
        said = f"known divergence {self.id} ({self.kind}): {self.reason}"
        if self.unmeasured:
            said += f" (not measured on {self.unmeasured}: excused where it fits its prediction)"
        return said
