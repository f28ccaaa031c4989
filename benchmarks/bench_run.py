"""The benchmark's whole-run figures: ``pytest conformance`` timed cold (empty compile caches)
and then warm (the caches the cold run filled), with what each framework built and how many
examples its property checks judged per second.

    python -m benchmarks.bench --default-run           # pytest conformance, as a user runs it
    python -m benchmarks.bench --suite-run             # the ci profile, -n 2, as CI runs it

Each run says the compiled programs it judged, of how many, and in how many runs the rotation
judges every one (plugin/sampling.py), and where its checks' time went (framework, mode, golden
or property).

Builds are counted from the caches the cold run filled: JAX's persistent cache (one entry per
XLA program built, eager ops included), inductor's (one AOTAutograd entry per program
torch.compile built, forward and backward together) and XLA's for TensorFlow (one entry per
cluster that tf.function(jit_compile=True) compiled; plain tf.function traces keep nothing on
disk and are not counted here: ``python -m benchmarks.bench`` counts them per check).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from collections import defaultdict
from pathlib import Path
from typing import Any

from conformance.adapters import jax_builds, tensorflow_adapter, torch_compile
from conformance.plugin import rotation
from conformance.results.results_file import read

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_RUN: tuple[str, ...] = ()  # pytest conformance as the README gives it: default profile, every core
CI_RUN = ("-n", "2", "--hypothesis-profile", "ci")
GOLDEN_TESTS = ("loss", "gradient", "same_as", "convention", "document_reproduced", "document", "case_files")
# runs a command and writes the peak resident memory of its largest process (an xdist worker,
# under -n) in kB to the file named first: Linux carries the largest reaped descendant's up
PEAK = (
    "import resource, subprocess, sys; code = subprocess.run(sys.argv[2:]).returncode; "
    "open(sys.argv[1], 'w').write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)); "
    "sys.exit(code)"
)


def timed_run(args: tuple[str, ...], env: dict[str, str], folder: Path) -> dict[str, Any]:
    """Run ``pytest conformance ARGS``; its wall time, outcomes, and per framework the examples
    its property checks judged and the seconds they took (from pytest's own junit durations)."""
    results, junit = folder / "results.json", folder / "junit.xml"
    peak = folder / "peak_kb"
    command = [sys.executable, "-c", PEAK, str(peak), sys.executable, "-m", "pytest", "conformance", "-q"]
    command += ["-p", "no:cacheprovider", *args]
    command += ["--results", str(results), "--report", "", "--junitxml", str(junit)]
    start = time.perf_counter()
    proc = subprocess.run(command, cwd=ROOT, env={**os.environ, **env}, capture_output=True, timeout=7200)
    wall = time.perf_counter() - start
    if not results.exists():
        return {"wall_s": wall, "error": (proc.stdout + proc.stderr)[-2000:].decode(errors="replace")}
    document = read(results)
    records = document["results"]
    seconds = junit_seconds(junit)
    outcomes: dict[str, int] = defaultdict(int)
    judged: dict[str, dict[str, float]] = defaultdict(lambda: {"examples": 0, "rows": 0, "seconds": 0.0})
    for r in records:
        outcomes[r["outcome"]] += 1
        if "examples" in r and "framework" in r:
            for field in ("examples", "rows"):
                judged[r["framework"]][field] += r.get(field, 0)
            judged[r["framework"]]["seconds"] += seconds.get(r["id"], 0.0)
    spent: dict[str, float] = defaultdict(float)  # where the time went
    for r in records:
        if r["id"] in seconds:
            kind = "golden" if r["test"] in GOLDEN_TESTS else "property"
            spent[f"{r.get('framework', '')} {r.get('mode', '')} {kind}"] += seconds[r["id"]]
    compiled = document["environment"].get("compiled_programs", {})
    return {
        "wall_s": wall,
        "checks_s": dict(sorted(spent.items(), key=lambda kv: -kv[1])),
        "compiled_programs": compiled.get("sentence", "none"),
        "peak_process_mb": int(peak.read_text()) / 1024 if peak.exists() else None,
        "exit_code": proc.returncode,
        "outcomes": dict(outcomes),
        "property_examples": {fw: j["examples"] for fw, j in judged.items()},
        "examples_per_s": {fw: j["examples"] / j["seconds"] for fw, j in judged.items() if j["seconds"]},
        "rows_per_s": {fw: j["rows"] / j["seconds"] for fw, j in judged.items() if j["seconds"]},
    }


def junit_seconds(path: Path) -> dict[str, float]:
    """Each check's duration by its node id, from a junit XML file."""
    found: dict[str, float] = {}
    for case in ET.parse(path).iter("testcase"):
        module = case.get("classname", "").replace(".", "/")
        found[f"{module}.py::{case.get('name')}"] = float(case.get("time") or 0.0)
    return found


def builds(caches: Path) -> dict[str, int]:
    """Programs built into the caches: XLA programs (JAX), torch.compile programs (inductor),
    XLA clusters of tf.function(jit_compile=True) (TensorFlow)."""
    inductor = caches / "inductor" / "aotautograd"
    return {
        "jax": len(list((caches / "jax").glob("*-cache"))),
        "torch": sum(1 for p in inductor.iterdir() if p.is_dir()) if inductor.is_dir() else 0,
        "tensorflow": len(list((caches / "tensorflow").rglob("*.pb"))),  # a folder per version
    }


def run_figures(args: tuple[str, ...]) -> dict[str, Any]:
    """``pytest conformance ARGS`` cold, then warm, with fresh cache folders of its own."""
    with tempfile.TemporaryDirectory() as folder:
        caches = Path(folder)
        env = {
            jax_builds.CACHE: str(caches / "jax"),
            torch_compile.CACHE: str(caches / "inductor"),
            tensorflow_adapter.CACHE: str(caches / "tensorflow"),
            "TORCHINDUCTOR_CACHE_DIR": "",  # (empty: the suite's folder above is used)
            "TF_XLA_FLAGS": "",
            rotation.VARIABLE: str(caches / "rotation"),  # the compiled programs' rotation, fresh
        }
        cold = timed_run(args, env, caches)
        built = builds(caches)
        warm = timed_run(args, env, caches)
    return {"command": " ".join(["pytest conformance", *args]), "cold": cold, "warm": warm, "builds": built}


def lines(figures: dict[str, Any], target_cold_s: float, target_warm_s: float) -> list[str]:
    """The table rows of a run's figures."""
    out = [f"{figures['command']}:"]
    for which, target in (("cold", target_cold_s), ("warm", target_warm_s)):
        run = figures[which]
        if "error" in run:
            out.append(f"  {which}: failed after {run['wall_s']:.0f} s: {run['error'][-300:]}")
            continue
        rates = ", ".join(
            f"{fw} {rate:.0f} ({run['rows_per_s'][fw]:.0f} rows)"
            for fw, rate in sorted(run["examples_per_s"].items())
        )
        peak = run.get("peak_process_mb")
        out.append(
            f"  {which}: {run['wall_s']:.0f} s (target {target:g} s), exit {run['exit_code']}, "
            + (f"largest process {peak:.0f} MB, " if peak else "")
            + f"{dict(sorted(run['outcomes'].items()))}; property examples judged per second: {rates}"
        )
        out.append(f"    {run['compiled_programs']}")
        top = list(run["checks_s"].items())[:8]
        out.append("    checks' seconds, summed: " + ", ".join(f"{k} {v:.0f}" for k, v in top))
    built = figures["builds"]
    out.append(
        f"  builds in the cold run: JAX {built['jax']} XLA programs, PyTorch {built['torch']} "
        f"torch.compile programs, TensorFlow {built['tensorflow']} XLA clusters"
    )
    return out
