"""The results file: every check's outcome plus the environment, as versioned JSON.

Schema version 3. ``read`` gives one JSON object, one flat record per check::

    {"schema_version": 3, "created": ISO-8601 UTC, "environment": {...},
     "results": [{"id", "test", "case", "framework", "framework_version", "implementation",
                  "device", "dtype", "labels", "outcome", "expected", "got", "returned_dtype",
                  "error_eps", "error_ulps", "bound_eps", "tight_eps", "max_abs", "max_rel",
                  "worst_at", "shape", "message", "known_divergence", "reproduce", "operation",
                  "convention", "quantity", "exception", "compared_with", "mode"}, ...]}

"mode" is how the implementation ran: eager, or compiled (``MODES``; absent in older files:
eager). Each ``environment.frameworks`` entry holds its "version", "devices", "device_names"
(device -> what it is), "precision" (flag -> value as in force), "modes" (those it ran in) and
"unavailable_modes" (mode -> why not), or {"missing": why}; "environment.duration_s" is how
long the run took, in seconds.
"error_ulps" is the largest error in ulps of the exact value, in the check's dtype (a property
check's: over its examples against the reference, with "worst_input" the example that gave it,
kept where the check did not pass or gave its group's largest: compact.worst_inputs).
A result of more than 64 elements keeps, in "expected" and "got", only the element at
"worst_at" (its index) of its "shape" (and of the wrong shape, "got_shape" instead).
"bound_eps" is the worst-case bound and "tight_eps" the tight one (oracle/tight.py) where the
error is measured; an "imprecise" outcome is beyond the tight bound only.
"quantity" is "gradient" for a gradient check (else the loss); "convention" holds the
conventions (oracle/conventions.py) the implementation follows, and "environment.conventions"
what each means. Fields that do not apply to a check (a skipped framework has no device) are absent.
"cases" (optional) describes the golden cases the run read, by id: file, description,
provenance, the value a document printed (if any), the exact loss, and the largest |logit|.

On disk the file is the compact form of that object (compact.py: the checks grouped by where
they ran, each implementation, known divergence, shared message and shared array written
once, checks that differ only in their case written as one, the reproduce commands and ids
that follow from the rest left out), without whitespace: 3.5 MB for a 12,000-check run where
version 1, one flat object per check, took 16.7 MB (docs/performance.md has the figures of
later runs). ``SCHEMA`` is the JSON Schema of the file on disk. Written atomically: a crash
mid-write leaves the previous file intact.
"""

from __future__ import annotations

import datetime
import importlib.metadata
import json
import math
import os
import platform
import sys
import tempfile
from pathlib import Path
from typing import Any

import jsonschema

from conformance.oracle.conventions import MEANINGS
from conformance.results.compact import compact
from conformance.results.expand import ExpandError, expand
from conformance.results.schema import SCHEMA, SCHEMA_VERSION


class ResultsFileError(ValueError):
    """A results file that cannot be read; the message names the file and the problem."""


def read(path: Path) -> dict[str, Any]:
    """A results file, checked against the schema, with one flat record per check
    (``expand``); ResultsFileError if it cannot be used."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as e:
        raise ResultsFileError(f"{path}: cannot be read: {e.strerror or e}") from e
    try:
        document = json.loads(text)
    except json.JSONDecodeError as e:
        raise ResultsFileError(f"{path}: not a complete JSON document (truncated?): {e}") from e
    version = document.get("schema_version") if isinstance(document, dict) else None
    if version != SCHEMA_VERSION:
        raise ResultsFileError(
            f"{path}: schema_version {version!r}, this report reads version {SCHEMA_VERSION}"
        )
    try:
        jsonschema.validate(document, SCHEMA)
        return expand(document)
    except jsonschema.ValidationError as e:
        where = "/".join(str(p) for p in e.absolute_path) or "(top level)"
        problem = e.schema.get("description", e.message) if e.validator == "not" else e.message
        raise ResultsFileError(f"{path}: field {where}: {problem}") from None
    except ExpandError as e:
        raise ResultsFileError(f"{path}: field {e.where}: {e}") from None


def environment(frameworks: dict[str, dict[str, Any]], argv: list[str]) -> dict[str, Any]:
    """OS, CPU, Python, the command, ``frameworks``: name -> its version, devices, precision
    flags and modes, or ``{"missing": why}``, and what each named convention means (each
    check's record says which its implementation follows)."""
    return {
        "suite_version": suite_version(),
        "os": platform.platform(),
        "machine": platform.machine(),
        "processor": platform.processor(),
        "python": sys.version.split()[0],
        "frameworks": frameworks,
        "command": " ".join(argv),
        "conventions": [
            {"convention": field, "value": value, "meaning": meaning}
            for (field, value), meaning in MEANINGS.items()
        ],
    }


def suite_version() -> str:
    """The installed conformance package's version ("unknown" when run from a bare checkout)."""
    try:
        return importlib.metadata.version("conformance")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def write(
    path: Path,
    records: list[dict[str, Any]],
    env: dict[str, Any],
    cases: dict[str, dict[str, Any]] | None = None,
) -> None:
    """Write the results file, compact (compact.py), atomically (a temporary file in the same
    folder, then a rename)."""
    document = {
        "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "environment": env,
        "cases": cases or {},
        "results": records,
    }
    text = json.dumps(compact(_json_safe(document)), separators=(",", ":"), allow_nan=False)
    write_atomically(Path(path), text)


def write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file in the same folder and a rename, so
    that a reader sees the old file or the new one, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    umask = os.umask(0)
    os.umask(umask)
    try:
        os.chmod(tmp, 0o666 & ~umask)  # as an ordinary new file (mkstemp makes it private)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _json_safe(value: Any) -> Any:
    """Non-finite floats as the strings "nan", "inf", "-inf" (strict JSON has none)."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    return value
