"""Known divergences: recorded, explained, expected differences of one implementation.

Kept as data in ``known_divergences.toml``. Each entry matches checks by glob patterns on
the fields of a check (``test``, ``case``, ``labels``, ``framework``, ``implementation``,
``device``, ``dtype``; a list of patterns matches if any does) and says why the
implementation differs and of which kind: ``definition`` (it computes another quantity on
purpose, a convention), ``precision`` (it loses accuracy) or ``defect`` (a bug: it computes
neither what it documents nor another convention); ``raises``, a glob on the exception's
``Type: message``, for one that shows as the implementation raising on an input it should
take (any other exception there is not excused). ``within`` names the dtype whose accuracy
the implementation still reaches (float32 for one that computes a float64 call in float32);
a result that misses even that is not excused. ``shows_as = "imprecise"`` (kind ``precision``)
excuses a result beyond the tight bound only (oracle/tight.py): one beyond the worst-case
bound is then a new divergence. Matching checks are expected failures,
strictly: one that starts passing fails; ``strict = false`` only for a property check whose
divergence shows on so few drawn cases that a search of 100 may miss it.

``repro`` names the check its standalone reproducer runs (``conformance-repro ID``, see
conformance/repro): every ``defect`` and ``precision`` entry has one.

``versions`` gates an entry: package name -> the PEP 440 versions it applies to
(``{ keras = "<=3.15.1" }``), ``upstream`` the issue or pull request that reports or fixes it.
Where an installed version is outside its range, the entry does not excuse its checks: one
that passes there is recorded as fixed in that version; one that still fails is a new
divergence whose message names the entry and its gate (a regression, or a wrong gate).
"""

from __future__ import annotations

import fnmatch
import importlib.metadata
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema
from packaging.specifiers import InvalidSpecifier, SpecifierSet

from conformance.paths import KNOWN_DIVERGENCES

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

DEFAULT_PATH = KNOWN_DIVERGENCES
FIELDS = ("test", "case", "labels", "framework", "implementation", "device", "dtype", "mode")

_PATTERNS = {"oneOf": [{"type": "string"}, {"type": "array", "minItems": 1, "items": {"type": "string"}}]}
SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["divergence"],
    "additionalProperties": False,
    "properties": {
        "divergence": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["id", "match", "kind", "reason"],
                "additionalProperties": False,
                "properties": {
                    "id": {"type": "string", "minLength": 1},
                    "match": {
                        "type": "object",
                        "minProperties": 1,
                        "additionalProperties": False,
                        "properties": {f: _PATTERNS for f in FIELDS},
                    },
                    "kind": {"enum": ["definition", "precision", "defect"]},
                    "reason": {"type": "string", "minLength": 1},
                    "evidence": {"type": "string"},
                    "within": {"enum": ["float16", "bfloat16", "float32", "float64"]},
                    "strict": {"type": "boolean"},
                    "raises": _PATTERNS,
                    "shows_as": {"enum": ["diverged", "imprecise"]},
                    "versions": {"type": "object", "additionalProperties": {"type": "string"}},
                    "upstream": {"type": "string", "pattern": "^https://"},
                    "no_repro": {"type": "string", "minLength": 1},
                    "repro": {
                        "type": "object",
                        "required": ["implementation", "case", "dtype"],
                        "additionalProperties": False,
                        "properties": {
                            "implementation": {"type": "string"},
                            "case": {"type": "string"},
                            "dtype": {"enum": ["float16", "bfloat16", "float32", "float64"]},
                            "labels": {"enum": ["indices", "probabilities"]},
                            "test": {"enum": ["loss", "gradient"]},
                            "mode": {"type": "string"},
                        },
                    },
                },
            },
        }
    },
}


def globs(patterns: str | list[str]) -> list[str]:
    """A field's glob patterns: one string, or a list of which any may match."""
    return [patterns] if isinstance(patterns, str) else patterns


@dataclass(frozen=True)
class KnownDivergence:
    id: str
    match: dict[str, str | list[str]]
    kind: str
    reason: str
    evidence: str = ""
    within: str | None = None  # the accuracy still promised: a result beyond it is a new divergence
    strict: bool = True  # False only where the drawn cases that show it are rare (a search may miss)
    raises: str | list[str] = ""  # globs on "Type: message" when it shows as the implementation raising
    also_diverges: bool = False  # (set by find) some of the entries combined raise, others diverge
    shows_as: str = "diverged"  # "imprecise": excuses only a result beyond the tight bound
    versions: dict[str, str] = field(default_factory=dict)  # package -> PEP 440 specifier
    upstream: str = ""  # the upstream issue or pull request
    # the check its standalone reproducer runs (conformance/repro): implementation, case, dtype,
    # labels, test (loss or gradient), mode
    repro: dict[str, str] = field(default_factory=dict)
    no_repro: str = ""  # why it has none: a check that should raise has no exact value to print

    def gate(self) -> str:
        """The versions it applies to, as written ("keras<=3.15.1"), "" where it names none."""
        return ", ".join(f"{package}{spec}" for package, spec in sorted(self.versions.items()))

    def outside(self, installed: Callable[[str], str | None]) -> str:
        """Why it does not apply to the installed versions ("keras 3.16.0 is outside
        keras<=3.15.1"), or "" where it does (or a package it names is not installed)."""
        for package, spec in sorted(self.versions.items()):
            version = installed(package)
            if version is not None and not SpecifierSet(spec).contains(version, prereleases=True):
                return f"{package} {version} is outside {package}{spec}"
        return ""

    def expects(self, exception: str) -> bool:
        """Whether ``exception`` ("Type: message") is the one this divergence shows as."""
        return any(fnmatch.fnmatchcase(exception, p) for p in globs(self.raises))

    def matches(self, check: dict[str, str]) -> bool:
        return all(
            any(fnmatch.fnmatchcase(check.get(k, ""), p) for p in globs(pats))
            for k, pats in self.match.items()
        )

    def explain(self) -> str:
        return f"known divergence {self.id} ({self.kind}): {self.reason}"


def load(path: Path = DEFAULT_PATH) -> list[KnownDivergence]:
    """Read and validate the known divergences; raises ValueError naming the entry and field."""
    with open(path, "rb") as f:
        data = tomllib.load(f)
    error = jsonschema.exceptions.best_match(jsonschema.Draft202012Validator(SCHEMA).iter_errors(data))
    if error is not None:
        where = "/".join(str(p) for p in error.absolute_path) or "(top level)"
        raise ValueError(f"{path}: {where}: {error.message}")
    for n, entry in enumerate(data["divergence"]):
        for package, spec in entry.get("versions", {}).items():
            try:
                SpecifierSet(spec)
            except InvalidSpecifier:
                raise ValueError(
                    f"{path}: divergence/{n}/versions/{package} ({entry['id']}): {spec!r} is not a "
                    'PEP 440 version specifier (like ">=2.0,<2.14")'
                ) from None
    return [KnownDivergence(**entry) for entry in data["divergence"]]


ACCURACY = ("float64", "float32", "bfloat16", "float16")  # from the most to the least accurate


def find(known: Sequence[KnownDivergence], check: dict[str, str]) -> KnownDivergence | None:
    """The known divergence that ``check`` is expected to show, or None. Where several
    match (a check can show two), they act as one: the least accuracy any promises (none
    if one promises none), strict if any is."""
    found = [k for k in known if k.matches(check)]
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
        also_diverges=0 < len(raising) < len(found),  # and so is a divergence, if one of them diverges
        shows_as="imprecise" if all(k.shows_as == "imprecise" for k in found) else "diverged",
        versions={p: v for k in found for p, v in k.versions.items()},
        upstream=" ".join(k.upstream for k in found if k.upstream),
    )


# A package a gate names -> the distributions that install it (TensorFlow's CPU build is
# tensorflow-cpu).
DISTRIBUTIONS = {"tensorflow": ("tensorflow", "tensorflow-cpu", "tf-nightly")}


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
