"""The HTML parity report: results files (one or many, merged) to one self-contained page.
May import: divergences, paths, results, vocabulary.

conformance-report [RESULTS.json ...] [-o reports/parity.html] [--baseline OLD.json]
conformance-report --compare OLD.json NEW.json     (what changed, as text)
python -m conformance.report ...
"""

from __future__ import annotations

from pathlib import Path

from conformance.paths import REPORT
from conformance.report.page import render
from conformance.results.merge import Merged, merge
from conformance.results.results_file import read, write_atomically

DEFAULT_PATH = REPORT


def write_report(paths: list[Path], out: Path = DEFAULT_PATH, baseline: Path | None = None) -> Merged:
    """Merge ``paths`` and write the page to ``out`` atomically; the merge (with the files
    it left out and why) is returned. Nothing is written if no file could be read. With a
    ``baseline`` results file, the page has a section of what changed since (ResultsFileError
    if it cannot be read)."""
    merged = merge(paths)
    before = None if baseline is None else (str(baseline), read(baseline))
    if merged.runs:
        write_atomically(out, render(merged, before))
    return merged
