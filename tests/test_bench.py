"""The benchmark runs and writes its figures (what they are is for docs/performance.md:
timings are printed, never asserted)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from conformance.adapters import FrameworkMissing, load
from conformance.bench import compiled_mode_figures, main


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
