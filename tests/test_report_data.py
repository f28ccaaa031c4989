"""The page's data (report/data.py): what a cell counts instead of listing, and what it keeps."""

from __future__ import annotations

import json
import re

from conformance.report import page
from conformance.results.merge import merge
from tests.test_report import record, written_results


def page_data(tmp_path, records: list[dict]) -> dict:
    """The JSON the page's script reads, each record as an object of its fields."""
    html = page.render(merge([written_results(tmp_path, "r.json", records)]))
    found = re.search(r'<script type="application/json" id="page-data">(.*?)</script>', html, re.S)
    assert found
    data = json.loads(found.group(1))
    data["records"] = [{f: v for f, v in zip(data["fields"], r) if v is not None} for r in data["records"]]
    return data


def check(n: int, outcome: str = "passed", test: str = "options", **extra) -> dict:
    at = f"{test}-indices-a-cpu:0-float32-eager"
    return {**record("a", "numpy", test=test, outcome=outcome, case=f"c{n}", **extra), "id": f"t[{at}{n}]"}


def test_a_cells_passed_and_unsupported_checks_are_counted_and_the_worst_passed_one_shown(tmp_path):
    passed = [check(n, error_eps=n / 10) for n in range(50)]
    unsupported = [check(100 + n, "unsupported", message="no probabilities") for n in range(30)]
    unsupported += [check(200 + n, "unsupported", message="no sum") for n in range(10)]
    diverged = [check(300 + n, "diverged", error_eps=900.0 + n, message=f"off {n}") for n in range(2)]
    data = page_data(tmp_path, passed + unsupported + diverged)
    outcomes = data["outcomes"]
    kept = {(outcomes[r["o"]], r.get("n", 1), data["strings"][r["k"]]) for r in data["records"]}
    assert kept == {
        ("passed", 50, "c49"),  # the largest error of the 50 stands for them
        ("unsupported", 30, "c100"),
        ("unsupported", 10, "c200"),
        ("diverged", 1, "c300"),  # what did not pass is listed check by check
        ("diverged", 1, "c301"),
    }
    (worst,) = [r for r in data["records"] if r.get("n") == 50]
    assert worst["e"] == 4.9 and "t" not in worst  # its tight bound is its worst-case one: left out


def test_a_check_the_page_shows_elsewhere_keeps_its_own_record(tmp_path):
    golden = [check(n, test="loss", expected=[1.5 + n], got=[1.5 + n]) for n in range(3)]
    data = page_data(tmp_path, golden)
    assert sorted(r.get("n", 1) for r in data["records"]) == [1, 1, 1]  # each in its golden case's table
    shown = {data["strings"][r["x"]] for r in data["records"]}
    assert shown == {"[1.5]", "[2.5]", "[3.5]"}  # exact values: indices into the page's texts
