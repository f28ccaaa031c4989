"""The soak: the default profile's property checks over many fresh seeds, every failure that is
not excused grouped by cause, each group saying whether a known divergence's prediction fits it
but its scope leaves it out (a false red of ours: scope the entry by its mechanism) or none does
(a new finding: record it with evidence and a reproducer). It measures the default run's verdict.

    python -m benchmarks.soak --seeds 20                      # every installed framework
    python -m benchmarks.soak --seeds 5 -- --framework tensorflow -k masked

Each seed is one ``pytest conformance/test_properties.py --hypothesis-seed S`` run (its results
file kept in --out); a seed is drawn fresh from the OS unless --first-seed numbers them.
``--summarise reports/soak/seed-*.json`` groups the seeds already run (an interrupted soak's)
without running any. Exit status 1 where any failure was not excused."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from conformance.results.results_file import read
from conformance.vocabulary import FAILING

ROOT = Path(__file__).resolve().parent.parent
COORDINATES = ("outcome", "test", "implementation", "dtype", "labels", "mode")


def run_seed(seed: int, out: Path, extra: list[str]) -> tuple[int, Path, float]:
    """One run of the property checks at ``seed``: its exit code, results file and seconds."""
    results = out / f"seed-{seed}.json"
    command = [
        *(sys.executable, "-m", "pytest", "conformance/test_properties.py", "-q", "-p", "no:cacheprovider"),
        *(
            "--hypothesis-seed",
            str(seed),
            "--results",
            str(results),
            "--report",
            str(out / f"seed-{seed}.html"),
        ),
        *extra,
    ]
    start = time.monotonic()
    code = subprocess.run(command, cwd=ROOT, stdout=subprocess.DEVNULL).returncode
    return code, results, time.monotonic() - start


def cause(record: dict[str, Any]) -> tuple[str, ...]:
    """What groups a failure: where it is (outcome, check, implementation, dtype, labels, mode),
    the entries whose prediction fits it (scope_misses), and the line that says why it is not
    excused, where one does."""
    message = str(record.get("message", ""))
    why = next((line.strip() for line in message.splitlines() if line.strip().startswith("not excused")), "")
    return (
        *(str(record.get(k, "")) for k in COORDINATES),
        ", ".join(record.get("scope_misses", [])),
        why.split(": a new divergence")[0],
    )


def describe(key: tuple[str, ...], seeds: list[int], first: dict[str, Any]) -> str:
    """A group in a few lines: its count and seeds, where, and what fits it."""
    outcome, test, impl, dtype, labels, mode, misses, why = key
    lines = [f"{len(seeds)} failing check(s) at seeds {', '.join(map(str, sorted(set(seeds))))}:"]
    lines.append(f"  {outcome} in {test}: {impl} in {dtype} (labels as {labels}, {mode})")
    if misses:
        accurate = f", {first['accurate_to']}-accurate" if first.get("accurate_to") else ""
        lines.append(
            f"  fits {misses}'s prediction{accurate}, but that entry's scope does not take in {test}"
        )
    else:
        lines.append("  no known divergence's prediction fits it: a finding to record (or a defect of ours)")
    if why:
        lines.append(f"  {why}")
    lines.append(f"  reproduce: {first.get('reproduce', '')}")
    return "\n".join(lines)


def summarise(runs: Iterable[tuple[int, dict[str, Any]]]) -> tuple[str, int]:
    """The soak's report over its runs (seed, results document) and its count of failures."""
    groups: dict[tuple[str, ...], list[int]] = defaultdict(list)
    first: dict[tuple[str, ...], dict[str, Any]] = {}
    examples: dict[str, int] = defaultdict(int)
    checks = failures = 0
    seeds = []
    for seed, document in runs:
        seeds.append(seed)
        for record in document["results"]:
            checks += 1
            examples[record["id"].split("::")[-1]] += int(record.get("examples") or 0)
            if record["outcome"] in FAILING:
                failures += 1
                key = cause(record)
                groups[key].append(seed)
                first.setdefault(key, record)
    drawn = sorted(n for n in examples.values() if n)
    lines = [
        f"soak: {len(seeds)} seeds, {checks} property checks run, {failures} failing"
        f" (not excused) in {len(groups)} group(s)",
        f"examples per property check over all seeds: least {drawn[0] if drawn else 0},"
        f" median {drawn[len(drawn) // 2] if drawn else 0}, {sum(drawn)} in all",
        f"seeds: {' '.join(map(str, seeds))}",
    ]
    for n, key in enumerate(sorted(groups, key=lambda k: -len(groups[k])), 1):
        lines.append(f"group {n}: {describe(key, groups[key], first[key])}")
    return "\n".join(lines), failures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=20, help="how many runs, one seed each")
    parser.add_argument("--first-seed", type=int, help="number the seeds from here (default: fresh ones)")
    parser.add_argument("--out", type=Path, default=ROOT / "reports" / "soak", help="where results go")
    parser.add_argument(
        "--summarise",
        nargs="+",
        type=Path,
        metavar="SEED_JSON",
        help="group the failures of these seeds' results (an interrupted soak's seed-N.json), running none",
    )
    parser.add_argument("pytest_args", nargs="*", help="after --: arguments for each pytest run")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    named = [p for p in args.summarise or () if not p.stem.removeprefix("seed-").isdigit()]
    if named:
        parser.error(f"--summarise: {named[0]} is not a seed's results file (seed-N.json)")
    runs = [(int(p.stem.removeprefix("seed-")), read(p)) for p in args.summarise or ()]
    for n in range(0 if args.summarise else args.seeds):
        seed = args.first_seed + n if args.first_seed is not None else int.from_bytes(os.urandom(4), "big")
        code, results, seconds = run_seed(seed, args.out, args.pytest_args)
        print(f"seed {seed}: exit {code} in {seconds:.0f} s", flush=True)
        if results.exists():
            runs.append((seed, read(results)))
    report, failures = summarise(runs)
    print(report)
    (args.out / "soak.txt").write_text(report + "\n", encoding="utf-8")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
