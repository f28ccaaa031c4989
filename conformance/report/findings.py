"""The findings, the page's second part: every divergence, known or new, as one line: its kind,
who shows it (implementations, dtypes, modes, framework versions), what it is (one sentence),
how big (the worst error) and the checks behind it, with the reproduce command of the worst.

- A known divergence is one entry of the known divergences file. A check that shows several
  (recorded as one entry "a + b", divergences.find) counts for each of them.
- A new one is a failing check that no entry explains, grouped by outcome, implementation and
  check: a stale entry (one that no longer shows) is a finding of its own, and so is an entry
  whose version gate excludes the installed version and whose checks pass there (fixed).

Order: new ones first (they fail the run), then stale entries, then defects, precision losses
and definitions, each by the number of checks that show them. Plain data."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from conformance.report.views import dtype_order, mode_of, mode_order, number
from conformance.results.merge import Merged
from conformance.vocabulary import FAILING, KNOWN_DIVERGENCE, PASSED, STALE_DIVERGENCE

NEW, STALE, FIXED = "new", "stale", "fixed"
KIND_ORDER = (NEW, STALE, "defect", "precision", "definition", FIXED)


@dataclass
class Finding:
    kind: (
        str  # defect, precision, definition; "new" (no entry explains it); "stale" (an entry no longer shows)
    )
    id: str  # the entry's id; for a new one: outcome, check and implementation
    reason: str
    evidence: str = ""
    upstream: str = ""  # the entry's upstream issue (an http(s) address), where it names one
    gate: str = ""  # the versions the entry applies to ("keras<=3.15.1")
    repro: str = ""  # the command that writes its standalone reproducer, where it has one
    records: list[dict[str, Any]] = field(default_factory=list)

    @property
    def what(self) -> str:
        """The reason's first sentence (of a message: its first), at most 240 characters."""
        text = " ".join(self.reason.split())
        first = re.split(r"(?<=[a-z0-9)\]][.;])\s+(?=[A-Z(])", text, maxsplit=1)[0]
        return first if len(first) <= 240 else first[:239] + "…"

    def _distinct(self, key: Any, order: Any = str) -> list[str]:
        return sorted({str(v) for r in self.records if (v := key(r))}, key=order)

    @property
    def implementations(self) -> list[str]:
        return self._distinct(lambda r: r.get("implementation"))

    @property
    def dtypes(self) -> list[str]:
        return self._distinct(lambda r: r.get("dtype"), dtype_order)

    @property
    def modes(self) -> list[str]:
        return self._distinct(lambda r: "implementation" in r and mode_of(r), mode_order)

    @property
    def versions(self) -> list[str]:
        return self._distinct(
            lambda r: r.get("framework") and f"{r['framework']} {r.get('framework_version', '')}".strip()
        )

    @property
    def worst(self) -> dict[str, Any]:
        """The check with the largest error in epsilons (NaN the largest); the first if none measured one."""

        def size(r: dict[str, Any]) -> float:
            e = number(r.get("error_eps"))
            return -math.inf if e is None else (math.inf if math.isnan(e) else e)

        return max(self.records, key=size)

    @property
    def bound(self) -> float | None:
        """The bound the worst check broke: the worst-case one, or (imprecise: within it) the tight one."""
        w = self.worst
        error, worst_case, tight = (number(w.get(k)) for k in ("error_eps", "bound_eps", "tight_eps"))
        if error is not None and worst_case is not None and tight is not None and error <= worst_case:
            return tight
        return worst_case

    @property
    def order(self) -> tuple[int, int, str]:
        kind = KIND_ORDER.index(self.kind) if self.kind in KIND_ORDER else len(KIND_ORDER)
        return kind, -len(self.records), self.id


@cache
def _catalogue() -> dict[str, dict[str, Any]]:
    """The installed known divergences file's entries by id (for the parts of a combined entry
    that no check showed alone); empty where it cannot be read, or where the suite's own
    dependencies are not installed (a report builds with Jinja2 and jsonschema alone)."""
    try:
        from conformance import divergences  # packaging, for its version gates

        return {k.id: dict(k.__dict__) for k in divergences.load()}
    except (OSError, ValueError, ImportError):
        return {}


def _parts(entry: dict[str, Any], alone: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """The entries a record's known divergence combines (divergences.find joins their ids with
    " + " and their reasons with " AND ")."""
    ids = str(entry["id"]).split(" + ")
    if len(ids) == 1:
        return [entry]
    reasons = str(entry.get("reason", "")).split(" AND ")
    return [
        alone.get(i)
        or _catalogue().get(i)
        or {"id": i, "kind": entry.get("kind", ""), "reason": reasons[n] if len(reasons) == len(ids) else ""}
        for n, i in enumerate(ids)
    ]


def judgement(message: str) -> str:
    """What a failing check's message found: its line comparing the error with the bound (a
    message's first line says where it ran, which the finding's columns say); else its first line."""
    lines = message.strip().splitlines()
    judged = [line.strip() for line in lines if re.match(r"\s*(error|imprecise:) .*(exceeds|beyond)", line)]
    return (judged or lines or [""])[0]


def _gate(entry: dict[str, Any]) -> str:
    versions = entry.get("versions") or {}
    return (
        ", ".join(f"{p}{v}" for p, v in sorted(versions.items()))
        if isinstance(versions, dict)
        else str(versions)
    )


def _upstream(entry: dict[str, Any]) -> str:
    link = str(entry.get("upstream", ""))
    return link if link.startswith(("https://", "http://")) else ""


def findings(merged: Merged) -> list[Finding]:
    """Every finding of the merged results, in the order the page lists them."""
    alone = {
        str(e["id"]): e
        for r in merged.results
        if (e := r.get("known_divergence")) and " + " not in str(e.get("id", ""))
    }
    found: dict[tuple[str, str], Finding] = {}
    for r in merged.results:
        entry = r.get("known_divergence")
        if r["outcome"] in (KNOWN_DIVERGENCE, STALE_DIVERGENCE) and entry:
            for part in _parts(entry, alone):
                kind = STALE if r["outcome"] == STALE_DIVERGENCE else str(part.get("kind", ""))
                finding = found.setdefault(
                    (kind, str(part["id"])),
                    Finding(
                        kind,
                        str(part["id"]),
                        str(part.get("reason", "")),
                        str(part.get("evidence", "")),
                        _upstream(part),
                        _gate(part),
                        f"conformance-repro {part['id']}" if part.get("repro") else "",
                    ),
                )
                finding.records.append(r)
        elif r["outcome"] == PASSED and (gated := r.get("gated_divergence")):
            reason = f"Fixed here: {gated.get('outside', '')}, and its checks pass. {gated.get('reason', '')}"
            finding = found.setdefault(
                (FIXED, str(gated["id"])),
                Finding(
                    FIXED, str(gated["id"]), reason, "", _upstream(gated), str(gated.get("versions", ""))
                ),
            )
            finding.records.append(r)
        elif r["outcome"] in FAILING:
            name = (
                f"{r['outcome']}: {r['test']} of {r.get('implementation', r.get('framework', 'the suite'))}"
            )
            finding = found.setdefault((NEW, name), Finding(NEW, name, judgement(str(r.get("message", "")))))
            finding.records.append(r)
    return sorted(found.values(), key=lambda f: f.order)
