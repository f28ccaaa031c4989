"""Read results files (results_file.py) and merge several into one view for the report.

A CI matrix runs each framework in its own environment, each writing its own results file;
the parity report puts them side by side. A file that cannot be read (missing, truncated,
not JSON, another schema version, a field of the wrong type), or one written by another
version of the suite or from other case files than the newest file, is named with what is
wrong and left out; the rest merge. Where two files hold the same check (the same test id),
the newer file's result stands.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conformance.results.results_file import ResultsFileError, read

__all__ = ["MATCHING", "Merged", "ResultsFileError", "Run", "load", "merge"]


@dataclass(frozen=True)
class Run:
    """One results file: where it came from, when, and the environment it ran in."""

    path: str
    created: str
    environment: dict[str, Any]


@dataclass
class Merged:
    """The runs merged, every check's record (``record["run"]``: index into ``runs``), the
    golden cases they ran, the files left out and why, and how many records a newer file
    replaced."""

    runs: list[Run] = field(default_factory=list)
    results: list[dict[str, Any]] = field(default_factory=list)
    cases: dict[str, dict[str, Any]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    superseded: int = 0


def load(path: Path) -> dict[str, Any]:
    """One results file, checked against the schema, one flat record per check
    (results.read); ResultsFileError, naming the file and the problem, if it cannot be used."""
    return read(path)


MATCHING = ("suite_version", "cases_digest")  # what runs must share to be merged


def _same_suite(
    loaded: list[tuple[Path, dict[str, Any]]], problems: list[str]
) -> list[tuple[Path, dict[str, Any]]]:
    """The files made by the same suite on the same case files as the newest; the others are
    named in ``problems`` and left out (their checks and cases would not mean the same)."""
    if not loaded:
        return loaded
    newest_path, newest = loaded[-1]
    kept = []
    for path, document in loaded:
        differ = [
            f"{key} {document['environment'].get(key)!r} (the newest, {newest_path}, has "
            f"{newest['environment'].get(key)!r})"
            for key in MATCHING
            if document["environment"].get(key) != newest["environment"].get(key)  # absent: differs
        ]
        if differ:
            problems.append(f"{path}: another run of the suite: {'; '.join(differ)}")
        else:
            kept.append((path, document))
    return kept


def merge(paths: list[Path]) -> Merged:
    """Every readable file merged, the newest file winning a check two files share."""
    merged = Merged()
    loaded = []
    for path in paths:
        try:
            loaded.append((path, load(path)))
        except ResultsFileError as e:
            merged.problems.append(str(e))
    loaded.sort(key=lambda item: item[1]["created"])  # newest last, so that it wins
    loaded = _same_suite(loaded, merged.problems)
    by_id: dict[str, dict[str, Any]] = {}
    for index, (path, document) in enumerate(loaded):
        merged.runs.append(Run(str(path), document["created"], document["environment"]))
        merged.cases.update(document.get("cases", {}))
        for record in document["results"]:
            merged.superseded += record["id"] in by_id and by_id[record["id"]]["run"] != index
            by_id[record["id"]] = {**record, "run": index}
    merged.results = sorted(by_id.values(), key=lambda r: r["id"])
    return merged
