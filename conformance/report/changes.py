"""What changed between two runs (``conformance-report --compare OLD.json NEW.json``): the
frameworks' versions of each, the checks whose outcome changed, and the findings that appeared,
disappeared or moved (their worst error in ulps), what a user upgrading a framework reads first.

A finding is a known divergence by its id, or a failure the suite has no entry for, by
implementation, test, dtype and outcome, counted over the checks both runs hold; it moved when
its worst error changed by more than MOVED (a factor, either way) or became finite or not."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from conformance.results.merge import Merged
from conformance.vocabulary import FAILING, KNOWN_DIVERGENCE

MOVED = 2.0  # a finding whose worst error in ulps changed by more than this factor moved


@dataclass(frozen=True)
class Finding:
    """One finding of a run: its key, how many checks show it, and their worst error in ulps."""

    key: str
    checks: int
    worst_ulps: float | None


@dataclass(frozen=True)
class OutcomeChange:
    id: str
    old: str
    new: str


@dataclass
class Changes:
    """Two runs compared: versions that differ, outcomes that changed, findings that appeared,
    disappeared or moved (old, new), and how many checks only one run has."""

    versions: dict[str, tuple[str, str]] = field(default_factory=dict)
    outcomes: list[OutcomeChange] = field(default_factory=list)
    appeared: list[Finding] = field(default_factory=list)
    disappeared: list[Finding] = field(default_factory=list)
    moved: list[tuple[Finding, Finding]] = field(default_factory=list)
    only_old: int = 0
    only_new: int = 0
    unmatched: tuple[list[str], list[str]] = ([], [])  # the entries each run met nowhere (old, new)

    def __bool__(self) -> bool:
        return bool(self.outcomes or self.appeared or self.disappeared or self.moved)


def _versions(environment: dict[str, Any]) -> dict[str, str]:
    frameworks = environment.get("frameworks") or {}
    return {name: str(entry.get("version", "")) for name, entry in frameworks.items() if entry.get("version")}


def finding_key(record: dict[str, Any]) -> str | None:
    """The finding a record shows, or None for one that shows none (passed, skipped)."""
    outcome = record.get("outcome")
    if outcome == KNOWN_DIVERGENCE:  # the entry, or its id
        entry = record.get("known_divergence") or {}
        return f"known divergence {entry.get('id', '?') if isinstance(entry, dict) else entry}"
    if outcome in FAILING:
        where = ", ".join(str(record.get(f, "")) for f in ("implementation", "test", "dtype"))
        return f"{outcome}: {where}"
    return None


def _ulps(record: dict[str, Any]) -> float | None:
    value = record.get("error_ulps")
    try:
        return None if value is None else float(value)
    except (TypeError, ValueError):
        return None


def findings(records: Iterable[dict[str, Any]]) -> dict[str, Finding]:
    """The findings of a run's records, each with its count and worst error in ulps."""
    counts: dict[str, int] = {}
    worst: dict[str, float | None] = {}
    for record in records:
        key = finding_key(record)
        if key is None:
            continue
        counts[key] = counts.get(key, 0) + 1
        ulps = _ulps(record)
        if ulps is not None and not math.isnan(ulps):
            have = worst.get(key)
            worst[key] = ulps if have is None else max(have, ulps)
        else:
            worst.setdefault(key, None)
    return {k: Finding(k, counts[k], worst[k]) for k in sorted(counts)}


def moved(old: Finding, new: Finding) -> bool:
    a, b = old.worst_ulps, new.worst_ulps
    if a is None or b is None:
        return False
    if math.isinf(a) or math.isinf(b):
        return math.isinf(a) != math.isinf(b)
    low, high = sorted((a, b))
    return high > MOVED * max(low, 1.0)


def compare(old: dict[str, Any], new: dict[str, Any]) -> Changes:
    """Two results files (as ``results_file.read`` gives them) compared."""
    changes = Changes()
    before, after = _versions(old["environment"]), _versions(new["environment"])
    changes.versions = {
        name: (before.get(name, "-"), after.get(name, "-"))
        for name in sorted(set(before) | set(after))
        if before.get(name) != after.get(name)
    }
    old_by_id = {r["id"]: r for r in old["results"]}
    new_by_id = {r["id"]: r for r in new["results"]}
    changes.only_old = len(old_by_id.keys() - new_by_id.keys())
    changes.only_new = len(new_by_id.keys() - old_by_id.keys())
    for check in sorted(old_by_id.keys() & new_by_id.keys()):
        a, b = old_by_id[check]["outcome"], new_by_id[check]["outcome"]
        if a != b:
            changes.outcomes.append(OutcomeChange(check, a, b))
    both = old_by_id.keys() & new_by_id.keys()  # a check one run did not hold shows nothing gone
    was = findings(r for i, r in old_by_id.items() if i in both)
    now = findings(r for i, r in new_by_id.items() if i in both)
    changes.appeared = [now[k] for k in now.keys() - was.keys()]
    changes.disappeared = [was[k] for k in was.keys() - now.keys()]
    changes.moved = [(was[k], now[k]) for k in sorted(was.keys() & now.keys()) if moved(was[k], now[k])]
    changes.unmatched = (_unmatched(old), _unmatched(new))
    changes.appeared.sort(key=lambda f: f.key)
    changes.disappeared.sort(key=lambda f: f.key)
    return changes


def _unmatched(run: dict[str, Any]) -> list[str]:
    return sorted(run["environment"].get("unmatched_divergences") or [])


def run_of(merged: Merged) -> dict[str, Any]:
    """Merged runs as one run to compare: their records, and every framework's version."""
    frameworks: dict[str, Any] = {}
    for run in merged.runs:
        frameworks.update(run.environment.get("frameworks") or {})
    return {"environment": {"frameworks": frameworks}, "results": merged.results}


def _ulps_text(value: float | None) -> str:
    return "-" if value is None else f"{value:.3g} ulps"


def as_text(changes: Changes, old_name: str, new_name: str) -> str:
    """The comparison as a person reads it in a terminal: versions first, then findings, then
    every check whose outcome changed."""
    lines = [f"from {old_name} to {new_name}"]
    if changes.versions:
        lines.append("versions: " + ", ".join(f"{n} {a} -> {b}" for n, (a, b) in changes.versions.items()))
    else:
        lines.append("versions: the same")
    for title, group in (("appeared", changes.appeared), ("disappeared", changes.disappeared)):
        lines.append(f"findings {title}: {len(group)}")
        lines += [f"  {f.key} ({f.checks} checks, worst {_ulps_text(f.worst_ulps)})" for f in group]
    lines.append(f"findings moved: {len(changes.moved)}")
    lines += [
        f"  {a.key}: worst {_ulps_text(a.worst_ulps)} -> {_ulps_text(b.worst_ulps)}" for a, b in changes.moved
    ]
    lines.append(f"outcomes changed: {len(changes.outcomes)}")
    lines += [f"  {c.id}: {c.old} -> {c.new}" for c in changes.outcomes]
    for which, ids in zip(("old", "new"), changes.unmatched):
        if ids:
            lines.append(
                f"known divergences the {which} run matched no check with: {len(ids)}: {', '.join(ids)}"
            )
    if changes.only_old or changes.only_new:
        lines.append(f"checks in one run only: {changes.only_old} in the old, {changes.only_new} in the new")
    if not changes:
        lines.append("nothing changed")
    return "\n".join(lines)
