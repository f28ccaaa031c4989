"""--impl: the user's own implementation, run through the whole suite as the README says."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conformance.adapters import user

LOG_FIRST = "torch:examples/label_smoothing_log_probabilities.py:LabelSmoothingCrossEntropy"
PROB_FIRST = "torch:examples/label_smoothing_probabilities.py:LabelSmoothingCrossEntropy"
NAME = "LabelSmoothingCrossEntropy"
ROOT = Path(__file__).resolve().parent.parent


def mine(records: list[dict], test: str | None = None) -> list[dict]:
    return [r for r in records if NAME in r.get("implementation", "") and test in (None, r["test"])]


def test_the_log_probabilities_first_module_passes(run_suite):
    """In float32 and float64, on the ci profile's draws (derandomised). It computes as PyTorch's
    own loss does, so a random draw can show PyTorch's known divergences through it: in float16
    a logit spread beyond 65504 makes it inf, and in float32 2^17 classes on axis 1 are summed
    one by one (torch-log-softmax-off-the-last-axis-sums-in-order, which a CI run drew); its
    message then says the fault is PyTorch's."""
    pytest.importorskip("torch")
    code, out, results = run_suite(
        "--impl",
        LOG_FIRST,
        "--framework",
        "none",
        "-n",
        "2",
        "--dtype",
        "float32,float64",
        "--hypothesis-profile",
        "ci",
        target="conformance",
    )
    assert code == 0, out[-3000:]
    records = mine(results["results"])
    assert {r["framework"] for r in results["results"] if r.get("framework")} == {"torch"}
    assert all(NAME in r["implementation"] for r in results["results"] if r.get("device"))
    outcomes = {r["outcome"] for r in records}
    assert "passed" in outcomes and not outcomes & {"diverged", "errored"}
    assert {r["test"] for r in records if r["outcome"] == "passed"} >= {"loss", "gradient", "agreement"}
    # the module asserts 0 < smoothing: smoothing 0 is a rejected input, not a crash
    rejected = [r for r in records if r["outcome"] == "rejected"]
    assert rejected and all("AssertionError: smoothing must be in (0, 1)" in r["message"] for r in rejected)
    assert any(r["test"] == "unsmoothed" for r in rejected)


def test_the_probabilities_first_module_is_caught_with_a_small_counterexample(run_suite):
    pytest.importorskip("torch")
    # the ci profile: derandomised, so that the shrinking this asserts is the same every run
    # (under the default profile a counterexample first drawn at a large vocabulary can stay
    # there: Hypothesis cannot always shrink out of that branch, as a CI run showed)
    # float32 alone: the counterexample asserted is float32's (the half precisions' failures,
    # which the shrinker cannot take below a large vocabulary, cost the test half a minute)
    args = ("--impl", PROB_FIRST, "--framework", "none", "-n", "2", "--hypothesis-profile", "ci")
    args += ("--dtype", "float32")
    args += ("-k", "large-gap or article1 or agreement")  # the cases and the property it asserts on
    code, out, results = run_suite(*args, target="conformance")
    assert code == 1, out[-3000:]
    records = mine(results["results"])
    golden = {r["case"] for r in records if r["outcome"] == "diverged" and r["test"] == "loss"}
    assert "large-gap-e0.1" in golden and "article1-e0.1-sum" not in golden
    drawn = [r for r in mine(records, "agreement") if r["outcome"] == "diverged"]
    assert drawn, "the property check did not catch it"
    # the float32 counterexample (README: [[-100., 0.]])
    drawn = [r for r in drawn if r["dtype"] == "float32"]
    assert drawn, "the property check did not catch it in float32"
    assert "--impl" in drawn[0]["reproduce"] and PROB_FIRST in drawn[0]["reproduce"]
    logits_line = next(line for line in drawn[0]["message"].splitlines() if "logits=" in line)
    assert logits_line.count(",") <= 3, f"not shrunk: {logits_line}"
    # the README quotes this counterexample and the value it gives: what the run printed
    readme = (ROOT / "README.md").read_text()
    quoted = re.search(r"float32 check prints `(logits=[^`]*)`", readme)
    got = re.search(r"the loss comes back as `([^`]*)`", readme)
    assert quoted and got, "the README no longer quotes the counterexample"
    printed = "".join(drawn[0]["message"].split())
    assert "".join(quoted.group(1).split()) in printed and f"got{got.group(1)}" in printed, drawn[0][
        "message"
    ]


def test_a_function_and_frameworks_beside_it(run_suite, tmp_path):
    (tmp_path / "my_loss.py").write_text(
        "from conformance.oracle import softmax\n"
        "def loss(logits, labels, label_smoothing):\n"
        "    return softmax.softmax_cross_entropy(logits, labels, label_smoothing, 'mean')\n"
    )
    code, out, results = run_suite(
        "--impl",
        f"numpy:{tmp_path / 'my_loss.py'}:loss",
        "--framework",
        "numpy",
        "--dtype",
        "float32,float64",  # in half precision a loss computed in the dtype is imprecise at 2050 classes
        "-k",
        "test_loss and not vocab-",
    )
    assert code == 0, out[-3000:]
    names = {r.get("implementation") for r in results["results"] if r["outcome"] == "passed"}
    assert {"my_loss.loss", "conformance.numpy.softmax_cross_entropy"} <= names


@pytest.mark.parametrize(
    ("spec", "says"),
    [
        ("torch", "expected FRAMEWORK:MODULE:ATTR"),
        ("mxnet:examples/label_smoothing_probabilities.py:X", "unknown framework 'mxnet'; known: numpy"),
        ("numpy:no/such/file.py:loss", "no such file"),
        ("numpy:no_such_module_here:loss", "cannot import no_such_module_here: ModuleNotFoundError"),
        ("numpy:conformance.oracle.softmax:no_such_loss", "has no attribute 'no_such_loss'"),
        (
            "numpy:conformance.oracle.softmax:log_softmax",
            "expected a function loss(logits, labels, label_smo",
        ),
        ("numpy:conformance.vocabulary:REDUCTIONS", "neither a function nor a class"),
    ],
)
def test_an_unusable_impl_is_a_usage_error(run_suite, spec, says):
    code, out, results = run_suite("--impl", spec)
    assert code == 4, out[-2000:]  # pytest's usage error
    assert says in out and not results


def test_parse_keeps_a_path_with_colons_whole():
    assert user.parse("torch:C:/work/loss.py:Loss") == ("torch", "C:/work/loss.py", "Loss")


def test_your_framework_s_own_implementations_run_beside_yours_unless_told_otherwise(run_suite):
    """By default a --impl run checks the framework's own implementations beside yours, so the
    report compares them; --framework none leaves yours alone."""
    pytest.importorskip("torch")
    args = ("--impl", LOG_FIRST, "--dtype", "float32", "-k", "test_loss and article2-e0.001-")
    code, out, results = run_suite(*args)
    assert code == 0, out[-3000:]
    ran = {r["implementation"] for r in results["results"] if r.get("framework") == "torch"}
    assert {f"label_smoothing_log_probabilities.{NAME}", "torch.nn.functional.cross_entropy"} <= ran
    assert {r.get("framework") for r in results["results"] if r.get("framework")} == {"torch"}
    code, out, results = run_suite(*args[:2], "--framework", "none", *args[2:])
    assert code == 0, out[-3000:]
    ran = {r["implementation"] for r in results["results"] if r.get("framework")}
    assert ran == {f"label_smoothing_log_probabilities.{NAME}"}
    code, out, _ = run_suite("--framework", "none")
    assert code == 4 and "--framework none: only with --impl" in out


def test_frameworks_beside_yours_are_the_named_ones_only(run_suite):
    pytest.importorskip("torch")
    code, out, results = run_suite("--impl", LOG_FIRST, "--framework", "numpy", "-k", "test_loss")
    assert code == 0, out[-3000:]
    torch = {r["implementation"] for r in results["results"] if r.get("framework") == "torch"}
    assert torch == {f"label_smoothing_log_probabilities.{NAME}"}  # not torch's own losses
    assert any(r.get("framework") == "numpy" and r["outcome"] == "passed" for r in results["results"])


def test_a_constructor_that_crashes_is_an_error_not_a_rejection(run_suite, tmp_path):
    (tmp_path / "broken.py").write_text(
        "class Broken:\n"
        "    def __init__(self, smoothing):\n"
        "        self.smoothing = smoothnig  # a typo: NameError\n"
        "    def __call__(self, logits, labels):\n"
        "        return 0.0\n"
    )
    code, out, results = run_suite("--impl", f"numpy:{tmp_path / 'broken.py'}:Broken", "-k", "test_loss")
    assert code == 1, out[-2000:]
    outcomes = {r["outcome"] for r in results["results"] if r.get("device")}
    assert "errored" in outcomes and "rejected" not in outcomes
    assert "NameError" in out
