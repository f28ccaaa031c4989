"""The HTML parity report: results files (one or many, merged) to one self-contained page.
May import: divergences, paths, results, vocabulary.

conformance-report [RESULTS.json ...] [-o reports/parity.html]
python -m conformance.report ...
"""

from __future__ import annotations

from pathlib import Path

from conformance.paths import REPORT
from conformance.report.page import render
from conformance.results.merge import Merged, merge
from conformance.results.results_file import write_atomically

DEFAULT_PATH = REPORT


def write_report(paths: list[Path], out: Path = DEFAULT_PATH) -> Merged:
    """Merge ``paths`` and write the page to ``out`` atomically; the merge (with the files
    it left out and why) is returned. Nothing is written if no file could be read."""
    merged = merge(paths)
    if merged.runs:
        write_atomically(out, render(merged))
    return merged
