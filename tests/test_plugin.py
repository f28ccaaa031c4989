"""``pytest conformance`` end to end, in a subprocess: results, skips, divergences, errors."""

from __future__ import annotations

import glob
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from conformance.results.results_file import read
from conformance.vocabulary import OUTCOMES
from tests.conftest import ROOT
from tests.planting import known_file, plant

NUMPY_ID = "article2-e0.001-indices-conformance.numpy.softmax_cross_entropy-cpu:0-float64-eager"


# The planted losses compute half precision in the dtype, as the oracle's NumPy form does: at
# the large vocabularies that is imprecise (tests/test_large_vocabulary.py), beside the point here.
LOSS_SMALL = "test_loss and not vocab-"
# the golden cases whose float64 loss a float32 computation misses (not: those of float32 numbers)
CASES_NOT_IN_FLOAT32 = (
    'case = ["article*", "non-dyadic*", "soft-labels*", "class-index-*", "upstream-mlx-*", '
    '"upstream-log-softmax-*", "upstream-keras-*", "upstream-optax-1020-*", "upstream-optax-1486-*", '
    '"upstream-paddleapitest-*", "upstream-smoothing-*", "upstream-tf-127249-*", "upstream-tf-24397-*", '
    '"upstream-tf-48129-*", "upstream-tf-50964-*", "upstream-torch-148884-*", "upstream-torch-38839-*", '
    '"upstream-torch-99250-*"]'
)


def test_numpy_run_passes_and_writes_results(run_suite):
    code, out, results = run_suite("--framework", "numpy")
    assert code == 0, out
    assert "results written to" in out
    assert results["schema_version"] == 3
    assert set(results["environment"]["frameworks"]) == {"numpy"}
    records = {r["id"].split("[", 1)[1][:-1]: r for r in results["results"] if "[" in r["id"]}
    record = records[NUMPY_ID]
    assert record["outcome"] == "passed" and record["dtype"] == "float64" and record["device"] == "cpu:0"
    assert record["error_eps"] <= record["bound_eps"]
    assert record["reproduce"].startswith("pytest 'conformance/test_golden.py::test_loss[")
    assert {r["outcome"] for r in results["results"]} <= set(OUTCOMES)


def test_an_empty_results_option_writes_no_results_file(run_suite, tmp_path):
    """``--results ''``: no results file (the report, when asked for, is still written);
    with ``--report ''`` too, nothing is written and the outcomes are still summarised."""
    code, out, results = run_suite(
        "--framework", "numpy", "--dtype", "float64", "-k", "article", "--results", ""
    )
    assert code == 0, out
    assert results == {} and not list(tmp_path.glob("*.json")) and "results written" not in out
    assert (tmp_path / "parity.html").exists() and "parity report written to" in out
    (tmp_path / "parity.html").unlink()
    code, out, _ = run_suite(
        "--framework", "numpy", "--dtype", "float64", "-k", "article", "--results", "", "--report", ""
    )
    assert code == 0, out
    assert not list(tmp_path.iterdir()) and "passed" in out.split("conformance -")[-1]


def test_missing_frameworks_are_skipped_with_their_reason(run_suite, tmp_path):
    """Without torch, tensorflow and jax importable, each is one skip that says why."""
    blocker = tmp_path / "block"
    blocker.mkdir()
    (blocker / "sitecustomize.py").write_text(
        textwrap.dedent("""
        import sys
        class Block:
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] in {"torch", "tensorflow", "jax", "optax"}:
                    raise ModuleNotFoundError(f"No module named {name!r}")
        sys.meta_path.insert(0, Block())
    """)
    )
    code, out, results = run_suite("-k", "article1", env={"PYTHONPATH": str(blocker)}, fresh=True)
    assert code == 0, out
    for name in ("torch", "tensorflow", "jax"):
        assert f"skipped: {name} is not installed" in out
        assert results["environment"]["frameworks"][name]["missing"].startswith(f"{name} is not installed")
    assert any(r["outcome"] == "passed" and r["framework"] == "numpy" for r in results["results"])


def test_a_planted_wrong_implementation_fails_the_run(run_suite, tmp_path):
    """The NumPy adapter with smoothing e/(K-1) in place of e/K: the run fails and says where."""
    env = plant(tmp_path, "smoothing_over_k_minus_1")  # written for float32 and float64
    code, out, results = run_suite(
        "--framework", "numpy", "-p", "planted", "--dtype", "float32,float64", env=env
    )
    assert code == 1
    diverged = [r for r in results["results"] if r["outcome"] == "diverged"]
    assert diverged and all(r["case"] not in ("article2-e0",) for r in diverged)  # e = 0: no difference
    assert "eps exceeds bound" in out and "reproduce: pytest 'conformance/test_golden.py::test_loss[" in out


def test_a_known_divergence_excuses_its_own_precision_only(run_suite, tmp_path):
    """Known as float32-accurate: float32 inside is excused, a wrong smoothing is not."""
    cases = CASES_NOT_IN_FLOAT32
    known = known_file(tmp_path, f'implementation = "conformance.numpy.*", dtype = "float64", {cases}')
    env = plant(tmp_path, "float32_inside")
    code, out, results = run_suite(
        "--framework", "numpy", "-p", "planted", "--known-divergences", known, "-k", LOSS_SMALL, env=env
    )
    outcomes = {r["outcome"] for r in results["results"] if r["test"] == "loss" and r["dtype"] == "float64"}
    assert code == 0, out
    assert "known divergence" in outcomes and "diverged" not in outcomes
    env = plant(tmp_path, "smoothing_over_k_minus_1")
    code, out, results = run_suite(
        "--framework", "numpy", "-p", "planted", "--known-divergences", known, "-k", LOSS_SMALL, env=env
    )
    assert code == 1
    beyond = [r for r in results["results"] if r["outcome"] == "diverged" and r["dtype"] == "float64"]
    assert beyond and "beyond the bound even at float32 accuracy" in beyond[0]["message"]


def test_an_imprecise_result_fails_the_run_unless_recorded_as_such(run_suite, tmp_path):
    """Sums left to right in float16 over 32,000 classes: within the worst-case bound, beyond
    the tight one. Imprecise fails the run; a known divergence that shows as imprecise excuses
    it, and excuses nothing beyond the worst-case bound (a per-row result for a mean)."""
    args = ("--framework", "numpy", "-p", "planted", "--dtype", "float16", "-k", "test_loss and vocab-32000")
    code, out, results = run_suite(*args, env=plant(tmp_path, "naive_sum_in_the_dtype"))
    assert code == 1 and {r["outcome"] for r in results["results"]} == {"imprecise"}
    assert "imprecise: error" in out and "2 imprecise" in out
    known = tmp_path / "known.toml"
    known.write_text(
        '[[divergence]]\nid = "planted"\nmatch = { case = "vocab-*" }\nkind = "precision"\n'
        'reason = "planted"\nshows_as = "imprecise"\n'
    )
    code, out, results = run_suite(
        *args, "--known-divergences", str(known), env=plant(tmp_path, "naive_sum_in_the_dtype")
    )
    assert code == 0 and {r["outcome"] for r in results["results"]} == {"known divergence"}, out
    code, out, results = run_suite(
        *args, "--known-divergences", str(known), env=plant(tmp_path, "rows_always")
    )
    assert code == 1 and {r["outcome"] for r in results["results"]} == {"diverged"}, out


def test_an_implementation_that_refuses_at_run_time_is_unsupported(run_suite, tmp_path):
    code, out, results = run_suite(
        "--framework", "numpy", "-p", "planted", "-k", "not vocab-", env=plant(tmp_path, "refuses_sums")
    )
    assert code == 0, out
    refused = [r for r in results["results"] if r.get("case") == "article1-e0.1-sum" and r["test"] == "loss"]
    assert refused and all(r["outcome"] == "unsupported" for r in refused)
    assert "planted: no sums" in refused[0]["message"]


def test_a_missing_cases_folder_is_a_usage_error(run_suite, tmp_path):
    code, out, _ = run_suite("--framework", "numpy", "--cases-dir", str(tmp_path / "nowhere"))
    assert code == 4 and "is not a folder of *.toml case files" in out


def test_a_known_divergence_that_passes_fails_the_run(run_suite, tmp_path):
    known = tmp_path / "known.toml"
    known.write_text(
        textwrap.dedent("""
        [[divergence]]
        id = "not-really"
        match = { implementation = "conformance.numpy.*", case = "article2-e0", dtype = "float64" }
        kind = "precision"
        reason = "planted: this implementation is right"
    """)
    )
    code, out, results = run_suite(
        "--framework", "numpy", "-k", "article2", "--known-divergences", str(known)
    )
    assert code == 1
    stale = [r for r in results["results"] if r["outcome"] == "stale divergence"]
    assert stale and all(r["case"] == "article2-e0" for r in stale)
    assert "XPASS(strict)" in out


def test_a_bad_case_file_is_named_and_the_rest_still_runs(run_suite, tmp_path):
    (tmp_path / "mine.toml").write_text(
        textwrap.dedent("""
        schema = 1
        source = "a test"
        [[case]]
        id = "fine"
        provenance = "a test"
        logits = [[1.0, 2.0]]
        labels = { indices = [1] }
        label_smoothing = 0.0
        reduction = "sum"
        expected = { loss = "0.3132616875182228340489954" }
        [[case]]
        id = "broken"
        provenance = "a test"
        logits = [[1.0, 2.0]]
        labels = { indices = [5] }
        label_smoothing = 0.0
        reduction = "sum"
        expected = { loss = "0" }
    """)
    )
    code, out, results = run_suite("--framework", "numpy", "--cases-dir", str(tmp_path))
    assert code == 1
    assert "mine.toml: case 'broken': field 'labels.indices[0]': 5 is not a class in [0, 2)" in out
    passed = {r["case"] for r in results["results"] if r["outcome"] == "passed" and r["test"] != "convention"}
    assert passed - {None} == {"fine"}
    (files,) = [r for r in results["results"] if r["test"] == "case_files"]
    assert files["outcome"] == "errored" and "case 'broken'" in files["message"]


def test_unknown_framework_is_a_usage_error(run_suite, tmp_path):
    code, out, results = run_suite("--framework", "numpy,mxnet")
    assert code == 4 and "unknown mxnet" in out and "numpy, torch, tensorflow, jax" in out
    assert results == {} and not (tmp_path / "parity.html").exists()  # no partial report


def test_unknown_profile_is_a_usage_error_not_a_traceback(run_suite, tmp_path):
    code, out, results = run_suite("--framework", "numpy", "--hypothesis-profile", "nope")
    assert code == 4 and "no profile 'nope'; known: default, ci, thorough" in out
    assert "INTERNALERROR" not in out and "Traceback" not in out
    assert results == {} and not (tmp_path / "parity.html").exists()


RUN_RESULTS = "CONFORMANCE_RUN_RESULTS"  # a whole run's results file (.ci/run gives CI's own)


def test_every_installed_framework_conforms_or_is_recorded(run_suite):
    """Every installed framework, every dtype and mode: nothing diverges or errors that is not
    a known divergence, and every framework passes checks. Judged on the results file that
    $CONFORMANCE_RUN_RESULTS names (.ci/run: its own whole conformance run, not repeated
    here), else on a run of the golden cases of one article (seconds a framework)."""
    given = os.environ.get(RUN_RESULTS)
    if given:
        results = read(Path(given))
    else:
        # serially: under the tests' own workers, a run on two more would import every
        # framework in three processes for the same checks
        code, out, results = run_suite("-k", "article1-e0.1-", timeout=900)
        assert code == 0, out[-3000:]
    outcomes = {r["outcome"] for r in results["results"]}
    assert outcomes <= {"passed", "unsupported", "known divergence", "skipped", "deferred"}
    frameworks = {r["framework"] for r in results["results"] if r["outcome"] == "passed" and r["framework"]}
    installed = {n for n, f in results["environment"]["frameworks"].items() if "missing" not in f}
    assert frameworks == installed


@pytest.mark.slow
def test_parallel_run_gives_the_serial_outcomes_and_environment(run_suite):
    """A selection of golden cases (the articles', the half-precision ones) is enough to show it."""
    args = ("--framework", "numpy,torch", "--mode", "eager", "-k", "article or half-")
    _, _, serial = run_suite(*args)
    code, out, parallel = run_suite(*args, "-n", "2")
    assert code == 0, out
    outcomes = [{r["id"]: r["outcome"] for r in run["results"]} for run in (serial, parallel)]
    assert outcomes[0] == outcomes[1] and len(outcomes[0]) > 50
    assert parallel["environment"]["frameworks"] == serial["environment"]["frameworks"]


def test_a_run_uses_every_core_unless_told(run_suite):
    """Without -n the suite runs on pytest-xdist's workers, one per core (-n auto), with one
    results file; -n 0 runs serially."""
    if glob.glob("/dev/nvidia[0-9]*"):
        pytest.skip("an NVIDIA GPU is visible here: the suite runs serially by default")
    args = ("--framework", "numpy", "-k", "article2-e0-")
    code, out, parallel = run_suite(*args, "-vv", serial=False)
    # on xdist's workers, each a contiguous run of the checks in framework order (scope.py, running.py)
    assert code == 0 and "scheduling tests via WorkStealingScheduling" in out, out[-2000:]
    code, out, serial = run_suite(*args, "-n", "0")
    assert code == 0 and "bringing up nodes" not in out, out[-2000:]
    outcomes = [{r["id"]: r["outcome"] for r in run["results"]} for run in (serial, parallel)]
    assert outcomes[0] == outcomes[1] and len(outcomes[0]) >= 16


def test_a_run_orders_its_golden_checks_by_framework_and_its_property_checks_by_draw_key(tmp_path):
    """JAX's golden checks first, then NumPy's, TensorFlow's and PyTorch's (running.py:
    by_framework), whatever order they are collected in, so that xdist's worksteal gives a
    worker one framework's checks in a row and its programs are built once; the property
    checks after them, as collected (by draw key), so that a key's examples are drawn once."""
    proc = subprocess.run(
        [
            *(sys.executable, "-m", "pytest", "conformance", "--collect-only", "-q", "-n", "0"),
            *("-p", "no:cacheprovider", "--framework", "torch,numpy,jax"),
            *("-k", "article2-e0- or agreement-indices"),
            *("--results", str(tmp_path / "results.json"), "--report", str(tmp_path / "parity.html")),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert not list(tmp_path.iterdir())  # collected only: nothing judged, nothing written
    ids = [line for line in proc.stdout.splitlines() if "::" in line]
    golden = [i for i in ids if "test_golden.py" in i]
    properties = [i for i in ids if "test_property[" in i]
    assert golden and properties and ids == golden + properties, proc.stdout[-2000:]
    starts = {"jax": ("-jax.", "-optax."), "numpy": ("-conformance.",), "torch": ("-torch.",)}
    order = [next(f for f, s in starts.items() if any(p in i for p in s)) for i in golden]
    assert set(order) == set(starts) and order == sorted(order, key=list(starts).index), order
    # the property checks of one draw key are not split by framework (params.py sorts them by key)
    frameworks = [next(f for f, s in starts.items() if any(p in i for p in s)) for i in properties]
    assert frameworks != sorted(frameworks, key=list(starts).index), frameworks


@pytest.mark.slow
def test_parallel_property_checks_give_the_serial_outcomes(run_suite):
    """Under the derandomised ci profile the property checks too: -n 2 gives what serial gives
    (three properties of every kind of draw: plain, masked, and a label smoothing by hand)."""
    args = (
        "--framework",
        "numpy",
        "--hypothesis-profile",
        "ci",
        "-k",
        "agreement or masked or hand_smoothed",
    )
    target = "conformance/test_properties.py"
    _, _, serial = run_suite(*args, target=target)
    code, out, parallel = run_suite(*args, "-n", "2", target=target)
    assert code == 0, out[-2000:]
    outcomes = [{r["id"]: r["outcome"] for r in run["results"]} for run in (serial, parallel)]
    assert outcomes[0] == outcomes[1] and len(outcomes[0]) > 20


def test_a_known_crash_excuses_its_own_exception_only(run_suite, tmp_path):
    """A known divergence that shows as raising names the exception; another is not excused."""
    env = plant(tmp_path, "raises_on_sums")
    for pattern, code_wanted, outcome in (
        ("ValueError: planted: a known crash*", 0, "known divergence"),
        ("ValueError: some other crash*", 1, "errored"),
    ):
        known = tmp_path / "known.toml"
        known.write_text(
            '[[divergence]]\nid = "planted"\nmatch = { case = "article1-e0.1-sum", test = "loss" }\n'
            f'kind = "defect"\nreason = "planted"\nraises = "{pattern}"\n'
        )
        code, out, results = run_suite(
            "--framework",
            "numpy",
            "-p",
            "planted",
            "--known-divergences",
            str(known),
            "-k",
            LOSS_SMALL,
            env=env,
        )
        assert code == code_wanted, out[-2000:]
        sums = [r for r in results["results"] if r.get("case") == "article1-e0.1-sum" and r["test"] == "loss"]
        assert sums and {r["outcome"] for r in sums} == {outcome}
        assert "planted: a known crash on sums" in sums[0]["message"]


def test_an_erroring_property_check_names_its_seed(run_suite, tmp_path):
    """An implementation that raises inside a property check: errored, and the reproduce
    command names the seed the examples were drawn with. CI is set, as on a CI service: the
    "default" profile named still draws at random (it once inherited Hypothesis's "ci")."""
    code, out, results = run_suite(
        "--framework",
        "numpy",
        "-p",
        "planted",
        "--hypothesis-profile",
        "default",
        "-k",
        "agreement and float64 and indices and softmax",
        env={**plant(tmp_path, "raises_on_sums"), "CI": "true"},
        target="conformance/test_properties.py",
    )
    assert code == 1, out[-2000:]
    errored = [r for r in results["results"] if r["outcome"] == "errored"]
    assert errored and all("--hypothesis-seed" in r["reproduce"] for r in errored)
    assert all("planted: a known crash on sums" in r["message"] for r in errored)


def test_a_large_case_frees_its_builds_once_its_checks_are_done(run_suite, tmp_path):
    """Framework.free runs after the last check of a large golden case (2^15 logits and more),
    not between the checks that share its builds."""
    (tmp_path / "counting.py").write_text(
        "from conformance.adapters import base\n"
        "free = base.Framework.free\n"
        "def counted(self):\n"
        "    print('FREED', self.name, flush=True)\n"
        "    return free(self)\n"
        "base.Framework.free = counted\n"
    )
    code, out, results = run_suite(
        "--framework",
        "numpy",
        "-p",
        "counting",
        "-s",
        "-k",
        "test_loss and (vocab-32000 or vocab-50257)",
        env={"PYTHONPATH": str(tmp_path)},
    )
    checks = [r for r in results["results"] if r["outcome"] == "passed"]
    assert code == 0 and len(checks) == 16, out  # 2 cases x 2 label kinds x 4 dtypes
    assert out.count("FREED numpy") == 2  # once after each case


def test_a_known_divergence_outside_its_versions_excuses_nothing(run_suite, tmp_path):
    """The same entry gated to NumPy < 1 (today's is 2): the float32-inside plant's float64
    checks are new divergences that name the entry and its gate; gated to >= 1 it excuses them.
    Without the plant, its checks pass here: reported as fixed in this version."""
    cases = CASES_NOT_IN_FLOAT32
    match = f'implementation = "conformance.numpy.*", dtype = "float64", {cases}'
    args = ("--framework", "numpy", "-p", "planted", "-k", LOSS_SMALL)
    env = plant(tmp_path, "float32_inside")
    known = known_file(tmp_path, match, versions='numpy = ">=1"')
    code, out, results = run_suite(*args, "--known-divergences", known, env=env)
    assert code == 0 and "known divergence" in {r["outcome"] for r in results["results"]}, out[-3000:]
    known = known_file(tmp_path, match, versions='numpy = "<1"')
    code, out, results = run_suite(*args, "--known-divergences", known, env=env)
    new = [r for r in results["results"] if r["outcome"] == "diverged"]
    assert code == 1 and new, out[-3000:]
    assert all(
        "known divergence planted shows here, where it is said not to apply (numpy " in r["message"]
        for r in new
    )
    assert all("is outside numpy<1): a regression, or its version gate is wrong" in r["message"] for r in new)
    # NumPy's own loss, not planted: its checks pass
    code, out, results = run_suite("--framework", "numpy", "-k", LOSS_SMALL, "--known-divergences", known)
    fixed = [r for r in results["results"] if "gated_divergence" in r]
    assert code == 0 and fixed and {r["outcome"] for r in fixed} == {"passed"}, out[-3000:]
    assert "fixed here: planted (numpy " in out and f"{len(fixed)} of its checks passed" in out
