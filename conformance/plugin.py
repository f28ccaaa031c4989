"""pytest glue: options, parametrisation over case x implementation x device x dtype, and
collecting every outcome into the results file."""

from __future__ import annotations

import dataclasses
import glob
import os
import re
import shlex
import signal
import sys
import tempfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, cast

import pytest
from hypothesis import HealthCheck, settings
from hypothesis.errors import InvalidArgument

from conformance import divergences, edges, golden, properties, report, results, user
from conformance.adapters import FRAMEWORKS, Framework, FrameworkMissing, Implementation, Unsupported, load
from conformance.adapters.base import DTYPES, EAGER, HOST_DEVICES, MODES, PLATFORMS
from conformance.cases import CASES_DIR, Case, CaseError, Observed, load_all, to_toml
from conformance.cases import digest as cases_digest
from conformance.checks import CheckFailure, Divergence, Point, Raised
from conformance.results import OUTCOMES

STATE = pytest.StashKey["State"]()
PROFILE = pytest.StashKey[str]()
SEED = pytest.StashKey[int]()  # the Hypothesis seed a property check drew with (none when derandomised)

# Hypothesis profiles (--hypothesis-profile NAME): "default" for pytest conformance, "ci"
# (chosen when the CI variable is set) deterministic, "thorough" ten times the examples.
# No deadline: first calls compile (JAX, TensorFlow) and would flake against one. The parent
# is Hypothesis's own "default", named: left out, it is the profile loaded at import, which
# where CI is set is Hypothesis's derandomised "ci", and "default" would inherit that.
settings.register_profile(
    "default",
    settings.get_profile("default"),
    max_examples=100,
    deadline=None,
    report_multiple_bugs=False,
    print_blob=True,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.filter_too_much,
        HealthCheck.function_scoped_fixture,
        HealthCheck.differing_executors,
    ],
)
# "ci" draws a fixed sample, smaller: a CI machine of 2 cores runs every framework, four
# dtypes and the compiled modes in one job; users' runs draw 100 new examples every time.
CI_EXAMPLES = 25
settings.register_profile(
    "ci", settings.get_profile("default"), derandomize=True, database=None, max_examples=CI_EXAMPLES
)


def _draw_no_constants_from_source() -> None:
    """Keep Hypothesis from drawing constants found in the source of local modules.

    Hypothesis (6.131 and later) draws about 5% of its values from the literals of the local
    modules imported so far, collected under a 100 ms time limit. Which modules are imported
    before a check depends on the frameworks selected, on xdist's scheduling and on the
    machine's load, so a derandomised run would not draw the same examples twice (seen: two
    ci-profile runs differing in known divergences found). The pool is kept empty: a check
    draws what its profile and seed say, nothing else. (No public setting does this.)
    """
    try:
        from hypothesis.internal.conjecture import providers
    except ImportError:  # pragma: no cover - an older Hypothesis has no such pool
        return
    if hasattr(providers, "_get_local_constants") and hasattr(providers, "Constants"):
        empty = providers.Constants()
        providers._get_local_constants = lambda *_args, **_kwargs: empty


_draw_no_constants_from_source()
settings.register_profile("thorough", settings.get_profile("default"), max_examples=1000)


@dataclass(frozen=True)
class Spec:
    """One parametrised check: which test, which case, and where it runs."""

    test: str
    case: Case | None = None
    point: Point | None = None
    other: Case | None = None
    framework: str = ""
    known: divergences.KnownDivergence | None = None  # the known divergence it is expected to show
    edge: str = ""  # the edge input (edges.py) of a convention check
    mode: str = ""  # the mode of a check that no point runs: one selected but unavailable here

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


@dataclass
class State:
    """What one run loads once: frameworks, cases, known divergences; and what it records."""

    selected: tuple[str, ...]
    cases_dir: Path
    known: list[divergences.KnownDivergence]
    frameworks: dict[str, Framework | str] = field(default_factory=dict)
    loaded_cases: tuple[list[Case], list[CaseError]] | None = None
    user: tuple[Implementation, ...] = ()  # the user's own implementations (--impl)
    builtin: tuple[str, ...] | None = None  # frameworks whose own implementations run (None: all)
    dtypes: tuple[str, ...] = DTYPES  # --dtype
    modes: tuple[str, ...] = MODES  # --mode
    devices: tuple[str, ...] = ()  # --device: names or platforms (none: every device)
    precision_defaults: bool = False  # --precision-defaults
    found_devices: dict[str, list[str]] = field(default_factory=dict)  # each framework's, unfiltered
    described: set[str] = field(default_factory=set)  # frameworks whose description went out

    def framework(self, name: str) -> Framework | str:
        """The framework with the implementations to check, on the devices and in the modes
        selected, or why it is missing (loaded once)."""
        if name not in self.frameworks:
            try:
                fw = load(name, self.precision_defaults)
            except FrameworkMissing as e:
                self.frameworks[name] = str(e)
            else:
                self.found_devices[name] = list(fw.devices)
                own = fw.implementations if self.builtin is None or name in self.builtin else []
                self.frameworks[name] = replace(
                    fw,
                    implementations=[*own, *(u for u in self.user if u.framework == name)],
                    devices=[d for d in fw.devices if device_selected(d, self.devices)],
                    modes=tuple(m for m in fw.modes if m.name in self.modes),
                )
        return self.frameworks[name]

    def cases(self) -> tuple[list[Case], list[CaseError]]:
        if self.loaded_cases is None:
            self.loaded_cases = load_all(self.cases_dir)
        return self.loaded_cases


GPU_NAMES = ("cuda", "gpu")  # PyTorch says cuda:N, JAX and TensorFlow gpu:N: either selects both


def device_selected(device: str, named: tuple[str, ...]) -> bool:
    """Whether ``device`` ("cpu:1") is one of ``named`` (full names, or platforms: "cuda")."""
    if not named or device in named or device.split(":")[0] in named:
        return True
    platform, _, index = device.partition(":")
    if platform not in GPU_NAMES:
        return False
    other = GPU_NAMES[1 - GPU_NAMES.index(platform)]
    return other in named or f"{other}:{index}" in named


def use_host_devices(count: int) -> None:
    """Give JAX (XLA_FLAGS) and TensorFlow (adapters read HOST_DEVICES) ``count`` host devices;
    only possible before either has started."""
    started = [m for m in ("jax", "tensorflow") if m in sys.modules]
    if started:
        raise pytest.UsageError(f"--host-devices: {', '.join(started)} started before the suite could set it")
    flag = "--xla_force_host_platform_device_count"
    flags = [f for f in os.environ.get("XLA_FLAGS", "").split() if not f.startswith(flag)]
    os.environ["XLA_FLAGS"] = " ".join([*flags, f"{flag}={count}"])
    os.environ[HOST_DEVICES] = str(count)


def check_devices(state: State) -> None:
    """Every name given to --device is a device (or platform) of a selected framework; else a
    usage error that lists the devices there are. Loads the frameworks only when --device is
    given (which devices exist is known no other way)."""
    bad = [n for n in state.devices if n.split(":")[0] not in PLATFORMS or n.count(":") > 1]
    if bad:
        raise pytest.UsageError(
            f"--device: not a device: {', '.join(bad)}; give platform:index (cpu:0) or a platform "
            f"({', '.join(PLATFORMS)})"
        )
    if not state.devices:
        return
    for name in state.selected:
        state.framework(name)
    if not state.found_devices:
        return  # no selected framework is installed: each is skipped, with why
    found = [d for devices in state.found_devices.values() for d in devices]
    unknown = [n for n in state.devices if not any(device_selected(d, (n,)) for d in found)]
    if unknown:
        there = "; ".join(f"{fw}: {', '.join(ds)}" for fw, ds in state.found_devices.items())
        raise pytest.UsageError(f"--device: no device {', '.join(unknown)}; there are {there}")


def split_names(value: str) -> tuple[str, ...]:
    """The names of a comma list, stripped, each once, in order."""
    return tuple(dict.fromkeys(n.strip() for n in value.split(",") if n.strip()))


def comma_list(config: pytest.Config, option: str, known: tuple[str, ...]) -> tuple[str, ...]:
    """The names given to ``--option`` (a comma list), all of ``known`` if none; an unknown
    name is a usage error that lists the known ones."""
    given = config.getoption(option)
    names = split_names(given or ",".join(known))
    unknown = [n for n in names if n not in known]
    if unknown or not names:
        flag = f"--{option.replace('_', '-')}"
        raise pytest.UsageError(
            f"{flag}: unknown {', '.join(unknown) or '(empty)'}; known: {', '.join(known)}"
        )
    return names


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("conformance")
    group.addoption(
        "--framework",
        default=None,
        help=f"comma list of frameworks to check (default: all of {', '.join(FRAMEWORKS)}; "
        "with --impl, none but the user's)",
    )
    group.addoption(
        "--impl",
        action="append",
        default=[],
        metavar="FRAMEWORK:MODULE:ATTR",
        help="check your own loss: a function loss(logits, labels, label_smoothing) or a class "
        "built with the smoothing factor and called as instance(logits, labels), taking FRAMEWORK's "
        "tensors, in MODULE (dotted, or a .py file); may be given several times",
    )
    group.addoption(
        "--results",
        default="reports/results.json",
        help="where to write the results file (default: reports/results.json; an empty value: none)",
    )
    group.addoption(
        "--report",
        default=str(report.DEFAULT_PATH),
        help=f"where to write the HTML parity report of the run (default: {report.DEFAULT_PATH}; "
        "an empty value: none). Several runs' results merge with conformance-report.",
    )
    group.addoption(
        "--dtype",
        default=None,
        help=f"comma list of dtypes to check (default: all of {', '.join(DTYPES)}); convention checks "
        "run in float32 (none without it), a document's number in the document's dtype",
    )
    group.addoption(
        "--mode",
        default=None,
        help=f"comma list of execution modes (default: all of {', '.join(MODES)}; each framework "
        "runs those it has: jit is JAX's, function and function-xla TensorFlow's, compile PyTorch's). "
        "Golden and convention checks run in every mode, property checks eagerly (a compiler "
        "would compile anew for every drawn shape) unless --mode names no eager",
    )
    group.addoption(
        "--device",
        default=None,
        help="comma list of devices (cpu:0, cuda:1) or platforms (cpu, cuda, gpu, mps, tpu) to check "
        "on (default: every device each framework sees; cuda and gpu name the same devices); a name "
        "no framework has is an error",
    )
    group.addoption(
        "--host-devices",
        type=int,
        default=None,
        metavar="N",
        help="give JAX (XLA_FLAGS) and TensorFlow (logical devices) N host CPU devices, so that "
        "every check runs once on each: the multi-device path, without an accelerator",
    )
    group.addoption(
        "--precision-defaults",
        action="store_true",
        help="leave the frameworks' precision settings as they are (TF32 matmuls in PyTorch and "
        "TensorFlow, JAX's default matmul precision); by default the most precise are set",
    )
    group.addoption("--cases-dir", default=str(CASES_DIR), help="folder of golden case files")
    group.addoption(
        "--check-timeout",
        type=float,
        default=CHECK_TIMEOUT,
        help=f"seconds one check may take before it is stopped and recorded as errored (default "
        f"{CHECK_TIMEOUT:g}; pytest-timeout's own --timeout, if given, takes precedence)",
    )
    group.addoption(
        "--known-divergences", default=str(divergences.DEFAULT_PATH), help="known divergences file"
    )
    group.addoption(
        "--write-failures",
        default=None,
        metavar="DIR",
        help="write each property check's shrunk failing example to DIR as a golden case file",
    )


def spec_of(item: pytest.Item) -> Spec | None:
    """The conformance check an item runs, or None for any other test."""
    callspec = getattr(item, "callspec", None)
    spec = callspec.params.get("spec") if callspec is not None else None
    return spec if isinstance(spec, Spec) else None


CHECK_TIMEOUT = 600.0  # seconds: a hung check is stopped; the slowest real ones take about a minute


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """A time limit on every check (pytest-timeout), so that one that hangs is stopped and
    recorded, and the run goes on."""
    if not config.pluginmanager.hasplugin("timeout"):
        return
    if (
        config.getoption("timeout", None) is not None
        or os.environ.get("PYTEST_TIMEOUT")
        or config.getini("timeout")
    ):
        return  # pytest-timeout's own setting (even 0, none) stands
    method = "signal" if hasattr(signal, "SIGALRM") else "thread"
    limit = pytest.mark.timeout(config.getoption("check_timeout"), method=method)
    for item in items:
        if spec_of(item) is not None:
            item.add_marker(limit)


PROFILES = ("default", "ci", "thorough")


WORKER_MEMORY = 4 << 30  # bytes a worker may take with every framework imported


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads its -n
def pytest_cmdline_main(config: pytest.Config) -> None:
    """Use the machine: without -n, a run with pytest-xdist installed runs on every core
    (``-n auto``), at most one worker per WORKER_MEMORY of the host's memory, as a serial run
    would, with the same outcomes and one results file; ``-n 0`` runs serially. Not under
    --pdb, --trace or --collect-only, in a worker, or where an NVIDIA GPU is visible (JAX and
    TensorFlow each take most of its memory per process: a second worker would run out)."""
    if not config.pluginmanager.hasplugin("xdist") or hasattr(config, "workerinput"):
        return
    option = config.option
    if getattr(option, "numprocesses", None) is not None or getattr(option, "tx", None):
        return  # the user chose
    if getattr(option, "dist", "no") != "no" or option.usepdb or option.trace or option.collectonly:
        return
    if glob.glob("/dev/nvidia[0-9]*"):
        return
    option.numprocesses = "auto"
    if not getattr(option, "maxprocesses", None) and hasattr(os, "sysconf"):
        memory = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        option.maxprocesses = max(1, memory // WORKER_MEMORY)


@pytest.hookimpl(tryfirst=True)  # before Hypothesis' own plugin loads (and trips on) the profile
def pytest_configure(config: pytest.Config) -> None:
    profile = config.getoption("hypothesis_profile", None)
    if profile is not None and profile not in PROFILES:
        try:
            settings.get_profile(profile)
        except InvalidArgument:
            raise pytest.UsageError(
                f"--hypothesis-profile: no profile {profile!r}; known: {', '.join(PROFILES)}"
            ) from None
    named = config.getoption("framework")
    selected = comma_list(config, "framework", FRAMEWORKS)
    dtypes, modes = comma_list(config, "dtype", DTYPES), comma_list(config, "mode", MODES)
    host_devices = config.getoption("host_devices")
    if host_devices is not None:
        if host_devices < 1:
            raise pytest.UsageError(f"--host-devices: {host_devices}; at least 1")
        use_host_devices(host_devices)
    try:
        own = tuple(user.load(spec) for spec in config.getoption("impl"))
    except user.UserImplementationError as e:
        raise pytest.UsageError(str(e)) from e
    if own:  # the user's frameworks, beside those --framework names
        selected = tuple(dict.fromkeys([*(selected if named else ()), *(u.framework for u in own)]))
    try:
        known = divergences.load(Path(config.getoption("known_divergences")))
    except (OSError, ValueError) as e:
        raise pytest.UsageError(f"--known-divergences: {e}") from e
    cases_dir = Path(config.getoption("cases_dir"))
    if not cases_dir.is_dir() or not any(cases_dir.glob("*.toml")):
        raise pytest.UsageError(f"--cases-dir: {cases_dir} is not a folder of *.toml case files")
    profile = config.getoption("hypothesis_profile", None)
    if profile is None:
        profile = "ci" if os.environ.get("CI") else "default"
        settings.load_profile(profile)
    config.stash[PROFILE] = profile
    # with --impl, the frameworks' own implementations only of those --framework names
    builtin = None if not own else split_names(named or "")
    config.stash[STATE] = State(
        selected,
        cases_dir,
        known,
        user=own,
        builtin=builtin,
        dtypes=dtypes,
        modes=modes,
        devices=split_names(config.getoption("device") or ""),
        precision_defaults=config.getoption("precision_defaults"),
    )
    check_devices(config.stash[STATE])
    config.pluginmanager.register(Recorder(config), "conformance-recorder")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "spec" not in metafunc.fixturenames:
        return
    state = metafunc.config.stash[STATE]
    test = metafunc.function.__name__.removeprefix("test_")
    params = [_param(state, spec) for spec in _specs(state, test)]
    metafunc.parametrize("spec", params)


def _specs(state: State, test: str) -> list[Spec]:
    cases, _ = state.cases()
    by_id = {(c.path, c.id): c for c in cases}  # same_as names a case of the same file
    if test == "case_files":
        return [Spec(test)]
    if test == "document":
        return [Spec(test, case=c) for c in cases if c.observed is not None]
    if test == "property":
        return _property_specs(state)
    if test == "mode":
        return _unavailable_mode_specs(state)
    if test == "convention":
        return _convention_specs(state)
    specs: list[Spec] = []
    for name, fw in _installed(state, test, specs):
        for case in cases:
            if test == "same_as" and case.same_as is None:
                continue
            if test == "document_reproduced" and (
                case.observed is None
                or case.observed.implementation not in {i.name for i in fw.implementations}
            ):
                continue
            other = by_id[case.path, case.same_as] if case.same_as else None
            observed = case.observed or Observed(float("nan"), "", "", "")  # (only a document's is read)
            for label_kind in case.label_kinds:
                if other is not None and label_kind not in other.label_kinds:
                    continue
                for impl in fw.implementations:
                    if impl.operation != case.operation:
                        continue
                    if test == "document_reproduced" and impl.name != observed.implementation:
                        continue
                    dtypes = (observed.dtype,) if test == "document_reproduced" else state.dtypes
                    for device in fw.devices:
                        for dtype in dtypes:
                            for mode in _modes(fw, test, impl):
                                point = Point(fw, impl, device, dtype, label_kind, mode)
                                specs.append(Spec(test, case, point, other, name))
    return specs


def _installed(state: State, test: str, specs: list[Spec]) -> Iterator[tuple[str, Framework]]:
    """The selected frameworks that are installed; for each missing one, a spec of ``test``
    that is skipped with the reason goes into ``specs`` (in order)."""
    for name in state.selected:
        fw = state.framework(name)
        if isinstance(fw, str):
            specs.append(Spec(test, framework=name))
        else:
            yield name, fw


def _property_specs(state: State) -> list[Spec]:
    specs: list[Spec] = []
    for name, fw in _installed(state, "property", specs):
        for prop_name, prop in properties.PROPERTIES.items():
            for impl in (i for i in fw.implementations if i.operation == prop.operation):
                for label_kind in prop.label_kinds(impl):
                    for device in fw.devices:
                        for dtype in state.dtypes:
                            if impl.unsupported(label_kind, prop.reduction or "mean", dtype) is not None:
                                continue
                            for mode in _modes(fw, "property", impl):
                                point = Point(fw, impl, device, dtype, label_kind, mode)
                                specs.append(Spec(prop_name, point=point, framework=name))
    return specs


def _modes(fw: Framework, test: str, impl: Implementation) -> list[str]:
    """The modes a test runs in: golden and convention checks in every mode selected;
    property checks eagerly (a compiler compiles anew for each drawn shape: minutes per
    check), or in the compiled modes if eager is not selected; a document's number as the
    document ran it, eagerly; an implementation that is ``eager_only``, eagerly."""
    names = [m.name for m in fw.modes]
    if test == "document_reproduced" or impl.eager_only:
        return [EAGER] if EAGER in names else []
    if test == "property" and EAGER in names:
        return [EAGER]
    return names


def _unavailable_mode_specs(state: State) -> list[Spec]:
    """A selected mode a framework has but cannot run here (torch.compile without a C++
    compiler): one check, unsupported with why, so that a run that asked for it says so."""
    specs: list[Spec] = []
    for name, fw in _installed(state, "mode", specs):
        specs += [Spec("mode", framework=name, mode=m) for m in fw.unavailable if m in state.modes]
    return specs


def _convention_specs(state: State) -> list[Spec]:
    """Each of the frameworks' own implementations on each edge input that concerns it, in
    float32 (a convention is about what is computed, not how precisely; none when float32 is
    not selected), in every mode (a compiler may not check what the eager op does)."""
    specs: list[Spec] = []
    if "float32" not in state.dtypes:
        return specs
    for name, fw in _installed(state, "convention", specs):
        for impl in fw.implementations:
            if impl in state.user or impl.operation != "softmax_cross_entropy":
                continue  # the user declares no conventions; the edges are softmax cross-entropy's
            for label_kind in sorted(impl.label_kinds):
                # on the host only: an out-of-range index is a device-side assert in CUDA,
                # which leaves the worker's CUDA context unusable
                for device in (d for d in fw.devices if d.startswith("cpu")):
                    for mode in _modes(fw, "convention", impl):
                        point = Point(fw, impl, device, "float32", label_kind, mode)
                        for edge_name, edge in edges.EDGES.items():
                            if edges.applies(edge, point):
                                specs.append(Spec("convention", point=point, framework=name, edge=edge_name))
    return specs


def _param(state: State, spec: Spec) -> Any:
    marks = []
    fw = state.frameworks.get(spec.framework)
    if isinstance(fw, str):
        marks.append(pytest.mark.skip(reason=f"skipped: {fw}"))
        return pytest.param(spec, id=f"{spec.framework}-not-installed", marks=marks)
    if spec.mode and isinstance(fw, Framework):
        marks.append(pytest.mark.skip(reason=f"unsupported: {fw.unavailable[spec.mode]}"))
    if spec.point is not None and spec.case is not None:
        case = spec.case
        why = spec.point.impl.unsupported(
            spec.point.label_kind, case.reduction, spec.point.dtype, case.label_smoothing, case.option_names
        )
        if why:
            marks.append(pytest.mark.skip(reason=f"unsupported: {why}"))
    known = divergences.find(state.known, spec.fields())
    if known is not None and not marks:
        marks.append(
            pytest.mark.xfail(
                reason=known.explain(),
                raises=(Raised, Divergence)
                if known.also_diverges
                else Raised
                if known.raises
                else Divergence,
                strict=known.strict,
            )
        )
        spec = replace(spec, known=known)
    return pytest.param(spec, id=spec.id(), marks=marks)


@pytest.hookimpl(wrapper=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function):
    """An implementation that finds out only when called that it cannot do a combination (or
    a user's that refuses a value) is skipped as such; an exception other than the one a
    known divergence expects is not excused by it."""
    try:
        return (yield)
    except Raised as e:
        spec = spec_of(pyfuncitem)
        known = spec.known if spec is not None else None
        if known is not None and known.raises and not known.expects(e.record["exception"]):
            raise RuntimeError(
                f"{e}\n  not the exception its known divergence expects ({known.raises})"
            ) from e
        raise
    except user.Rejected as e:
        pytest.skip(f"rejected: {e}")
    except Unsupported as e:
        pytest.skip(f"unsupported: {e}")


def reproduce_command(item: pytest.Item, seed: int | None = None) -> str:
    """One command that runs just this check again, with the options that shaped it: the
    case files, the known divergences, the Hypothesis profile in force and ``seed``."""
    words = ["pytest", item.nodeid]
    for option, default in (
        ("cases_dir", str(CASES_DIR)),
        ("known_divergences", str(divergences.DEFAULT_PATH)),
    ):
        value = item.config.getoption(option)
        if str(value) != default:
            words += [f"--{option.replace('_', '-')}", str(value)]
    for spec in item.config.getoption("impl"):
        words += ["--impl", spec]
    if item.config.getoption("framework"):
        words += ["--framework", item.config.getoption("framework")]
    if item.config.getoption("host_devices") is not None:  # else there is no cpu:1 to run on
        words += ["--host-devices", str(item.config.getoption("host_devices"))]
    if item.config.getoption("precision_defaults"):
        words += ["--precision-defaults"]
    profile = item.config.stash.get(PROFILE, "default")
    if profile != "default":
        words += ["--hypothesis-profile", profile]
    if seed is not None and not settings().derandomize:
        words += ["--hypothesis-seed", str(seed)]
    return shlex.join(words)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):
    outcome = yield
    report = outcome.get_result()
    spec = spec_of(item)
    if spec is None:
        return
    if not (report.when == "call" or (report.when == "setup" and not report.passed)):
        return
    record: dict[str, Any] = {"id": item.nodeid, **spec.fields()}
    error = call.excinfo.value if call.excinfo is not None else None
    record.update(cast(dict[str, Any], dict(item.user_properties).get("conformance", {})))
    if isinstance(error, CheckFailure):
        if report.failed:  # the check's own few lines say it all; no traceback through the suite
            report.longrepr = f"{type(error).__name__}: {error}"
        record.update(error.record)
        folder = item.config.getoption("write_failures")
        if folder and error.case is not None and error.case.drawn:
            record["written_case"] = str(write_failure(Path(folder), item, spec, error.case))
    record["outcome"] = _classify(item, report, error)
    if error is not None and not isinstance(error, pytest.skip.Exception):
        record["message"] = str(error)[:4000]
    elif report.skipped and isinstance(report.longrepr, tuple):
        record["message"] = str(report.longrepr[2]).removeprefix("Skipped: ")
    if spec.known is not None:
        record["known_divergence"] = spec.known.__dict__
    if spec.point is not None:  # what the implementation computes, and by which conventions
        record["operation"] = spec.point.impl.operation
        if spec.point.impl not in item.config.stash[STATE].user:  # the user declares none
            record["convention"] = dataclasses.asdict(spec.point.impl.convention)
    record["reproduce"] = reproduce_command(item, item.stash.get(SEED, None))
    report.user_properties.append(("conformance_record", record))
    state = item.config.stash[STATE]
    if spec.point is not None and spec.framework not in state.described:  # once per process
        state.described.add(spec.framework)
        report.user_properties.append(
            ("conformance_framework", {spec.framework: describe(spec.point.framework)})
        )


def describe(fw: Framework) -> dict[str, Any]:
    """A framework as the results file records it: version, devices (and what each is), the
    precision settings in force, the modes it ran in and those it could not, why."""
    return {
        "version": fw.version,
        "devices": list(fw.devices),
        "device_names": {d: fw.device_names.get(d, d) for d in fw.devices},
        "precision": fw.precision,
        "modes": [m.name for m in fw.modes],
        "unavailable_modes": fw.unavailable,
        **fw.details,
    }


def _classify(item: pytest.Item, report: pytest.TestReport, error: BaseException | None) -> str:
    if hasattr(report, "wasxfail"):  # a passing non-strict one did not show this run
        return "known divergence" if report.skipped else "passed"
    if report.failed and error is None and item.get_closest_marker("xfail"):
        return "stale divergence"
    if report.skipped:
        message = str(report.longrepr[2]) if isinstance(report.longrepr, tuple) else ""
        return next((o for o in ("unsupported", "rejected") if f"{o}:" in message), "skipped")
    if report.failed:
        return "diverged" if isinstance(error, CheckFailure) and not isinstance(error, Raised) else "errored"
    return "passed"


def crashed(report: pytest.TestReport) -> dict[str, Any]:
    """The record of a check whose process died under it (a segfault, say): pytest-xdist
    reports it from the controller, which knows only its id, and starts a new worker."""
    name = report.nodeid.split("::")[-1].split("[")[0].removeprefix("test_")
    message = str(report.longrepr)[-2000:] if report.longrepr else "the worker crashed"
    return {
        "id": report.nodeid,
        "test": name,
        "outcome": "errored",
        "exception": "the process running this check crashed",
        "message": f"the process running this check crashed (pytest-xdist restarted it): {message}",
        "reproduce": shlex.join(["pytest", report.nodeid]),
    }


def write_failure(folder: Path, item: pytest.Item, spec: Spec, case: Case) -> Path:
    """Write a shrunk failing example as a golden case file, so that it stays a regression case."""
    name = re.sub(r"[^A-Za-z0-9_.+=-]+", "-", spec.id()).strip("-")[:150]
    drawn = replace(
        case,
        id=name,
        description=f"shrunk by Hypothesis from {item.nodeid}",
        provenance=f"found by the property check {spec.test!r} on {spec.at.describe()}",
    )
    path = folder / f"{name}.toml"
    results.write_atomically(path, to_toml(drawn, golden.exact_expected(drawn), "property checks"))
    return path


class Recorder:
    """Collects every check's record (from xdist workers too) and writes the results file."""

    def __init__(self, config: pytest.Config):
        self.config = config
        self.records: list[dict[str, Any]] = []
        self.described: dict[str, dict[str, Any]] = {}  # from the workers, under xdist
        self.path: Path | None = None
        self.report: Path | None = None

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        described = dict(report.user_properties).get("conformance_framework", {})
        self.described.update(cast(dict[str, dict[str, Any]], described))
        record = dict(report.user_properties).get("conformance_record")
        if isinstance(record, dict):
            self.records.append(record)
        elif report.failed and report.when == "???" and "::test_" in report.nodeid:
            self.records.append(crashed(report))

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if hasattr(self.config, "workerinput") or not self.records:
            return
        wanted, report_path = self.config.getoption("results"), self.config.getoption("report")
        if not wanted and not report_path:
            return
        command = ["pytest", *self.config.invocation_params.args]
        ran = {r["case"] for r in self.records if "case" in r}
        cases = {c.id: c.summary() for c in self.config.stash[STATE].cases()[0] if c.id in ran}
        env = results.environment(self.frameworks(), command)
        env["hypothesis_profile"] = self.config.stash[PROFILE]
        env["cases_digest"] = cases_digest(self.config.stash[STATE].cases_dir)
        with tempfile.TemporaryDirectory() as folder:  # no results file asked for: the report's input
            path = Path(wanted) if wanted else Path(folder) / "results.json"
            results.write(path, self.records, env, cases)
            self.path = path if wanted else None
            if report_path:
                self.report = Path(report_path)
                report.write_report([path], self.report)

    def frameworks(self) -> dict[str, dict[str, Any]]:
        """Each framework's version and devices, or why it is missing. Under xdist the
        controller collects nothing, so what it lacks is read from the workers' records."""
        found: dict[str, dict[str, Any]] = {}
        for name, fw in self.config.stash[STATE].frameworks.items():
            if isinstance(fw, str):
                found[name] = {"missing": fw}
            else:
                found[name] = describe(fw)
        for name, description in self.described.items():
            found.setdefault(name, description)
        for r in self.records:
            name = str(r.get("framework", ""))
            if not name or ("missing" in found.get(name, {})):
                continue
            if name not in found:
                if r["outcome"] == "skipped" and "framework_version" not in r:
                    found[name] = {"missing": r.get("message", "").removeprefix("skipped: ")}
                    continue
                found[name] = {"version": r.get("framework_version", ""), "devices": []}
            if "device" in r and r["device"] not in found[name]["devices"]:
                found[name]["devices"].append(r["device"])
        return found

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if not self.records or hasattr(self.config, "workerinput"):
            return
        counts = Counter(record["outcome"] for record in self.records)
        terminalreporter.write_sep("-", "conformance")
        terminalreporter.write_line(", ".join(f"{counts[o]} {o}" for o in OUTCOMES if o in counts))
        for name, fw in self.frameworks().items():
            if "missing" in fw:
                terminalreporter.write_line(f"{name}: skipped: {fw['missing']}")

    def pytest_unconfigure(self, config: pytest.Config) -> None:
        """The run's last lines: where its results and report are (after pytest's own summary)."""
        reporter = config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            if self.path is not None:
                reporter.write_line(f"results written to {self.path}")
            if self.report is not None:
                reporter.write_line(f"parity report written to {self.report}")
