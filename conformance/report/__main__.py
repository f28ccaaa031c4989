"""``python -m conformance.report``: the parity report from one or many results files."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from conformance.report import DEFAULT_PATH, write_report
from conformance.report.changes import as_text, compare
from conformance.results.results_file import ResultsFileError, read


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="conformance-report",
        description="Merge results files of pytest conformance runs into one HTML parity report.",
    )
    parser.add_argument(
        "results",
        nargs="*",
        type=Path,
        default=[Path("reports/results.json")],
        help="results files, or folders of them (default: reports/results.json); a file that "
        "cannot be read is named and left out, the rest are merged",
    )
    parser.add_argument("-o", "--output", type=Path, default=DEFAULT_PATH, help=f"default: {DEFAULT_PATH}")
    parser.add_argument(
        "--baseline",
        type=Path,
        metavar="OLD.json",
        help="a results file of an earlier run: the page gets a section of what changed since",
    )
    parser.add_argument(
        "--compare",
        nargs=2,
        type=Path,
        metavar=("OLD.json", "NEW.json"),
        help="print what changed from one run to another (versions, findings that appeared, "
        "disappeared or moved, outcomes) and write no page",
    )
    args = parser.parse_args(argv)
    if args.compare:
        return _compare(*args.compare)
    paths = [p for arg in args.results for p in (sorted(arg.glob("*.json")) if arg.is_dir() else [arg])]
    try:
        merged = write_report(paths, args.output, args.baseline)
    except ResultsFileError as e:
        print(f"conformance-report: --baseline: {e}", file=sys.stderr)
        return 2
    for problem in merged.problems:
        print(f"conformance-report: left out {problem}", file=sys.stderr)
    if not merged.runs:
        print("conformance-report: no results file could be read; nothing written", file=sys.stderr)
        return 2
    print(
        f"parity report written to {args.output} ({len(merged.results)} checks from {len(merged.runs)} files)"
    )
    return 1 if merged.problems else 0


def _compare(old: Path, new: Path) -> int:
    """Print what changed from ``old`` to ``new``; 2 if either cannot be read."""
    try:
        before, after = read(old), read(new)
    except ResultsFileError as e:
        print(f"conformance-report: --compare: {e}", file=sys.stderr)
        return 2
    print(as_text(compare(before, after), str(old), str(new)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
