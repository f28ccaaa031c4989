"""--impl: the user's own implementation, run through the whole suite as the README says."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from conformance import user

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
    args = ("--impl", PROB_FIRST, "--framework", "none", "-n", "2", "--hypothesis-profile", "ci")
    code, out, results = run_suite(*args, target="conformance")
    assert code == 1, out[-3000:]
    records = mine(results["results"])
    golden = {r["case"] for r in records if r["outcome"] == "diverged" and r["test"] == "loss"}
    assert "large-gap-e0.1" in golden and "article1-e0.1-sum" not in golden
    drawn = [r for r in mine(records, "agreement") if r["outcome"] == "diverged"]
    assert drawn, "the property check did not catch it"
    # the float32 counterexample (README: [[-100., 0.]]); in the half precisions the module
    # also fails on inputs the shrinker cannot take below a large vocabulary
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


IDIOM = "jax:tests/user_losses/jax_optax_idiom.py:loss"


@pytest.mark.parametrize(("x64", "float32_outcome"), [("0", "passed"), ("1", "diverged")])
def test_a_jax_loss_is_judged_in_the_64_bit_mode_its_program_runs_in(run_suite, x64, float32_outcome):
    """The optax idiom's one-hot labels are float32 under JAX's default and float64 under x64:
    its float32 loss is float32 in a default program (passes) and float64 in a program that
    turns x64 on (JAX_ENABLE_X64=1: a finding for that program). Float64 checks run under
    jax.enable_x64 either way, so they check float64."""
    pytest.importorskip("jax")
    code, out, results = run_suite(
        "--impl", IDIOM, "--dtype", "float32,float64", "-k", "test_loss", env={"JAX_ENABLE_X64": x64}
    )
    records = [r for r in results["results"] if r.get("implementation") == "jax_optax_idiom.loss"]
    by_dtype = {
        d: {r["outcome"] for r in records if r["dtype"] == d} - {"unsupported"}
        for d in ("float32", "float64")
    }
    assert by_dtype["float64"] == {"passed"}, out[-3000:]
    assert float32_outcome in by_dtype["float32"]
    if float32_outcome == "diverged":
        assert all(
            "returned float64 for float32 inputs" in r["message"]
            for r in records
            if r["outcome"] == "diverged"
        )
    else:
        assert by_dtype["float32"] == {"passed"} and code == 0


def test_a_wider_result_says_so_and_what_would_keep_the_inputs_dtype(run_suite):
    """The idiom's float16 loss comes back float32 under JAX's default (float16 logits promoted
    with float32 one-hot labels): the message says it is wider, that the value is within
    float16's bound, and how to keep float16."""
    pytest.importorskip("jax")
    args = ("--impl", IDIOM, "--framework", "none", "--dtype", "float16")
    _, out, results = run_suite(*args, "-k", "test_loss and article2-e0.001")
    (record,) = [r for r in results["results"] if r["outcome"] == "diverged"]
    message = record["message"]
    assert "returned float32 for float16 inputs: a wider dtype than its inputs" in message, out[-3000:]
    assert "the value itself is within float16's bound" in message
    assert "made in logits.dtype, they keep the inputs' dtype" in message
    assert "exceeds" not in message


DEFINITIONS = "numpy:tests/user_losses/numpy_definitions.py:"


@pytest.mark.parametrize(
    ("name", "named"),
    [
        ("fairseq", "the e/(K-1) convention"),
        ("flax_kl", "a KL divergence"),
        ("summed", "the sum over the batch instead of the mean"),
        ("unsmoothed", "smoothing ignored"),
    ],
)
def test_a_loss_of_another_definition_is_named_in_its_failures(run_suite, name, named):
    code, out, results = run_suite(
        "--impl", DEFINITIONS + name, "--dtype", "float64", "-k", "test_loss or test_document"
    )
    diverged = [r for r in results["results"] if r["outcome"] == "diverged" and r.get("framework") == "numpy"]
    assert code == 1 and diverged, out[-3000:]
    assert all(
        f"your loss matches {named}" in r["message"] or "or " + named in r["message"] for r in diverged
    ), [r["message"] for r in diverged if named not in r["message"]][:1]


def test_a_correct_loss_is_never_given_another_definitions_name(run_suite):
    args = ("--impl", DEFINITIONS + "correct", "--dtype", "float64", "-k", "test_loss or test_document")
    code, out, results = run_suite(*args)
    assert "your loss matches" not in out and code == 0, out[-3000:]
    assert "numpy_definitions.correct: passed (" in out and "the report: " in out
    # the counts are of the user's checks (the suite's own, of a document, apart), and say
    # what pytest calls the same
    assert "(of your implementations; " in out and "in pytest's words: " in out
    mine = [r for r in results["results"] if r.get("implementation") == "numpy_definitions.correct"]
    assert mine and {r["outcome"] for r in mine} <= {"passed", "unsupported"}, out[-3000:]


def test_every_distinct_failure_of_a_property_is_reported(run_suite):
    """fairseq's form divides by K - 1: at one class it raises ZeroDivisionError, elsewhere it
    computes the e/(K-1) convention. Both are shown, each shrunk, and the convention named."""
    args = (
        "--impl",
        DEFINITIONS + "fairseq",
        "--framework",
        "none",
        "--dtype",
        "float64",
        "--hypothesis-profile",
        "ci",
    )
    code, out, results = run_suite(
        *args, "-k", "agreement and not gradient", target="conformance/test_properties.py"
    )
    (record,) = [r for r in results["results"] if r["test"] == "agreement" and r.get("framework") == "numpy"]
    assert code == 1 and record["outcome"] == "diverged", out[-3000:]
    message = record["message"]
    assert message.startswith("2 distinct failures of this property, each shrunk")
    assert "raised ZeroDivisionError" in message and "your loss matches the e/(K-1) convention" in message


DEFECTS = "numpy:tests/user_losses/numpy_defects.py:"


def test_shrinking_stops_at_its_budget_and_says_so(run_suite):
    """A defect whose every call takes 0.3 s: with --shrink-budget 1, the check ends with
    the counterexample shrunk so far, and its message names the budget."""
    args = (
        "--impl",
        DEFECTS + "slow_and_wrong",
        "--framework",
        "none",
        "--dtype",
        "float32",
        "--shrink-budget",
        "1",
    )
    args += ("--hypothesis-profile", "ci")
    _, out, results = run_suite(
        *args, "-k", "agreement and not gradient", target="conformance/test_properties.py"
    )
    (record,) = [r for r in results["results"] if r["test"] == "agreement" and r.get("framework") == "numpy"]
    assert record["outcome"] == "diverged", out[-3000:]
    assert "shrinking stopped at its budget of 1 s (--shrink-budget)" in record["message"]


def test_a_counterexample_is_printed_whole_in_digits_that_give_it_back():
    """Every input element, none elided, each in the fewest digits that round-trip."""
    from conformance.adapters import numpy_adapter
    from conformance.cases import Case
    from conformance.checks import Point
    from conformance.messages import input_lines

    logits = (np.arange(300, dtype=np.float64).reshape(3, 100) / 7).astype(np.float32)
    case = Case("drawn", "(drawn)", "a test", logits.astype(np.float64), np.array([0, 1, 2]), 0.1, "mean", ())
    fw = numpy_adapter.load()
    point = Point(fw, fw.implementations[0], "cpu:0", "float32", "indices")
    text = "\n".join(input_lines(point, case))
    assert "..." not in text
    printed = text.split("logits=")[1].split("labels=")[0]
    values = np.array(
        [float(v) for v in printed.replace("[", " ").replace("]", " ").replace(",", " ").split()]
    )
    assert np.array_equal(values.astype(np.float32), logits.ravel())


def test_the_optax_idiom_in_the_logits_dtype_passes_in_every_dtype(run_suite):
    """Half precision in, half out: with its one-hot labels in the logits' dtype the idiom
    passes in float16 and bfloat16 too (without, JAX promotes float16 logits and float32
    one-hot labels to float32: a returned dtype the suite reports)."""
    pytest.importorskip("jax")
    code, out, results = run_suite("--impl", IDIOM + "_in_dtype", "-k", "test_loss")
    mine = [r for r in results["results"] if r.get("implementation") == "jax_optax_idiom.loss_in_dtype"]
    assert {r["dtype"] for r in mine if r["outcome"] == "passed"} == {
        "float64",
        "float32",
        "float16",
        "bfloat16",
    }
    assert code == 0 and {r["outcome"] for r in mine} <= {"passed", "unsupported"}, out[-3000:]


def test_an_empty_batch_mean_of_zero_is_said_in_words_and_named(run_suite):
    args = (
        "--impl",
        DEFINITIONS + "empty_mean_zero",
        "--framework",
        "none",
        "--dtype",
        "float32",
        "-k",
        "empty_batch",
    )
    _, out, results = run_suite(*args, target="conformance/test_properties.py")
    (record,) = [
        r for r in results["results"] if r["test"] == "empty_batch" and r.get("framework") == "numpy"
    ]
    assert record["outcome"] == "diverged", out[-3000:]
    assert "the exact value is NaN (undefined) but it returned 0.0" in record["message"]
    assert "your loss matches the mean of an empty batch as 0" in record["message"]
    assert "exceeds" not in record["message"]


def test_a_loss_that_is_the_frameworks_own_is_told_the_fault_is_the_frameworks(run_suite):
    """F.cross_entropy called as the user's loss, in float16 at 32,000 classes: it fails as
    PyTorch's own does, and the message names PyTorch's known divergence."""
    pytest.importorskip("torch")
    args = ("--impl", "torch:tests/user_losses/torch_cross_entropy.py:loss", "--dtype", "float16")
    code, out, results = run_suite(*args, "-k", "test_loss and vocab-32000")
    mine = [r for r in results["results"] if r.get("implementation") == "torch_cross_entropy.loss"]
    (record,) = [r for r in mine if r["outcome"] != "unsupported"]
    assert code == 1 and record["outcome"] == "diverged", out[-3000:]
    assert (
        "your loss returns what torch.nn.functional.cross_entropy returns on these inputs"
        in record["message"]
    )
    assert "known divergence half-precision-class-sum-overflows (precision) of torch" in record["message"]
