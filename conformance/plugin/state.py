"""What one run loads once (frameworks, cases) and the check each parametrised test runs."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import pytest

from conformance import divergences
from conformance.adapters import IMPORTED_FIRST, Framework, FrameworkMissing, Implementation, load
from conformance.cases import Case, CaseError, load_all
from conformance.checks.failures import Point
from conformance.plugin.options import Options
from conformance.plugin.rotation import Rotation
from conformance.plugin.shrinking import ShrinkBudget
from conformance.vocabulary import GPU_PLATFORMS

STATE = pytest.StashKey["State"]()
SEED = pytest.StashKey[int]()  # the Hypothesis seed a property check drew with (none when derandomised)
OUTCOME = pytest.StashKey[str]()  # the outcome a check skipped with when it ran (unsupported, rejected)
# a user's check that failed as its framework's own implementation does: what it inherits, and
# the failure it raised (its record and message)
INHERITED = pytest.StashKey[tuple[Any, Any]]()
# the entries of a check's known divergence that fit its failing input (shows_when), where fewer
CITED = pytest.StashKey[divergences.KnownDivergence]()


@dataclass(frozen=True)
class Spec:
    """One parametrised check: which test, which case, and where it runs."""

    test: str
    case: Case | None = None
    point: Point | None = None
    other: Case | None = None
    framework: str = ""
    known: divergences.KnownDivergence | None = None  # the known divergence it is expected to show
    # a known divergence that would match but whose version gate excludes the installed versions
    fixed: tuple[divergences.KnownDivergence, str] | None = None
    edge: str = ""  # the edge input (checks/edges.py) of a convention check
    mode: str = ""  # the mode of a check that no point runs: one selected but unavailable here
    skipped_as: str = ""  # the outcome it is collected skipped with (unsupported, or skipped)
    built: str = ""  # why a compiled program is built this run, where a sample is (compiled.py)

    @property
    def at(self) -> Point:
        """Where the check runs (every check but of a document's number runs somewhere)."""
        assert self.point is not None, f"{self.test} runs no implementation"
        return self.point

    @property
    def golden(self) -> Case:
        """The golden case of a golden check."""
        assert self.case is not None, f"{self.test} has no golden case"
        return self.case

    @property
    def within(self) -> str | None:
        """The accuracy the known divergence still promises, if any."""
        return self.known.within if self.known else None

    def fields(self) -> dict[str, str]:
        """The check's coordinates, as known divergences match them and results record them."""
        f = {"test": self.test, "framework": self.framework}
        if self.mode:
            f["mode"] = self.mode
        if self.edge:
            f["case"] = self.edge
        if self.case is not None:
            f["case"] = self.case.id
            if self.point is None and self.case.observed is not None:  # a document's number
                f.update(implementation=self.case.observed.implementation, dtype=self.case.observed.dtype)
        if self.point is not None:
            f.update(
                framework=self.point.framework.name,
                framework_version=self.point.framework.version,
                implementation=self.point.impl.name,
                device=self.point.device,
                dtype=self.point.dtype,
                labels=self.point.label_kind,
                mode=self.point.mode,
            )
        return f

    def id(self) -> str:
        f = self.fields()
        if self.point is None:
            return f.get("case", f"{self.framework}-{self.mode}" if self.mode else self.test)
        first = f.get("case", self.test)  # a golden case, or the property's name
        parts = [first] + [f.get(k) for k in ("labels", "implementation", "device", "dtype", "mode")]
        return "-".join(p for p in parts if p)


def spec_of(item: pytest.Item) -> Spec | None:
    """The conformance check an item runs, or None for any other test."""
    callspec = getattr(item, "callspec", None)
    spec = callspec.params.get("spec") if callspec is not None else None
    return spec if isinstance(spec, Spec) else None


@dataclass
class State:
    """The run's options, and what it loads once: frameworks and cases."""

    options: Options
    frameworks: dict[str, Framework | str] = field(default_factory=dict)
    loaded_cases: tuple[list[Case], list[CaseError]] | None = None
    found_devices: dict[str, list[str]] = field(default_factory=dict)  # each framework's, unfiltered
    described: set[str] = field(default_factory=set)  # frameworks whose description went out
    builtins: dict[str, list[Implementation]] = field(default_factory=dict)  # each's own, run or not
    unsupported: list[dict] = field(default_factory=list)  # records of checks that cannot run: no items
    run_seed: int | None = None  # the property checks' draws come from it (None: derandomised)
    shrink_budget: ShrinkBudget = field(default_factory=lambda: ShrinkBudget(0.0))  # set at configure
    rotation: Rotation = field(default_factory=Rotation)  # the compiled programs' memory (set at configure)
    built: dict[str, str] | None = None  # the sampled compiled programs built, and why (compiled.py)
    freed_at: int = 0  # the worker's resident memory when it last freed the frameworks' caches (running.py)
    known_by_implementation: dict[str, list[divergences.KnownDivergence]] = field(default_factory=dict)

    def known_for(self, implementation: str) -> list[divergences.KnownDivergence]:
        """The known divergences a check of ``implementation`` can match, found once for each:
        collection matches thousands of checks, and most entries name a few implementations."""
        if implementation not in self.known_by_implementation:
            self.known_by_implementation[implementation] = [
                k for k in self.options.known if k.may_match("implementation", implementation)
            ]
        return self.known_by_implementation[implementation]

    def framework(self, name: str) -> Framework | str:
        """The framework with the implementations to check, on the devices and in the modes
        selected, or why it is missing (loaded once)."""
        if not self.frameworks:  # the first: those imported first go before it (once each)
            for first in (n for n in IMPORTED_FIRST if n != name and n in self.options.selected):
                self.frameworks[first] = self._load(first)
        if name not in self.frameworks:
            self.frameworks[name] = self._load(name)
        return self.frameworks[name]

    def _load(self, name: str) -> Framework | str:
        """Framework ``name`` as the run selected it, or why it is missing."""
        o = self.options
        try:
            fw = load(name, o.precision_defaults)
        except FrameworkMissing as e:
            return str(e)
        self.found_devices[name] = list(fw.devices)
        self.builtins[name] = list(fw.implementations)
        own = fw.implementations if o.builtin is None or name in o.builtin else []
        return replace(
            fw,
            implementations=[*own, *(u for u in o.user if u.framework == name)],
            devices=[d for d in fw.devices if device_selected(d, o.devices)],
            modes=tuple(m for m in fw.modes if m.name in o.modes),
        )

    def cases(self) -> tuple[list[Case], list[CaseError]]:
        if self.loaded_cases is None:
            self.loaded_cases = load_all(self.options.cases_dir)
        return self.loaded_cases

    def check_devices(self) -> None:
        """Every name given to --device is a device (or platform) of a selected framework; else
        a usage error that lists the devices there are. Loads the frameworks only when --device
        is given (which devices exist is known no other way)."""
        if not self.options.devices:
            return
        for name in self.options.selected:
            self.framework(name)
        if not self.found_devices:
            return  # no selected framework is installed: each is skipped, with why
        found = [d for devices in self.found_devices.values() for d in devices]
        unknown = [n for n in self.options.devices if not any(device_selected(d, (n,)) for d in found)]
        if unknown:
            there = "; ".join(f"{fw}: {', '.join(ds)}" for fw, ds in self.found_devices.items())
            raise pytest.UsageError(f"--device: no device {', '.join(unknown)}; there are {there}")


def device_selected(device: str, named: tuple[str, ...]) -> bool:
    """Whether ``device`` ("cpu:1") is one of ``named`` (full names, or platforms: "cuda");
    cuda (PyTorch's name) and gpu (JAX's and TensorFlow's) select the same devices."""
    if not named or device in named or device.split(":")[0] in named:
        return True
    platform, _, index = device.partition(":")
    if platform not in GPU_PLATFORMS:
        return False
    other = GPU_PLATFORMS[1 - GPU_PLATFORMS.index(platform)]
    return other in named or f"{other}:{index}" in named
