"""Known divergences scoped by their mechanism: named groups of checks, a failure's accuracy
in a coarser dtype, an entry's promise of accuracy held entry by entry, and the entries whose
list (not mechanism) leaves a failure unexcused named on it (scope_misses)."""

from __future__ import annotations

import pytest

from conformance.checks.property_table import PROPERTIES
from conformance.divergences import load
from conformance.divergences.groups import GROUPS, expand
from tests.test_user_findings import agreement_with

ROUNDED = "numpy_definitions.reduced_in_float32"
ENTRY = (
    '[[divergence]]\nid = "{id}"\n'
    'match = {{ test = {test}, implementation = "{impl}" }}\n'
    'kind = "precision"\nreason = "it reduces in float32"\nwithin = "float32"\nstrict = false\n'
)
NAN_ENTRY = (  # an entry with a prediction and no promise of accuracy, at the same coordinates
    '[[divergence]]\nid = "gives-nan"\n'
    'match = {{ test = "@drawn-loss", implementation = "{impl}" }}\n'
    'kind = "defect"\nreason = "NaN rows"\npredicts = ["nan"]\nstrict = false\n'
)


def test_every_softmax_property_check_is_in_one_drawn_group():
    """A new property check must be placed in a group (else an entry scoped by its mechanism
    would not reach it): the drawn groups partition the softmax property checks."""
    softmax = {name for name, p in PROPERTIES.items() if p.operation == "softmax_cross_entropy"}
    drawn = [name for group, names in GROUPS.items() if group.startswith("@drawn-") for name in names]
    assert sorted(drawn) == sorted(softmax)


def test_a_group_expands_in_place_and_an_unknown_one_names_file_entry_and_field(tmp_path):
    assert expand(["loss", "@drawn-gradient", "gradient_agreement"]) == [
        "loss",
        "gradient_agreement",
        "options_gradient",
    ]
    good = tmp_path / "good.toml"
    good.write_text(ENTRY.format(id="a", test='["@golden-loss", "gradient"]', impl="x"))
    assert load(good)[0].match["test"] == ["loss", "same_as", "gradient"]
    bad = tmp_path / "bad.toml"
    bad.write_text(ENTRY.format(id="b", test='"@drawn-losses"', impl="x"))
    with pytest.raises(
        ValueError, match=r"bad.toml: divergence/0/match/test \(b\): '@drawn-losses' is not a group"
    ):
        load(bad)


def test_a_float32_accurate_result_is_excused_by_an_entry_scoped_by_its_mechanism(run_suite, tmp_path):
    """A loss rounded through float32 fails the float64 agreement check; an entry scoped to
    every drawn check of the loss, promising float32 accuracy, excuses it, and the message says
    what the error is in float32's terms, beside the float64 figure."""
    known = ENTRY.format(id="reduces-in-float32", test='"@drawn-loss"', impl=ROUNDED)
    code, out, record = agreement_with(run_suite, tmp_path, "numpy_definitions.py:reduced_in_float32", known)
    assert code == 0 and record["outcome"] == "known divergence", out[-3000:]
    assert record["accurate_to"] == "float32"
    assert (
        "float32-accurate: " in record["message"]
        and " float32 eps against the bound of " in record["message"]
    )


def test_an_entry_whose_list_leaves_out_a_check_its_mechanism_reaches_is_named_on_the_failure(
    run_suite, tmp_path
):
    """The same entry listing another check only: the agreement failure is red (the list
    decides), and its record and message name the entry whose prediction fits it."""
    known = ENTRY.format(id="reduces-in-float32", test='"unsmoothed"', impl=ROUNDED)
    code, out, record = agreement_with(run_suite, tmp_path, "numpy_definitions.py:reduced_in_float32", known)
    assert code == 1 and record["outcome"] == "diverged", out[-3000:]
    assert record["scope_misses"] == ["reduces-in-float32"]
    assert "fits the prediction of reduces-in-float32, float32-accurate, but its scope" in record["message"]


@pytest.mark.parametrize("with_nan_entry", [False, True])
def test_a_result_beyond_the_promised_accuracy_is_not_excused(run_suite, tmp_path, with_nan_entry):
    """2e-5 relative off is beyond float32's accuracy: not excused by the float32 entry, also
    where a second entry at the same coordinates promises no accuracy (combined, the two promise
    none: each entry's promise is held on its own), and no entry is named as a scope miss."""
    impl = "numpy_definitions.reduced_in_float32_and_off"
    known = ENTRY.format(id="reduces-in-float32", test='"@drawn-loss"', impl=impl)
    known += NAN_ENTRY.format(impl=impl) if with_nan_entry else ""
    loss = "numpy_definitions.py:reduced_in_float32_and_off"
    code, out, record = agreement_with(run_suite, tmp_path, loss, known)
    assert code == 1 and record["outcome"] == "diverged", out[-3000:]
    assert "scope_misses" not in record


def test_an_entry_whose_implementation_ran_but_that_matched_no_check_is_listed():
    """unmatched(): an entry whose implementation ran and met a check is not listed; one whose
    implementation ran but whose checks did not run (skipped ones do not count) is; one whose
    implementation did not run, or not in its dtype, is not (a run of another framework or
    dtype says nothing of it); nor one whose check is a deferred compiled program."""
    from conformance.divergences import KnownDivergence
    from conformance.divergences.unmatched import unmatched

    def entry(id: str, **match: str) -> KnownDivergence:
        return KnownDivergence(id=id, match=dict(match), kind="precision", reason="r")

    def record(test: str, dtype: str, outcome: str) -> dict[str, str]:
        return {"implementation": "a", "device": "cpu:0", "test": test, "dtype": dtype, "outcome": outcome}

    records = [
        record("agreement", "float64", "passed"),
        record("masked", "float64", "unsupported"),
        record("agreement", "float16", "unsupported"),
        record("loss", "float64", "deferred"),
    ]
    met = entry("met", implementation="a", test="agreement")
    only_skipped = entry("only-skipped", implementation="a", test="masked")
    other_dtype = entry("other-dtype", implementation="a", dtype="float16")
    not_selected = entry("not-selected", implementation="a", dtype="bfloat16")  # no check of that dtype
    deferred = entry("deferred", implementation="a", test="loss")  # a later run builds it
    elsewhere = entry("elsewhere", implementation="b")
    found = unmatched([met, only_skipped, other_dtype, not_selected, deferred, elsewhere], records)
    assert [k.id for k in found] == ["only-skipped", "other-dtype"]


def test_a_run_and_its_comparison_name_the_entries_it_matched_no_check_with(run_suite, tmp_path):
    """An entry of the user's loss at a case no check has: the run's summary names it,
    its results file keeps it, and conformance-report --compare says it; a run narrowed by -k
    (where an entry not met says nothing) names none."""
    from conformance.report.changes import as_text, compare
    from conformance.results.results_file import read

    known = tmp_path / "known.toml"
    known.write_text(
        ENTRY.format(id="reduces-in-float32", test='"@drawn-loss"', impl=ROUNDED)
        + ENTRY.format(id="never-met", test='"@drawn-loss"', impl=ROUNDED).replace(
            "}", ', case = "a-renamed-case" }', 1
        )
    )
    run = (
        *("--impl", "numpy:tests/user_losses/numpy_definitions.py:reduced_in_float32", "--framework", "none"),
        *("--dtype", "float64", "--known-divergences", str(known), "--hypothesis-profile", "ci"),
    )
    code, out, _ = run_suite(*run, target="conformance/test_properties.py")
    assert code == 0, out[-3000:]
    assert "matched no check of this run (their implementations ran): 1: never-met" in out
    results = read(tmp_path / "results.json")
    assert results["environment"]["unmatched_divergences"] == ["never-met"]
    said = as_text(compare(results, results), "old.json", "new.json")
    assert "known divergences the new run matched no check with: 1: never-met" in said
    code, out, _ = run_suite(*run, "-k", "agreement", target="conformance/test_properties.py")
    assert code == 0 and "matched no check" not in out, out[-3000:]


def test_the_decision_to_excuse_is_made_without_pytest():
    """excuse(): by coordinates, conditions, prediction and promise, each entry on its own."""
    import numpy as np

    from conformance.cases import Case
    from conformance.checks.failures import Came
    from conformance.divergences import KnownDivergence
    from conformance.divergences.excuse import excuse

    case = Case(
        id="c",
        path="p.toml",
        provenance="p",
        logits=np.zeros((1, 2)),
        labels=np.array([0]),
        label_smoothing=0.1,
        reduction="mean",
        expected=("0.7",),
    )
    check = {"test": "agreement", "implementation": "x", "dtype": "float64"}
    float32 = KnownDivergence(
        id="f32", match={"implementation": "x"}, kind="precision", reason="r", within="float32"
    )
    nan = KnownDivergence(
        id="nan", match={"implementation": "x"}, kind="defect", reason="r", predicts=("nan",)
    )
    unsmoothed = KnownDivergence(
        id="u", match={"implementation": "x"}, kind="defect", reason="r", shows_when=("no-smoothing",)
    )

    def came(got: float, accurate_to: str) -> Came:
        return Came(np.array(got), np.array(0.7), "float64", None, accurate_to)

    assert excuse([float32, nan], check, case, came(0.70000001, "float32")).entries == (float32,)
    assert excuse([float32, nan], check, case, came(float("nan"), "")).entries == (nan,)
    off = excuse([float32, nan], check, case, came(0.71, ""))
    assert not off and "f32 promises float32 accuracy" in off.why_not and "nan predicts a NaN" in off.why_not
    unmet = excuse([unsmoothed], check, case, came(0.71, ""))
    assert not unmet and unmet.why_not == "u shows only where no-smoothing, and this input does not meet that"
    assert not excuse([float32], {**check, "implementation": "y"}, case, came(0.70000001, "float32"))


def test_a_result_in_a_wider_dtype_keeps_a_promise_of_that_dtype_s_accuracy(run_suite, tmp_path):
    """A float16 check that returns a float32 computation: its value is float32-accurate (more
    than its dtype), so an entry that predicts a float32 result and promises float32 accuracy
    excuses it (its record says how accurate it is)."""
    known = tmp_path / "known.toml"
    known.write_text(
        '[[divergence]]\nid = "returns-float32"\n'
        'match = { test = "@drawn-loss", implementation = "numpy_definitions.widened_to_float32" }\n'
        'kind = "definition"\nreason = "float32 by default"\nwithin = "float32"\n'
        'predicts = ["returns-float32"]\n'
        "strict = false\n"
    )
    code, out, results = run_suite(
        *("--impl", "numpy:tests/user_losses/numpy_definitions.py:widened_to_float32", "--framework", "none"),
        *("--dtype", "float16", "--known-divergences", str(known), "--hypothesis-profile", "ci"),
        *("-k", "agreement and not gradient"),
        target="conformance/test_properties.py",
    )
    (record,) = [r for r in results["results"] if r["test"] == "agreement"]
    assert code == 0 and record["outcome"] == "known divergence", out[-3000:]
    assert record["accurate_to"] in ("float64", "float32")


def test_another_definition_is_named_at_its_own_size():
    """An alternative's value far larger than the loss (Keras' e over a last axis of size 1: K
    times the smoothing term) is named within the check's bound taken to its own size, and not
    where it is off by more than that."""
    import numpy as np

    from conformance.checks.definitions import ALTERNATIVES, explaining, value

    logits, labels, e = np.array([[200.0] + [0.0] * 999]), np.array([0]), 0.25
    last = next(a for a in ALTERNATIVES if a.key == "e-over-the-last-axis")
    v = value(last, logits, labels, e, "mean", last_axis=1)
    loss = value(next(a for a in ALTERNATIVES if a.key == "mean-for-sum"), logits, labels, e, "sum")
    bound = np.array(100.0)  # epsilons of float32, for a loss of the size of ``loss``
    scale = (v + 1) / (loss + 1)  # the bound, in absolute epsilons, taken to v's size
    near, far = v + 50 * 2.0**-23 * scale, v + 200 * 2.0**-23 * scale
    keys = [a.key for a in explaining(near, logits, labels, e, "mean", bound, "float32", 1, loss)]
    assert v > 500 * loss and "e-over-the-last-axis" in keys
    assert "e-over-the-last-axis" not in [
        a.key for a in explaining(far, logits, labels, e, "mean", bound, "float32", 1, loss)
    ]
