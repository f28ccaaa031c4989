"""The last line of an --impl run: what each finding of a user's loss comes from, in words."""

from __future__ import annotations

from conformance.plugin.verdict import verdict_line

NAME = "mine.loss"
E_K1 = (
    "your loss matches the e/(K-1) convention: e spread over the K - 1 other classes, the target "
    "keeping 1 - e (fairseq's label_smoothed_nll_loss); this suite checks targets y (1 - e) + e/K"
)
WIDER = "expected 1.0\n  got 1.01\n  returned float32 for bfloat16 inputs: a wider dtype than its inputs"
RAISED = "  input: logits=[[0.]]\n  raised ZeroDivisionError: float division by zero"


def record(outcome: str, message: str = "", test: str = "loss") -> dict:
    return {"implementation": NAME, "outcome": outcome, "test": test, "message": message}


def test_one_cause_of_every_check_is_named_once():
    records = [record("diverged", E_K1)] * 6 + [record("passed")] * 3
    line = verdict_line(NAME, records, "reports/parity.html")
    assert line == (
        "mine.loss: 1 finding in 9 checks that ran: diverged in loss (6 checks, all matching "
        "the e/(K-1) convention); the report: reports/parity.html"
    )


def test_a_finding_of_several_causes_counts_each():
    """A definition shown in float64 is not hidden by a dtype shown in bfloat16, nor by an
    error at one class: each cause with its count, the commonest first."""
    records = [record("diverged", E_K1)] * 5 + [record("diverged", WIDER)] * 3
    records += [record("diverged", RAISED), record("diverged", "expected 1\n  got 2")]
    line = verdict_line(NAME, records, None)
    assert "diverged in loss (10 checks: 5 matching the e/(K-1) convention, 3 returning float32 " in line
    assert "for bfloat16 inputs, 1 raising ZeroDivisionError, 1 with other values)" in line


def test_a_property_s_several_failures_count_as_their_most_telling_cause():
    message = "2 distinct failures of this property, each shrunk:\n" + RAISED + "\n" + E_K1
    line = verdict_line(NAME, [record("diverged", message, "agreement")], None)
    assert line.endswith("diverged in agreement (1 check, all matching the e/(K-1) convention)")


def test_unexplained_values_name_no_cause_and_a_clean_run_passes():
    assert verdict_line(NAME, [record("imprecise", "expected 1\n  got 1.0001")], None).endswith(
        "imprecise in loss (1 check)"
    )
    clean = [record("passed"), record("unsupported"), record("known divergence")]
    assert (
        verdict_line(NAME, clean, None)
        == "mine.loss: passed (2 checks ran, 1 as known divergences; 1 passed)"
    )
