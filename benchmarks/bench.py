"""A benchmark of the suite itself: where a run's time and memory go.

    python -m benchmarks.bench [--framework numpy,torch] [--examples 60] [--default-run] [--suite-run]
                                [--json reports/bench.json]

Prints, measured in this one run:

- import time of each framework (a fresh process each), and how long ``pytest conformance
  --framework numpy`` takes to collect, i.e. to start checking;
- per implementation and dtype: the bare framework call on prepared inputs (logits and labels
  already on the device; the result fetched to the host), the suite's whole cost per golden-
  style check (conversion, exact reference, comparison, record), and their ratio;
- property examples per second through the whole suite (the ``agreement`` property, drawn by
  Hypothesis) against the floor, which is Hypothesis's own cost per example of drawing the
  same cases plus the bare call; and, for JAX, how many XLA compilations the examples caused;
- each compiled mode (jax.jit, tf.function, tf.function with XLA, torch.compile): seconds and
  builds per check on new shapes, then on the same shapes again;
- the peak memory (RSS) of a process that checks the large-vocabulary case (K = 131072,
  batch 8) with every implementation of a framework, in every dtype;
- report generation at 1x and 10x the checks (it should stay linear);
- with ``--default-run`` (``pytest conformance``) and ``--suite-run`` (the ci profile on two
  workers): the run's wall time cold and warm, its builds, and the examples each framework's
  property checks judged per second (bench_run.py).

The figures are written as JSON too, so that a run can be compared with an earlier one.
Timings are medians; nothing here is asserted (docs/performance.md states the targets).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # before anything can import TensorFlow

from benchmarks import bench_run, rows
from benchmarks.builds import COMPILED_SHAPES, build_counter, compiled_mode_figures
from benchmarks.timing import (
    bare_call_seconds,
    examples_per_second,
    import_seconds,
    in_fresh_process,
    make_case,
    numpy_start_seconds,
    suite_check_seconds,
)
from conformance.adapters import FRAMEWORKS, FrameworkMissing, load
from conformance.checks.failures import Point
from conformance.results.results_file import write_atomically
from conformance.vocabulary import DTYPES

ROOT = bench_run.ROOT  # the checkout the suite runs from
TARGETS = {
    "example_ratio": 2.0,  # suite cost per property example, at most this times the floor
    "default_run_cold_s": 300.0,  # pytest conformance, every framework and dtype, empty compile caches
    "default_run_warm_s": 120.0,  # the same again, its caches filled
    "numpy_start_s": 1.0,  # --framework numpy starts checking
    "large_case_peak_mb": 2048.0,  # K = 131072, batch 8, every dtype
}


def property_figures(point: Point, examples: int) -> dict[str, Any]:
    """examples_per_second, and the programs the examples built (eager JAX compiles each
    primitive per new shape), where the adapter counts them."""
    found: dict[str, Any] = {}

    def run() -> None:
        found.update(examples_per_second(point, examples))

    if point.framework.built is None:
        run()
        found["compiles"] = None
    else:
        found["compiles"] = build_counter(point.framework)(run)
    return found


def report_seconds(records: int) -> float:
    """Seconds to merge and render a results file of ``records`` synthetic checks."""
    from conformance.report import write_report
    from conformance.results import results_file

    base = {
        "test": "loss",
        "framework": "numpy",
        "implementation": "x",
        "device": "cpu:0",
        "dtype": "float32",
        "labels": "indices",
        "operation": "softmax_cross_entropy",
        "outcome": "passed",
        "expected": [1.0],
        "got": [1.0],
        "error_eps": 0.5,
        "bound_eps": 8.0,
    }
    rows = [
        {**base, "id": f"c{i}", "case": f"case{i % 97}", "implementation": f"impl{i % 13}"}
        for i in range(records)
    ]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "r.json"
        results_file.write(path, rows, results_file.environment({}, ["bench"]))
        start = time.perf_counter()
        write_report([path], Path(folder) / "p.html")
        return time.perf_counter() - start


def measure(names: list[str], examples: int, runs: list[tuple[str, ...]]) -> dict[str, Any]:
    rng = np.random.default_rng(0)
    figures: dict[str, Any] = {
        "machine": {
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "python": sys.version.split()[0],
        },
        "imports_s": {},
        "implementations": [],
        "large_case_peak_mb": {},
        "compiled_modes": [],
        "missing": {},
        "judged_rows": {},
    }
    figures["numpy_start_s"] = numpy_start_seconds()
    for name in names:
        try:
            fw = load(name)
        except FrameworkMissing as e:
            figures["missing"][name] = str(e)
            continue
        figures["imports_s"][name] = import_seconds(name)
        figures["judged_rows"][name] = rows.judged_row_figures(fw, examples)
        for impl in fw.implementations:
            case, kind = make_case(impl, rng)
            for dtype in (d for d in DTYPES if d in impl.dtypes):
                point = Point(fw, impl, fw.devices[0], dtype, kind)
                bare = bare_call_seconds(fw, impl, case, kind, dtype)
                suite = suite_check_seconds(point, impl, rng)
                row: dict[str, Any] = {
                    "framework": name,
                    "implementation": impl.name,
                    "dtype": dtype,
                    "bare_s": bare,
                    "suite_check_s": suite,
                }
                if dtype == "float32":  # the property figures, once per implementation
                    row.update(property_figures(point, examples))
                    row["floor_s"] = row["hypothesis"] + bare
                figures["implementations"].append(row)
        figures["compiled_modes"] += compiled_mode_figures(fw, rng)
        figures["large_case_peak_mb"][name] = float(in_fresh_process(["-m", "benchmarks.large_case", name]))
    small, large = report_seconds(2000), report_seconds(20000)
    figures["report_s"] = {"2000": small, "20000": large, "ratio": large / small}
    figures["runs"] = [bench_run.run_figures(args) for args in runs]
    figures["targets"] = TARGETS
    return figures


def table(figures: dict[str, Any], examples: int) -> str:
    ms = 1e3
    lines = [f"machine: {figures['machine']}", ""]
    lines.append("import time: " + ", ".join(f"{n} {s:.2f} s" for n, s in figures["imports_s"].items()))
    start = figures["numpy_start_s"]
    lines.append(
        f"pytest conformance --framework numpy starts checking after {start:.2f} s "
        f"(target {TARGETS['numpy_start_s']:g} s)"
    )
    for name, why in figures["missing"].items():
        lines.append(f"{name}: not measured: {why}")
    lines += [
        "",
        f"{'implementation':<62} {'dtype':<8} {'bare ms':>8} {'check ms':>9} {'ratio':>6}"
        f" {'example ms':>10} {'built ms':>9} {'floor ms':>9} {'ratio':>6} {'built':>6} {'compiles':>8}",
    ]
    for r in figures["implementations"]:
        prop = ""
        if "suite" in r:
            compiles = "" if r["compiles"] is None else str(r["compiles"])
            prop = (
                f" {r['suite'] * ms:>10.2f} {r['suite_built'] * ms:>9.2f} {r['floor_s'] * ms:>9.2f}"
                f" {r['suite'] / r['floor_s']:>6.1f} {r['suite_built'] / r['floor_s']:>6.1f} {compiles:>8}"
            )
        lines.append(
            f"{r['implementation'][:62]:<62} {r['dtype']:<8} {r['bare_s'] * ms:>8.3f} "
            f"{r['suite_check_s'] * ms:>9.2f} {r['suite_check_s'] / r['bare_s']:>6.0f}{prop}"
        )
    lines.append(
        f"(property figures: the agreement property, {examples} examples in float32, first in a process "
        f"that built none of their programs, then again with them built; floor = Hypothesis drawing "
        f"the same cases + the bare call; target ratio {TARGETS['example_ratio']:g})"
    )
    lines += rows.lines(figures["judged_rows"], examples)
    lines += [
        "",
        f"{'compiled mode':<18} {'implementation':<50} {'new shape: s/check':>18} {'compiles':>8}"
        f" {'seen shape: s/check':>19} {'compiles':>8}",
    ]
    for r in figures["compiled_modes"]:
        lines.append(
            f"{r['framework'] + ' ' + r['mode']:<18} {r['implementation'][:50]:<50} {r['new_shape_s']:>18.3f}"
            f" {r['new_shape_compiles']:>8.1f} {r['seen_shape_s']:>19.3f} {r['seen_shape_compiles']:>8.1f}"
        )
    lines.append(
        "(a gradient check in float32 of shapes "
        + ", ".join(f"{n}x{k}" for n, k in COMPILED_SHAPES)
        + "; compiles: XLA builds (JAX), tf.function traces (TensorFlow), dynamo graphs (PyTorch), per check)"
    )
    lines += [
        "",
        "peak memory of the large case (K = 131072, batch 8, every dtype, loss and gradient): "
        + ", ".join(f"{n} {mb:.0f} MB" for n, mb in figures["large_case_peak_mb"].items())
        + f" (target {TARGETS['large_case_peak_mb']:g} MB)",
    ]
    rep = figures["report_s"]
    lines.append(
        f"report: 2000 checks {rep['2000']:.2f} s, 20000 checks {rep['20000']:.2f} s "
        f"(x{rep['ratio']:.1f} for 10x the checks)"
    )
    for run in figures["runs"]:
        lines += ["", *bench_run.lines(run, TARGETS["default_run_cold_s"], TARGETS["default_run_warm_s"])]
    if not figures["runs"]:
        lines.append("whole runs: not timed (--default-run, --suite-run)")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--framework", default=",".join(FRAMEWORKS), help="comma list (default: all)")
    parser.add_argument("--examples", type=int, default=60, help="property examples per implementation")
    parser.add_argument(
        "--default-run", action="store_true", help="also time pytest conformance, cold and warm"
    )
    parser.add_argument(
        "--suite-run", action="store_true", help="also time the ci-profile run (-n 2), cold and warm"
    )
    parser.add_argument(
        "--json", type=Path, default=Path("reports/bench.json"), help="where to write figures"
    )
    args = parser.parse_args(argv)
    names = [n.strip() for n in args.framework.split(",") if n.strip()]
    unknown = [n for n in names if n not in FRAMEWORKS]
    if unknown:
        parser.error(f"unknown framework {', '.join(unknown)}; known: {', '.join(FRAMEWORKS)}")
    with warnings.catch_warnings():  # Keras warns on the one-class cases drawn on purpose
        warnings.simplefilter("ignore")
        runs = [bench_run.DEFAULT_RUN] * args.default_run + [bench_run.CI_RUN] * args.suite_run
        figures = measure(names, args.examples, runs)
    print(table(figures, args.examples))
    write_atomically(args.json, json.dumps(figures, indent=1))
    print(f"\nfigures written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
