"""Where the suite's own files lie and where a run writes by default: paths only, so that
the plugin can name them in its options without importing what reads them."""

from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parent  # the folder of the suite's checks
# The golden case files: a checkout's top-level cases/, where they are edited (an editable
# install reads them there), which a wheel carries as conformance/cases/golden (pyproject.toml)
_PACKAGED_CASES = PACKAGE / "cases" / "golden"
CASES_DIR = _PACKAGED_CASES if _PACKAGED_CASES.is_dir() else PACKAGE.parent / "cases"
KNOWN_DIVERGENCES = PACKAGE / "divergences" / "known"  # one TOML file per framework
RESULTS = Path("reports/results.json")  # a run's results file, from the current folder
REPORT = Path("reports/parity.html")  # its HTML parity report
