"""The benchmark runs and writes its figures (what they are is for docs/performance.md:
timings are printed, never asserted)."""

from __future__ import annotations

import json

from conformance.bench import main


def test_the_benchmark_prints_its_table_and_writes_json(tmp_path, capsys):
    out = tmp_path / "bench.json"
    assert main(["--framework", "numpy", "--examples", "5", "--json", str(out)]) == 0
    printed = capsys.readouterr().out
    for heading in ("import time", "starts checking", "bare ms", "floor ms", "peak memory", "report:"):
        assert heading in printed
    figures = json.loads(out.read_text())
    rows = figures["implementations"]
    assert {r["implementation"] for r in rows} >= {"conformance.numpy.softmax_cross_entropy"}
    assert all(r["bare_s"] > 0 and r["suite_check_s"] > 0 for r in rows)
    assert any("floor_s" in r for r in rows) and figures["large_case_peak_mb"]["numpy"] > 0
