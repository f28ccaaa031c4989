"""Where the suite's own files lie and where a run writes by default: paths only, so that
the plugin can name them in its options without importing what reads them."""

from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parent  # the folder of the suite's checks
CASES_DIR = PACKAGE / "cases" / "golden"  # the golden case files (package data)
KNOWN_DIVERGENCES = PACKAGE / "divergences" / "known"  # one TOML file per framework
RESULTS = Path("reports/results.json")  # a run's results file, from the current folder
REPORT = Path("reports/parity.html")  # its HTML parity report
