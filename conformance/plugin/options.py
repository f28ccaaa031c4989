"""The suite's command-line options, and the one frozen, validated object they become."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from conformance import divergences
from conformance.adapters import Implementation, user
from conformance.adapters.contract import HOST_DEVICES
from conformance.plugin.profiles import check_known, choose, register
from conformance.vocabulary import DTYPES, FRAMEWORKS, MODES, PLATFORMS

ALL, ROTATING, FIXED = "all", "rotating", "fixed"  # the compiled programs: every one, or a sample


@dataclass(frozen=True)
class Options:
    """What a run was asked to check, validated: every name known, every file readable."""

    selected: tuple[str, ...]  # frameworks to load
    known: tuple[divergences.KnownDivergence, ...]  # those whose version gate the installed versions pass
    cases_dir: Path
    profile: str  # the Hypothesis profile in force
    user: tuple[Implementation, ...] = ()  # the user's own implementations (--impl)
    builtin: tuple[str, ...] | None = None  # frameworks whose own implementations run (None: all)
    dtypes: tuple[str, ...] = DTYPES
    modes: tuple[str, ...] = MODES
    devices: tuple[str, ...] = ()  # names or platforms (none: every device)
    precision_defaults: bool = False
    fail_inherited: bool = False  # a user's check that inherits a framework's divergence fails
    # those outside their version gate here, each with why: they excuse nothing
    outside: tuple[tuple[divergences.KnownDivergence, str], ...] = ()
    compiled: str = ALL  # which compiled programs are built: ALL, ROTATING or FIXED (sampling.py)
    compile_budget: float = 0.0  # seconds of the rotating part of a sample


def compiled_rule(config: pytest.Config, profile: str) -> str:
    """Which compiled programs the run builds: as --compiled says; else every one under the
    thorough profile and where the run names what it checks (a node id, -k, --impl, --mode,
    --framework: what a user names is never sampled out), the ci profile's fixed sample under
    ci, and the rotating sample otherwise."""
    given = config.getoption("compiled")
    named = (
        config.getoption("keyword", "")
        or any("::" in str(a) for a in config.args)
        or config.getoption("impl")
        or config.getoption("mode")
        or config.getoption("framework")
    )
    if given == ALL or (given is None and (profile == "thorough" or named)):
        return ALL
    return FIXED if profile == "ci" else ROTATING


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


def use_host_devices(count: int) -> None:
    """Give JAX (XLA_FLAGS) and TensorFlow (adapters read HOST_DEVICES) ``count`` host devices;
    only possible before either has started."""
    if count < 1:
        raise pytest.UsageError(f"--host-devices: {count}; at least 1")
    started = [m for m in ("jax", "tensorflow") if m in sys.modules]
    if started:
        raise pytest.UsageError(f"--host-devices: {', '.join(started)} started before the suite could set it")
    flag = "--xla_force_host_platform_device_count"
    flags = [f for f in os.environ.get("XLA_FLAGS", "").split() if not f.startswith(flag)]
    os.environ["XLA_FLAGS"] = " ".join([*flags, f"{flag}={count}"])
    os.environ[HOST_DEVICES] = str(count)


def from_config(config: pytest.Config) -> Options:
    """The run's options, validated (a usage error names the option and what it accepts);
    sets up what must be set before a framework starts (host devices, the profile)."""
    register()
    given_profile = config.getoption("hypothesis_profile", None)
    check_known(given_profile)
    named = config.getoption("framework")
    alone = named is not None and named.strip() == "none"  # with --impl: the user's alone
    selected = () if alone else comma_list(config, "framework", FRAMEWORKS)
    dtypes, modes = comma_list(config, "dtype", DTYPES), comma_list(config, "mode", MODES)
    host_devices = config.getoption("host_devices")
    if host_devices is not None:
        use_host_devices(host_devices)
    try:
        own = tuple(user.load(spec) for spec in config.getoption("impl"))
    except user.UserImplementationError as e:
        raise pytest.UsageError(str(e)) from e
    if alone and not own:
        raise pytest.UsageError("--framework none: only with --impl (your implementations alone)")
    if own:  # the user's frameworks, beside those --framework names
        selected = tuple(dict.fromkeys([*(selected if named else ()), *(u.framework for u in own)]))
    try:
        known, outside = divergences.gated(divergences.load(Path(config.getoption("known_divergences"))))
    except (OSError, ValueError) as e:
        raise pytest.UsageError(f"--known-divergences: {e}") from e
    cases_dir = Path(config.getoption("cases_dir"))
    if not cases_dir.is_dir() or not any(cases_dir.glob("*.toml")):
        raise pytest.UsageError(f"--cases-dir: {cases_dir} is not a folder of *.toml case files")
    devices = split_names(config.getoption("device") or "")
    bad = [n for n in devices if n.split(":")[0] not in PLATFORMS or n.count(":") > 1]
    if bad:
        raise pytest.UsageError(
            f"--device: not a device: {', '.join(bad)}; give platform:index (cpu:0) or a platform "
            f"({', '.join(PLATFORMS)})"
        )
    profile = choose(given_profile)
    budget = config.getoption("compile_budget")
    if budget < 0:
        raise pytest.UsageError(f"--compile-budget: {budget:g}; at least 0 seconds")
    return Options(
        selected,
        tuple(known),
        cases_dir,
        profile,
        user=own,
        # with --impl, the own implementations of the user's frameworks beside theirs, or of
        # those --framework names (none: "none")
        builtin=None if not own else () if alone else split_names(named) if named else selected,
        dtypes=dtypes,
        modes=modes,
        devices=devices,
        precision_defaults=config.getoption("precision_defaults"),
        fail_inherited=config.getoption("fail_inherited"),
        outside=tuple(outside),
        compiled=compiled_rule(config, profile),
        compile_budget=budget,
    )
