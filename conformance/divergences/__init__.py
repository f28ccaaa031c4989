"""Known divergences: recorded, explained, expected differences of one implementation, one data
file per framework in known/.
May import: paths, registry, vocabulary."""

from __future__ import annotations

import importlib.metadata  # noqa: F401  (divergences.importlib.metadata: what tests patch)

from conformance.divergences.gating import DISTRIBUTIONS, gated, installed_version
from conformance.divergences.loading import DEFAULT_PATH, files, load, read
from conformance.divergences.matching import ACCURACY, combine, explaining, find, matching
from conformance.divergences.model import KnownDivergence, globs
from conformance.divergences.schema import FIELDS, SCHEMA

__all__ = [
    "ACCURACY",
    "DEFAULT_PATH",
    "DISTRIBUTIONS",
    "FIELDS",
    "SCHEMA",
    "KnownDivergence",
    "combine",
    "explaining",
    "files",
    "find",
    "gated",
    "globs",
    "installed_version",
    "load",
    "matching",
    "read",
]
