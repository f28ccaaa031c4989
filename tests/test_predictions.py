"""What a known divergence predicts of a failing result (predicts): each prediction of each
entry the suite ships rejects a planted fault of another kind at the entry's own coordinates,
and a run with a second fault at an excused coordinate fails."""

from __future__ import annotations

import numpy as np
import pytest

from conformance import divergences
from conformance.checks.failures import Came
from conformance.divergences.predictions import PREDICTIONS, holds
from tests.test_user_findings import agreement_with

KNOWN = divergences.load(divergences.DEFAULT_PATH)
FINITE = np.array([2.5, 0.5])  # the answer of the planted results below


def came(got: list[float], dtype: str = "float16", answer=FINITE, by=None) -> Came:
    return Came(np.asarray(got, np.float64), answer, dtype, by)


# For each prediction: a result it predicts, and one of another fault (a wrong finite value,
# or for the predictions of numbers, a NaN), both against the answer FINITE (or NaN for
# number-for-nan).
SHOWN_AND_PLANTED = {
    "nan": (came([np.nan, 0.5]), came([2.0, 0.5])),
    "inf": (came([np.inf, 0.5]), came([2.0, 0.5])),
    "non-finite": (came([-np.inf, 0.5]), came([2.0, 0.5])),
    # the answer another call of the same implementation gave, which the same fault made NaN
    "non-finite-whatever-the-answer": (came([np.inf, 0.5], answer=np.array([np.nan, 0.5])), came([2.0, 0.5])),
    "finite": (came([2.0, 0.5]), came([np.nan, 0.5])),
    "number-for-nan": (
        came([2.0, 0.5], answer=np.array([np.nan, 0.5])),
        came([np.nan, 0.5], answer=np.array([np.nan, 0.5])),
    ),
    "zero": (came([-0.0, 0.5]), came([2.0, 0.5])),
    "empty": (came([]), came([2.0, 0.5])),
    "returns-float32": (came([2.0, 0.5], "float32"), came([2.0, 0.5], "float16")),
    # another definition's value: computed by the check and found, against computed and not
    "e-over-the-last-axis": (came([2.0, 0.5], by=("e-over-the-last-axis",)), came([2.0, 0.5], by=())),
    "smoothing-mass-lost": (
        came([2.0, 0.5], by=("smoothing-mass-lost",)),
        came([2.0, 0.5], by=("kl-divergence",)),
    ),
}


def test_every_prediction_has_a_shown_and_a_planted_result():
    assert set(SHOWN_AND_PLANTED) == set(PREDICTIONS)


@pytest.mark.parametrize("name", sorted(PREDICTIONS))
def test_a_prediction_holds_of_its_result_and_not_of_another_fault(name):
    shown, planted = SHOWN_AND_PLANTED[name]
    assert holds([name], shown) and not holds([name], planted)


def test_a_definition_s_value_is_checked_only_where_the_check_computes_the_definitions():
    """A gradient computes no other definition's value (by = None): there the value
    prediction holds of any result and the others are what is checked."""
    assert holds(["e-over-the-last-axis"], came([2.0, 0.5], by=None))
    assert not holds(["finite", "e-over-the-last-axis"], came([np.nan, 0.5], by=None))


def test_the_value_predictions_are_the_suite_s_definitions():
    from conformance.checks.definitions import ALTERNATIVES

    values = {name for name in PREDICTIONS if "value of" in PREDICTIONS[name][0]}
    assert values and values <= {a.key for a in ALTERNATIVES}


def coordinates(entry: divergences.KnownDivergence) -> dict[str, str]:
    """A check at the entry's coordinates: each field's first pattern, its wildcards filled."""
    check = {f: divergences.globs(p)[0].replace("*", "x").replace("?", "x") for f, p in entry.match.items()}
    assert entry.matches(check)
    return check


@pytest.mark.parametrize("entry", [k for k in KNOWN if k.predicts], ids=lambda k: k.id)
def test_each_shipped_prediction_rejects_a_planted_fault_at_its_coordinates(entry):
    """At the entry's own coordinates, the result it predicts is explained by it, and a result
    of another fault is not."""
    check = coordinates(entry)
    shown = SHOWN_AND_PLANTED[entry.predicts[-1]][0]
    assert entry in divergences.matching(KNOWN, check, came=shown)
    for name in entry.predicts:
        assert entry not in divergences.matching(KNOWN, check, came=SHOWN_AND_PLANTED[name][1]), name


def test_every_shipped_entry_says_how_it_is_checked_and_every_definition_is_modelled():
    """A model (a result predicted, an accuracy, an exception) or the reason it has none."""
    unsaid = [k.id for k in KNOWN if not k.modelled() and not k.unmodelled]
    both = [k.id for k in KNOWN if k.modelled() and k.unmodelled]
    definitions = [k.id for k in KNOWN if k.kind == "definition" and not k.modelled()]
    assert not unsaid and not both and not definitions


def test_predictions_are_named_from_the_vocabulary_only(tmp_path):
    file = tmp_path / "bad.toml"
    file.write_text(
        '[[divergence]]\nid = "x"\nmatch = { test = "loss" }\nkind = "definition"\nreason = "r"\n'
        'predicts = ["wrong"]\n'
    )
    with pytest.raises(ValueError, match="predicts"):
        divergences.load(file)


DROPS_SMOOTHING = (
    '[[divergence]]\nid = "drops-smoothing"\n'
    'match = {{ test = "agreement", implementation = "numpy_definitions.unsmoothed" }}\n'
    'predicts = ["{prediction}"]\nkind = "definition"\nreason = "it drops e"\nstrict = false\n'
)


@pytest.mark.parametrize(
    ("prediction", "outcome", "code"), [("finite", "known divergence", 0), ("inf", "diverged", 1)]
)
def test_a_known_divergence_excuses_only_the_result_it_predicts(
    run_suite, tmp_path, prediction, outcome, code
):
    """A loss that drops its smoothing returns finite wrong losses. Recorded as an entry that
    predicts numbers, its failure is excused; recorded as one that predicts an overflow to
    inf (a second fault at an excused coordinate), the same failure is a new divergence whose
    message names the entry and its prediction."""
    known = DROPS_SMOOTHING.format(prediction=prediction)
    got, out, record = agreement_with(run_suite, tmp_path, "numpy_definitions.py:unsmoothed", known)
    assert got == code and record["outcome"] == outcome, out[-3000:]
    if code:
        said = "not excused: drops-smoothing predicts an infinity where the answer is finite"
        assert said in record["message"]


CASE = "vocab-32000-e0.1-mean"  # a language model's vocabulary, smoothed
CLASS_SUM_OVERFLOWS = (
    '[[divergence]]\nid = "half-precision-class-sum-overflows"\nkind = "precision"\npredicts = ["inf"]\n'
    f'match = {{{{ test = "loss", case = "{CASE}", implementation = "torch_cross_entropy.{{name}}" }}}}\n'
    'reason = "the smoothing term\'s sum over the classes overflows in float16"\n'
)


@pytest.mark.parametrize(
    ("name", "outcome", "code"), [("loss", "known divergence", 0), ("overflow_hidden", "diverged", 1)]
)
def test_a_finite_wrong_value_where_the_entry_predicts_an_overflow_fails_the_run(
    run_suite, tmp_path, name, outcome, code
):
    """The issue's planted fault: PyTorch's float16 loss at a language model's vocabulary,
    whose smoothing term's class sum overflows, recorded as half-precision-class-sum-overflows
    (predicts inf). The loss that overflows as recorded is excused; the same loss returning a
    finite wrong value there is a new divergence."""
    pytest.importorskip("torch")
    known = tmp_path / "known.toml"
    known.write_text(CLASS_SUM_OVERFLOWS.format(name=name))
    impl = f"torch:tests/user_losses/torch_cross_entropy.py:{name}"
    args = ("--impl", impl, "--framework", "none", "--dtype", "float16", "--known-divergences", str(known))
    got, out, results = run_suite(*args, "-k", f"test_loss and {CASE}")
    records = [r for r in results["results"] if r.get("case") == CASE and r["outcome"] != "unsupported"]
    assert got == code and {r["outcome"] for r in records} == {outcome}, out[-3000:]
    if code:
        assert "predicts an infinity where the answer is finite" in records[0]["message"]


MASS_LOST = (
    '[[divergence]]\nid = "smoothing-mass-lost"\nkind = "defect"\nstrict = false\n'
    'predicts = ["finite", "smoothing-mass-lost"]\nreason = "the e/K terms lost"\n'
    'match = {{ test = "agreement", implementation = "{impl}" }}\n'
)


@pytest.mark.parametrize(
    ("loss", "outcome", "code"),
    [
        ("numpy_defects.py:forgets_uniform", "known divergence", 0),
        ("numpy_definitions.py:unsmoothed", "diverged", 1),
    ],
)
def test_a_defect_s_model_excuses_only_its_own_value(run_suite, tmp_path, loss, outcome, code):
    """An entry that models its defect's value (targets y (1 - e), the e/K terms lost) excuses a
    loss that computes that, and not a loss at the same coordinates that is wrong another way
    (its smoothing dropped whole), though both return finite numbers beyond the bound."""
    known = MASS_LOST.format(impl=loss.replace(".py:", "."))
    got, out, record = agreement_with(run_suite, tmp_path, loss, known)
    assert got == code and record["outcome"] == outcome, out[-3000:]
    if code:
        assert "smoothing-mass-lost predicts numbers where the answer is finite" in record["message"]
        assert "and the value of targets y (1 - e), the e/K terms lost" in record["message"]


def test_an_infinity_is_another_definition_s_where_its_value_is_past_the_dtype_s_range():
    """Keras' e over a last axis of size 1 (the soak of keras_jax, seed 2970371074) sums ten
    classes' terms to 77,897, past float16's 65,504: that definition's float16 value is inf, so
    an inf is its, and "finite" allows it; in float32 it is a number, and the inf no one's."""
    from conformance.checks.definitions import explaining

    logits = np.array([[-9024.0, -1e4, -5640, 0, 5972, -5040, 5528, 20, 0, -0.6104]])
    logits = logits.astype(np.float16).astype(np.float64)
    labels = np.zeros((1, 10))
    labels[0, 7] = 1

    def named(dtype: str) -> list[str]:
        found = explaining(np.array([np.inf]), logits, labels, 0.9999, "none", np.array([100.0]), dtype, 1)
        return [a.key for a in found]

    assert named("float16") == ["e-over-the-last-axis"] and named("float32") == []
    answer = np.array([7788.0])
    assert holds(
        ["finite", "e-over-the-last-axis"], came([np.inf], answer=answer, by=("e-over-the-last-axis",))
    )
    assert not holds(["finite"], came([np.inf], answer=answer, by=()))
