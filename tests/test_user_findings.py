"""--impl: what a run tells the author of a loss about its findings (64-bit mode, another
definition named, every distinct failure, shrinking within a budget, whole inputs, the
framework's fault)."""

from __future__ import annotations

import numpy as np
import pytest

IDIOM = "jax:tests/user_losses/jax_optax_idiom.py:loss"


@pytest.mark.parametrize(("x64", "float32_outcome"), [("0", "passed"), ("1", "diverged")])
def test_a_jax_loss_is_judged_in_the_64_bit_mode_its_program_runs_in(run_suite, x64, float32_outcome):
    """The optax idiom's one-hot labels are float32 under JAX's default and float64 under x64:
    its float32 loss is float32 in a default program (passes) and float64 in a program that
    turns x64 on (JAX_ENABLE_X64=1: a finding for that program). Float64 checks run under
    jax.enable_x64 either way, so they check float64."""
    pytest.importorskip("jax")
    code, out, results = run_suite(
        *("--impl", IDIOM, "--framework", "none", "--dtype", "float32,float64", "-k", "test_loss"),
        env={"JAX_ENABLE_X64": x64},
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
        *("--impl", DEFINITIONS + name, "--framework", "none", "--dtype", "float64"),
        *("-k", "test_loss or test_document"),
    )
    diverged = [r for r in results["results"] if r["outcome"] == "diverged" and r.get("framework") == "numpy"]
    assert code == 1 and diverged, out[-3000:]
    assert all(
        f"your loss matches {named}" in r["message"] or "or " + named in r["message"] for r in diverged
    ), [r["message"] for r in diverged if named not in r["message"]][:1]


def test_an_identity_check_names_the_definition_its_first_call_gives():
    """hand_smoothed compares two calls of the loss, not the exact answer; where they differ,
    the definition the first call gives is named as in a loss check (fairseq's e/(K-1))."""
    from dataclasses import replace

    from conformance.adapters import numpy_adapter
    from conformance.cases import Case
    from conformance.checks import properties
    from conformance.checks.failures import Divergence, Point
    from conformance.oracle import softmax

    def e_over_k_minus_1(logits, labels, e, reduction, axis, weights=None, ignore_index=None):
        k = logits.shape[-1]
        t = labels * (1 - e) + (1 - labels) * e / (k - 1)
        return np.asarray(softmax.softmax_cross_entropy(logits, t, 0.0, reduction)).astype(logits.dtype)

    fw = numpy_adapter.load()
    impl = replace(fw.implementations[0], loss=e_over_k_minus_1, class_axis="rows")
    point = Point(fw, impl, "cpu:0", "float64", "probabilities")
    logits = np.array([[1.0, 2.0, 3.0, 0.5], [0.0, -1.0, 4.0, 2.0]])
    case = Case("drawn", "(drawn)", "a test", logits, np.array([2, 0]), 0.3, "none", ())
    with pytest.raises(Divergence, match=r"your loss matches the e/\(K-1\) convention"):
        properties.hand_smoothed(point, case, None)


def test_a_correct_loss_is_never_given_another_definitions_name(run_suite):
    args = ("--impl", DEFINITIONS + "correct", "--framework", "none", "--dtype", "float64")
    args += ("-k", "test_loss or test_document")
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


def test_shrinking_stops_at_its_share_of_the_budget_and_says_so(run_suite):
    """A defect whose every call takes 0.3 s: with --shrink-budget 1, the check may shrink for
    a quarter of it; it ends with the counterexample shrunk so far, its message and record
    say so, and so does the verdict."""
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
    assert (
        "shrinking stopped after 0.25 s, this failure's share of the run's --shrink-budget"
        in record["message"]
    )
    assert record["unshrunk"] == "stopped"
    assert "1 failing check not fully shrunk (1 shrunk part of the way" in out


def test_a_failure_whose_cause_was_shrunk_is_shown_as_first_met(run_suite):
    """The run's budget goes to distinct failures first: a defect whose every call takes 0.3 s
    fails agreement in float32 and float64 alike. With --shrink-budget 1 the first takes its
    quarter (and the calls under way, near a second in all); the second, the same failure of
    the same property, may not use the half kept for other causes: it is shown as first met,
    naming the check that shrank its cause, and the verdict counts it."""
    args = (DEFECTS + "slow_and_wrong", "--framework", "none", "--dtype", "float32,float64")
    code, out, results = run_suite(
        "--impl",
        *args,
        "--hypothesis-profile",
        "ci",
        "--shrink-budget",
        "1",
        "-k",
        "agreement and not gradient",
        target="conformance/test_properties.py",
    )
    records = [r for r in results["results"] if r["test"] == "agreement" and r.get("framework") == "numpy"]
    assert code == 1 and {r["outcome"] for r in records} == {"diverged"} and len(records) == 2, out[-3000:]
    (shrunk,) = [r for r in records if r.get("unshrunk") != "same-cause"]
    (first_met,) = [r for r in records if r.get("unshrunk") == "same-cause"]
    assert (
        "not shrunk: the same failure was shrunk in agreement-indices-numpy_defects.slow_and_wrong-"
        f"cpu:0-{shrunk['dtype']}-eager" in first_met["message"]
    )
    assert "as first met, their cause shrunk in another check" in out


def test_a_spent_budget_shrinks_nothing_and_says_so(run_suite):
    args = ("--impl", DEFINITIONS + "fairseq", "--framework", "none", "--dtype", "float64")
    _, out, results = run_suite(
        *args,
        "--shrink-budget",
        "0",
        "-k",
        "agreement and not gradient",
        target="conformance/test_properties.py",
    )
    (record,) = [r for r in results["results"] if r["test"] == "agreement" and r.get("framework") == "numpy"]
    assert record["unshrunk"] == "budget-spent", out[-3000:]
    assert "not shrunk: the run's shrink budget of 0 s was spent (--shrink-budget)" in record["message"]


def test_the_budget_gives_each_failure_a_share_and_repeated_causes_only_the_half_not_kept():
    from conformance.plugin.shrinking import SAME_CAUSE, SPENT, ShrinkBudget

    budget = ShrinkBudget(8.0)
    a, b = ("impl", "agreement", "Divergence", "matching X"), ("impl", "masked", "Divergence", "")
    assert budget.allowance(a) == (2.0, "")  # a quarter of the budget
    with budget.shrinking(a, "agreement-float32"):
        budget.spent += 1.0  # as if it took that long
    seconds, why = budget.allowance(a)  # the same cause again: from the half not kept, 3 s left
    assert why == "" and 1.9 < seconds <= 2.0
    budget.spent = 4.5
    assert budget.allowance(a) == (0.0, SAME_CAUSE)  # 3.5 s left, all of it kept for new causes
    assert budget.allowance(b) == (2.0, "")  # a new cause still gets its share
    budget.spent = 7.0
    assert budget.allowance(b) == (1.0, "")  # what is left, less than a share
    budget.spent = 8.0
    assert budget.allowance(b) == (0.0, SPENT)


def test_a_counterexample_is_printed_whole_in_digits_that_give_it_back():
    """Every input element, none elided, each in the fewest digits that round-trip."""
    from conformance.adapters import numpy_adapter
    from conformance.cases import Case
    from conformance.checks.judge import Point
    from conformance.checks.messages import input_lines

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


def test_a_large_input_is_printed_exactly_where_few_values_differ_and_by_its_corners_else():
    """Beyond WHOLE_LIMIT elements (Hypothesis fills a large array with one value): the fill and
    every other value at its position, which rebuild the input; else corners and the way back."""
    import re

    from conformance.adapters import numpy_adapter
    from conformance.cases import Case
    from conformance.checks.judge import Point
    from conformance.checks.messages import WHOLE_LIMIT, input_lines

    logits = np.zeros((1, WHOLE_LIMIT + 1), np.float32)
    logits[0, [5, WHOLE_LIMIT]] = [2.5, -np.inf]
    case = Case("drawn", "(drawn)", "a test", logits.astype(np.float64), np.array([0]), 0.1, "mean", ())
    fw = numpy_adapter.load()
    point = Point(fw, fw.implementations[0], "cpu:0", "float32", "indices")
    printed = "\n".join(input_lines(point, case)).split("logits=")[1].split("labels=")[0]
    shape = r"an array of shape \[(\d+), (\d+)\]"
    found = re.fullmatch(shape + r" filled with (\S+), but for \{(.*)\}\s*", printed)
    assert found, printed
    rebuilt = np.full((int(found[1]), int(found[2])), float(found[3]), np.float32)
    for row, column, value in re.findall(r"\[(\d+), (\d+)\]: ([^,}]+)", found[4]):
        rebuilt[int(row), int(column)] = float(value)
    assert np.array_equal(rebuilt, logits)
    spread = np.arange(WHOLE_LIMIT + 1, dtype=np.float64).reshape(1, -1)
    case = Case("drawn", "(drawn)", "a test", spread, np.array([0]), 0.1, "mean", ())
    text = "\n".join(input_lines(point, case))
    assert "..." in text and "its reproduce line draws them again" in text and len(text) < 2000


def test_the_optax_idiom_in_the_logits_dtype_passes_in_every_dtype(run_suite):
    """Half precision in, half out: with its one-hot labels in the logits' dtype the idiom
    passes in float16 and bfloat16 too (without, JAX promotes float16 logits and float32
    one-hot labels to float32: a returned dtype the suite reports)."""
    pytest.importorskip("jax")
    code, out, results = run_suite("--impl", IDIOM + "_in_dtype", "--framework", "none", "-k", "test_loss")
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


def test_a_loss_that_is_the_frameworks_own_inherits_its_known_divergence(run_suite):
    """F.cross_entropy called as the user's loss, in float16 at 32,000 classes: it returns what
    PyTorch's own returns, bit for bit, where that is PyTorch's known divergence: inherited, an
    expected failure (exit 0), named in the record, the message and the verdict."""
    pytest.importorskip("torch")
    args = ("--impl", "torch:tests/user_losses/torch_cross_entropy.py:loss", "--dtype", "float16")
    code, out, results = run_suite(*args, "-k", "test_loss and vocab-32000")
    mine = [r for r in results["results"] if r.get("implementation") == "torch_cross_entropy.loss"]
    (record,) = [r for r in mine if r["outcome"] != "unsupported"]
    assert code == 0 and record["outcome"] == "known divergence", out[-3000:]
    assert record["inherited_from"] == "torch.nn.functional.cross_entropy"
    assert record["known_divergence"]["id"] == "half-precision-class-sum-overflows"
    assert (
        "your loss returns what torch.nn.functional.cross_entropy returns on these inputs"
        in record["message"]
    )
    assert (
        "torch_cross_entropy.loss: passed (1 checks ran, 1 as known divergences; 0 passed); inherits "
        "torch's half-precision-class-sum-overflows in 1 check (as torch.nn.functional.cross_entropy "
        "returns it)"
    ) in out
    code, out, results = run_suite(*args, "-k", "test_loss and vocab-32000", "--fail-inherited")
    (record,) = [
        r
        for r in results["results"]
        if r.get("implementation") == "torch_cross_entropy.loss" and r["outcome"] != "unsupported"
    ]
    assert code == 1 and record["outcome"] == "diverged", out[-3000:]
    assert "The fault is the framework's, not your code's (--fail-inherited)" in record["message"]


def test_a_loss_with_its_own_defect_keeps_its_findings(run_suite):
    """The same loss with its smoothing constant half again too large, in float32 where PyTorch's own passes:
    the failure is the user's (exit 1), inheriting nothing."""
    pytest.importorskip("torch")
    args = ("--impl", "torch:tests/user_losses/torch_wrong_smoothing.py:loss", "--dtype", "float32")
    code, out, results = run_suite(*args, "-k", "test_loss and vocab-32000")
    (record,) = [
        r
        for r in results["results"]
        if r.get("implementation") == "torch_wrong_smoothing.loss" and r["outcome"] != "unsupported"
    ]
    assert code == 1 and record["outcome"] == "diverged" and "inherited_from" not in record, out[-3000:]
    assert "inherits" not in out


def test_one_bit_off_is_not_the_frameworks_result():
    """Inherited only bit for bit: a result one ulp away from the framework's, or of another
    dtype, or -0.0 for 0.0, is the user's."""
    import numpy as np

    from conformance.plugin.shared import same_bits

    theirs = np.array([13.5, np.inf, np.nan, 0.0])
    assert same_bits(theirs.copy(), theirs)
    assert same_bits(np.array([13.5, np.inf, -np.nan, 0.0]), theirs)  # any NaN for a NaN
    assert not same_bits(np.array([np.nextafter(13.5, 14.0), np.inf, np.nan, 0.0]), theirs)
    assert not same_bits(np.array([13.5, np.inf, np.nan, -0.0]), theirs)
    assert not same_bits(theirs.astype(np.float32), theirs)
    assert not same_bits(theirs[:3], theirs)


LOG_SOFTMAX = "torch:tests/user_losses/torch_log_softmax.py:"
EVERY_PROPERTY = ("--framework", "none", "--dtype", "float32,float64", "--hypothesis-profile", "ci")


@pytest.mark.parametrize(
    ("name", "inherits"),
    [
        ("smoothed_targets", "inherits torch's one-hot-rows-zero-weight-times-minus-inf-is-nan in 2 checks"),
        ("nll_and_mean", ""),
    ],
)
def test_a_loss_written_on_torch_log_softmax_passes_every_check(run_suite, name, inherits):
    """The forms users write on torch.log_softmax, every golden case and property in float32
    and float64: exit 0. The smoothed targets' form returns NaN at a masked class where e = 0
    (0 * -inf), as PyTorch's own composition of that form does: inherited, and named. Either
    form may also return F.cross_entropy's own result where that sums in lanes (both call the
    same log_softmax kernel; whether a draw meets it depends on Hypothesis' version): inherited
    from F.cross_entropy, and from no other entry."""
    pytest.importorskip("torch")
    code, out, results = run_suite("--impl", LOG_SOFTMAX + name, *EVERY_PROPERTY, target="conformance")
    mine = [r for r in results["results"] if r.get("implementation") == f"torch_log_softmax.{name}"]
    assert code == 0 and {r["outcome"] for r in mine} <= {"passed", "unsupported", "known divergence"}, out[
        -3000:
    ]
    line = next(x for x in out.splitlines() if x.startswith(f"torch_log_softmax.{name}: passed ("))
    assert (inherits in line) if inherits else ("one-hot-rows" not in line), line
    for r in mine:
        if r["outcome"] != "known divergence":
            continue
        if r["test"] == "masked":
            assert r["inherited_from"] == "torch.log_softmax(smoothed targets)", r
        else:
            assert r["inherited_from"] == "torch.nn.functional.cross_entropy", r
            assert r["known_divergence"]["id"].startswith("torch-log-softmax-"), r


def test_a_gradient_on_torch_log_softmax_inherits_pytorchs_divergence(run_suite):
    """A drawn row of 32,768 classes with a gap of 20 at the target (seed 3): the smoothed
    targets' form returns PyTorch's own gradient, every element bit for bit, beyond the tight
    bound in float64, where PyTorch's log_softmax sums in lanes: inherited."""
    pytest.importorskip("torch")
    args = ("--impl", LOG_SOFTMAX + "smoothed_targets", "--framework", "none", "--dtype", "float64")
    code, out, results = run_suite(
        *args, "--hypothesis-seed", "3", "-k", "gradient_agreement", target="conformance/test_properties.py"
    )
    (record,) = [
        r for r in results["results"] if r.get("implementation") == "torch_log_softmax.smoothed_targets"
    ]
    assert code == 0 and record["outcome"] == "known divergence", out[-3000:]
    assert (
        record["known_divergence"]["id"]
        == "torch-log-softmax-backward-sums-in-order + torch-log-softmax-sums-in-lanes"
    )
    assert (
        "your loss returns what torch.nn.functional.cross_entropy returns on these inputs"
        in record["message"]
    )


def test_a_loss_on_torch_log_softmax_with_a_defect_keeps_its_findings(run_suite):
    """The smoothed targets' form with its smoothing constant half again too large: exit 1,
    every finding its own (none inherited); only the masked NaN, which it shares bit for bit
    with PyTorch's form, is inherited."""
    pytest.importorskip("torch")
    code, out, results = run_suite(
        "--impl", LOG_SOFTMAX + "wrong_smoothing", *EVERY_PROPERTY, target="conformance"
    )
    mine = [r for r in results["results"] if r.get("implementation") == "torch_log_softmax.wrong_smoothing"]
    failing = [r for r in mine if r["outcome"] in ("diverged", "imprecise")]
    assert code == 1 and {r["test"] for r in failing} >= {"loss", "agreement", "gradient"}, out[-3000:]
    assert not [r for r in failing if "inherited_from" in r]


UNSMOOTHED_ENTRY = (
    '[[divergence]]\nid = "{id}"\n'
    'match = {{ test = "agreement", implementation = "numpy_definitions.unsmoothed" }}\n'
    'shows_when = ["{condition}"]\nkind = "definition"\nreason = "it drops e"\nstrict = false\n'
)


def agreement_with(run_suite, tmp_path, loss: str, known: str) -> tuple[int, str, dict]:
    """The float64 agreement check of a NumPy user ``loss`` ("file.py:function" in
    tests/user_losses), on the ci profile, under the known divergences ``known`` (a TOML text):
    the exit code, the output and its record."""
    path = tmp_path / "known.toml"
    path.write_text(known)
    code, out, results = run_suite(
        *("--impl", f"numpy:tests/user_losses/{loss}", "--framework", "none", "--dtype", "float64"),
        *("--known-divergences", str(path), "--hypothesis-profile", "ci", "-k", "agreement and not gradient"),
        target="conformance/test_properties.py",
    )
    name = loss.replace(".py:", ".")
    (record,) = [
        r for r in results["results"] if r["test"] == "agreement" and r.get("implementation") == name
    ]
    return code, out, record


def agreement_under(run_suite, tmp_path, *entries: tuple[str, str]) -> tuple[int, str, dict]:
    """The float64 agreement check of a loss that drops its smoothing, with known divergences
    (id, condition) matching it: the exit code, the output and its record."""
    known = "".join(UNSMOOTHED_ENTRY.format(id=i, condition=c) for i, c in entries)
    return agreement_with(run_suite, tmp_path, "numpy_definitions.py:unsmoothed", known)


@pytest.mark.parametrize(
    ("condition", "outcome", "code"), [("smoothing", "known divergence", 0), ("no-smoothing", "diverged", 1)]
)
def test_a_known_divergence_excuses_only_an_input_that_meets_its_conditions(
    run_suite, tmp_path, condition, outcome, code
):
    """A loss that drops its smoothing fails agreement only where e > 0. Recorded as a known
    divergence that shows where it smooths, its failure is excused; recorded as one that shows
    only without smoothing, the same failure is a new divergence, whose message names the entry
    and the condition its input does not meet (a second fault at an excused coordinate)."""
    got, out, record = agreement_under(run_suite, tmp_path, ("drops-smoothing", condition))
    assert got == code and record["outcome"] == outcome, out[-3000:]
    if code:
        assert "not excused: drops-smoothing shows only where no-smoothing" in record["message"]


def test_an_excused_failure_cites_only_the_entries_its_input_meets(run_suite, tmp_path):
    """Two entries match the check's coordinates; its failing input (smoothed) meets the
    conditions of one: the record names that one alone, not both."""
    code, out, record = agreement_under(
        run_suite,
        tmp_path,
        ("drops-smoothing", "smoothing"),
        ("off-the-last-axis", "classes-off-the-last-axis"),
    )
    assert code == 0 and record["outcome"] == "known divergence", out[-3000:]
    assert record["known_divergence"]["id"] == "drops-smoothing"
