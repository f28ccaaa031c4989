"""The scoreboard, the page's first table: one row per implementation (grouped by framework,
with its version; one per device where several ran), one column per dtype (most precise
first), and in each cell one chip per mode the implementation ran in. A chip's colour is the
worst outcome of its checks; its number the median error in ulps of the exact value over the
checks that passed comparing with it (accuracy.py's figures): the typical accuracy, 0.5 for
a correctly rounded result. Not the largest: where an exact result is near 0 (a confident
prediction's loss, a gradient's small element) every implementation loses relative accuracy
to cancellation, and the largest, even the 99th percentile, says that rather than which
implementation is careful (hovering shows them). Plain data; templates/scoreboard.html draws it."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from conformance.report.accuracy import percentile
from conformance.report.views import NOT_IN_MATRIX, column_of, dtype_order, mode_order, number, worst
from conformance.results.merge import Merged
from conformance.vocabulary import PASSED, SEVERITY

# a chip's mode as labelled in the scoreboard (narrow), and what each stands for
MODE_LABELS = {"eager": "eager", "jit": "jit", "function": "fn", "function-xla": "xla", "compile": "compile"}
MODE_MEANINGS = {
    "jit": "jax.jit",
    "fn": "tf.function",
    "xla": "tf.function(jit_compile=True)",
    "compile": "torch.compile",
}


@dataclass
class Chip:
    """One implementation's checks in one dtype and mode."""

    mode: str
    outcome: str  # the worst
    counts: dict[str, int]  # outcome -> checks, in SEVERITY order
    ulps: list[float] = field(
        default_factory=list
    )  # of the checks that passed comparing with the exact value

    @property
    def median(self) -> float | None:
        return percentile(self.ulps, 50) if self.ulps else None

    @property
    def label(self) -> str:
        return MODE_LABELS.get(self.mode, self.mode)

    def title(self, where: str) -> str:
        """What hovering shows: where, the checks by outcome, and the error in ulps."""
        counts = ", ".join(f"{n} {o}" for o, n in self.counts.items())
        text = f"{where} · {self.mode}: {sum(self.counts.values())} checks: {counts}"
        if self.ulps:
            text += (
                f"; error over the {len(self.ulps)} that passed comparing with the exact value: median "
                f"{self.median:.3g} ulps, 99th percentile {percentile(self.ulps, 99):.3g}, "
                f"largest {max(self.ulps):.3g}"
            )
        return text


@dataclass
class Row:
    implementation: str
    device: str
    cells: dict[str, list[Chip]]  # dtype -> a chip per mode, eager first

    def label(self, several_devices: bool) -> str:
        return f"{self.implementation} · {self.device}" if several_devices else self.implementation


@dataclass
class Group:
    framework: str
    version: str
    rows: list[Row]


@dataclass
class Scoreboard:
    dtypes: list[str]
    groups: list[Group]
    several_modes: bool  # label each chip with its mode
    several_devices: bool


def scoreboard(merged: Merged) -> Scoreboard:
    """Every implementation's checks (those of a document or the case files belong to none),
    by framework, implementation, device, dtype and mode."""
    outcomes: dict[tuple[str, str, str, str, str], list[str]] = defaultdict(list)
    ulps: dict[tuple[str, str, str, str, str], list[float]] = defaultdict(list)
    versions: dict[str, str] = {}
    for r in merged.results:
        col = column_of(r)
        if col is None or r["test"] in NOT_IN_MATRIX:
            continue
        key = (col.framework, col.implementation, col.device, col.dtype, col.mode)
        outcomes[key].append(r["outcome"])
        error = number(r.get("error_ulps"))
        if r["outcome"] == PASSED and error is not None and "compared_with" not in r:
            ulps[key].append(error)
        versions.setdefault(col.framework, str(r.get("framework_version", "")))
    for run in merged.runs:  # the environment's version, where a record has none
        for name, fw in run.environment.get("frameworks", {}).items():
            if fw.get("version"):
                versions[name] = str(fw["version"])
    rows: dict[tuple[str, str, str], Row] = {}
    for key in sorted(outcomes, key=lambda k: (k[0], k[1], k[2], mode_order(k[4]))):
        framework, implementation, device, dtype, mode = key
        row = rows.setdefault((framework, implementation, device), Row(implementation, device, {}))
        counts = Counter(outcomes[key])
        chip = Chip(mode, worst(outcomes[key]), {o: counts[o] for o in SEVERITY if counts[o]}, ulps[key])
        row.cells.setdefault(dtype, []).append(chip)
    groups: dict[str, Group] = {}
    for (framework, _, _), row in rows.items():
        groups.setdefault(framework, Group(framework, versions.get(framework, ""), [])).rows.append(row)
    return Scoreboard(
        dtypes=sorted({k[3] for k in outcomes}, key=dtype_order),
        groups=list(groups.values()),
        several_modes=len({k[4] for k in outcomes}) > 1,
        several_devices=any(
            len({k[2] for k in outcomes if k[1] == r.implementation}) > 1 for r in rows.values()
        ),
    )


def verdict(merged: Merged, findings: list[Any]) -> dict[str, Any]:
    """The line above the scoreboard: what ran, what passed, what diverged, how long it took."""
    counts = Counter(r["outcome"] for r in merged.results)
    implementations = {(r["framework"], r["implementation"]) for r in merged.results if column_of(r)}
    durations = [number(run.environment.get("duration_s")) for run in merged.runs]
    kinds = Counter(f.kind for f in findings)
    return {
        "checks": len(merged.results),
        "counts": {o: counts[o] for o in SEVERITY if counts[o]},
        "implementations": len(implementations),
        "frameworks": len({f for f, _ in implementations}),
        "duration_s": sum(d for d in durations if d is not None)
        if any(d is not None for d in durations)
        else None,
        "findings": {k: kinds[k] for k in kinds},
        # each run that deferred compiled programs: how many it judged, of how many (compiled.py)
        "compiled": [
            f"compiled programs judged: {c['judged']:,} of {c['programs']:,} "
            f"({c['programs'] - c['judged']:,} deferred: --compiled all builds every one)"
            for c in (run.environment.get("compiled_programs") for run in merged.runs)
            if isinstance(c, dict) and c.get("judged", 0) < c.get("programs", 0)
        ],
    }
