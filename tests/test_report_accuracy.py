"""The accuracy table: largest and 99th-percentile error in ulps per implementation, dtype,
mode and device, over the checks that compared with the exact value."""

from __future__ import annotations

from conformance.report import accuracy, page
from conformance.results.merge import merge
from tests.test_report import record, written_results


def test_largest_and_99th_percentile_per_implementation_and_dtype(tmp_path):
    def check(impl: str, i: int, ulps: float, **extra) -> dict:
        return record(impl, "numpy", id=f"t::test_loss[c{i}-{impl}]", case=f"c{i}", error_ulps=ulps, **extra)

    records = [check("a", i, u) for i, u in enumerate([0.5] * 99 + [40.0])]
    records += [check("b", i, u) for i, u in enumerate([0.25, 3.0])]
    records += [check("b", 7, 900.0, compared_with="itself")]  # not against the exact value
    records += [check("b", 8, float("inf"), outcome="known divergence")]  # beyond its bound
    rows = accuracy.accuracy(merge([written_results(tmp_path, "r.json", records)]))
    by = {r.implementation: r for r in rows}
    assert (by["a"].checks, by["a"].median, by["a"].p99, by["a"].largest) == (100, 0.5, 0.5, 40.0)
    assert (by["b"].checks, by["b"].median, by["b"].p99, by["b"].largest) == (2, 0.25, 3.0, 3.0)
    assert (by["a"].beyond, by["b"].beyond) == (0, 1)
    assert by["a"].worst["where"] == "c99" and by["b"].best_in_dtype and not by["a"].best_in_dtype
    html = page.render(merge([written_results(tmp_path, "r.json", records)]))
    assert 'id="accuracy"' in html and "c99" in html


def test_the_percentile_is_the_nearest_rank():
    assert accuracy.percentile([1.0, 2.0, 3.0, 4.0], 50) == 2.0
    assert accuracy.percentile([5.0], 99) == 5.0
    assert accuracy.percentile(list(range(1, 201)), 99) == 198
