"""The benchmark runs and writes its figures (what they are is for docs/performance.md:
timings are printed, never asserted)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from benchmarks.bench import main
from benchmarks.builds import compiled_mode_figures
from conformance.adapters import FrameworkMissing, load


def test_the_benchmark_prints_its_table_and_writes_json(tmp_path, capsys):
    out = tmp_path / "bench.json"
    assert main(["--framework", "numpy", "--examples", "5", "--json", str(out)]) == 0
    printed = capsys.readouterr().out
    for heading in (
        "import time",
        "starts checking",
        "bare ms",
        "floor ms",
        "compiled mode",
        "peak memory",
        "report:",
    ):
        assert heading in printed
    figures = json.loads(out.read_text())
    rows = figures["implementations"]
    assert {r["implementation"] for r in rows} >= {"conformance.numpy.softmax_cross_entropy"}
    assert all(r["bare_s"] > 0 and r["suite_check_s"] > 0 for r in rows)
    assert any("floor_s" in r for r in rows) and figures["large_case_peak_mb"]["numpy"] > 0


def test_jax_keeps_its_compiled_programs_between_runs(run_suite, tmp_path):
    """JAX's compilation cache goes where CONFORMANCE_JAX_CACHE says (entries appear, and
    the results name it); an empty value keeps none."""
    pytest.importorskip("jax")
    cache = tmp_path / "jax-cache"
    args = (
        "--framework",
        "jax",
        "--dtype",
        "float32",
        "--mode",
        "eager",
        "-k",
        "test_loss and article2-e0.001-",
    )
    code, out, results = run_suite(*args, env={"CONFORMANCE_JAX_CACHE": str(cache)})
    assert code == 0, out[-2000:]
    assert any(cache.iterdir()) and results["environment"]["frameworks"]["jax"]["compilation_cache"] == str(
        cache
    )
    code, out, results = run_suite(*args, env={"CONFORMANCE_JAX_CACHE": ""})
    assert code == 0 and results["environment"]["frameworks"]["jax"]["compilation_cache"] == "none"


@pytest.mark.parametrize("name", ["jax", "tensorflow"])
def test_compiled_modes_are_counted_per_check(name):
    """Each compiled mode's row counts its builds (XLA builds, tf.function traces): one per
    check on a new shape, since each check compiles its own loss."""
    try:
        fw = load(name)
    except FrameworkMissing as e:
        pytest.skip(str(e))
    rows = compiled_mode_figures(fw, np.random.default_rng(0))
    assert {r["mode"] for r in rows} == {m.name for m in fw.modes if m.compile is not None}
    for r in rows:
        assert r["new_shape_compiles"] >= 1 and r["new_shape_s"] > 0, r


@pytest.mark.parametrize("name", ["jax", "tensorflow", "torch"])
def test_checks_that_share_a_program_share_its_build(name):
    """A compiled mode builds once per program and shape: a second check of the same program
    (implementation, dtype, smoothing, reduction, options) and shape builds nothing, and one
    with another smoothing is another program, built anew."""
    from dataclasses import replace

    from benchmarks.builds import build_counter
    from benchmarks.timing import make_case
    from conformance.checks import failures, judge

    try:
        fw = load(name)
    except FrameworkMissing as e:
        pytest.skip(str(e))
    mode = next((m.name for m in fw.modes if m.compile is not None), None)
    if mode is None:
        pytest.skip(f"{name} has no compiled mode here: {fw.unavailable}")
    builds = build_counter(fw)
    impl = next(i for i in fw.implementations if not i.eager_only and i.smoothing)
    case, kind = make_case(impl, np.random.default_rng(0), 2, 3)
    point = failures.Point(fw, impl, fw.devices[0], "float32", kind, mode)
    assert builds(lambda: judge.check_grad(point, case)) >= 1
    assert builds(lambda: judge.check_grad(point, replace(case, id="another"))) == 0
    assert builds(lambda: judge.check_grad(point, replace(case, label_smoothing=0.2))) >= 1


@pytest.mark.parametrize(
    ("name", "variable", "mode"),
    [("torch", "CONFORMANCE_TORCH_CACHE", "compile"), ("tensorflow", "CONFORMANCE_TF_CACHE", "function-xla")],
)
def test_compilers_keep_their_builds_between_runs(run_suite, tmp_path, name, variable, mode):
    """inductor's builds and TensorFlow's XLA clusters go where the suite's variable says
    (entries appear, and the results name the folder)."""
    pytest.importorskip(name)
    cache = tmp_path / "cache"
    args = ("--framework", name, "--dtype", "float32", "--mode", mode, "-k", "test_loss and article2-e0.001-")
    env = {variable: str(cache), "TORCHINDUCTOR_CACHE_DIR": "", "TF_XLA_FLAGS": ""}
    code, out, results = run_suite(*args, env=env)
    assert code == 0, out[-2000:]
    if results["environment"]["frameworks"][name].get("unavailable_modes", {}).get(mode):
        pytest.skip(f"{mode} cannot run here")
    assert cache.is_dir() and any(cache.rglob("*"))
    assert results["environment"]["frameworks"][name]["compilation_cache"].startswith(str(cache))
