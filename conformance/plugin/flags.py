"""The options the plugin registers in every pytest session: their names, defaults and help,
and nothing that reads them (options.py validates them when the suite runs). Imports only
names and paths, so that a session that does not run the suite pays nothing for the plugin."""

from __future__ import annotations

import pytest

from conformance.paths import CASES_DIR, KNOWN_DIVERGENCES, REPORT, RESULTS
from conformance.vocabulary import DTYPES, FRAMEWORKS, MODES

CHECK_TIMEOUT = 600.0  # seconds: a hung check is stopped; the slowest real ones take about a minute
COMPILE_BUDGET = 60.0  # seconds of compiled programs a default run builds beyond every kind's one
SHRINK_BUDGET = 60.0  # seconds a run may spend shrinking failures (plugin/shrinking.py)


def addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("conformance")
    group.addoption(
        "--framework",
        default=None,
        help=f"comma list of frameworks to check (default: all of {', '.join(FRAMEWORKS)}); with "
        "--impl, the frameworks whose own implementations run beside yours (default: those of your "
        "implementations; none: yours alone)",
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
        default=str(RESULTS),
        help=f"where to write the results file (default: {RESULTS}; an empty value: none)",
    )
    group.addoption(
        "--report",
        default=str(REPORT),
        help=f"where to write the HTML parity report of the run (default: {REPORT}; "
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
        "runs those it has: jit is JAX's, function and function-xla TensorFlow's, compile PyTorch's and "
        "MLX's, to_static Paddle's). "
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
    group.addoption(
        "--compiled",
        choices=("sample", "all"),
        default=None,
        help="which compiled programs (golden checks in jit, function, function-xla, compile) to "
        "build: all, or a sample (every kind of program, those a known divergence ties to a "
        "compiled mode, the large vocabularies, the last run's failures, and --compile-budget "
        "seconds of the rest, least recently judged first; the others deferred to later runs). "
        "Default: all under the thorough profile or where the run names what it checks (node ids, "
        "-k, --impl, --mode, --framework); the ci profile's sample is the same every run",
    )
    group.addoption(
        "--compile-budget",
        type=float,
        default=COMPILE_BUDGET,
        metavar="SECONDS",
        help=f"with a sample of the compiled programs: the seconds (each program's last measured "
        f"time, or an estimate) of the rotating part (default {COMPILE_BUDGET:g})",
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
        "--shrink-budget",
        type=float,
        default=SHRINK_BUDGET,
        metavar="SECONDS",
        help=f"seconds the run may spend shrinking property checks' failures (default "
        f"{SHRINK_BUDGET:g}; each pytest-xdist worker, side by side), distinct failures first: one "
        "whose cause was shrunk already, or met once the budget is spent, is shown as first met, "
        "and the verdict says how many were",
    )
    group.addoption(
        "--known-divergences",
        default=str(KNOWN_DIVERGENCES),
        help="known divergences: a folder of *.toml files (every one, by name), or one file",
    )
    group.addoption(
        "--fail-inherited",
        action="store_true",
        help="with --impl: a check where your loss returns, bit for bit, what its framework's own "
        "implementation returns, and that is a known divergence of the framework's, fails the run "
        "(by default it is that divergence, inherited: an expected failure, named in the verdict)",
    )
    group.addoption(
        "--write-failures",
        default=None,
        metavar="DIR",
        help="write each property check's shrunk failing example to DIR as a golden case file",
    )
