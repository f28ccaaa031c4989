"""``python -m conformance.report``: the parity report from one or many results files."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from conformance.report import DEFAULT_PATH, write_report


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
    args = parser.parse_args(argv)
    paths = [p for arg in args.results for p in (sorted(arg.glob("*.json")) if arg.is_dir() else [arg])]
    merged = write_report(paths, args.output)
    for problem in merged.problems:
        print(f"conformance-report: left out {problem}", file=sys.stderr)
    if not merged.runs:
        print("conformance-report: no results file could be read; nothing written", file=sys.stderr)
        return 2
    print(
        f"parity report written to {args.output} ({len(merged.results)} checks from {len(merged.runs)} files)"
    )
    return 1 if merged.problems else 0


if __name__ == "__main__":
    sys.exit(main())
