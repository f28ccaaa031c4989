"""Devices, dtypes and modes: the selection options, several host devices, compiled modes,
and planted faults each of them must catch."""

from __future__ import annotations

import numpy as np
import pytest

from tests.planting import wrong_jit

ARTICLE = "article2-e0.001-"  # -k: the worked example's cases, a few checks per point


def ids(results: dict) -> list[str]:
    return [r["id"].split("[", 1)[1][:-1] for r in results["results"] if "[" in r["id"]]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--dtype", "float17"), "--dtype: unknown float17; known: float16, bfloat16, float32, float64"),
        (
            ("--mode", "interpreted"),
            "--mode: unknown interpreted; known: eager, jit, function, function-xla, compile, to_static",
        ),
        (
            ("--framework", "numpy,mxnet"),
            "--framework: unknown mxnet; known: numpy, torch, tensorflow, jax, keras_jax, keras_torch, mlx, "
            "transformers, timm, tinygrad, paddle",
        ),
        (("--device", "npu:0"), "--device: not a device: npu:0"),
        (("--device", "cuda:7"), "--device: no device cuda:7; there are numpy: cpu:0"),
        (("--host-devices", "0"), "--host-devices: 0; at least 1"),
    ],
)
def test_a_bad_selection_is_a_usage_error_that_lists_what_exists(run_suite, tmp_path, args, message):
    code, out, results = run_suite("--framework", "numpy", *args)
    assert code == 4 and message in out, out[-2000:]
    assert "Traceback" not in out and results == {} and not (tmp_path / "parity.html").exists()


def test_dtype_and_device_select_the_checks(run_suite):
    code, out, results = run_suite("--framework", "numpy", "--dtype", "bfloat16,float16", "--device", "cpu")
    assert code == 0, out[-2000:]
    ran = [r for r in results["results"] if r.get("mode") and r["outcome"] != "unsupported"]
    assert ran and {r["dtype"] for r in ran} == {"bfloat16", "float16"}
    assert all(r["returned_dtype"] == r["dtype"] for r in ran if "returned_dtype" in r)


def test_numpy_only_never_imports_another_framework(run_suite, tmp_path):
    """--framework numpy: TensorFlow, PyTorch and JAX stay unimported (a plugin reports
    what was imported at the end of the run)."""
    (tmp_path / "imported.py").write_text(
        "import sys\n"
        "def pytest_unconfigure(config):\n"
        "    print('IMPORTED', sorted(m for m in ('torch', 'tensorflow', 'jax') if m in sys.modules))\n"
    )
    code, out, _ = run_suite(
        "--framework", "numpy", "-k", "article1", "-p", "imported", env={"PYTHONPATH": str(tmp_path)}
    )
    assert code == 0 and "IMPORTED []" in out, out[-2000:]


def test_two_host_devices_run_every_jax_and_tensorflow_check_on_each(run_suite):
    pytest.importorskip("jax")
    pytest.importorskip("tensorflow")
    code, out, results = run_suite(
        "--framework",
        "jax,tensorflow",
        "--host-devices",
        "2",
        "--dtype",
        "float32",
        "--mode",
        "eager",
        "-k",
        ARTICLE,
    )
    assert code == 0, out[-3000:]
    for name in ("jax", "tensorflow"):
        assert results["environment"]["frameworks"][name]["devices"] == ["cpu:0", "cpu:1"]
        ran = [r for r in results["results"] if r["framework"] == name and r["outcome"] == "passed"]
        by_device = {
            d: {i.replace(f"-{d}-", "-") for i in ids({"results": ran}) if f"-{d}-" in i}
            for d in ("cpu:0", "cpu:1")
        }
        assert by_device["cpu:0"] and by_device["cpu:0"] == by_device["cpu:1"]


def test_compiled_modes_are_checked_beside_eager(run_suite):
    """JAX's jit, TensorFlow's tf.function with and without XLA: each golden check in each."""
    pytest.importorskip("jax")
    pytest.importorskip("tensorflow")
    code, out, results = run_suite("--framework", "jax,tensorflow", "--dtype", "float32", "-k", ARTICLE)
    assert code == 0, out[-3000:]
    modes = {(r["framework"], r["mode"]) for r in results["results"] if r["outcome"] == "passed"}
    assert modes == {
        ("jax", "eager"),
        ("jax", "jit"),
        ("tensorflow", "eager"),
        ("tensorflow", "function"),
        ("tensorflow", "function-xla"),
    }
    assert any(i.endswith("-float32-function-xla") for i in ids(results))
    assert (
        results["environment"]["frameworks"]["jax"]["precision"]["jax_default_matmul_precision"] == "highest"
    )


def test_torch_compile_is_checked_where_it_works(run_suite):
    pytest.importorskip("torch")
    from conformance.adapters.torch_compile import compiler_missing

    if compiler_missing():
        pytest.skip(compiler_missing())
    code, out, results = run_suite(
        "--framework",
        "torch",
        "--dtype",
        "float32",
        "--mode",
        "compile",
        "-k",
        "test_loss and article2-e0.001-indices",
    )
    assert code == 0, out[-3000:]
    compiled = [r for r in results["results"] if r.get("mode") == "compile"]
    assert compiled and {r["outcome"] for r in compiled} == {"passed"}
    assert {r["implementation"] for r in compiled} == {
        "torch.nn.functional.cross_entropy",
        "torch.nn.functional.linear_cross_entropy",  # its case linear-article2-e0.001 matches too
    }


def test_torch_compile_builds_each_shape_statically():
    """Three shapes of one loss are three builds: with dynamo's default the third would reuse
    the symbolic build the second made, so a check's program would depend on the checks before."""
    pytest.importorskip("torch")
    from torch._dynamo.utils import counters

    from conformance.adapters.torch_adapter import load
    from conformance.adapters.torch_compile import compiler_missing

    if compiler_missing():
        pytest.skip(compiler_missing())
    fw = load()
    impl = fw.implementation("torch.nn.functional.cross_entropy")
    rng = np.random.default_rng(0)
    before = counters["stats"]["unique_graphs"]
    for n, k in ((2, 3), (3, 5), (4, 7)):
        x, y = rng.standard_normal((n, k)).astype("float32"), rng.integers(0, k, n)
        fw.run(impl, "cpu:0", x, y, 0.1, "mean", mode="compile")
    assert counters["stats"]["unique_graphs"] - before == 3


PLANTED_JIT = wrong_jit()  # every program rounds through float32

PLANTED_FALLBACK = """
import conformance.adapters.jax_adapter as adapter
from dataclasses import replace

load = adapter.load

def load_falling_back(precision_defaults=False):
    import jax  # not before the suite has set the host devices
    fw = load(precision_defaults)
    return replace(fw, put=lambda array, device: jax.device_put(array, jax.devices("cpu")[0]))

adapter.load = load_falling_back
"""


def run_planted(run_suite, tmp_path, plugin: str, *args: str) -> tuple[int, str, dict]:
    """The JAX loss checks of the worked example, with ``plugin`` (a planted adapter) loaded."""
    (tmp_path / "planted_adapter.py").write_text(plugin)
    return run_suite(
        "--framework",
        "jax",
        *args,
        "-p",
        "planted_adapter",
        "-k",
        f"test_loss and {ARTICLE}",
        env={"PYTHONPATH": str(tmp_path)},
    )


def test_a_compiler_that_loses_precision_fails_only_its_mode(run_suite, tmp_path):
    """A planted jax.jit that rounds its results to float32: float64 jit checks diverge,
    eager ones pass."""
    pytest.importorskip("jax")
    code, out, results = run_planted(run_suite, tmp_path, PLANTED_JIT, "--dtype", "float64")
    assert code == 1, out[-2000:]
    outcomes = {(r["mode"], r["outcome"]) for r in results["results"] if r.get("mode")}
    assert ("jit", "diverged") in outcomes and ("eager", "passed") in outcomes
    assert ("eager", "diverged") not in outcomes


def test_a_silent_fallback_to_another_device_is_caught(run_suite, tmp_path):
    """Inputs planted on cpu:0 whatever the device asked: the cpu:1 checks fail, saying so."""
    pytest.importorskip("jax")
    code, out, results = run_planted(
        run_suite, tmp_path, PLANTED_FALLBACK, "--host-devices", "2", "--dtype", "float32", "--mode", "eager"
    )
    assert code == 1, out[-2000:]
    failed = [r for r in results["results"] if r["outcome"] == "errored"]
    assert failed and {r["device"] for r in failed} == {"cpu:1"}
    assert "an input lived on cpu:0, not on cpu:1" in failed[0]["message"]
    assert "--host-devices 2" in failed[0]["reproduce"]  # without it there is no cpu:1 to rerun on


def test_a_mode_that_cannot_run_here_is_unsupported_not_eager(run_suite):
    """jax.jit disabled (JAX_DISABLE_JIT would make it run eagerly): --mode jit runs nothing as
    "jit" and records why."""
    pytest.importorskip("jax")
    code, out, results = run_suite("--framework", "jax", "--mode", "jit", env={"JAX_DISABLE_JIT": "1"})
    assert code == 0, out[-2000:]
    (record,) = [r for r in results["results"] if r["test"] == "mode"]
    assert record["outcome"] == "unsupported" and "JAX_DISABLE_JIT" in record["message"]
    assert not [r for r in results["results"] if r.get("mode") == "jit" and r["outcome"] == "passed"]


def test_torch_takes_the_classes_on_axis_1_only():
    """PyTorch reads dim 1 of (N, C, d1) logits as the classes: rank-3 logits with the classes
    last are not its layout (handed them, it read the batch's d1 as C: 'Expected target size
    [1, 3], got [1, 4]'), and are unsupported, not run."""
    from conformance.adapters import Unsupported, load

    torch = load("torch")
    impl = torch.implementation("torch.nn.functional.cross_entropy")
    assert impl.takes_axis(1, 2) and impl.takes_axis(1, 3) and not impl.takes_axis(2, 3)
    logits = np.zeros((1, 4, 3), np.float32)
    with pytest.raises(Unsupported, match="takes the class axis second, not 2"):
        torch.run(impl, "cpu:0", logits, np.zeros((1, 4), np.int64), 0.0, "mean", axis=2)
    taken = torch.run(
        impl, "cpu:0", np.moveaxis(logits, 2, 1), np.zeros((1, 4), np.int64), 0.0, "mean", axis=1
    )
    assert np.isclose(float(taken.value), np.log(3))
