"""The results schema, the merge of several results files, and the report built from them."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pytest

from conformance.cases import CASES_DIR, load_file
from conformance.report import page, views, write_report
from conformance.report.__main__ import main
from conformance.results import results_file, schema
from conformance.results.merge import ResultsFileError, load, merge


def record(impl: str, framework: str, test: str = "loss", outcome: str = "passed", **extra) -> dict:
    fields = {
        "id": f"conformance/test_golden.py::test_{test}[c-{impl}-float32]",
        "test": test,
        "case": "c",
        "framework": framework,
        "framework_version": "1.0",
        "implementation": impl,
        "device": "cpu:0",
        "dtype": "float32",
        "labels": "indices",
        "mode": "eager",
        "operation": "softmax_cross_entropy",
        "outcome": outcome,
        "expected": [1.0],
        "got": [1.0],
        "error_eps": 0.5,
        "bound_eps": 8.0,
        "reproduce": "pytest x",
    }
    return {**fields, **extra}


def written_results(folder: Path, name: str, records: list[dict], frameworks: dict | None = None) -> Path:
    path = folder / name
    env = results_file.environment(frameworks or {}, ["pytest", "conformance"])
    results_file.write(
        path, records, env, {"c": {"path": "cases/c.toml", "provenance": "made up", "max_abs_logit": 3.0}}
    )
    return path


def test_a_written_results_file_matches_its_schema(tmp_path):
    path = written_results(tmp_path, "r.json", [record("a", "numpy")])
    document = load(path)
    assert document["schema_version"] == schema.SCHEMA_VERSION
    assert document["cases"]["c"]["provenance"] == "made up"


def test_runs_of_different_frameworks_merge_side_by_side(tmp_path):
    torch_file = written_results(
        tmp_path, "torch.json", [record("torch.f", "torch")], {"torch": {"version": "2"}}
    )
    jax_file = written_results(tmp_path, "jax.json", [record("jax.f", "jax")], {"jax": {"version": "0.1"}})
    merged = merge([torch_file, jax_file])
    assert not merged.problems and len(merged.runs) == 2
    m = views.matrix(merged)
    assert [c.implementation for c in m.columns] == ["jax.f", "torch.f"]
    assert views.summary(merged)["frameworks"] == {"torch": "2", "jax": "0.1"}
    html = page.render(merged)
    assert "jax.f" in html and "torch.f" in html


def test_the_newer_file_wins_a_check_two_files_share(tmp_path):
    old = written_results(tmp_path, "old.json", [record("a", "numpy", outcome="diverged")])
    new = written_results(tmp_path, "new.json", [record("a", "numpy", outcome="passed")])
    document = json.loads(old.read_text())
    document["created"] = "2000-01-01T00:00:00+00:00"
    old.write_text(json.dumps(document))
    merged = merge([new, old])  # the order given does not matter, the time written does
    assert [r["outcome"] for r in merged.results] == ["passed"] and merged.superseded == 1


@pytest.mark.parametrize(
    ("damage", "said"),
    [
        (lambda text: text[: len(text) // 2], "not a complete JSON document"),
        (lambda text: text.replace('"schema_version":3', '"schema_version":99'), "schema_version 99"),
        (lambda text: text.replace('"outcome":"passed"', '"outcome":"fine"'), "results/0/checks/0/outcome"),
        (lambda text: "[]", "schema_version None"),
    ],
)
def test_a_bad_results_file_is_named_and_the_rest_merge(tmp_path, damage, said):
    good = written_results(tmp_path, "good.json", [record("a", "numpy")])
    bad = written_results(tmp_path, "bad.json", [record("b", "numpy")])
    bad.write_text(damage(bad.read_text()))
    merged = merge([good, bad, tmp_path / "missing.json"])
    assert [r["implementation"] for r in merged.results] == ["a"]
    assert len(merged.problems) == 2
    assert str(bad) in merged.problems[0] and said in merged.problems[0]
    assert str(tmp_path / "missing.json") in merged.problems[1] and "cannot be read" in merged.problems[1]
    with pytest.raises(ResultsFileError, match=re.escape(str(bad))):
        load(bad)


def test_a_run_of_another_suite_or_other_cases_is_named_and_left_out(tmp_path):
    paths = [written_results(tmp_path, f"{n}.json", [record(n, "numpy")]) for n in ("old", "new")]
    for path, created, digest in zip(paths, ("2000-01-01", "2001-01-01"), ("aaa", "bbb")):
        document = json.loads(path.read_text())
        document["created"] = created
        document["environment"]["cases_digest"] = digest
        path.write_text(json.dumps(document))
    merged = merge(paths)
    assert [r["implementation"] for r in merged.results] == ["new"]
    (problem,) = merged.problems
    assert str(paths[0]) in problem and "cases_digest 'aaa'" in problem and "'bbb'" in problem


def test_the_command_merges_and_says_what_it_left_out(tmp_path, capsys):
    good = written_results(tmp_path, "good.json", [record("a", "numpy")])
    out = tmp_path / "report" / "parity.html"
    assert main([str(good), "-o", str(out)]) == 0
    assert out.read_text().startswith("<!DOCTYPE html>")
    assert f"parity report written to {out}" in capsys.readouterr().out
    assert main([str(good), str(tmp_path / "nope.json"), "-o", str(out)]) == 1  # written, but one left out
    assert "left out" in capsys.readouterr().err
    out.unlink()
    assert main([str(tmp_path / "nope.json"), "-o", str(out)]) == 2
    assert not out.exists()


def test_a_cell_shows_its_worst_outcome_and_worst_error(tmp_path):
    records = [
        record("a", "numpy", error_eps=0.5),
        {**record("a", "numpy", outcome="diverged", error_eps=40.0), "id": "other", "case": "d"},
        {**record("a", "numpy", outcome="unsupported"), "id": "third", "case": "e"},
    ]
    m = views.matrix(merge([written_results(tmp_path, "r.json", records)]))
    (cell,) = m.cells.values()
    assert cell.outcome == "diverged" and cell.error_eps == 40.0


def test_every_text_from_the_results_is_escaped(tmp_path):
    hostile = "<script>alert(1)</script>"
    records = [
        record(hostile, hostile, outcome="diverged", case=hostile, message=hostile, reproduce=hostile),
        record("b", "numpy", outcome="known divergence", known_divergence={"id": hostile, "reason": hostile}),
    ]
    path = written_results(tmp_path, "r.json", records, {hostile: {"version": hostile, "devices": [hostile]}})
    html = page.render(merge([path]))
    assert hostile not in html
    assert html.count("<script") == 2  # the page's own: its data and its code
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_a_pytest_run_writes_the_report_and_ends_with_its_path(run_suite, tmp_path):
    report = tmp_path / "page.html"
    code, out, _ = run_suite("--framework", "numpy", "--report", str(report))
    assert code == 0, out[-2000:]
    assert out.rstrip().splitlines()[-1] == f"parity report written to {report}"
    html = report.read_text()
    assert 'id="matrix"' in html and "conformance.numpy.softmax_cross_entropy" in html
    assert "source-notes.md, Article 2" in html  # the golden table carries the provenance
    # the golden cases by file: the replayed upstream reports are one group, each case in it
    groups = re.findall(r'<h3 class="golden-file">(\S+) <span class="muted">· (\d+) cases', html)
    assert ("upstream.toml", str(len(load_file(CASES_DIR / "upstream.toml")[0]))) in groups
    upstream = html.split('<h3 class="golden-file">upstream.toml')[1].split('<h3 class="golden-file">')[0]
    assert upstream.count('<details class="golden"') >= 15
    assert "<b>upstream-jax-40384-gradient-tail</b>" in upstream


def test_write_report_leaves_no_half_written_page(tmp_path, monkeypatch):
    good = written_results(tmp_path, "r.json", [record("a", "numpy")])
    out = tmp_path / "parity.html"
    out.write_text("the previous page")

    def crash(_fd):
        raise OSError("disk full, mid-write")

    monkeypatch.setattr("conformance.results.results_file.os.fsync", crash)
    with pytest.raises(OSError, match="mid-write"):
        write_report([good], out)
    assert out.read_text() == "the previous page"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_a_nan_error_is_the_worst_whatever_the_order(tmp_path):
    for first, second in (("a", "z"), ("z", "a")):
        records = [
            {**record("x", "numpy", error_eps="nan"), "id": first},
            {**record("x", "numpy", error_eps=2.0), "id": second, "case": "d"},
        ]
        (cell,) = views.matrix(merge([written_results(tmp_path, "r.json", records)])).cells.values()
        assert math.isnan(cell.error_eps)


def test_a_file_without_the_suite_fingerprint_is_another_run(tmp_path):
    old, new = (written_results(tmp_path, f"{n}.json", [record(n, "numpy")]) for n in ("old", "new"))
    for path, created in ((old, "2000-01-01"), (new, "2001-01-01")):
        document = json.loads(path.read_text())
        document["created"] = created
        if path == new:
            document["environment"]["cases_digest"] = "abc"
        path.write_text(json.dumps(document))
    merged = merge([old, new])
    assert [r["implementation"] for r in merged.results] == ["new"] and merged.superseded == 0
    assert "cases_digest None" in merged.problems[0]


def test_a_record_without_its_coordinates_is_a_schema_error(tmp_path):
    path = written_results(tmp_path, "r.json", [record("a", "numpy")])
    document = json.loads(path.read_text())
    del document["results"][0]["dtype"]
    path.write_text(json.dumps(document))
    with pytest.raises(ResultsFileError, match="dtype"):
        load(path)


def test_a_record_without_a_mode_ran_eagerly(tmp_path):
    old = record("a", "numpy")
    del old["mode"]
    records = [old, {**record("a", "numpy", mode="eager"), "id": "new", "case": "d"}]
    merged = merge([written_results(tmp_path, "r.json", records)])
    m = views.matrix(merged)
    (column,) = m.columns
    (cell,) = m.cells.values()
    assert column.mode == "eager" and len(cell.records) == 2
    assert '<th class="mode"' not in page.render(merged)  # one mode: no row for it


def test_the_environment_shows_devices_precision_and_modes_escaped(tmp_path):
    hostile = "<script>alert(1)</script>"
    frameworks = {
        "torch": {
            "version": "2.5",
            "devices": ["cpu:0", "cuda:0"],
            "device_names": {"cpu:0": "x86_64", "cuda:0": hostile},
            "precision": {"torch.backends.cuda.matmul.allow_tf32": "False"},
            "modes": ["eager"],
            "unavailable_modes": {"compile": "torch.compile needs a C++ compiler & <cc>"},
        }
    }
    merged = merge([written_results(tmp_path, "r.json", [record("a", "torch")], frameworks)])
    assert not merged.problems
    html = page.render(merged)
    assert hostile not in html and "cuda:0: &lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "cpu:0: x86_64" in html
    assert "torch.backends.cuda.matmul.allow_tf32 = False" in html
    assert "compile: torch.compile needs a C++ compiler &amp; &lt;cc&gt;" in html
    assert "--precision-defaults" in html
    assert page.render(merged).count("<script") == 2


@pytest.mark.parametrize("mode", [1, "interpreted"])
def test_a_record_with_a_mode_that_is_not_one_of_the_modes_is_a_schema_error(tmp_path, mode):
    path = written_results(tmp_path, "r.json", [record("a", "numpy")])
    document = json.loads(path.read_text())
    document["results"][0]["mode"] = mode
    path.write_text(json.dumps(document))
    with pytest.raises(ResultsFileError, match="results/0/mode"):
        load(path)
