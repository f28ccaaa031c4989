"""What the report's first screen says: the verdict line, the scoreboard (worst outcome and
median ulps per implementation, dtype and mode) and the findings (every divergence, one line)."""

from __future__ import annotations

import math

from conformance.report import findings as findings_module
from conformance.report.findings import findings
from conformance.report.page import render
from conformance.report.scoreboard import scoreboard, verdict
from conformance.results.merge import Merged, Run


def check(impl: str, framework: str, dtype: str = "float32", mode: str = "eager", **fields) -> dict:
    r = {
        "id": f"t.py::test_loss[c-indices-{impl}-cpu:0-{dtype}-{mode}-{sorted(fields.items())}]",
        "test": "loss",
        "case": "c",
        "framework": framework,
        "framework_version": "1.0",
        "implementation": impl,
        "device": "cpu:0",
        "dtype": dtype,
        "labels": "indices",
        "mode": mode,
        "operation": "softmax_cross_entropy",
        "outcome": "passed",
    }
    return {**r, **fields}


def merged(records: list[dict], **environment) -> Merged:
    m = Merged()
    m.runs.append(Run("r.json", "2026-11-30T00:00:00+00:00", {"frameworks": {}, **environment}))
    m.results = records
    return m


def known(entry: str, kind: str, reason: str = "Why. More.", **fields) -> dict:
    entry_fields = {"id": entry, "kind": kind, "reason": reason}
    return check(
        "tf.f", "tensorflow", **{"outcome": "known divergence", "known_divergence": entry_fields, **fields}
    )


def test_a_chip_shows_the_worst_outcome_and_the_median_ulps_of_what_passed():
    records = [check("torch.f", "torch", error_ulps=u, error_eps=u) for u in (0.5, 1.0, 2.0, 9.0, 1e9)] + [
        check("torch.f", "torch", outcome="known divergence", error_ulps=1e12),  # not in the figure
        check("torch.f", "torch", error_ulps=1e12, compared_with="numpy"),  # compared with another, not exact
        check("torch.f", "torch", mode="compile", error_ulps=0.25),
        check("numpy.f", "numpy", dtype="float64", outcome="unsupported"),
    ]
    board = scoreboard(merged(records, frameworks={"torch": {"version": "2.13"}}))
    assert [(g.framework, g.version, [r.implementation for r in g.rows]) for g in board.groups] == [
        ("numpy", "1.0", ["numpy.f"]),
        ("torch", "2.13", ["torch.f"]),
    ]
    assert board.dtypes == ["float64", "float32"] and board.several_modes
    eager, compiled = board.groups[1].rows[0].cells["float32"]
    assert (eager.mode, eager.outcome, eager.median) == ("eager", "known divergence", 2.0)
    assert eager.counts == {"known divergence": 1, "passed": 6}
    assert "99th percentile 1e+09" in eager.title("torch.f · float32")
    assert (compiled.label, compiled.median) == ("compile", 0.25)
    (unsupported,) = board.groups[0].rows[0].cells["float64"]
    assert unsupported.outcome == "unsupported" and unsupported.median is None


def test_a_check_showing_two_known_divergences_counts_for_each():
    a_and_b = "a-entry + b-entry"
    records = [
        known("a-entry", "precision", "A loses bits. Details."),
        known(a_and_b, "precision + defect", "A loses bits. Details. AND B is wrong. More.", error_eps=7.0),
        known("c-entry", "definition"),
    ]
    found = {f.id: f for f in findings(merged(records))}
    assert set(found) == {"a-entry", "b-entry", "c-entry"}
    assert len(found["a-entry"].records) == 2 and len(found["b-entry"].records) == 1
    assert found["b-entry"].what == "B is wrong."
    # b's kind comes from the installed catalogue or, unknown there, from the combination
    assert found["b-entry"].kind in ("defect", "precision + defect")


def test_findings_are_listed_new_first_then_defects_precision_definitions(monkeypatch):
    monkeypatch.setattr(findings_module, "_catalogue", lambda: {})
    records = [
        known("p", "precision"),
        known("d", "definition"),
        known("x", "defect"),
        known("s", "defect", outcome="stale divergence"),
        check("torch.f", "torch", outcome="diverged", message="torch.f on cpu:0: 3 eps beyond. Then."),
        check("torch.f", "torch", outcome="diverged", dtype="float16", error_eps="nan"),
        check("torch.f", "torch", outcome="diverged", dtype="float64", error_eps=1e9),
    ]
    found = findings(merged(records))
    assert [(f.kind, f.id) for f in found] == [
        ("new", "diverged: loss of torch.f"),
        ("stale", "s"),
        ("defect", "x"),
        ("precision", "p"),
        ("definition", "d"),
    ]
    new = found[0]
    assert new.dtypes == ["float64", "float32", "float16"] and new.modes == ["eager"]
    assert math.isnan(float(new.worst["error_eps"]))  # NaN is the worst, not the largest number
    assert new.versions == ["torch 1.0"]


def test_the_verdict_counts_what_ran_and_how_long_it_took():
    records = [check("torch.f", "torch"), check("numpy.f", "numpy", outcome="diverged")]
    found = findings(merged(records))
    v = verdict(merged(records, duration_s=61.5), found)
    assert v["checks"] == 2 and v["implementations"] == 2 and v["frameworks"] == 2
    assert v["counts"] == {"diverged": 1, "passed": 1}
    assert v["duration_s"] == 61.5 and v["findings"] == {"new": 1}
    assert verdict(merged(records), found)["duration_s"] is None  # an older file: no duration


def test_a_finding_names_the_bound_its_worst_check_broke():
    imprecise = [known("i", "precision", error_eps=3.0, bound_eps=40.0, tight_eps=2.0)]
    diverged = [known("d", "defect", error_eps=300.0, bound_eps=40.0, tight_eps=2.0)]
    assert findings(merged(imprecise))[0].bound == 2.0  # within the worst-case bound: the tight one
    assert findings(merged(diverged))[0].bound == 40.0


def test_a_new_finding_says_what_its_check_found_not_where_it_ran():
    message = "torch.f on cpu:0, case 'c'\n  loss:\n  got 2.0\n  error 8.4e6 eps exceeds bound 9 eps"
    (new,) = findings(merged([check("torch.f", "torch", outcome="diverged", message=message)]))
    assert new.what == "error 8.4e6 eps exceeds bound 9 eps"
    (raised,) = findings(
        merged([check("torch.f", "torch", outcome="errored", message="TypeError: no\n  at x")])
    )
    assert raised.what == "TypeError: no"


def test_an_entry_outside_its_versions_whose_checks_pass_is_a_fixed_finding():
    gated = {
        "id": "axis",
        "kind": "defect",
        "reason": "Wrong axis.",
        "versions": "keras>=3.0,<3.16",
        "outside": "keras 3.16.0 is outside keras>=3.0,<3.16",
        "upstream": "https://example.org/23451",
    }
    records = [known("p", "precision"), check("tf.f", "tensorflow", gated_divergence=gated)]
    found = findings(merged(records))
    assert [(f.kind, f.id) for f in found] == [("precision", "p"), ("fixed", "axis")]
    fixed = found[1]
    assert fixed.gate == "keras>=3.0,<3.16" and fixed.upstream == "https://example.org/23451"
    assert fixed.what.startswith("Fixed here: keras 3.16.0 is outside keras>=3.0,<3.16")


def test_a_finding_with_a_reproducer_names_the_command_that_writes_it():
    with_script = check(
        "tf.f",
        "tensorflow",
        outcome="known divergence",
        known_divergence={"id": "r", "kind": "defect", "reason": "R.", "repro": {"case": "c"}},
    )
    found = {f.id: f for f in findings(merged([with_script, known("d", "definition")]))}
    assert found["r"].repro == "conformance-repro r" and found["d"].repro == ""
    page = render(merged([with_script]))
    assert "<code>conformance-repro r -o repro.py</code>" in page
