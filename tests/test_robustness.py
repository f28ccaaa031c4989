"""A check whose implementation hangs, crashes its process, or returns the wrong shape or
dtype costs that check only: it is recorded, the rest run, the results and report come out."""

from __future__ import annotations

from pathlib import Path

from tests.planting import plant

SOME = ("-k", "article1 and float64 and indices and (test_loss or test_gradient)")


def outcomes(results: dict) -> dict[str, list[dict]]:
    by: dict[str, list[dict]] = {}
    for r in results["results"]:
        by.setdefault(r["outcome"], []).append(r)
    return by


def test_a_hanging_check_is_stopped_and_recorded(run_suite, tmp_path):
    code, out, results = run_suite(
        "--framework",
        "numpy",
        "-p",
        "planted",
        "--check-timeout",
        "2",
        *SOME,
        env=plant(tmp_path, "hangs_on_sums"),
    )
    assert code == 1, out[-2000:]
    by = outcomes(results)
    assert by["errored"] and all("-sum-" in r["id"] for r in by["errored"])
    assert all("Timeout" in r["message"] for r in by["errored"])
    assert by["passed"] and all("-sum-" not in r["id"] for r in by["passed"])  # the rest still ran


def test_a_crashing_process_costs_one_check_and_the_report_comes_out(run_suite, tmp_path):
    report = tmp_path / "parity.html"
    code, out, results = run_suite(
        "--framework",
        "numpy",
        "-p",
        "planted",
        "-n",
        "2",
        "--report",
        str(report),
        *SOME,
        env=plant(tmp_path, "segfaults_on_sums"),
    )
    assert code == 1, out[-2000:]
    by = outcomes(results)
    assert by["errored"] and all("-sum-" in r["id"] for r in by["errored"])
    assert all("crashed" in r["message"] and r["reproduce"].startswith("pytest ") for r in by["errored"])
    assert by["passed"] and all("-sum-" not in r["id"] for r in by["passed"])
    assert "crashed" in report.read_text()  # the report shows it beside everything else


def test_a_known_divergence_that_crashes_the_process_is_not_run(run_suite, tmp_path):
    """An entry with crashes = true: its checks are not run (serially, so a run would kill the
    run itself) and are recorded as that known divergence; the rest run."""
    known = tmp_path / "known.toml"
    known.write_text(
        '[[divergence]]\nid = "planted-abort"\n'
        'match = { case = "article1-*-sum", test = ["loss", "gradient"] }\n'
        'kind = "defect"\nreason = "planted: it aborts the process"\ncrashes = true\nno_repro = "planted"\n'
    )
    args = ("--framework", "numpy", "-p", "planted", "--known-divergences", str(known), *SOME)
    code, out, results = run_suite(*args, env=plant(tmp_path, "segfaults_on_sums"))
    assert code == 0, out[-2000:]
    by = outcomes(results)
    assert by["known divergence"] and all("-sum-" in r["id"] for r in by["known divergence"])
    assert all(r["known_divergence"]["id"] == "planted-abort" for r in by["known divergence"])
    assert by["passed"] and all("-sum-" not in r["id"] for r in by["passed"])


def test_a_result_of_the_wrong_shape_is_a_divergence_that_says_so(run_suite, tmp_path):
    code, out, results = run_suite(
        "--framework", "numpy", "-p", "planted", *SOME, env=plant(tmp_path, "rows_always")
    )
    assert code == 1, out[-2000:]
    diverged = [r for r in outcomes(results)["diverged"] if r["test"] == "loss"]
    assert diverged and all("-none-" not in r["id"] for r in diverged)
    assert all("shape" in r["message"] for r in diverged)


def test_a_result_in_another_dtype_is_a_divergence_that_says_so(run_suite, tmp_path):
    code, out, results = run_suite(
        "--framework", "numpy", "-p", "planted", *SOME, env=plant(tmp_path, "float32_out")
    )
    assert code == 1, out[-2000:]
    diverged = [r for r in outcomes(results)["diverged"] if r["test"] == "loss"]
    assert diverged and all(r["returned_dtype"] == "float32" for r in diverged)
    assert all("returned float32 for float64 inputs" in r["message"] for r in diverged)


UNSAFE = ("import pickle", "pickle.load", "eval(", "exec(", "marshal.", "yaml.load(", "allow_pickle=True")


def test_the_suite_reads_its_inputs_with_safe_parsers_only():
    """Case files are TOML (tomllib), results JSON: nothing that runs code from a file."""
    root = Path(__file__).resolve().parent.parent / "conformance"
    found = [
        f"{path.relative_to(root)}: {pattern}"
        for path in root.rglob("*.py")
        for pattern in UNSAFE
        if pattern in path.read_text()
    ]
    assert found == []
